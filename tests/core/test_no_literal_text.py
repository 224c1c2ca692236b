"""Pages show only catalogue text: no string literal reaches a Streamlit element."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PAGES = sorted((ROOT / "pages").glob("*.py")) + [ROOT / "streamlit_app.py"]
ALLOWED = {"Page", "page_link", "switch_page", "set_page_config", "cache_data", "cache_resource", "fragment"}
TEXT_KWARGS = {"label", "help", "placeholder", "caption", "body", "title", "value_label"}


def test_all_pages_are_checked():
    assert len(PAGES) == 13  # twelve lessons and the entry point: a move cannot make this pass on nothing


def _rooted_at_st(node: ast.AST) -> bool:
    while isinstance(node, ast.Attribute):
        node = node.value
    return isinstance(node, ast.Name) and node.id == "st"


def _is_text(node: ast.AST) -> bool:
    return isinstance(node, ast.Constant) and isinstance(node.value, str) and any(c.isalpha() for c in node.value)


@pytest.mark.parametrize("path", PAGES, ids=[p.name for p in PAGES])
def test_no_literal_text_in_streamlit_calls(path):
    offenders = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        if not _rooted_at_st(node.func) or node.func.attr in ALLOWED:
            continue
        texts = [a for a in node.args if _is_text(a)]
        texts += [k.value for k in node.keywords if k.arg in TEXT_KWARGS and _is_text(k.value)]
        offenders += [f"line {a.lineno}: {a.value!r}" for a in texts]
    assert offenders == [], f"{path.name} shows literal text; use t(...) from lib.core.i18n"
