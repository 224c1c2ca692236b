"""Issue 14's polish items, each where a test can see it.

Most checks read the Korean renders ``tests/core/test_korean.py`` already made (one per lesson,
in the same xdist worker); figure fixes are checked on the figure functions themselves.
"""

from __future__ import annotations

import json
from typing import Any
from unittest import mock

import numpy as np
import pytest

from lib.core import device
from lib.core.device import DEVICE, DeviceInfo, shown_label
from lib.core.i18n import translate
from tests.apptest import open_page
from tests.core.test_korean import korean_page

pytestmark = pytest.mark.xdist_group("korean_pages")


def _walk(node: Any, parents: tuple = ()):
    yield node, parents
    for child in getattr(node, "children", {}).values():
        yield from _walk(child, (*parents, node))


def chart(at, key: str) -> dict:
    """The plotly figure drawn with ``key``."""
    found = [json.loads(n.proto.spec) for n, _ in _walk(at._tree)
             if getattr(n, "type", None) == "plotly_chart" and n.proto.id.endswith(f"-{key}")]
    assert found, f"no chart {key!r}"
    return found[0]


def row_of(at, match) -> list[Any]:
    """The columns of the innermost row (st.columns) holding the first node ``match(node)`` accepts."""
    for node, parents in _walk(at._tree):
        if match(node):
            rows = [p for p in parents if any(getattr(c, "type", None) == "column" for c in p.children.values())]
            assert rows, "not inside st.columns"
            return list(rows[-1].children.values())
    raise AssertionError("no such element")


def holds(node: Any, match) -> bool:
    return any(match(n) for n, _ in _walk(node))


# --------------------------------------------------------------------------- the device, in the learner's words


def test_device_labels_are_said_in_the_learners_language():
    assert shown_label("CPU (2 cores)", "ko") == "CPU (코어 2개)"
    assert shown_label("CPU (2 cores)", "en") == "CPU (2 cores)"
    assert shown_label("NVIDIA A100 (GPU × 2)", "ko") == "NVIDIA A100 (GPU × 2)"  # a model name and a count
    assert shown_label("something else", "ko") == "something else"
    assert DEVICE.label_in("ko") == shown_label(DEVICE.label, "ko")


def test_home_heading_names_the_device_this_server_has():
    """(a) A CPU server's home page no longer says "Runs on the server's GPU"."""
    at = korean_page("home")
    headers = [h.value for h in at.header]
    assert translate("ko", "home.gpu" if DEVICE.kind == "GPU" else "home.cpu") in headers
    assert translate("ko", "home.cpu" if DEVICE.kind == "GPU" else "home.gpu") not in headers
    assert any(DEVICE.label_in("ko") in i.value for i in at.info)


def test_home_heading_on_a_gpu_server():
    gpu = DeviceInfo("GPU", "/CPU:0", "NVIDIA A100 (GPU × 1)", 1)  # the timing still runs on this CPU
    with mock.patch.object(device, "DEVICE", gpu):
        at = open_page("home", "en")
    assert not at.exception
    headers = [h.value for h in at.header]
    assert translate("en", "home.gpu") in headers and translate("en", "home.cpu") not in headers
    assert any("NVIDIA A100 (GPU × 1)" in i.value and translate("en", "home.device_gpu") in i.value for i in at.info)


def test_device_in_saving_caption_is_korean():
    at = korean_page("saving")
    assert any(f"({DEVICE.label_in('ko')})" in c.value for c in at.caption)


# --------------------------------------------------------------------------- (b) layers: labels that fit


def test_layers_metric_labels_fit_and_the_metric_is_named_in_full():
    at = korean_page("layers")
    labels = [m.label for m in at.metric]
    assert labels.count(translate("ko", "layers.m_val_metric")) == 2  # string form and object form
    assert not [label for label in labels if "sparse_categorical" in label]  # no label a metric box cuts
    captions = [c.value for c in at.caption]
    assert translate("ko", "layers.metric_is", name="val_sparse_categorical_accuracy") in captions
    assert translate("ko", "layers.metric_is", name="val_accuracy") in captions


def test_layers_loss_and_metric_choices_get_half_the_width_each():
    at = korean_page("layers")
    for key in ("cmp_loss", "cmp_metric"):
        row = row_of(at, lambda n, key=key: getattr(n, "type", None) == "selectbox" and n.key == key)
        assert len(row) == 2 and all(c.weight == pytest.approx(0.5) for c in row), key


# --------------------------------------------------------------------------- (d) training: the log-loss panel


