"""Sections of a lesson page that rerun on their own, with the link kept true.

A control inside ``@ui.section`` reruns only that section (``st.fragment``): moving the
threshold slider redraws the threshold's numbers and charts, not the training above
them. The entry point marks every full run (``page_started`` ... ``page_finished``);
when a section reruns alone it publishes the address and the share link itself, with
the values of every control (the others kept from the last full run), because the
entry point's end-of-run publishing does not run then.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any

import streamlit as st

_PUBLISH = "_section_publish"  # session state: how to publish the link after a section reran alone
_FULL = "_section_full_run"  # session state: a full run of the page is under way


def page_started(publish: Callable[[], None]) -> None:
    """The entry point, before the page: a full run begins; ``publish()`` writes the link."""
    from lib.core import live

    st.session_state[_FULL] = True
    st.session_state[_PUBLISH] = publish
    live.run_started()


def page_finished() -> None:
    """The entry point, after its own publishing: later section reruns publish themselves."""
    st.session_state[_FULL] = False


def section(body: Callable[..., Any]) -> Callable[..., Any]:
    """``body`` as a part of the page that its own controls rerun alone (a decorator).

    An error in a section (a cancelled run among them) is said in that section, and the
    sections below it are still drawn.
    """
    from lib.core import live
    from lib.core.ui import friendly_errors

    @functools.wraps(body)
    def run(*args: Any, **kwargs: Any) -> Any:
        if not st.session_state.get(_FULL, True):  # this section reruns alone: a new script run
            live.run_started()
        result = None
        with friendly_errors():
            result = body(*args, **kwargs)
        if not st.session_state.get(_FULL, True):  # this section reran alone
            publish = st.session_state.get(_PUBLISH)
            if publish is not None:
                publish()
        return result

    return st.fragment(run)
