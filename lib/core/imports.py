"""Third-party packages imported one at a time, whole, before a page's script uses them.

A fresh server runs its first sessions' scripts in parallel threads. Python locks each
module while it imports it, and when two threads wait on each other's module locks (a
cycle: TensorFlow imports Keras while another thread's Keras imports TensorFlow; pandas,
scipy and TensorFlow have import cycles inside them too) it breaks the deadlock by handing
one thread the half-initialised module ("partially initialized module 'numpy' has no
attribute 'ndarray'", "module 'tensorflow' has no attribute 'config'"). Plotly also reads
numpy and pandas straight from ``sys.modules`` without importing them.

So no two threads import third-party packages at once: ``load`` imports them under one
process-wide lock, and ``prepare`` loads everything a page file's header needs (its own
imports and, through ``lib``, every third-party module the ``lib`` modules it names import)
before the page's script runs. Our own modules import in any order without the lock: their
import graph has no cycles (``tests/core/test_structure.py``), so waits cannot form one.
Once a page's packages are whole, its run takes no lock at all: a page that needs no
TensorFlow never waits for another session's TensorFlow import.
"""

from __future__ import annotations

import ast
import importlib
import sys
import threading
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
_LOCK = threading.RLock()
_PARSING = threading.Lock()  # apart from _LOCK: reading a page's imports never waits for TensorFlow's import
# What every page uses: whole before any page draws (Plotly's trace classes load lazily on first use).
SHARED = ("numpy", "pandas", "plotly", "plotly.graph_objects", "plotly.io")
_OURS = ("lib", "pages", "tests", "streamlit", "__future__")


def _whole(name: str) -> bool:
    module = sys.modules.get(name)
    return module is not None and not getattr(getattr(module, "__spec__", None), "_initializing", False)


def load(*names: str) -> None:
    """Import ``names`` (dotted module names) whole, one thread at a time; at once when they already are."""
    if all(_whole(name) for name in names):
        return
    with _LOCK:
        for name in names:
            if not _whole(name):
                try:
                    importlib.import_module(name)
                except ModuleNotFoundError:  # an optional package (Ray): the code that wants it says so itself
                    pass
        if "plotly.graph_objects" in names:
            go = sys.modules["plotly.graph_objects"]
            for attr in go.__all__:  # each trace class is its own lazily imported module
                getattr(go, attr)


def shared() -> None:
    """What every page needs, whole (the entry point's first line)."""
    load(*SHARED)


def _entry_check(node: ast.Expr) -> bool:
    call = node.value
    name = getattr(call, "func", None)
    return isinstance(call, ast.Call) and getattr(name, "id", getattr(name, "attr", "")) == "require_entry_point"


def _imports(tree: ast.AST, header_only: bool) -> list[str]:
    """Module names a file imports: everywhere in it, or (``header_only``) in its leading import block."""
    nodes = []
    if header_only:
        for node in tree.body:  # type: ignore[attr-defined]
            if isinstance(node, (ast.Import, ast.ImportFrom)):
                nodes.append(node)
            elif not (isinstance(node, ast.Expr) and (isinstance(node.value, ast.Constant) or _entry_check(node))):
                break  # past the docstring and the page's first line (``require_entry_point()``)
    else:
        nodes = [n for n in ast.walk(tree) if isinstance(n, (ast.Import, ast.ImportFrom))]
    names = []
    for node in nodes:
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif node.module and not node.level:
            names.append(node.module)
            # ``from lib.lessons.x import lab``: lab may be a module of its own
            names += [f"{node.module}.{alias.name}" for alias in node.names if node.module.startswith("lib")]
    return names


def _source(name: str) -> Path | None:
    path = ROOT / Path(*name.split("."))
    for candidate in (path.with_suffix(".py"), path / "__init__.py"):
        if candidate.is_file():
            return candidate
    return None


@cache
def third_party(page_file: str) -> tuple[str, ...]:
    """The third-party modules ``page_file``'s import header needs, through every ``lib`` module it reaches.

    A ``lib`` module's imports inside functions count too (they run while the page does), except in
    ``lib.core``, whose late imports (TensorFlow for the device line) are deliberately late and go
    through ``load`` themselves.
    """
    found: dict[str, None] = {}
    seen: set[str] = set()
    todo = _imports(ast.parse(Path(page_file).read_text()), header_only=True)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        if name.split(".")[0] == "lib":
            source = _source(name)
            if source is not None:
                todo += _imports(ast.parse(source.read_text()), header_only=False) if name.startswith(
                    "lib.lessons") else _module_level(ast.parse(source.read_text()))
        elif name.split(".")[0] not in _OURS and name.split(".")[0] not in sys.stdlib_module_names:
            found[name] = None
    return tuple(sorted(found))


def _module_level(tree: ast.Module) -> list[str]:
    """Imports that run when the module is imported (not inside a function)."""
    names: list[str] = []
    for node in tree.body:
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            continue
        if isinstance(node, ast.ClassDef):
            continue
        names += _imports(node, header_only=False)
    return names


def prepare(page_file: str | Path) -> None:
    """Load, whole, every third-party module the page's import header reaches (before its script runs)."""
    with _PARSING:  # CPython 3.11's ast.parse is not safe in two threads at once ("recursion depth mismatch")
        names = third_party(str(page_file))
    load(*names)
