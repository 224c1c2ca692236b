"""lib/lessons/design (lab.py, compare.py, further.py), and the scripts lib/lessons/design/code.py writes.

The generated scripts are executed (with ``keras.datasets.fashion_mnist.load_data``
served from the local copy instead of the network) and their numbers compared
with lib's, so the code a learner copies is the code behind the page's numbers.
"""

from __future__ import annotations

import math

import keras
import numpy as np
import pytest
from sklearn.metrics import confusion_matrix
from sklearn.model_selection import train_test_split

from lib.core import data, engine
from lib.core.progress import Progress
from lib.lessons.design import code as codegen
from lib.lessons.design import compare as sr
from lib.lessons.design import further as fur
from lib.lessons.design import lab
from tests.shown_code import run_shown_code

IMAGES = 1000  # 800 training and 200 validation images: seconds, not minutes
FD = lab.fashion_split(IMAGES)
FALLBACK = FD.fallback  # without Fashion-MNIST on the machine, everything runs on the digits


@pytest.fixture(autouse=True)
def local_fashion(monkeypatch):
    """The generated code calls keras.datasets.fashion_mnist.load_data(); serve it from the local files."""

    def load_data():
        train, test = (data.read_fashion_folder(folder, split) for folder, split in
                       ((data.DEBIAN_FASHION_DIR, "train"), (data.DEBIAN_FASHION_DIR, "test")))
        return (train[0].copy(), train[1].copy()), (test[0].copy(), test[1].copy())

    monkeypatch.setattr(keras.datasets.fashion_mnist, "load_data", load_data)


run = run_shown_code  # execute a generated script; its variables and what it printed


def close(a, b, tol: float = 2e-4) -> None:
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=tol, atol=tol)


# --------------------------------------------------------------------------- data


def test_split_is_the_courses_split():
    ds = data.load(data.DataSpec("fashion_mnist", subsample=IMAGES))
    x = np.asarray(ds.x).reshape(len(ds.y), *FD.image_shape)
    x_tr, x_va, y_tr, y_va = train_test_split(x, ds.y, test_size=0.2, random_state=42)
    np.testing.assert_array_equal(FD.x_train, x_tr)
    np.testing.assert_array_equal(FD.y_val, y_va)
    assert FD.x_train.shape[0] == 800 and FD.x_val.shape[0] == 200
    assert FD.x_train.min() >= 0.0 and FD.x_train.max() <= 1.0
    assert not FD.x_train.flags.writeable  # shared between sessions


def test_data_code_prints_the_same_split():
    ns, out = run(codegen.data_code(IMAGES, FALLBACK))
    np.testing.assert_array_equal(ns["train_scaled"], FD.x_train)
    np.testing.assert_array_equal(ns["val_target"], FD.y_val)
    assert "(800, " in out and "(200, " in out


def test_fallback_digits_code_matches_lib():
    fd = lab.split_dataset(data.digits(IMAGES, lab.SUBSAMPLE_SEED))
    ns, _ = run(codegen.data_code(IMAGES, fallback=True))
    np.testing.assert_array_equal(ns["train_scaled"], fd.x_train)
    np.testing.assert_array_equal(ns["val_target"], fd.y_val)
    assert fd.image_shape == (8, 8)


def test_class_examples_are_one_per_class():
    pics, rows = lab.class_examples(FD, 3)
    assert len(pics) == 10 and list(FD.y_train[rows]) == list(range(10))
    wrapped, _ = lab.class_examples(FD, 10_000)  # beyond a class's count: wraps round, never fails
    assert len(wrapped) == 10


# --------------------------------------------------------------------------- architecture and parameters

SPECS = [
    lab.DesignSpec(images=IMAGES),
    lab.DesignSpec(images=IMAGES, flatten=False),
    lab.DesignSpec(images=IMAGES, hidden=()),
    lab.DesignSpec(images=IMAGES, hidden=(lab.Hidden(64, "tanh"), lab.Hidden(32, "elu")), dropout=0.3,
                   batchnorm=True),
    lab.DesignSpec(images=IMAGES, hidden=(lab.Hidden(10, "selu"),) * 4, batchnorm=True),
]


@pytest.mark.parametrize("spec", SPECS)
def test_formula_counts_equal_keras(spec):
    rows = lab.architecture(spec)
    keras_rows, total = lab.keras_summary(spec)
    assert lab.counted_params(spec) == total
    model_rows = rows if spec.flatten else rows[1:]  # a manual reshape happens outside the model
    assert [r.params for r in model_rows] == [k.params for k in keras_rows]


