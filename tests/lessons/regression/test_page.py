"""The regression lesson through the real entry point: real training, real numbers on the page."""

import json

import numpy as np
import pytest
from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_squared_error
from sklearn.model_selection import train_test_split

from lib.core import data as data_mod
from tests.apptest import metric, texts


def metrics(at, label: str) -> list[str]:
    return [m.value for m in at.metric if m.label == label]


def captions(at) -> list[str]:
    return [c.value for c in at.caption]


def summary_with(at, start: str) -> str:
    """The one chart summary that starts with ``start``."""
    found = [c for c in captions(at) if c.startswith(start)]
    assert len(found) == 1, (start, captions(at))
    return found[0]


def least_squares_test_mse(test_size: float = 0.2, val_size: float = 0.2, seed: int = 42) -> float:
    """The reference computed here from the CSV, independently of lib.lessons.regression.lab."""
    frame = data_mod.advertising_frame()
    x = frame[["TV", "radio", "newspaper"]].to_numpy(np.float32)
    y = frame["sales"].to_numpy(np.float32)
    x_rest, x_test, y_rest, y_test = train_test_split(x, y, test_size=test_size, random_state=seed)
    x_train, _, y_train, _ = train_test_split(x_rest, y_rest, test_size=val_size, random_state=seed)
    return float(mean_squared_error(y_test, LinearRegression().fit(x_train, y_train).predict(x_test)))


@pytest.mark.parametrize("lang, title", [("en", "A Keras regression workflow"), ("ko", "Keras 회귀 작업 흐름")])
def test_renders_in_both_languages(page, lang, title):
    at = page("regression", lang, code=["fit"])
    assert not at.exception
    assert at.title[0].value == title
    assert len(at.get("plotly_chart")) == 3  # features, loss curve, predicted vs actual
    assert not at.warning and not at.error
    shown = texts(at)
    assert "test_size=0.2" in shown and "Adam(learning_rate=0.1)" in shown and "epochs=50" in shown
    assert len(at.get("expander")) == 4  # one code panel per section
    assert [c.language for c in at.code].count("python") == 1  # only the open one sent its code
    # the sentence under the feature panels: correlations computed here from the CSV
    frame = data_mod.advertising_frame()
    r = {name: f"{frame[name].corr(frame['sales']):.2f}" for name in ("TV", "radio", "newspaper")}
    expected = {
        "en": f"Correlation with sales (r): TV {r['TV']}, radio {r['radio']}, newspaper {r['newspaper']}. "
              "In the model: TV, radio, newspaper.",
        "ko": f"판매량(sales)에 대한 상관계수(r): TV {r['TV']}, 라디오(radio) {r['radio']}, 신문(newspaper) "
              f"{r['newspaper']}. 모델에 넣은 특성: TV, 라디오(radio), 신문(newspaper).",
    }[lang]
    assert expected in captions(at)
    assert any(c.startswith({"en": "Training loss (MSE) fell from ", "ko": "훈련 손실(MSE): 50 에포크 동안 "}[lang])
               for c in captions(at))


