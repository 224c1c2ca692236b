"""Widgets from a lesson's control table, bound to the URL (the Streamlit half of ``lib.core.controls``).

Every widget a page draws is a table row: ``control`` draws it (label from the
catalogue, range and default from the table, the value kept in the address),
``control_row`` draws several side by side, ``screen_links`` keeps link values no
control can hold away from Streamlit, ``reset_button`` brings a lesson back to its
defaults. Pages reach these through ``lib.core.ui``.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import streamlit as st
from streamlit.errors import StreamlitAPIException

from lib.core.controls import Control, Table
from lib.core.i18n import t

# --------------------------------------------------------------------------- URL-bound widgets


def _raw_param(key: str) -> list[str]:
    try:
        return st.query_params.get_all(key)
    except Exception:
        return []


def _matches(raw: list[str], value: Any) -> bool:
    """Whether the URL text already means ``value`` (Streamlit drops a default from the URL)."""
    try:
        if isinstance(value, bool):
            return raw[-1].strip().lower() in (("true", "1") if value else ("false", "0"))
        if isinstance(value, (tuple, list)):
            return len(raw) == len(value) and all(float(r) == float(v) for r, v in zip(raw, value, strict=True))
        if isinstance(value, (int, float)):
            return float(raw[-1]) == float(value)
        return raw[-1] == str(value)
    except (ValueError, TypeError):
        return False


def _note_rejected(key: str, label: str, raw: list[str], value: Any, container: Any) -> None:
    """Streamlit drops a URL value a widget cannot take; tell the learner it did."""
    if raw and not _raw_param(key) and not _matches(raw, value):
        shown = ", ".join(v[:40] for v in raw)
        container.warning(t("common.url_ignored", label=label, value=shown), icon="🔗")


def _bound(widget: Callable[..., Any], key: str, label: str, container: Any = None, **kwargs: Any) -> Any:
    container = container or st
    raw = _raw_param(key)
    bind: str | None = "query-params"
    unbind = st.session_state.get("_unbind_once")
    if unbind and key in unbind:
        # This run started from an address whose value for ``key`` must not reach the widget
        # (after "reset", or a value it cannot hold): Streamlit reads a newly drawn widget's
        # value from that starting address. Unbound for one run, it keeps its own value.
        unbind.discard(key)
        bind, raw = None, []
    value = getattr(container, widget.__name__)(label, key=key, bind=bind, **kwargs)
    _note_rejected(key, label, raw, value, container)
    return value


def _clamp_state(key: str, min_value: Any, max_value: Any) -> None:
    """Keep a remembered value inside the widget's current range.

    A range can shrink (a step scrubber after fewer steps), and Streamlit raises
    when a widget's remembered value falls outside it.
    """
    if key not in st.session_state or min_value is None or max_value is None:
        return
    current = st.session_state[key]
    try:
        if isinstance(current, (tuple, list)):
            clamped = type(current)(min(max(v, min_value), max_value) for v in current)
        else:
            clamped = min(max(current, min_value), max_value)
    except TypeError:  # a value of another type left by another page's widget
        del st.session_state[key]
        return
    if clamped != current:
        st.session_state[key] = clamped


def _slider(key: str, label: str, min_value: Any, max_value: Any, value: Any, step: Any = None,
           container: Any = None, **kwargs: Any) -> Any:
    """A slider whose value lives in the URL as ``?key=value``."""
    _clamp_state(key, min_value, max_value)
    return _bound(st.slider, key, label, container, min_value=min_value, max_value=max_value,
                  value=value, step=step, **kwargs)


def _choice(widget: Callable[..., Any], key: str, label: str, options: Sequence[Any], default: Any,
            format_func: Callable[[Any], str], container: Any, **kwargs: Any) -> Any:
    """A single choice whose URL value is the option's stable code, not its translated label.

    Streamlit's own binding writes ``format_func(option)`` to the URL, which would
    tie a shared link to one language, so the URL is kept in sync here instead.
    """
    container = container or st
    options = list(options)
    default = options[0] if default is None else default
    codes = {str(option): option for option in options}
    raw = _raw_param(key)
    if key in st.session_state and st.session_state[key] not in options:
        del st.session_state[key]  # left by another page's widget with the same key
    if key not in st.session_state:  # a fresh page: the link decides
        if raw and raw[-1] in codes:
            st.session_state[key] = codes[raw[-1]]
        elif raw:
            container.warning(t("common.url_ignored", label=label, value=raw[-1][:40]), icon="🔗")
    kwargs.setdefault("index", None if key in st.session_state else options.index(default))
    if kwargs["index"] is None:
        del kwargs["index"]
    # Name every option now, in this run's language: Streamlit (and AppTest) may call
    # format_func again after the run, when the session's language is no longer at hand.
    names = {option: format_func(option) for option in options}
    value = getattr(container, widget.__name__)(label, options=options, format_func=names.__getitem__, key=key,
                                                **kwargs)
    if value == default:
        if key in st.query_params:
            del st.query_params[key]  # defaults stay out of the link, like bound widgets
    elif st.query_params.get(key) != str(value):
        st.query_params[key] = str(value)
    return value


def _select(key: str, label: str, options: Sequence[Any], default: Any = None,
           format_func: Callable[[Any], str] = str, container: Any = None, **kwargs: Any) -> Any:
    """A selectbox over stable codes: the URL holds the code, the learner reads ``format_func``."""
    return _choice(st.selectbox, key, label, options, default, format_func, container, **kwargs)


def _radio(key: str, label: str, options: Sequence[Any], default: Any = None,
          format_func: Callable[[Any], str] = str, container: Any = None, **kwargs: Any) -> Any:
    """Radio buttons over stable codes, kept in the URL like ``select``."""
    return _choice(st.radio, key, label, options, default, format_func, container, **kwargs)


def _number(key: str, label: str, min_value: Any, max_value: Any, value: Any, step: Any = None,
           container: Any = None, **kwargs: Any) -> Any:
    _clamp_state(key, min_value, max_value)
    return _bound(st.number_input, key, label, container, min_value=min_value, max_value=max_value,
                  value=value, step=step, **kwargs)


def _toggle(key: str, label: str, value: bool = False, container: Any = None, **kwargs: Any) -> bool:
    return _bound(st.toggle, key, label, container, value=value, **kwargs)


# --------------------------------------------------------------------------- control tables


def _drop_link_value(c: Control) -> None:
    """Take ``c``'s value out of the address and keep it from the widget for this run."""
    if c.key in st.query_params:
        try:
            del st.query_params[c.key]
        except StreamlitAPIException:  # bound to the widget this run: it keeps its own value
            pass
    st.session_state.setdefault("_unbind_once", set()).add(c.key)
    if c.key in st.session_state and not c.accepts(st.session_state[c.key]):
        del st.session_state[c.key]


