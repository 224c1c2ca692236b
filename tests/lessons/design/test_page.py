"""The layer-design page in a real AppTest, on 1,000 images so every run takes about a second."""

import base64
import json

import numpy as np
import pytest

from lib.core.i18n import translate
from tests.apptest import code_with, metric, texts

SMALL = {"fm_images": "1000"}


def table(at, index: int):
    return at.dataframe[index].value


@pytest.mark.parametrize("lang, title, counted", [("en", "Layer design on Fashion-MNIST", "Parameters by formula"),
                                                  ("ko", "Fashion-MNIST로 하는 층 설계", "공식으로 센 파라미터")])
def test_course_model_by_default(page, lang, title, counted):
    at = page("design", lang, code=["design"], **SMALL)
    assert not at.exception
    assert at.title[0].value == title
    # The course's Flatten -> Dense(100) -> Dense(10): 78,500 + 1,010 parameters, counted both ways.
    assert metric(at, counted) == metric(at, "model.count_params()") == "79,510"
    assert any("79,510" in s.value for s in at.success)
    design = code_with(at, "history = train(model")
    assert "IMAGES = 1000" in design and "keras.layers.Dense(100, activation=\"relu\"" in design
    assert "random_state=42" in design and "RMSprop(learning_rate=0.001)" in design
    assert len(at.get("plotly_chart")) == 7  # gallery, curves, confusion, mistakes, seeds, slopes, gradients
    assert not at.warning and not at.error


def test_designer_counts_and_code_follow_the_controls(page):
    at = page("design", "en", code=["design"], **SMALL, ds_layers="2", ds_units2="50", ds_act2="tanh", ds_bn="true",
              ds_dropout="0.2", ds_epochs="2")
    assert not at.exception
    # 784·100+100 + 4·100 (BN) + 100·50+50 + 4·50 (BN) + 50·10+10 = 84,660
    assert metric(at, "Parameters by formula") == metric(at, "model.count_params()") == "84,660"
    assert metric(at, "Trainable parameters") == "84,360"  # the moving mean and variance do not train
    design = code_with(at, "history = train(model")
    assert "keras.layers.Dense(50, activation=\"tanh\"" in design and "Dropout(0.2, seed=5)" in design
    assert design.count("BatchNormalization()") == 2 and "epochs=2" in design
    rows = table(at, 0)  # the architecture table: one row per layer plus Flatten and the output
    assert len(rows) == 8


def test_flatten_and_reshape_give_the_same_numbers(page):
    at = page("design", "en", code=["design"], **SMALL, ds_epochs="2")
    flat = metric(at, "Validation accuracy"), metric(at, "Validation loss")
    at.radio(key="ds_input").set_value("reshape").run()
    assert not at.exception
    assert (metric(at, "Validation accuracy"), metric(at, "Validation loss")) == flat
    assert "train_scaled.reshape(-1, 28 * 28)" in code_with(at, "history = train(model")
    assert metric(at, "Parameters by formula") == metric(at, "model.count_params()") == "79,510"


def test_seeds_table_has_every_run_and_mean_sd(page):
    at = page("design", "en", code=["compare"], **SMALL, sr_seeds="2", sr_epochs="1")
    assert not at.exception
    seeds = table(at, 1)
    assert list(seeds.iloc[:, 0]) == ["0", "1", "mean ± sd"]
    assert all(" ± " in v for v in seeds.iloc[2, 1:5])
    assert any("seeds" in i.value for i in at.info)  # the verdict compares the mean gap with the spread
    assert "SEEDS = 2" in code_with(at, "for seed in range(SEEDS)")
    spec = json.loads(at.get("plotly_chart")[4].proto.spec)
    assert sum(len(tr["y"]) for tr in spec["data"] if tr.get("mode") == "markers") == 2 * 2 + 2


def test_first_slider_changes_the_gallery_quickly(page):
    at = page("design", "en", **SMALL)
    before = texts(at)
    assert at.slider[0].key == "fm_example"
    at.slider(key="fm_example").set_value(2).run()
    assert not at.exception
    after = texts(at)
    assert "Example 2 of every class" in after and "Example 1 of every class" in before


def test_huge_learning_rate_is_explained(page):
    at = page("design", "ko", **SMALL, ds_lr="1.0", ds_epochs="2")
    assert not at.exception
    assert any("학습률 1" in w.value for w in at.warning)


