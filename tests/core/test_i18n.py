"""Both catalogues have the same keys, every key the code uses exists, placeholders match."""

import re
import string
from pathlib import Path

import pytest

from lib.core import i18n
from lib.core.lessons import LESSONS
from lib.lessons.home.figures import EVENTS

ROOT = Path(__file__).resolve().parents[2]
SOURCES = [ROOT / "streamlit_app.py", *sorted((ROOT / "pages").glob("*.py")), *sorted((ROOT / "lib").rglob("*.py"))]
LITERAL = re.compile(r"""\bt\(\s*["']([a-z_]+\.[A-Za-z0-9_.]+)["']""")
PREFIX = re.compile(r"""\bt\(\s*f["']([a-z_]+\.[A-Za-z0-9_.]*)\{""")


def test_sources_and_catalogues_are_found():
    assert len(SOURCES) > 60 and sum(p.parent.name == "pages" for p in SOURCES) == 12
    for lang in i18n.LANGUAGES:  # core's texts and one file per lesson
        assert len(i18n.catalogue_files(lang)) == 13
        assert all(path.is_file() for _, path in i18n.catalogue_files(lang))


def _placeholders(text: str) -> set[str]:
    return {name for _, name, _, _ in string.Formatter().parse(text) if name}


def test_languages_have_identical_keys():
    ko, en = set(i18n.catalogue("ko")), set(i18n.catalogue("en"))
    assert ko - en == set(), f"only in Korean: {sorted(ko - en)}"
    assert en - ko == set(), f"only in English: {sorted(en - ko)}"


def test_placeholders_agree_between_languages():
    ko, en = i18n.catalogue("ko"), i18n.catalogue("en")
    mismatched = [k for k in en if _placeholders(en[k]) != _placeholders(ko[k])]
    assert mismatched == []


def test_no_empty_texts():
    for lang in i18n.LANGUAGES:
        assert [k for k, v in i18n.catalogue(lang).items() if not v.strip()] == []


def test_every_key_used_in_code_exists():
    keys = set(i18n.catalogue("en"))
    missing, prefixes = [], []
    for path in SOURCES:
        source = path.read_text(encoding="utf-8")
        missing += [f"{path.name}: {k}" for k in LITERAL.findall(source) if k not in keys]
        prefixes += [(path.name, p) for p in PREFIX.findall(source)]
    assert missing == []
    for name, prefix in prefixes:  # t(f"home.event_{key}") needs at least one such key
        assert any(k.startswith(prefix) for k in keys), f"{name}: no key starts with {prefix}"


def test_lesson_and_timeline_keys_exist():
    keys = set(i18n.catalogue("en"))
    for lesson in LESSONS:
        assert lesson.title_key in keys and lesson.summary_key in keys
        assert (ROOT / lesson.path).is_file()
    for _, _, key in EVENTS:
        assert f"home.event_{key}" in keys


@pytest.mark.parametrize("raw, expected", [("ko", "ko"), ("ko-KR", "ko"), ("en_US", "en"), ("EN", "en"),
                                            ("fr", None), ("", None), (None, None), (3, None)])
def test_normalize_language(raw, expected):
    assert i18n.normalize(raw) == expected


def test_translate_fills_values_and_falls_back():
    assert "7" in i18n.translate("en", "common.queued", place=7)
    assert "7" in i18n.translate("ko", "common.queued", place=7)
    assert i18n.translate("ko", "no.such_key") == "no.such_key"
