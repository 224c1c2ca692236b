"""The layer-design page in a real AppTest, on 1,000 images so every run takes about a second."""

import json

import pytest

from tests.apptest import code_with, metric, texts

SMALL = {"fm_images": "1000"}


def table(at, index: int):
    return at.dataframe[index].value


@pytest.mark.parametrize("lang, title, counted", [("en", "Layer design on Fashion-MNIST", "Parameters by formula"),
                                                  ("ko", "Fashion-MNIST로 하는 층 설계", "공식으로 센 파라미터")])
def test_course_model_by_default(page, lang, title, counted):
    at = page("design", lang, **SMALL)
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
    at = page("design", "en", **SMALL, ds_layers="2", ds_units2="50", ds_act2="tanh", ds_bn="true",
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
    at = page("design", "en", **SMALL, ds_epochs="2")
    flat = metric(at, "Validation accuracy"), metric(at, "Validation loss")
    at.radio(key="ds_input").set_value("reshape").run()
    assert not at.exception
    assert (metric(at, "Validation accuracy"), metric(at, "Validation loss")) == flat
    assert "train_scaled.reshape(-1, 28 * 28)" in code_with(at, "history = train(model")
    assert metric(at, "Parameters by formula") == metric(at, "model.count_params()") == "79,510"


def test_seeds_table_has_every_run_and_mean_sd(page):
    at = page("design", "en", **SMALL, sr_seeds="2", sr_epochs="1")
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
    at = page("design", "en", **SMALL, bn_run="true", bn_depth="2", bn_epochs="1", en_run="true",
              en_members="2", en_epochs="1", rs_run="true", rs_trials="2", rs_epochs="1", sc_kernel="5")
    assert not at.exception
    assert metric(at, "without BatchNormalization") and metric(at, "ensemble (average)")
    assert any("Best: trial" in s.value for s in at.success)
    assert "range(2)" in code_with(at, "average = np.mean(probabilities")
    # Conv2D 5×5 on 32 channels with 64 filters: 5·5·32·64 + 64 = 51,264; separable: 800 + 2,048 + 64 = 2,912
    conv = table(at, 2)
    assert list(conv.iloc[:, 2]) == ["51,264", "2,912"] and list(conv.iloc[:, 3]) == ["51,264", "2,912"]
