"""Third-party packages are imported whole, one thread at a time (``lib.core.imports``).

A fresh server's first sessions run in parallel threads; two threads importing TensorFlow,
Keras or pandas at once can hand one of them a half-initialised module. The entry point
loads numpy, pandas and Plotly first, and each page's packages before its script runs;
a page run without the entry point (a deep link on a fresh server) restarts before it
imports anything heavy.
"""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from lib.core import imports
from lib.core.lessons import LESSONS

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / lesson.path for lesson in LESSONS]


def _statements(path: Path) -> list[ast.stmt]:
    return ast.parse(path.read_text()).body


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_a_page_restarts_through_the_entry_point_before_any_heavy_import(page):
    first, second = _statements(page)[:2]
    assert isinstance(first, ast.ImportFrom) and first.module == "lib.core.streamlit_internals"
    assert isinstance(second, ast.Expr) and ast.unparse(second) == "require_entry_point()"


@pytest.mark.parametrize("page", PAGES, ids=lambda p: p.stem)
def test_the_page_header_packages_are_found(page):
    """What a page's header reaches through lib: its lab's TensorFlow too (home's comes later, on purpose)."""
    found = {name.split(".")[0] for name in imports.third_party(str(page))}
    assert {"plotly"} <= found
    if page.stem not in ("home",):
        assert "tensorflow" in found, found


def test_the_entry_point_loads_packages_first_and_before_the_page():
    source = (ROOT / "streamlit_app.py").read_text()
    body = _statements(ROOT / "streamlit_app.py")
    code = [node for node in body if not (isinstance(node, ast.Expr) and isinstance(node.value, ast.Constant))]
    while isinstance(code[0], ast.ImportFrom) and code[0].module.split(".")[0] in sys.stdlib_module_names:
        code.pop(0)  # the standard library first: it imports no third-party package, so it cannot wait on one
    assert ast.unparse(code[0]) == "from lib.core import imports" and ast.unparse(code[1]) == "imports.shared()"
    assert source.index("imports.prepare(") < source.index("page.run()")


def test_threads_loading_every_page_at_once_get_whole_modules():
    """Six pages' packages loaded at once from six threads in a fresh interpreter, as a fresh server does."""
    pages = [str(p) for p in PAGES[:6]]
    probe = f"""
import sys, threading
from lib.core import imports
errors = []
def load(page):
    try:
        imports.shared()
        imports.prepare(page)
    except BaseException as e:
        errors.append(repr(e))
threads = [threading.Thread(target=load, args=(p,)) for p in {pages!r}]
for t in threads: t.start()
for t in threads: t.join()
import numpy, pandas, tensorflow
assert not errors, errors
assert numpy.ndarray and pandas.Series and tensorflow.config
print("whole")
"""
    out = subprocess.run([sys.executable, "-c", probe], cwd=ROOT, capture_output=True, text=True, timeout=600,
                         env={**__import__("os").environ, "TF_CPP_MIN_LOG_LEVEL": "2"})
    assert out.returncode == 0 and out.stdout.strip().endswith("whole"), out.stderr[-3000:]