def test_descent_figure_log_panel_has_a_title_and_its_first_point_inside():
    from lib.lessons.training import figures

    w = np.linspace(-3, 3, 61)
    labels = {"curve": "L(w)", "path": "path", "end": "end", "w": "w", "loss": "L(w)", "loss_log": "L (log)",
              "step": "step", "escaped": "escaped"}
    path = np.array([2.0, 1.0, 0.5, 0.25])
    fig = figures.descent_figure(w, w**2, path, path**2, labels).to_plotly_json()
    layout = fig["layout"]
    assert layout["yaxis2"]["title"]["text"] == "L (log)" and layout["yaxis2"]["type"] == "log"
    lo, hi = layout["xaxis2"]["range"]
    assert lo < 0 and hi > len(path) - 1  # step 0 and the last step are drawn whole
    assert fig["data"][-1]["cliponaxis"] is False


def test_training_page_titles_the_log_axis():
    spec = chart(korean_page("training"), "descent")
    assert spec["layout"]["yaxis2"]["title"]["text"] == translate("ko", "training.fig_loss_log")


# --------------------------------------------------------------------------- (e) saving: a recap like the others


def test_saving_ends_with_a_recap():
    at = korean_page("saving")
    assert at.header[-1].value == translate("ko", "saving.recap_header")
    shown = at.markdown[-1].value.strip().splitlines()
    template = translate("ko", "saving.recap").strip().splitlines()
    i = template.index("- {loaded}")  # the one bullet computed from the run (tests/lessons/saving/test_claims.py)
    assert shown[:i] == template[:i] and shown[i + 1:] == template[i + 1:]
    assert shown[i] == f"- {translate('ko', 'saving.recap_loaded_exact')}" or \
        shown[i].startswith(f"- {translate('ko', 'saving.recap_loaded')} ")
    for lang in ("en", "ko"):
        assert translate(lang, "saving.recap").count("\n- ") >= 4


def test_saving_uploader_is_framed_in_the_learners_language():
    at = korean_page("saving")
    uploader = at.get("file_uploader")[0].proto
    assert uploader.help == translate("ko", "saving.upload_help", mb=8)
    assert translate("ko", "saving.upload_caption", mb=8) in [c.value for c in at.caption]


# --------------------------------------------------------------------------- (f) a cached run says so


def _fit_time(at) -> Any:
    label = translate("en", "training.m_fit_time")
    return next(m.proto for m in at.metric if m.label == label)


def test_a_cached_result_says_it_was_computed_earlier():
    settings = {"samples": "770", "batch_size": "70", "n_epochs": "2"}  # used by no other test
    first = open_page("training", "en", **settings)
    assert not first.exception
    assert _fit_time(first).delta == translate("en", "common.ran_now")
    again = open_page("training", "en", **settings)  # the same experiment again: st.cache_data answers
    shown = _fit_time(again)
    assert shown.delta == translate("en", "common.ran_earlier")
    assert shown.help == translate("en", "common.ran_earlier_help")
    assert shown.body == _fit_time(first).body  # the time of the run that made these numbers, said honestly


# --------------------------------------------------------------------------- (g) regression: no gap under the table


def test_regression_summary_table_has_no_long_text_beside_it():
    at = korean_page("regression")
    model_text = translate("ko", "regression.model_text").strip()
    is_table = lambda n: getattr(n, "type", None) == "table" and translate(  # noqa: E731
        "ko", "regression.col_layer") in [str(c) for c in n.value.columns]
    row = row_of(at, is_table)
    assert not any(holds(column, lambda n: getattr(n, "type", None) == "markdown" and n.value.strip() == model_text)
                   for column in row)
    assert model_text in [m.value.strip() for m in at.markdown]  # above the row, full width


# --------------------------------------------------------------------------- (i) linear: both batch lines visible


@pytest.mark.parametrize("draw", ["loss_figure", "accuracy_figure"])
def test_full_batch_line_is_drawn_over_the_mini_batch_line(draw):
    from lib.lessons.linear import figures

    full, mini = [0.5, 0.4, 0.3], [0.5, 0.41, 0.3]
    fig = getattr(figures, draw)([("full batch", full, "dashed"), ("mini-batch", mini, "main")],
                                 {"x": "step", "y": "loss"}).to_plotly_json()
    names = [trace["name"] for trace in fig["data"]]
    assert names == ["mini-batch", "full batch"]  # drawn last: on top
    main, dashed = fig["data"]
    assert main["opacity"] < 1 and dashed["opacity"] == 1 and dashed["line"]["dash"] == "dash"
    assert dashed["legendrank"] < main["legendrank"]  # the legend keeps the page's order


def test_sidebar_device_label_is_korean():
    at = korean_page("tensors")
    side = "\n".join(c.value for c in at.sidebar.caption)
    assert DEVICE.label_in("ko") in side and (DEVICE.kind == "GPU" or "cores" not in side)
