"""The house rules: one package per lesson, imports point one way, Streamlit stays at the edge."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from lib.core.lessons import LESSONS

ROOT = Path(__file__).resolve().parents[2]
LESSON_DIRS = sorted(p for p in (ROOT / "lib" / "lessons").iterdir() if p.is_dir() and p.name != "__pycache__")
PY = sorted([*(ROOT / "lib").rglob("*.py"), *(ROOT / "pages").glob("*.py"), ROOT / "streamlit_app.py"])
STREAMLIT_ALLOWED = {"streamlit_app.py", "lib/core/ui.py", "lib/core/i18n.py", "lib/core/streamlit_internals.py",
                     "lib/core/widgets.py", "lib/core/live.py", "lib/core/sections.py",
                     "lib/core/warm.py"}  # warm runs the pages headless (AppTest): Streamlit is its job


def _rel(path: Path) -> str:
    return path.relative_to(ROOT).as_posix()


def _imports(path: Path) -> list[tuple[ast.AST, str, list[str]]]:
    """(node, module, imported names) for every import in a file."""
    out = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.level == 0:
            out.append((node, node.module or "", [a.name for a in node.names]))
        elif isinstance(node, ast.Import):
            out += [(node, a.name, []) for a in node.names]
    return out


def test_every_lesson_has_its_package_and_page():
    assert [p.name for p in LESSON_DIRS] == sorted(lesson.slug for lesson in LESSONS)
    assert len(LESSON_DIRS) == 12 and len(list((ROOT / "pages").glob("*.py"))) == 12
    for folder in LESSON_DIRS:
        for part in ("__init__.py", "controls.py", "code.py", "figures.py", "texts/en.toml", "texts/ko.toml"):
            assert (folder / part).is_file(), f"{folder.name} has no {part}"
    for lesson in LESSONS:
        assert (ROOT / lesson.path).is_file()
    assert len(PY) > 60  # the walk below really sees the tree


def test_a_lesson_imports_only_core_and_itself():
    crossing = []
    for folder in LESSON_DIRS:
        for path in folder.rglob("*.py"):
            for _, module, names in _imports(path):
                parts = module.split(".")
                if parts[:2] == ["lib", "lessons"]:
                    targets = [parts[2]] if len(parts) > 2 else names
                    crossing += [f"{_rel(path)} -> {t}" for t in targets if t != folder.name]
    assert crossing == []


def test_core_never_imports_a_lesson():
    offenders = [_rel(p) for p in (ROOT / "lib" / "core").rglob("*.py")
                 for _, module, _ in _imports(p) if module.startswith("lib.lessons")]
    assert offenders == []


def _core_aliases(tree: ast.AST) -> set[str]:
    """Local names bound to modules of lib.core (``from lib.core import engine as e`` -> {"e"})."""
    names = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module == "lib.core":
            names |= {a.asname or a.name for a in node.names}
        elif isinstance(node, ast.Import):
            names |= {a.asname for a in node.names if a.name.startswith("lib.core") and a.asname}
    return names


def private_core_uses(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    aliases = _core_aliases(tree)
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and (node.module or "").startswith("lib.core"):
            found += [f"line {node.lineno}: {a.name}" for a in node.names if a.name.startswith("_")]
        elif (isinstance(node, ast.Attribute) and isinstance(node.value, ast.Name) and node.value.id in aliases
              and node.attr.startswith("_") and not node.attr.startswith("__")):
            found.append(f"line {node.lineno}: {node.value.id}.{node.attr}")
    return found


def test_nothing_outside_core_uses_a_private_core_name():
    outside = [p for p in PY if not _rel(p).startswith("lib/core/")]
    assert len(outside) > 40
    offenders = {_rel(p): uses for p in outside if (uses := private_core_uses(p))}
    assert offenders == {}


def test_the_private_name_check_catches_a_use(tmp_path):
    probe = tmp_path / "probe.py"
    probe.write_text("from lib.core import engine as e\nfrom lib.core.pool import _x\ne._Trainer\n")
    assert private_core_uses(probe) == ["line 2: _x", "line 3: e._Trainer"]


def test_only_the_edge_imports_streamlit():
    offenders = []
    for path in PY:
        rel = _rel(path)
        if rel in STREAMLIT_ALLOWED or rel.startswith("pages/"):
            continue
        if any(module.split(".")[0] == "streamlit" for _, module, _ in _imports(path)):
            offenders.append(rel)
    assert offenders == []


@pytest.mark.parametrize("path", PY, ids=_rel)
def test_no_file_over_450_lines(path):
    lines = len(path.read_text(encoding="utf-8").splitlines())
    assert lines <= 450, f"{_rel(path)} has {lines} lines: split it by what it holds"


def test_no_lesson_keeps_its_own_trainer_pool_or_gate():
    """Training goes through lib.core.engine: lessons build no Pool or Gate and hold no slot by hand."""
    offenders = []
    outside = [p for p in PY if not _rel(p).startswith("lib/core/")]
    for path in outside:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            called = getattr(node.func, "id", getattr(node.func, "attr", "")) if isinstance(node, ast.Call) else ""
            if called in ("Pool", "Gate"):
                offenders.append(f"{_rel(path)}:{node.lineno} builds a {called}")
            if isinstance(node, ast.Attribute) and node.attr in ("GATE", "POOL", "LIGHT", "slot", "give_back"):
                offenders.append(f"{_rel(path)}:{node.lineno} uses .{node.attr}")
        offenders += [f"{_rel(path)} imports {name} from {module}" for _, module, names in _imports(path)
                      for name in names if module in ("lib.core.gate", "lib.core.pool") and name != "OptimizerReset"]
    assert offenders == []
