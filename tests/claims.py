"""Make a page's "these are the same" comparisons come out one float32 ulp apart.

What another CPU's kernels do to a reloaded model or a second batch size: the page must keep
its teaching sentence and add the largest difference, never drop it or call it a failure.
"""

from __future__ import annotations

from types import ModuleType

import numpy as np
import pytest
import streamlit as st

from lib.core import agreement
from lib.core.i18n import translate


def one_ulp_apart(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch, module: ModuleType,
                  ulps: int = 1) -> list[agreement.Agreement]:
    """Patch ``module.compare`` so its first argument is ``ulps`` float32 ulps higher (0: the second
    argument itself, bitwise equal); the agreements it returned are collected in the list returned.
    Streamlit's caches are cleared before and after, so the page computes them again and no later
    test meets a patched result."""
    real, made = agreement.compare, []

    def compare(a, b, terms: int = 1) -> agreement.Agreement:
        moved = np.asarray(b if ulps == 0 else a, np.float32)
        for _ in range(ulps):
            moved = np.nextafter(moved, np.float32(np.inf))
        made.append(real(moved, b, terms))
        return made[-1]

    monkeypatch.setattr(module, "compare", compare)
    st.cache_data.clear()
    request.addfinalizer(st.cache_data.clear)
    return made


def float32_note(lang: str, found: agreement.Agreement) -> str:
    """The sentence a page adds after its teaching sentence when the results are 1 ulp apart."""
    assert not found.exact and found.close and found.largest > 0
    return translate(lang, "common.float32_equal", diff=found.difference())
