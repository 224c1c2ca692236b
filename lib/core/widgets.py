"""Widgets from a lesson's control table, and the address that holds them (the Streamlit half of ``lib.core.controls``).

Every widget a page draws is a table row: ``control`` draws it (label from the
catalogue, range and default from the table), ``control_row`` draws several side by
side, ``reset_button`` brings a lesson back to its defaults. Pages reach these through
``lib.core.ui``.

The app, not the browser, owns the address. Widgets are not bound to the URL: a
control's value lives in Session State, and a link seeds it once, on the run that
opens the page (``screen_links``). Every ``control`` call records the value the page
computes with, and at the end of every completed run the entry point writes the one
address those values make (``publish_links``): ``lang``, then this lesson's controls
that differ from their defaults in table order, then what a page keeps in the link
itself (``link_param``), nothing else. A rerun request may carry an address from
before the last run (the browser sends whatever it shows when the learner moves a
slider); it is never read back, so it cannot survive the next completed run, and the
share control shows the same address.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import streamlit as st

from lib.core import i18n
from lib.core.controls import Control, Table
from lib.core.i18n import t

_RUN = "_links_run"  # this run: {"values": {key: (value, default)}, "extra": {key: text}}
_PAGE = "_links_page"  # the page whose link has been read: a newly opened page reads its link once
_SEEDS = "_links_seeds"  # link values waiting for their control: {key: (value, text shown)}
_NOTES = "_links_notes"  # link values ignored and not yet said (said once, on top, at the end of a run)
# each control as last drawn: {key: (range or options, default, value, whether it follows a default that moves)}
_SHAPES = "_links_shapes"
_EXTRA = "_links_extra"  # what the page kept in the link on its last completed run
_WRITTEN = "_links_written"  # controls the reset button wrote to Session State for the next run
_UNSET = object()

# --------------------------------------------------------------------------- link text


def _round(value: Any) -> Any:
    """A float as the link writes it: the same value a reopened link gives back."""
    return round(value, 10) if isinstance(value, float) else value


def _clean(value: Any) -> Any:
    if isinstance(value, (tuple, list)):
        return tuple(_round(v) for v in value)
    return _round(value)


def link_text(value: Any) -> str | list[str]:
    """How the link writes a control's value (a range is a repeated key)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (tuple, list)):
        return [str(v) for v in _clean(value)]
    return str(_clean(value))


def _raw_param(key: str) -> list[str]:
    try:
        return st.query_params.get_all(key)
    except Exception:
        return []


def _shown(raw: list[str]) -> str:
    return ", ".join(v[:40] for v in raw[:3]) + (" …" if len(raw) > 3 else "")


def _note(label: str, shown: str) -> None:
    st.session_state.setdefault(_NOTES, []).append(t("common.url_ignored_item", label=label, value=shown))


# --------------------------------------------------------------------------- one run of a page


def screen_links(table: Table, page: str) -> Any:
    """Before a lesson runs: start this run's record and, on the run that opens ``page``, read its link.

    The link seeds the controls it names with the values they can hold; everything
    else it says (``inf``, ``nan``, a 400-digit number, an endless text, a repeated
    key, an option no control offers, keys of no control) is ignored. The ignored
    values are named once, in the notice this returns: a placeholder on top of the
    page that ``publish_links`` fills.
    """
    state = st.session_state
    state[_RUN] = {"values": {}, "extra": {}, "written": state.pop(_WRITTEN, set()), "fitted": set()}
    if state.get(_PAGE) != page:
        state[_PAGE] = page
        for c in table:  # left by an earlier visit, or by another lesson's widget with the same key
            if c.key in state:
                del state[c.key]
        seeds: dict[str, tuple[Any, str]] = {}
        state[_SHAPES], state[_EXTRA], state[_NOTES] = {}, {}, []
        for c in table:
            raw = _raw_param(c.key)
            if not raw:
                continue
            value = c.from_link(raw)
            if c.accepts(value):
                seeds[c.key] = (value, _shown(raw))
            else:
                _note(t(c.label), _shown(raw))
        state[_SEEDS] = seeds
    return st.empty()


def link_param(key: str, text: str | None) -> None:
    """Keep ``key=text`` in this run's link (None: leave it out): state a page keeps in the link
    itself, outside its control table (the evaluation lesson's edited masks)."""
    st.session_state.setdefault(_RUN, {"values": {}, "extra": {}})["extra"][key] = text