def test_course_model_has_79510_parameters():
    # 784·100 + 100 = 78,500 and 100·10 + 10 = 1,010: the course's model.summary()
    rows = lab.architecture(lab.DesignSpec())
    assert [r.params for r in rows] == [0, 78_500, 1_010]
    assert lab.counted_params(lab.DesignSpec()) == 79_510


@pytest.mark.parametrize("bad, message", [
    (dict(images=5), "number of images"), (dict(images=1000.5), "number of images"),
    (dict(dropout=0.95), "dropout"), (dict(learning_rate=float("nan")), "learning rate"),
    (dict(learning_rate=0), "learning rate"), (dict(optimizer="lbfgs"), "optimizer"),
    (dict(epochs=0), "epochs"), (dict(hidden=(lab.Hidden(),) * 5), "hidden layers"),
])
def test_bad_settings_say_what_is_wrong(bad, message):
    with pytest.raises(ValueError, match=message):
        lab.DesignSpec(**bad)
    with pytest.raises(ValueError, match="activation"):
        lab.Hidden(10, "swish")


# --------------------------------------------------------------------------- training


def test_designer_code_reproduces_lib_and_flatten_equals_reshape():
    spec = lab.DesignSpec(images=IMAGES, hidden=(lab.Hidden(50, "tanh"), lab.Hidden(30, "relu")), dropout=0.2,
                          batchnorm=True, epochs=2, seed=3)
    lib_run = lab.train_design(spec)
    assert lab.train_design(spec).history == lib_run.history  # a pooled model with dropout: same masks again
    ns, out = run(codegen.design_code(spec, FALLBACK))
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        close(ns["history"][key], lib_run.history[key])
    assert ns["model"].count_params() == lib_run.param_count == lab.counted_params(spec)
    # The same confusion matrix, and the one sklearn computes from lib's predictions.
    expected = confusion_matrix(lib_run.y_val, lib_run.predicted, labels=range(10))
    np.testing.assert_array_equal(lab.confusion(lib_run.y_val, lib_run.predicted), expected)
    assert np.abs(confusion_matrix(FD.y_val, ns["predicted"], labels=range(10)) - expected).sum() <= 2
    assert f"{len(ns['wrong'])} of 200 validation images misclassified" in out

    reshaped = lab.train_design(lab.DesignSpec(images=IMAGES, hidden=spec.hidden, dropout=0.2, batchnorm=True,
                                               epochs=2, seed=3, flatten=False))
    close(reshaped.history["val_loss"], lib_run.history["val_loss"], 1e-5)


def test_misclassified_are_wrong_and_most_confident_first():
    r = lab.train_design(lab.DesignSpec(images=IMAGES, epochs=1))
    bad = lab.misclassified(r, 15)
    assert all(r.predicted[i] != r.y_val[i] for i in bad)
    conf = [r.val_pred[i, r.predicted[i]] for i in bad]
    assert conf == sorted(conf, reverse=True)


def test_huge_learning_rate_is_explained_not_raised():
    r = lab.train_design(lab.DesignSpec(images=IMAGES, learning_rate=1.0, epochs=2))
    assert lab.trouble(r.history) == "exploded"
    assert lab.trouble({"loss": [1.0], "val_accuracy": [0.12]}) == "chance"
    assert lab.trouble({"loss": [0.5], "val_accuracy": [0.85]}) is None


def test_compare_code_matches_lib_and_statistics():
    spec = sr.CompareSpec(images=IMAGES, seeds=1, epochs=1)
    result = sr.run_compare(spec)
    ns, out = run(codegen.compare_code(spec, FALLBACK))
    for act in sr.COMPARED:
        close([v for _, v in ns["results"][act]], result.val_acc[act])
        close([a for a, _ in ns["results"][act]], result.train_acc[act])
    assert f"{result.val_acc['relu'][0]:.4f} ± nan over 1 seeds" in out
    assert math.isnan(sr.mean_std(result.val_acc["relu"])[1])  # one run has no spread
    values = [0.81, 0.86, 0.84]
    assert sr.mean_std(values) == pytest.approx((np.mean(values), np.std(values, ddof=1)))
    three = sr.CompareResult([0, 1, 2], {}, {"sigmoid": [0.8, 0.9, 0.85], "relu": [0.82, 0.88, 0.85]}, {}, 0.0)
    assert sr.wins(three, "relu") == 1 and sr.wins(three, "sigmoid") == 1  # a tie counts for neither


