"""AppTest helpers: open a page of the real app with a language and URL parameters."""

from __future__ import annotations

import ast
import functools
from collections.abc import Iterable
from pathlib import Path
from typing import Any
from unittest import mock

from streamlit.components.v2 import manifest_scanner
from streamlit.runtime.pages_manager import PagesManager
from streamlit.testing.v1 import AppTest

from lib.core.lessons import LESSONS

APP = str(Path(__file__).resolve().parents[1] / "streamlit_app.py")

TIMEOUT = 120  # first TensorFlow import + tracing on a cold 2-core machine

# Every new AppTest scans all installed distributions for Streamlit components (722 metadata files,
# 1.7 s here, most of a cached page's test); what is installed does not change during a test run,
# so the scan runs once per process. (Streamlit internals: an AttributeError here says they moved.)
manifest_scanner.scan_component_manifests = functools.cache(manifest_scanner.scan_component_manifests)


def like_a_server(at: AppTest) -> AppTest:
    """Make every run after the first go through the entry point, as on a real server.

    AppTest forgets Streamlit's pages-folder mode before every run (``PagesManager.
    uses_pages_directory = None``), so each rerun starts like a fresh server and runs
    ``pages/<slug>.py`` alone, without the entry point: no sidebar, and no address written
    at the end of the run. A server decides that mode once, at the first ``st.navigation``;
    the first run here still starts undecided (``test_streamlit_internals`` covers that).
    """
    run, first = at._run, [True]
    init = PagesManager.__init__

    def init_decided(self: PagesManager, *args: Any, **kwargs: Any) -> None:
        init(self, *args, **kwargs)
        PagesManager.uses_pages_directory = False

    def run_like_a_server(*args: Any, **kwargs: Any) -> AppTest:
        if first[0]:
            first[0] = False
            return run(*args, **kwargs)
        with mock.patch.object(PagesManager, "__init__", init_decided):
            return run(*args, **kwargs)

    at._run = run_like_a_server  # type: ignore[method-assign]
    return at


@functools.cache
def code_keys(slug: str) -> tuple[str, ...]:
    """The keys of the code panels ``pages/<slug>.py`` draws: each ``ui.code_panel`` call's key."""
    tree = ast.parse((Path(APP).parent / "pages" / f"{slug}.py").read_text(encoding="utf-8"))
    calls = [n for n in ast.walk(tree) if isinstance(n, ast.Call) and isinstance(n.func, ast.Attribute)
             and n.func.attr == "code_panel"]
    keys = tuple(c.args[2].value for c in calls if len(c.args) == 3 and isinstance(c.args[2], ast.Constant))
    assert len(keys) == len(calls), f"pages/{slug}.py: a code panel whose key is not a literal third argument"
    return keys


def open_code(at: AppTest, keys: Iterable[str]) -> AppTest:
    """Open the code panels ``keys`` (as a learner's click does) from the next run on: a closed
    panel sends no code. AppTest cannot click an expander; its Session State key opens it."""
    from lib.core.ui import code_panel_key

    for key in keys:
        at.session_state[code_panel_key(key)] = True
    return at


def open_page(slug: str, lang: str = "en", code: bool | Iterable[str] = False, **params: str) -> AppTest:
    """Run the entry point on the lesson ``slug`` with ``?lang=`` and other query parameters.

    ``code``: the code panels open from the first run (True: all of the page's), for tests
    that read the code shown; a learner finds them closed.
    """
    lesson = next(lesson for lesson in LESSONS if lesson.slug == slug)
    at = like_a_server(AppTest.from_file(APP, default_timeout=TIMEOUT))
    if slug != LESSONS[0].slug:
        at.switch_page(lesson.path)  # open the lesson directly, as a deep link does
    open_code(at, code_keys(slug) if code is True else code or ())
    at.query_params["lang"] = lang
    at.query_params.update(params)
    at.run()
    return at


def texts(at: AppTest) -> str:
    """Everything the page wrote as text, for assertions on numbers shown."""
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption] + [c.value for c in at.code]
    parts += [f"{m.label} {m.value}" for m in at.metric] + [e.value for e in at.error]
    parts += [w.value for w in at.warning] + [i.value for i in at.info] + [s.value for s in at.success]
    parts += [x.value for x in at.text]
    return "\n".join(str(p) for p in parts)


def metric(at: AppTest, label: str) -> str:
    """The value a metric labelled ``label`` shows."""
    return next(m.value for m in at.metric if m.label == label)


def code_with(at: AppTest, needle: str) -> str:
    """The first code panel that contains ``needle``."""
    found = [c.value for c in at.code if needle in c.value]
    assert found, f"no code panel contains {needle!r}"
    return found[0]