def link_params(table: Table, predicted: bool = False) -> list[tuple[str, str | list[str]]]:
    """The address of this page, as (key, text) pairs: ``lang``, the controls that differ from
    their defaults (table order), then the page's own keys.

    ``predicted``: before the page has run, from what Session State and the link already hold
    (the share control shows it while a long run trains, and is refreshed when it ends).
    """
    state = st.session_state
    pairs: list[tuple[str, str | list[str]]] = [("lang", state.get("lang") or i18n.DEFAULT_LANGUAGE)]
    run = state.get(_RUN) or {"values": {}, "extra": {}}
    shapes, seeds = state.get(_SHAPES, {}), state.get(_SEEDS, {})
    for c in table:
        if not predicted:
            value, default = run["values"].get(c.key, (_UNSET, None))
            if value is _UNSET and c.key in seeds:  # a link value whose control this run did not reach (it
                value, default = seeds[c.key][0], c.default  # failed before it): kept for the run that draws it
        elif c.key in shapes and c.key in state:
            value, default = state[c.key], shapes[c.key][1]
        else:
            value, default = seeds.get(c.key, (_UNSET, ""))[0], c.default
        if value is not _UNSET and _clean(value) != _clean(default):
            pairs.append((c.key, link_text(value)))
    extra = state.get(_EXTRA, {}) if predicted else run["extra"]
    pairs += [(key, text) for key, text in extra.items() if text is not None]
    return pairs


def publish_links(table: Table, notice: Any = None) -> None:
    """After a completed run: the address becomes exactly what this run computed with, and the
    link values that were ignored are said once, on top (in ``notice``; None after a section of
    the page reran alone, whose controls this run's record now holds beside the others')."""
    state = st.session_state
    run = state.setdefault(_RUN, {"values": {}, "extra": {}})
    st.query_params.from_dict(link_params(table))  # always: the browser may show an older address
    state[_EXTRA] = dict(run["extra"])
    run["written"], run["fitted"] = set(), set()  # this run's own business: not a section's rerun's
    notes = state.pop(_NOTES, None) if notice is not None else None
    if notes:
        notice.warning(t("common.url_ignored_list", items="; ".join(notes)), icon="🔗")


# --------------------------------------------------------------------------- one control


def _fit(c: Control, value: Any, lo: Any, hi: Any, options: Sequence[Any] | None, default: Any) -> Any:
    """The value a widget can hold nearest to ``value``: clamped into its range, else the default."""
    if options is not None:
        return value if value in options else default
    if c.kind in ("slider", "range", "number"):
        try:
            values = tuple(min(max(v, lo), hi) for v in value) if c.kind == "range" else min(max(value, lo), hi)
        except TypeError:  # a value of another type
            return default
        return values if c.accepts(values, lo, hi) else default
    return value if c.accepts(value) else default


def _start(c: Control, label: str, lo: Any, hi: Any, options: Sequence[Any] | None, default: Any) -> Any:
    """The value to draw a widget with (its ``value``/``index``), or ``_UNSET`` when Session State holds it.

    A widget keeps its own value whenever it can: writing Session State would make
    Streamlit push that value back to the browser, overwriting a slider the learner is
    still moving. It is written only when the widget cannot hold it any more (its
    range or options moved with an earlier result; a scrubber at its end stays at the end).
    Otherwise the widget is drawn with the value the server holds, so a browser that
    draws it without a value of its own (a run cut short before the widget reached the
    browser) shows, and sends back, that value rather than Streamlit's default.
    """
    state = st.session_state
    shape = tuple(options) if options is not None else (lo, hi)
    valid = (lambda v: v in options) if options is not None else (lambda v: c.accepts(v, lo, hi))
    if c.key in state:
        current = state[c.key]
        last = state.get(_SHAPES, {}).get(c.key)
        run = state.setdefault(_RUN, {"values": {}, "extra": {}})
        if last is not None and last[0] != shape and last[3] and _clean(current) == _clean(last[1]):
            fixed = default  # a scrubber left at its end stays at the end of the new run
        elif (last is not None and last[0] != shape) or not valid(current):
            fixed = _fit(c, current, lo, hi, options, default)  # a value the learner chose: kept, clamped
            run.setdefault("fitted", set()).add(c.key)
        elif c.key in run.get("written", ()):
            return _UNSET  # Streamlit sends it to the browser, and warns if it is also the widget's value
        else:
            return current
        state[c.key] = fixed
        return _UNSET
    seed = state.get(_SEEDS, {}).pop(c.key, None)
    if seed is not None:
        if valid(seed[0]):
            return seed[0]
        _note(label, seed[1])  # outside a range or options the page narrowed at run time
    return default