def test_gradient_code_matches_lib_and_sigmoid_gradients_vanish():
    spec = sr.GradientSpec(depth=6, batch=64)
    grads = sr.layer_gradients(spec, FD)
    ns, out = run(codegen.gradient_code(spec, IMAGES, FALLBACK))
    for act in sr.COMPARED:
        close(ns["gradients"][act], grads[act], 1e-4)
        assert len(grads[act]) == spec.depth + 1
    sig, relu = grads["sigmoid"], grads["relu"]
    assert sig[-1] / sig[0] > 100 * (relu[-1] / relu[0])  # the first sigmoid layer barely gets a gradient
    assert "sigmoid: largest slope 0.250" in out and "relu: largest slope 1.000" in out


def test_activation_slopes():
    z, curves = sr.activation_curves()
    y, dy = curves["sigmoid"]
    np.testing.assert_allclose(dy, y * (1 - y), atol=1e-6)
    assert curves["relu"][1].max() == 1.0 and curves["relu"][1][z < 0].max() == 0.0


# --------------------------------------------------------------------------- going further


def test_conv_counts_formula_keras_and_code():
    spec = fur.ConvSpec(size=16, channels=8, filters=32, kernel=5)
    c = fur.conv_counts(spec)
    assert c.conv_formula == c.conv_keras == 5 * 5 * 8 * 32 + 32
    assert c.sep_formula == c.sep_keras == 5 * 5 * 8 + 8 * 32 + 32
    assert c.output_shape == (None, 16, 16, 32)
    ns, out = run(codegen.conv_code(spec))
    assert ns["conv"].count_params() == c.conv_keras and ns["separable"].count_params() == c.sep_keras
    with pytest.raises(ValueError, match="kernel"):
        fur.ConvSpec(kernel=4)


def test_batchnorm_code_matches_lib():
    spec = fur.BatchNormSpec(images=IMAGES, depth=2, epochs=1)
    result = fur.run_batchnorm(spec)
    ns, _ = run(codegen.batchnorm_code(spec, FALLBACK))
    close(ns["histories"]["without"]["val_loss"], result.plain["val_loss"])
    close(ns["histories"]["with BatchNormalization"]["loss"], result.normed["loss"])
    assert result.params[1] - result.params[0] == 2 * 4 * spec.units


def test_ensemble_code_matches_lib():
    spec = fur.EnsembleSpec(images=IMAGES, members=2, epochs=1)
    result = fur.run_ensemble(spec)
    ns, _ = run(codegen.ensemble_code(spec, FALLBACK))
    members = [float(np.mean(p.argmax(axis=1) == FD.y_val)) for p in ns["probabilities"]]
    close(members, result.member_acc, 0.006)  # one image in 200 may tip over on float round-off
    close(float(np.mean(ns["average"].argmax(axis=1) == FD.y_val)), result.ensemble_acc, 0.006)


def test_search_code_matches_lib():
    spec = fur.SearchSpec(images=IMAGES, trials=2, epochs=1, seed=4)
    result = fur.run_search(spec)
    ns, _ = run(codegen.search_code(spec, FALLBACK))
    assert [(r["learning_rate"], r["units"]) for r in ns["rows"]] == result.trials == fur.sample_trials(spec)
    close([r["val_accuracy"] for r in ns["rows"]], result.val_acc)
    assert all(1e-4 <= lr <= 1e-2 and units in fur.UNIT_CHOICES for lr, units in result.trials)


# --------------------------------------------------------------------------- one training API


@pytest.mark.parametrize("train", [
    lambda report: lab.train_design(lab.DesignSpec(images=IMAGES, epochs=1), report),
    lambda report: sr.run_compare(sr.CompareSpec(images=IMAGES, seeds=1, epochs=1), report),
    lambda report: fur.run_batchnorm(fur.BatchNormSpec(images=IMAGES, depth=1, epochs=1), report),
    lambda report: fur.run_ensemble(fur.EnsembleSpec(images=IMAGES, members=2, epochs=1), report),
    lambda report: fur.run_search(fur.SearchSpec(images=IMAGES, trials=2, epochs=1), report),
], ids=["design", "compare", "batchnorm", "ensemble", "search"])
def test_training_goes_through_the_engine_and_counts_the_whole_job(train):
    events = []
    admitted, takes = engine.GATE.admitted, engine.POOL.takes
    train(lambda kind, payload: events.append((kind, payload)))
    assert engine.GATE.admitted == admitted + 1  # one slot for the whole job, however many networks
    assert engine.POOL.takes > takes
    progress = [p for kind, p in events if kind == "progress"]
    assert progress and all(isinstance(p, Progress) and p.unit == "epoch" for p in progress)
    assert [p.done for p in progress] == list(range(1, progress[0].total + 1))  # one bar from 1 to the job's total
    assert {p.total for p in progress} == {len(progress)}