def test_default_run_is_sane_against_least_squares(page):
    at = page("regression", "en")
    assert [metric(at, label) for label in ("Training rows", "Validation rows", "Test rows")] == ["128", "32", "40"]
    assert metric(at, "Epochs run") == "50 / 50"
    reference = least_squares_test_mse()
    assert metric(at, "Least-squares test MSE") == f"{reference:.4f}"  # 3.0868
    network = float(metric(at, "Test MSE (evaluate)"))
    assert 0.05 * reference < network < 2.0 * reference  # a real fit, in the same league as least squares
    scores = at.table[1].value  # the sklearn.metrics table: the MSE row repeats evaluate()
    assert scores.iloc[0, 0] == pytest.approx(network, abs=1e-4)
    assert any("beats" in s.value or "matches" in s.value for s in [*at.success, *at.info])
    loss = float(metric(at, "Last loss"))
    assert 0 < loss < 5  # from about 220 at the start
    # the sentences under the loss curve and the predicted-vs-actual chart say the numbers shown beside them
    spec = json.loads(at.get("plotly_chart")[1].proto.spec)
    train_curve, val_curve = (np.array(trace["y"], dtype=float) for trace in spec["data"][:2])
    best = int(np.argmin(val_curve))
    assert summary_with(at, "Training loss (MSE)") == (
        f"Training loss (MSE) fell from {train_curve[0]:.4f} to {metric(at, 'Last loss')} over 50 epochs. "
        f"Validation loss (MSE) was lowest ({val_curve[best]:.4f}) at epoch {best + 1}.")
    r2 = at.table[1].value.iloc[3]
    assert summary_with(at, "On 40 test rows") == (
        f"On 40 test rows the network has MSE {scores.iloc[0, 0]:.4f} and R² {r2.iloc[0]:.4f}; "
        f"least squares has MSE {reference:.4f} and R² {r2.iloc[1]:.4f}.")


def test_first_slider_and_epochs_reach_the_split_the_code_and_the_run(page):
    at = page("regression", "en", code=["fit"])
    at.slider(key="test").set_value(0.3)
    at.slider(key="epochs").set_value(20).run()
    assert not at.exception
    assert metric(at, "Test rows") == "60" and metric(at, "Training rows") == "112"
    assert metric(at, "Epochs run") == "20 / 20"
    assert metric(at, "Least-squares test MSE") == f"{least_squares_test_mse(test_size=0.3):.4f}"
    code = texts(at)
    assert "test_size=0.3" in code and "epochs=20" in code
    ols = f"least squares has MSE {least_squares_test_mse(test_size=0.3):.4f}"
    assert summary_with(at, "On 60 test rows").endswith(f"{ols} and R² {at.table[1].value.iloc[3, 1]:.4f}.")
    assert " over 20 epochs. " in summary_with(at, "Training loss (MSE)")


def test_shuffle_pitfall_counts(page):
    at = page("regression", "en", epochs="10")
    assert metrics(at, "Broken pairs in the first batch") == ["0 of 32", "31 of 32"]
    at.selectbox(key="buffer").set_value(1).run()
    assert metrics(at, "Broken pairs in the first batch") == ["0 of 32", "0 of 32"]
    assert any("nothing is shuffled" in i.value for i in at.info)


def test_divergent_learning_rate_is_explained(page):
    at = page("regression", "en", opt="sgd", lr="1.0", epochs="10")
    assert not at.exception
    errors = "\n".join(e.value for e in at.error)
    assert "Training diverged" in errors and "SGD at learning rate 1.0" in errors
    assert metric(at, "Test MSE (evaluate)") == "not a number"
    assert any("diverged" in w.value for w in at.warning)
    assert metric(at, "Least-squares test MSE") == f"{least_squares_test_mse():.4f}"  # the reference still stands
    assert summary_with(at, "On 40 test rows the network's predictions are not numbers;")


def test_verbose_changes_the_printout_not_the_numbers(page):
    at = page("regression", "en", code=["fit"], epochs="10")
    before = metric(at, "Test MSE (evaluate)")
    at.radio(key="verbose").set_value(2).run()
    assert metric(at, "Test MSE (evaluate)") == before
    shown = texts(at)
    assert "verbose=2" in shown and "4/4 - " in shown and "Epoch 10/10" in shown
    at.radio(key="verbose").set_value(0).run()
    assert any("verbose=0" in i.value for i in at.info)


def test_no_feature_stops_politely(page):
    at = page("regression", "ko", tv="false", radio="false", news="false")
    assert not at.exception
    assert any("적어도 하나" in w.value for w in at.warning)
    assert len(at.get("plotly_chart")) == 1  # only the data section is drawn
    assert "모델에 넣은 특성: —." in "\n".join(captions(at))