def control(c: Control, container: Any = None, label: str | None = None, **overrides: Any) -> Any:
    """The widget a table row declares, under the key ``c.key`` (its key in the link too).

    ``label`` replaces the catalogue label (e.g. a label with a number in it);
    ``overrides`` pass on to the widget: ``lo``/``hi`` narrow a range that depends on
    an earlier result (a step scrubber), ``default`` replaces the table's default,
    ``options`` the table's options, ``format_func`` names choices, and anything
    else (``disabled``, ``format``, ``label_visibility``…) goes to Streamlit as is.
    """
    container = container or st
    text = label if label is not None else t(c.label)
    if c.help is not None:
        overrides.setdefault("help", t(c.help))
    lo, hi = overrides.pop("lo", c.lo), overrides.pop("hi", c.hi)
    default = overrides.pop("default", c.default)
    choice = c.kind in ("select", "radio")
    options = list(overrides.pop("options", c.options)) if choice else None
    if choice and default not in options:
        default = options[0]
    start = _start(c, text, lo, hi, options, default)
    if choice:
        if start is not _UNSET:
            overrides["index"] = options.index(start)
        format_func = overrides.pop("format_func", None)
        if format_func is None and c.names is not None:
            format_func = lambda option: t(f"{c.names}{option}")  # noqa: E731
        # Name every option now, in this run's language: Streamlit (and AppTest) may call
        # format_func again after the run, when the session's language is no longer at hand.
        names = {option: (format_func or str)(option) for option in options}
        draw = container.selectbox if c.kind == "select" else container.radio
        value = draw(text, options=options, format_func=names.__getitem__, key=c.key, **overrides)
    else:
        if start is not _UNSET:
            overrides["value"] = start
        if c.kind == "toggle":
            value = container.toggle(text, key=c.key, **overrides)
        else:
            draw = container.number_input if c.kind == "number" else container.slider
            value = draw(text, min_value=lo, max_value=hi, step=c.step, key=c.key, **overrides)
    value = _clean(value)
    run = st.session_state.setdefault(_RUN, {"values": {}, "extra": {}})
    run["values"][c.key] = (value, default)
    shapes = st.session_state.setdefault(_SHAPES, {})
    last = shapes.get(c.key)
    if c.key in run.get("fitted", ()):
        follows = False
    elif last is not None and value == last[2]:
        follows = last[3]
    else:
        follows = value == _clean(default)
    shapes[c.key] = (tuple(options) if choice else (lo, hi), default, value, follows)
    return value


def control_row(table: Table, *keys: str, gap: str = "medium", widths: Sequence[float] | None = None,
                vertical_alignment: str = "bottom", **overrides: dict[str, Any]) -> list[Any]:
    """The controls ``keys`` side by side, one column each; ``overrides[key]`` goes to that widget."""
    columns = st.columns(list(widths) if widths else len(keys), gap=gap, vertical_alignment=vertical_alignment)
    return [control(table[key], column, **overrides.get(key, {})) for key, column in zip(keys, columns, strict=True)]


def reset_button(table: Table) -> None:
    """"Reset this lesson to its defaults": every control back to its default; the address follows
    at the end of the run."""

    def reset() -> None:
        state = st.session_state
        shapes = state.get(_SHAPES, {})
        state[_SEEDS], state[_NOTES], state[_WRITTEN] = {}, [], {c.key for c in table}
        state[_SHAPES] = {key: (*last[:3], True) for key, last in shapes.items()}  # at the defaults: following them
        for c in table:  # written, not forgotten: Streamlit then moves the widgets in the browser too
            state[c.key] = shapes[c.key][1] if c.key in shapes else c.default

    st.sidebar.button(t("common.reset"), icon=":material/restart_alt:", on_click=reset, key="_reset_lesson",
                      width="stretch", help=t("common.reset_help"), disabled=len(table) == 0)
