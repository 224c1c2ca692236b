"""A Korean page reads in Korean: every lesson, rendered in Korean, shows no English prose.

Each lesson opens through the entry point in Korean (AppTest, inline backend). Everything a
learner reads is collected from the element tree, plotly figures included
(``tests/learner_text.py``), and checked for English: a phrase of two or more English words,
or a label, heading, axis title or legend name that is nothing but English. Values a page
shows as they are (metric values, widget options, table cells: numbers, class names, the
strings the code takes) only fail on an English phrase. Lessons that train open with small
settings, so the twelve renders stay within a few seconds each.
"""

from __future__ import annotations

import importlib
from functools import cache

import pytest

from lib.core.i18n import LANGUAGE_NAMES, translate
from lib.core.lessons import LESSONS
from tests.apptest import open_page
from tests.learner_text import english, learner_texts

# Small settings for the lessons that train (ranges from each lesson's control table).
# Small settings that keep each page quick yet draw everything it can, comparisons included (the
# optional Keras histories, mini-batch beside full batch): tests/core/test_chart_encodings.py reads these renders too.
SMALL: dict[str, dict[str, str]] = {
    "regression": {"epochs": "10"},
    "layers": {"cmp_epochs": "1", "fn_train": "true", "fn_samples": "64", "fn_epochs": "1"},
    "design": {"fm_images": "1000", "ds_epochs": "1", "sr_seeds": "2", "sr_epochs": "1"},
    "optimizers": {"sf_steps": "50", "race_samples": "200", "race_epochs": "5"},
    "callbacks": {"cb_data": "digits", "cb_rows": "200", "cb_units": "64", "cb_epochs": "10", "cb_seed": "1"},
    "saving": {"sv_images": "1000", "sv_epochs": "2", "sv_units": "20"},
    "evaluation": {"ev_epochs": "5"},
    "linear": {"samples": "200", "steps": "10", "minibatch": "true", "batch": "64"},
}

# Texts a Korean page rightly shows in another language: the language picker names each language
# in itself, and the Advertising table's columns are the data's own names (the code uses them).
LANGUAGE_OPTIONS = set(LANGUAGE_NAMES.values())
DATA_COLUMNS = {"Unnamed: 0", "TV", "radio", "newspaper", "sales"}
# The file uploader's own words are drawn by Streamlit in English (an "Upload" button, "8MB per file", and
# "Drag and drop a file here" while a file is dragged over it) and are not in the element tree; the saving
# lesson's label, help and caption around it are Korean, and the caption names those words.
STREAMLIT_OWN = ("Upload", "8MB per file", "Drag and drop a file here")

VALUE_KINDS = {"metric_value", "option", "cell"}  # shown as they are: only an English phrase fails

# One xdist worker renders every lesson once: tests/core/test_polish.py reads the same renders.
pytestmark = pytest.mark.xdist_group("korean_pages")


@cache
def korean_page(slug: str):
    """The lesson ``slug`` opened in Korean with its small settings, rendered once per test process; its code
    panels open, so their caption and download button are read too."""
    return open_page(slug, "ko", code=True, **SMALL.get(slug, {}))


def _options_of_controls(slug: str) -> set[str]:
    """Option values a lesson's widgets show as they are (no ``names`` to translate them)."""
    table = importlib.import_module(f"lib.lessons.{slug}.controls").CONTROLS
    return {str(o) for control in table if control.options and not control.names for o in control.options}


def korean_problems(at, slug: str) -> list[tuple[str, str, list[str]]]:
    """(kind, text, English found) for every text on the page that is not Korean enough."""
    problems = []
    for kind, text in learner_texts(at):
        if kind == "option" and text in LANGUAGE_OPTIONS | _options_of_controls(slug):
            continue
        if kind in {"column", "cell"} and text in DATA_COLUMNS:
            continue
        for phrase in STREAMLIT_OWN:
            text = text.replace(phrase, " ")
        found = english(text, whole=kind not in VALUE_KINDS)
        if found:
            problems.append((kind, text[:200], found))
    return problems


@pytest.mark.parametrize("slug", [lesson.slug for lesson in LESSONS])
def test_korean_page_shows_no_english_prose(slug):
    at = korean_page(slug)
    assert not at.exception
    crashed = translate("ko", "common.unexpected_error", kind="\0").split("\0")[0]
    assert not [e.value for e in at.error if e.value.startswith(crashed)], "the page stopped on an error"
    assert at.title[0].value == translate("ko", f"{slug}.title")
    ignored = translate("ko", "common.url_ignored_list", items="").split(":")[0]
    assert not [w.value for w in at.warning if ignored in w.value], "a small setting was refused"
    assert korean_problems(at, slug) == []


@pytest.mark.parametrize("text, found", [
    ("The AUCs differ by -0.0198.", ["differ by"]),
    ("Drag and drop file here", ["Drag and drop file here"]),
    ("loss", ["loss"]),
    ("두 AUC의 차이는 `val_loss`와 Adam, ReLU, SGD로 봅니다.", []),
    ("즉시 실행(eager execution)과 **평균**(mean)", []),
    ("$w \\leftarrow w - \\eta g$ 이고 `model.fit(x, y)` 입니다", []),
    ("출처: 『An Introduction to Statistical Learning』", []),
    ("fashion_mlp.keras 내려받기 (.py, 8 MB)", []),
    ("SparseCategoricalCrossentropy", []),
    ("Validation sparse_categorical_accuracy", []),  # one English word beside an identifier
])
def test_english_detector(text, found):
    assert english(text) == found
