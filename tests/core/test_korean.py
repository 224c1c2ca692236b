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
import re
from functools import cache

import pytest

from lib.core.i18n import LANGUAGE_NAMES, translate
from lib.core.korean import particle, with_particle
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

# A number, a space, then a particle or a counter that belongs to it ("18 번째", "0.6690 로", "13 개").
_SPACED = re.compile(r"\d(?:[\d.,]*\d)?[*`]*\s+(?:(?:으로|로|은|는|이|가|을|를|의|에서|에|와|과|보다|까지|부터)(?![가-힣])|번째|개)")  # noqa: E501
# A number followed by 로 or 으로 (also 로는, 으로도, 로부터, 로써, 로서): the one its last sound takes.
_RO = re.compile(r"(\d[\d.,]*(?:e[+-]?\d+)?%?)[*`]*(으로|로)(?=(?:써|서|는|도|부터)?(?![가-힣]))")


def particle_problems(text: str) -> list[str]:
    """Korean particles a number does not take: spaced from it, or 로 where 으로 is due (and back)."""
    found = [m.group(0) for m in _SPACED.finditer(text)]
    found += [m.group(0) for m in _RO.finditer(text) if m.group(2) != particle(m.group(1), "으로")]
    return found

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
        found = english(text, whole=kind not in VALUE_KINDS) + particle_problems(text)
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


@pytest.mark.parametrize("text, found", [
    ("검증 손실은 **18** 번째 에포크에서 가장 낮습니다.", ["18** 번째"]),
    ("val_loss가 0.6691에서 **0.6690** 로 바뀝니다.", ["0.6690** 로"]),
    ("파일 **13** 개를 썼습니다.", ["13** 개"]),
    ("val_loss가 0.6690로 개선", ["0.6690로"]),
    ("학습률 13로", ["13로"]),
    ("20로 나눔", ["20로"]),
    ("0.6691으로 끝남", ["0.6691으로"]),
    ("검증 손실은 **18**번째 에포크에서 가장 낮고 **0.6690**으로 끝납니다. 파일 **13**개, 0.6691로, 7로, 10으로.", []),
    ("1e-05로 줄이고, 1.49e+14로 커지고, 12.5%로, float32로, 256으로, 0.5 이상, 40 스텝", []),
    ("기본값: 10000. 이 페이지", []),  # a sentence ends after the number
    ("Keras 3로 저장한 파일", ["3로"]),
    ("http://localhost:6006 을 여세요", ["6006 을"]),
])
def test_particle_detector(text, found):
    assert particle_problems(text) == found


@pytest.mark.parametrize("number, ro, ul, i", [
    ("0.6690", "으로", "을", "이"), ("0.6691", "로", "을", "이"), ("13", "으로", "을", "이"), ("7", "로", "을", "이"),
    ("2", "로", "를", "가"), ("20", "으로", "을", "이"), ("100", "으로", "을", "이"), ("1,000", "으로", "을", "이"),
    ("10000", "으로", "을", "이"), ("1e-05", "로", "를", "가"), ("1.49e+14", "로", "를", "가"), ("12.5%", "로", "를", "가"),  # noqa: E501
    ("손실", "로", "을", "이"), ("모델", "로", "을", "이"), ("Adam", "으로", "을", "이"), ("TensorBoard", "로", "를", "가"),  # noqa: E501
])
def test_particle_follows_the_numbers_last_sound(number, ro, ul, i):
    assert (particle(number, "으로"), particle(number, "로"), particle(number, "를"), particle(number, "이")) == (ro, ro, ul, i)  # noqa: E501
    assert with_particle(number, "으로") == number + ro


def test_catalogues_pick_the_particle_after_a_placeholder():
    assert translate("ko", "callbacks.effect.saved", v0="0.6690").startswith("val_loss가 0.6690으로 개선")
    assert translate("ko", "callbacks.effect.saved", v0="0.6691").startswith("val_loss가 0.6691로 개선")
    assert translate("en", "callbacks.effect.saved", v0="0.6690").startswith("val_loss improved to 0.6690")