def test_opt_in_experiments(page):
    at = page("design", "en", **SMALL)
    assert sum("Switch on **Run**" in i.value for i in at.info) == 3  # nothing heavy runs unasked
    at = page("design", "en", code=["ensemble"], **SMALL, bn_run="true", bn_depth="2", bn_epochs="1", en_run="true",
              en_members="2", en_epochs="1", rs_run="true", rs_trials="2", rs_epochs="1", sc_kernel="5")
    assert not at.exception
    assert metric(at, "without BatchNormalization") and metric(at, "ensemble (average)")
    assert any("Best: trial" in s.value for s in at.success)
    assert "range(2)" in code_with(at, "average = np.mean(probabilities")
    # Conv2D 5×5 on 32 channels with 64 filters: 5·5·32·64 + 64 = 51,264; separable: 800 + 2,048 + 64 = 2,912
    conv = table(at, 2)
    assert list(conv.iloc[:, 2]) == ["51,264", "2,912"] and list(conv.iloc[:, 3]) == ["51,264", "2,912"]
    # each opt-in chart has its sentence, with the numbers of the metrics beside it and of its bars
    said = [c.value for c in at.caption]
    plain, normed = metric(at, "without BatchNormalization"), metric(at, "with BatchNormalization")
    assert any(s.startswith("After 1 epochs the validation accuracy is") and plain in s and normed in s for s in said)
    bars = values(chart(at, "ensemble")["data"][0])
    assert any(s.startswith(f"The ensemble of 2 reaches {bars[-1]:.4f}") and f"({bars[:-1].max():.4f})" in s
               for s in said)
    accs = np.concatenate([values(tr) for tr in chart(at, "search")["data"] if tr.get("showlegend") is not False])
    search = next(s for s in said if s.startswith("Best of 2 trials: trial "))
    assert len(accs) == 2 and f"accuracy {accs.max():.4f}; the worst trial reached {accs.min():.4f}." in search


def chart(at, key: str) -> dict:
    """The plotly spec of the chart drawn with ``key``."""
    found = [json.loads(c.proto.spec) for c in at.get("plotly_chart") if key in c.proto.id]
    assert found, f"no chart {key}"
    return found[0]


def values(trace: dict, axis: str = "y") -> np.ndarray:
    """A trace's values as plotly carries them (a plain list, or a typed array in base64)."""
    data = trace[axis]
    if isinstance(data, dict):
        flat = np.frombuffer(base64.b64decode(data["bdata"]), dtype=np.dtype(data["dtype"])).astype(float)
        return flat.reshape([int(d) for d in str(data.get("shape", len(flat))).split(",")])
    return np.asarray(data, dtype=float)


@pytest.mark.parametrize("lang", ["en", "ko"])
def test_chart_summaries_state_the_numbers_drawn_and_follow_the_controls(page, lang):
    at = page("design", lang, **SMALL, ds_epochs="2", sr_seeds="2", sr_epochs="1", vg_depth="4")
    assert not at.exception
    said = [c.value for c in at.caption]
    key = "design.chart_summary."

    # the training curves: the training loss from its first to its last drawn point, the last validation accuracy
    loss = values(chart(at, "history")["data"][0])
    history = next(s for s in said if f"{loss[0]:.4f}" in s and f"{loss[-1]:.4f}" in s)
    assert metric(at, translate(lang, "design.m_val_acc")) in history

    # the confusion matrix: the diagonal over the whole, summed here with numpy from the drawn counts
    counts = values(chart(at, "confusion")["data"][0], "z").astype(int)
    right, total = int(np.trace(counts)), int(counts.sum())
    assert total == 200  # a fifth of the 1,000 images is held out
    assert translate(lang, key + "confusion", right=f"{right:,}", total=f"{total:,}", wrong=f"{total - right:,}",
                     accuracy=f"{right / total:.4f}") in said

    # the seeds: both activations' dots, averaged here
    dots = [values(tr) for tr in chart(at, "seeds")["data"] if len(values(tr)) == 2]
    (sig, relu) = dots
    seeds = next(s for s in said if f"{sig.mean():.4f} ± {sig.std(ddof=1):.4f}" in s)
    assert f"{relu.mean():.4f} ± {relu.std(ddof=1):.4f}" in seeds
    assert str(int(np.sum(relu > sig))) in seeds

    # vanishing gradients: layer 1 and the output layer of each drawn curve
    grads = [values(tr) for tr in chart(at, "gradients")["data"]]
    assert len(grads[0]) == 5  # four hidden layers and the output
    parts = "; ".join(translate(lang, key + "gradient_part", act=translate(lang, f"design.act_{act}"),
                                first=f"{g[0]:.2e}", last=f"{g[-1]:.2e}",
                                ratio=f"{g[-1] / g[0]:,.0f}" if g[-1] / g[0] >= 100 else f"{g[-1] / g[0]:.2f}")
                      for act, g in zip(("sigmoid", "relu"), grads, strict=True))
    assert translate(lang, key + "gradients", layers=5, parts=parts) in said

    at.slider(key="vg_depth").set_value(6).run()  # the gradient sentence follows the depth
    assert any(s.startswith(translate(lang, key + "gradients", layers=7, parts="")[:30]) for s in
               (c.value for c in at.caption))
    assert len(values(chart(at, "gradients")["data"][0])) == 7
