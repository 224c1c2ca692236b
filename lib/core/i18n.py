"""Bilingual text: every string a learner reads comes from here.

Shared texts live in ``lib/core/texts/<lang>.toml`` (namespace ``common``), each
lesson's in ``lib/lessons/<slug>/texts/<lang>.toml`` (namespace ``<slug>``); a key is
``"<namespace>.<name>"`` (nested tables add more dots). One file per lesson lets
lessons be written side by side without touching each other's text.
"""

from __future__ import annotations

import string
import tomllib
from functools import cache
from pathlib import Path
from typing import Any

from lib.core.korean import PAIRS, with_particle

LANGUAGES = ("ko", "en")
DEFAULT_LANGUAGE = "en"
LANGUAGE_NAMES = {"ko": "한국어", "en": "English"}
_CORE_TEXTS = Path(__file__).parent / "texts"
_LESSONS = Path(__file__).parents[1] / "lessons"


def _flatten(prefix: str, table: dict[str, Any], out: dict[str, str]) -> None:
    for name, value in table.items():
        key = f"{prefix}.{name}"
        if isinstance(value, dict):
            _flatten(key, value, out)
        else:
            out[key] = str(value)


def catalogue_files(lang: str) -> list[tuple[str, Path]]:
    """(namespace, file) of every catalogue of one language: core's, then each lesson's."""
    files = [("common", _CORE_TEXTS / f"{lang}.toml")]
    files += [(path.parents[1].name, path) for path in sorted(_LESSONS.glob(f"*/texts/{lang}.toml"))]
    return files


@cache
def catalogue(lang: str) -> dict[str, str]:
    """All keys of one language, flattened to ``namespace.key`` -> text."""
    out: dict[str, str] = {}
    for namespace, path in catalogue_files(lang):
        with path.open("rb") as f:
            _flatten(namespace, tomllib.load(f), out)
    return out


def translate(lang: str, key: str, **values: Any) -> str:
    """Text for ``key`` in ``lang``; placeholders ``{name}`` filled from ``values``.

    A missing key falls back to English, then to the key itself, so a gap in a
    catalogue shows up as visible text rather than a crash (a test guards gaps).
    """
    text = catalogue(lang).get(key) or catalogue(DEFAULT_LANGUAGE).get(key) or key
    return _FORMATTER.format(text, **values) if values else text


class _Particles(string.Formatter):
    """``str.format``, plus a Korean particle as a placeholder's format spec: ``{loss:으로}`` is the
    value followed by 로 or 으로, whichever its last sound takes (``lib.core.korean``)."""

    def format_field(self, value: Any, format_spec: str) -> str:
        if format_spec in PAIRS:
            return with_particle(format(value), format_spec)
        return super().format_field(value, format_spec)


_FORMATTER = _Particles()


def normalize(lang: object) -> str | None:
    """A supported language code from a URL value or a browser locale, else None."""
    if not isinstance(lang, str):
        return None
    code = lang.strip().lower().replace("_", "-").split("-")[0]
    return code if code in LANGUAGES else None


def current_language() -> str:
    """The language of the current Streamlit session (English outside Streamlit)."""
    try:
        import streamlit as st
        from streamlit.runtime.scriptrunner import get_script_run_ctx
    except ImportError:
        return DEFAULT_LANGUAGE
    if get_script_run_ctx(suppress_warning=True) is None:  # unit tests, scripts
        return DEFAULT_LANGUAGE
    return st.session_state.get("lang") or DEFAULT_LANGUAGE


def t(key: str, **values: Any) -> str:
    """Translate ``key`` into the current session's language."""
    return translate(current_language(), key, **values)