def _shown(raw: list[str]) -> str:
    return ", ".join(v[:40] for v in raw[:3]) + (" …" if len(raw) > 3 else "")


def screen_links(table: Table) -> None:
    """Before a lesson runs: ignore every link value its controls cannot hold, and say so once, on top.

    Anything that is not a finite value in range (``inf``, ``nan``, a 400-digit number,
    an empty or endless text, a repeated key) leaves the address before Streamlit sees it
    (its own number input crashes on some of these), whether or not the page draws that
    control with the current settings.
    """
    ignored = []
    for c in table:
        raw = _raw_param(c.key)
        if not raw or c.kind in ("select", "radio") or c.accepts(c.from_link(raw)):
            continue  # choices are checked where they are drawn (``_choice``)
        _drop_link_value(c)
        ignored.append(t("common.url_ignored_item", label=t(c.label), value=_shown(raw)))
    if ignored:
        st.warning(t("common.url_ignored_list", items="; ".join(ignored)), icon="🔗")


def _screen_link(c: Control, label: str, lo: Any, hi: Any, container: Any) -> None:
    """A link value outside a range the page narrowed at run time (``lo``/``hi``): ignored, with a notice."""
    raw = _raw_param(c.key)
    if not raw or c.accepts(c.from_link(raw), lo, hi):
        return
    _drop_link_value(c)
    (container or st).warning(t("common.url_ignored", label=label, value=_shown(raw)), icon="🔗")


def control(c: Control, container: Any = None, label: str | None = None, **overrides: Any) -> Any:
    """The widget a table row declares, bound to the URL under ``c.key``.

    ``label`` replaces the catalogue label (e.g. a label with a number in it);
    ``overrides`` pass on to the widget: ``lo``/``hi`` narrow a range that depends on
    an earlier result (a step scrubber), ``format_func`` names choices, and anything
    else (``disabled``, ``format``, ``label_visibility``…) goes to Streamlit as is.
    """
    text = label if label is not None else t(c.label)
    if c.help is not None:
        overrides.setdefault("help", t(c.help))
    lo, hi = overrides.pop("lo", c.lo), overrides.pop("hi", c.hi)
    default = overrides.pop("default", c.default)
    if c.kind not in ("select", "radio"):
        _screen_link(c, text, lo, hi, container)
    if c.kind in ("slider", "range"):
        return _slider(c.key, text, lo, hi, default, c.step, container, **overrides)
    if c.kind == "number":
        return _number(c.key, text, lo, hi, default, c.step, container, **overrides)
    if c.kind == "toggle":
        return _toggle(c.key, text, default, container, **overrides)
    widget = _select if c.kind == "select" else _radio
    if c.names is not None:
        overrides.setdefault("format_func", lambda option: t(f"{c.names}{option}"))
    return widget(c.key, text, overrides.pop("options", c.options), default, container=container, **overrides)


def control_row(table: Table, *keys: str, gap: str = "medium", widths: Sequence[float] | None = None,
                vertical_alignment: str = "bottom", **overrides: dict[str, Any]) -> list[Any]:
    """The controls ``keys`` side by side, one column each; ``overrides[key]`` goes to that widget."""
    columns = st.columns(list(widths) if widths else len(keys), gap=gap, vertical_alignment=vertical_alignment)
    return [control(table[key], column, **overrides.get(key, {})) for key, column in zip(keys, columns, strict=True)]


def reset_button(table: Table) -> None:
    """"Reset this lesson to its defaults": forget every control's value and its URL key."""

    def reset() -> None:
        st.session_state["_unbind_once"] = {c.key for c in table if c.kind not in ("select", "radio")}
        for c in table:
            if c.kind in ("select", "radio"):  # kept in the URL by ``_choice``
                st.session_state.pop(c.key, None)
            else:  # bound to the URL by Streamlit: set the widget, and the URL follows
                st.session_state[c.key] = c.default
            if c.key in st.query_params:
                try:
                    del st.query_params[c.key]
                except StreamlitAPIException:  # bound this run: the default just set drops it
                    pass

    st.sidebar.button(t("common.reset"), icon=":material/restart_alt:", on_click=reset, key="_reset_lesson",
                      width="stretch", help=t("common.reset_help"), disabled=len(table) == 0)
