"""lib/lessons/saving (lab.py, files.py, models.py), and the scripts lib/lessons/saving/code.py writes.

The generated scripts are executed (``keras.datasets.fashion_mnist.load_data`` served
from the local copy) in a temporary working folder, and their numbers and files
compared with lib's. Bad uploads are made here, in tmp_path, one per refusal.
"""

from __future__ import annotations

import io
import json
import os
import stat
import tempfile
import zipfile

import keras
import numpy as np
import pytest
from sklearn.model_selection import train_test_split

from lib.core import data, engine
from lib.core.numbers import fmt as shown
from lib.lessons.saving import code as codegen
from lib.lessons.saving import files, lab, models
from tests.numerics import assert_float32_close, float32_atol
from tests.shown_code import run_shown_code

IMAGES = 1000  # 800 training and 200 validation images
SPEC = lab.SavingSpec(images=IMAGES, units=20, dropout=0.2, epochs=2, seed=3)


@pytest.fixture(scope="module", autouse=True)
def local_fashion():
    """The generated code calls keras.datasets.fashion_mnist.load_data(); serve it from the local files."""

    def load_data():
        train, test = (data.read_fashion_folder(data.DEBIAN_FASHION_DIR, split) for split in ("train", "test"))
        return (train[0].copy(), train[1].copy()), (test[0].copy(), test[1].copy())

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(keras.datasets.fashion_mnist, "load_data", load_data)
        yield


@pytest.fixture(scope="module")
def saved() -> lab.SavedRun:
    return lab.train_and_save(SPEC)


@pytest.fixture(scope="module")
def script_dir(tmp_path_factory, saved):
    """The training script run once in its own folder: (folder, its variables, what it printed)."""
    folder = tmp_path_factory.mktemp("script")
    ns, out = run_in(folder, codegen.train_code(SPEC, lab.data_split(IMAGES).fallback))
    return folder, ns, out


def run_in(folder, code: str) -> tuple[dict, str]:
    """Execute a generated script in ``folder``; return its variables and what it printed."""
    cwd = os.getcwd()
    os.chdir(folder)
    try:
        return run_shown_code(code)
    finally:
        os.chdir(cwd)


def close(a, b, tol: float = 2e-4) -> None:
    np.testing.assert_allclose(np.asarray(a, float), np.asarray(b, float), rtol=tol, atol=tol)


# --------------------------------------------------------------------------- data and spec


def test_split_is_the_courses_split():
    ds = data.load(data.DataSpec("fashion_mnist", subsample=IMAGES))
    x = np.asarray(ds.x).reshape(-1, 28, 28)
    x_tr, x_va, y_tr, y_va = train_test_split(x, ds.y, test_size=0.2, random_state=42)
    s = lab.data_split(IMAGES)
    np.testing.assert_array_equal(s.x_val, x_va)
    np.testing.assert_array_equal(s.y_train, y_tr)
    assert s.x_train.shape == (800, 28, 28) and s.x_val.shape == (200, 28, 28)
    assert not s.x_val.flags.writeable  # shared by every session


@pytest.mark.parametrize("kwargs, message", [
    ({"images": 1234}, "number of images"),
    ({"units": 5}, "units"),
    ({"units": 10.5}, "units"),
    ({"dropout": 0.9}, "dropout"),
    ({"dropout": float("nan")}, "dropout"),
    ({"epochs": 0}, "epochs"),
    ({"seed": -1}, "seed"),
    ({"epochs": True}, "epochs"),
])
def test_bad_settings_say_what_is_wrong(kwargs, message):
    with pytest.raises(ValueError, match=message):
        lab.SavingSpec(**kwargs)


def test_spec_is_hashable_and_the_engine_path_is_fit():
    assert hash(SPEC) == hash(lab.SavingSpec(images=IMAGES, units=20, dropout=0.2, epochs=2.0, seed=3))
    assert SPEC.run_spec().fit.path == "fit"  # the real model.fit, so callbacks see the optimizer
    assert [layer.kind for layer in lab.SavingSpec(dropout=0).layers()] == ["dense"]


# --------------------------------------------------------------------------- train, save, load


@pytest.mark.numerics
def test_round_trip_gives_the_same_predictions(saved):
    assert saved.reloaded.close
    assert saved.reloaded.largest <= float32_atol(784 + SPEC.units)
    assert saved.probabilities.shape == (200, 10)
    # The loaded model was compiled from the file: evaluate() reproduces the last epoch's validation numbers.
    close(saved.evaluation["accuracy"], saved.history["val_accuracy"][-1], 1e-6)
    close(saved.evaluation["loss"], saved.history["val_loss"][-1], 1e-5)
    np.testing.assert_array_equal(saved.predicted, np.argmax(saved.probabilities, axis=-1))
    close(np.mean(saved.predicted == saved.y_val), saved.evaluation["accuracy"], 1e-6)


def test_the_keras_file_is_a_zip_of_three_entries(saved):
    with zipfile.ZipFile(io.BytesIO(saved.keras_bytes)) as archive:
        assert sorted(archive.namelist()) == ["config.json", "metadata.json", "model.weights.h5"]
        config = json.loads(archive.read("config.json"))
    assert [e.name for e in saved.keras_file.entries] == ["metadata.json", "config.json", "model.weights.h5"]
    assert all(e.stored for e in saved.keras_file.entries)  # Keras does not compress
    assert saved.keras_file.metadata["keras_version"] == keras.__version__
    assert config["config"]["name"] == lab.MODEL_NAME
    assert saved.keras_file.layer_classes == ["InputLayer", "Flatten", "Dense", "Dropout", "Dense"]
    assert config["compile_config"]["optimizer"]["class_name"] == "Adam"
    assert [row[1] for row in lab.config_layers(config)] == ["image", "flatten", "hidden", "dropout", "output"]
    assert lab.config_layers(config)[2] == ("Dense", "hidden", "units=20, activation=relu, "
                                            "kernel_initializer=GlorotUniform(seed=3000)")


def test_the_saved_weights_and_optimizer_state_are_the_trained_ones(saved):
    shapes = {r.path: r.shape for r in saved.trees["keras"] if r.shape is not None}
    assert shapes["layers/dense/vars/0"] == (784, 20) and shapes["layers/dense_1/vars/0"] == (20, 10)
    assert saved.optimizer_restored
    # Adam: iteration + learning rate + two moments per weight array.
    assert saved.info.optimizer == 2 + 2 * saved.info.trainable
    assert files.h5_values(saved.trees["keras"], "optimizer/") == saved.info.optimizer
    assert saved.info.trainable == 784 * 20 + 20 + 20 * 10 + 10
    steps = 2 * -(-800 // 32)
    with zipfile.ZipFile(io.BytesIO(saved.keras_bytes)) as archive:
        import h5py

        with h5py.File(io.BytesIO(archive.read("model.weights.h5")), "r") as h5:
            assert int(h5["optimizer/vars/0"][()]) == steps  # the step counter kept counting through fit
    for fmt in lab.FORMATS:
        parts = saved.parts[fmt]
        assert sum(parts.values()) == saved.sizes[fmt]
        assert parts["weights"] == 4 * saved.info.trainable
    assert {r.path for r in saved.trees["h5"]} >= {"model_weights/hidden/fashion_mlp/hidden/kernel",
                                                   "optimizer_weights"}
    assert dict(saved.h5_attrs)["backend"] == "tensorflow"


def test_training_and_predicting_go_through_the_engine(saved):
    events = []
    admitted, takes = engine.GATE.admitted, engine.POOL.takes
    run = lab.train_and_save(lab.SavingSpec(images=IMAGES, units=10, epochs=2, seed=1),
                             lambda kind, payload: events.append((kind, payload)))
    assert engine.GATE.admitted == admitted + 1 and engine.POOL.takes == takes + 1
    assert run.optimizer_restored and run.reloaded.close
    assert [(p.done, p.total, p.unit) for kind, p in events if kind == "progress"] == [(1, 2, "epoch"), (2, 2, "epoch")]
    admitted = engine.GATE.admitted
    lab.open_upload(saved.keras_bytes, "m.keras", IMAGES, "api")  # predicting with an uploaded model holds a slot
    assert engine.GATE.admitted == admitted + 1


def test_same_spec_same_numbers(saved):
    # Bit for bit: the same program on the same inputs, batches and device, in one process.
    again = lab.train_and_save(SPEC)
    assert again.history == saved.history
    np.testing.assert_array_equal(again.probabilities, saved.probabilities)


def test_model_description_matches_keras(saved):
    info = saved.info
    assert info.cls == "Sequential" and info.input_shapes == ((None, 28, 28),) and info.output_shapes == ((None, 10),)
    assert [n.name for n in info.graph.nodes] == ["image", "flatten", "hidden", "dropout", "output"]
    assert info.graph.edges == ((0, 1), (1, 2), (2, 3), (3, 4))
    assert info.graph.nodes[2].output_shape == "(None, 20)" and info.graph.nodes[2].activation == "relu"
    assert "Total params" in info.summary and "hidden (Dense)" in info.summary


# --------------------------------------------------------------------------- generated code


def test_training_code_reproduces_lib(saved, script_dir):
    folder, ns, out = script_dir
    for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
        close(ns["history"][key], saved.history[key])
    assert "identical predictions: True" in out
    for name in lab.FILENAMES.values():
        assert (folder / name).is_file()
        assert f"{name}: {os.path.getsize(folder / name):,} bytes" in out
    with zipfile.ZipFile(folder / lab.FILENAMES["keras"]) as archive:
        assert [i.filename for i in archive.infolist()] == [e.name for e in saved.keras_file.entries]
        config = json.loads(archive.read("config.json"))
    mine = json.loads(zipfile.ZipFile(io.BytesIO(saved.keras_bytes)).read("config.json"))
    strip = lambda c: json.dumps(c, sort_keys=True).replace(" ", "")  # noqa: E731
    import re

    ids = re.compile(r'"shared_object_id":\d+')
    assert ids.sub("", strip(config)) == ids.sub("", strip(mine))  # the same architecture, names and settings


@pytest.mark.parametrize("fmt", lab.FORMATS)
def test_inspect_code_lists_what_lib_lists(saved, script_dir, fmt):
    folder, _, _ = script_dir
    _, out = run_in(folder, codegen.inspect_code(fmt))
    for row in saved.trees[fmt]:
        if row.shape is not None:
            assert f"  {row.path}  {row.shape} {row.dtype}" in out
    if fmt == "keras":
        assert "model.weights.h5" in out and "stored" in out and "Adam" in out
    if fmt == "h5":
        assert "model_config =" in out and "Sequential" in out


def test_predict_code_gives_lib_predictions(saved, tmp_path):
    (tmp_path / lab.FILENAMES["keras"]).write_bytes(saved.keras_bytes)  # the page's own file
    rows = [int(r) for r in lab.sample_rows(200, 198, 4)]
    assert rows == [198, 199, 0, 1]
    ns, out = run_in(tmp_path, codegen.predict_code(IMAGES, rows))
    np.testing.assert_array_equal(ns["probabilities"], saved.probabilities)
    np.testing.assert_array_equal(ns["predicted"], saved.predicted)
    close(ns["model"].evaluate(ns["val_scaled"], ns["val_target"], verbose=0), [saved.evaluation["loss"],
                                                                               saved.evaluation["accuracy"]], 1e-6)
    names = data.FASHION_CLASSES
    for r in rows:
        assert f"image {r}: predicted {names[saved.predicted[r]]}" in out


def test_upload_code_refuses_what_lib_refuses(saved, tmp_path):
    (tmp_path / lab.FILENAMES["keras"]).write_bytes(saved.keras_bytes)
    ns, out = run_in(tmp_path, codegen.upload_code())
    assert "Total params" in out  # the good file loads and is summarised
    for kind in lab.SAMPLES[1:]:
        _, blob = lab.sample_file(kind, saved.keras_bytes)
        try:
            files.check_upload(blob)
            expected = None
        except files.Refused as refusal:
            expected = refusal.code
        assert ns["refusal"](blob) == expected, kind


# --------------------------------------------------------------------------- uploads


@pytest.fixture
def lambda_file(tmp_path):
    model = keras.Sequential([keras.Input(shape=(3,)), keras.layers.Lambda(lambda v: v + 1.0, name="plus_one")])
    path = tmp_path / "lambda.keras"
    model.save(path)
    return path.read_bytes()


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, blob in entries.items():
            z.writestr(name, blob)
    return out.getvalue()


def _with_config(keras_bytes: bytes, edit) -> bytes:
    with zipfile.ZipFile(io.BytesIO(keras_bytes)) as src:
        entries = {name: src.read(name) for name in src.namelist()}
    config = json.loads(entries["config.json"])
    edit(config)
    entries["config.json"] = json.dumps(config).encode()
    return _zip(entries)


def refused(blob: bytes) -> str:
    with pytest.raises(files.Refused) as info:
        lab.open_upload(blob, "x.keras", IMAGES, "test")
    return info.value.code


def test_lambda_layer_is_refused(lambda_file, tmp_path):
    (tmp_path / "lambda.keras").write_bytes(lambda_file)
    assert refused((tmp_path / "lambda.keras").read_bytes()) == "lambda"


def test_safe_mode_refuses_a_lambda_even_without_the_scan(lambda_file, monkeypatch):
    monkeypatch.setattr(files, "scan_config", lambda config: None)
    assert refused(lambda_file) == "lambda"


def test_not_a_zip_is_refused(tmp_path):
    path = tmp_path / "model.keras"
    path.write_bytes(b"\x89PNG\r\n\x1a\n" + bytes(100))
    assert refused(path.read_bytes()) == "not_zip"


def test_zip_without_config_is_refused(saved, tmp_path):
    path = tmp_path / "no_config.keras"
    path.write_bytes(_zip({"metadata.json": b"{}", "model.weights.h5": b"\0" * 10}))
    assert refused(path.read_bytes()) == "no_config"
    with pytest.raises(files.Refused) as info:
        files.check_upload(lab.sample_file("no_config", saved.keras_bytes)[1])
    assert "model.weights.h5" in info.value.values["names"]


def test_oversize_file_is_refused(tmp_path):
    path = tmp_path / "big.keras"
    path.write_bytes(bytes(files.MAX_UPLOAD_BYTES + 1))
    assert refused(path.read_bytes()) == "too_big"


@pytest.mark.parametrize("edit, code", [
    (lambda c: c["config"]["layers"][2].update(module="evil.layers"), "custom"),
    (lambda c: c["config"]["layers"][2].update(registered_name="Custom>Dense"), "custom"),
    (lambda c: c["config"]["layers"][2].update(class_name="TFSMLayer"), "forbidden"),
    (lambda c: c["config"]["layers"][2]["config"].update(units=10**6), "too_many_params"),
    (lambda c: c.clear(), "bad_config"),
    (lambda c: c["config"]["layers"][2].update(class_name="NoSuchLayer"), "load_failed"),
])
def test_edited_configs_are_refused(saved, edit, code):
    assert refused(_with_config(saved.keras_bytes, edit)) == code


def test_other_bad_files_are_refused(saved):
    assert refused(b"") == "empty"
    assert refused(files.HDF5_MAGIC + bytes(10)) == "legacy_h5"
    assert refused(_zip({"config.json": b"{not json"})) == "bad_config"
    assert refused(_zip({f"f{i}": b"" for i in range(files.MAX_ENTRIES + 1)} | {"config.json": b"{}"})) == \
        "unzipped_too_big"
    assert refused(_zip({"config.json": b'{"class_name": "Sequential", "config": {}}'})) == "load_failed"


@pytest.mark.numerics
def test_own_file_uploaded_predicts_like_the_page(saved):
    result = lab.open_upload(saved.keras_bytes, "fashion_mlp.keras", IMAGES, "test")
    # Another process and another predict batch: the same model to float32 rounding.
    assert_float32_close(result.probabilities, saved.probabilities, terms=784 + SPEC.units)
    assert result.accuracy == pytest.approx(float(np.mean(saved.predicted == saved.y_val)))
    assert result.problem is None and not result.logits
    assert result.info.graph.edges == saved.info.graph.edges


def test_uploads_with_other_inputs_and_outputs(tmp_path):
    flat = keras.Sequential([keras.Input(shape=(784,)), keras.layers.Dense(10, name="logits")])  # no softmax
    other = keras.Sequential([keras.Input(shape=(5,)), keras.layers.Dense(10)])
    for name, model in (("flat", flat), ("other", other)):
        model.save(tmp_path / f"{name}.keras")
    r = lab.open_upload((tmp_path / "flat.keras").read_bytes(), "flat.keras", IMAGES)
    assert r.logits and r.probabilities.shape == (200, 10)
    np.testing.assert_allclose(r.probabilities.sum(axis=1), 1.0, atol=1e-5)
    assert lab.open_upload((tmp_path / "other.keras").read_bytes(), "other.keras", IMAGES).problem == "input"


def test_functional_graph_has_the_branches():
    inp = keras.Input(shape=(4,), name="x")
    a = keras.layers.Dense(3, name="a")(inp)
    b = keras.layers.Dense(3, name="b")(inp)
    out = keras.layers.Dense(2, name="out")(keras.layers.Concatenate(name="cat")([a, b]))
    g = models.model_graph(keras.Model(inp, out))
    names = [n.name for n in g.nodes]
    edges = {(names[i], names[j]) for i, j in g.edges}
    assert edges == {("x", "a"), ("x", "b"), ("a", "cat"), ("b", "cat"), ("cat", "out")}
    levels = dict(zip(names, g.levels(), strict=True))
    assert levels == {"x": 0, "a": 1, "b": 1, "cat": 2, "out": 3}


def test_declared_params_bounds_the_course_model(saved):
    config = saved.keras_file.config
    assert saved.info.trainable <= files.declared_params(config) < 2 * saved.info.trainable + 10_000


# --------------------------------------------------------------------------- temporary files


def test_temporary_folders_are_private_and_removed(saved, lambda_file, tmp_path, monkeypatch):
    root = tmp_path / "tmp"
    root.mkdir()
    monkeypatch.setattr(tempfile, "tempdir", str(root))
    seen = []
    with files.private_folder("../learner one") as a, files.private_folder("learner two") as b:
        seen += [a, b]
        assert a != b and os.path.dirname(a) == str(root)
        assert os.path.basename(a).startswith("saving-learnerone-")  # the tag cannot steer the path
        assert stat.S_IMODE(os.stat(a).st_mode) == 0o700
    assert not any(os.path.exists(p) for p in seen)
    lab.open_upload(saved.keras_bytes, "m.keras", IMAGES, "s1")
    for blob in (lambda_file, b"not a zip"):
        with pytest.raises(files.Refused):
            lab.open_upload(blob, "m.keras", IMAGES, "s2")
    with monkeypatch.context() as m:  # a failure inside Keras still removes the folder
        m.setattr(files, "scan_config", lambda config: None)
        with pytest.raises(files.Refused):
            lab.open_upload(lambda_file, "m.keras", IMAGES, "s3")
    assert list(root.iterdir()) == []


def test_helpers():
    x = np.zeros((3, 28, 28), np.float32)
    assert models.adapt_input(((None, 784),), x).shape == (3, 784)
    assert models.adapt_input(((None, 28, 28, 1),), x).shape == (3, 28, 28, 1)
    assert models.adapt_input(((None, 8, 8),), x) is None
    assert models.adapt_input(((None, 784), (None, 3)), x) is None
    p, logits = models.as_probabilities(np.array([[0.2, 0.8], [0.5, 0.5]]))
    assert not logits
    p, logits = models.as_probabilities(np.array([[1.0, 3.0]]))
    assert logits and np.argmax(p) == 1
    assert models.shape_text((None, 784)) == "(None, 784)" and models.shape_text((5,)) == "(5,)"
    assert shown(float("nan")) == "—" and shown(0.12345) == "0.1235"  # as the page prints its numbers
    with pytest.raises(ValueError, match="unknown sample"):
        lab.sample_file("bogus", b"")


def test_without_fashion_mnist_the_digits_stand_in(monkeypatch, tmp_path):
    from dataclasses import replace

    def digits_instead(subsample=None, seed=0, **_):
        return replace(data.digits(subsample, seed), source="fallback-digits", notice="fashion_unavailable")

    monkeypatch.setattr(data, "fashion_mnist", digits_instead)
    data.clear_caches()
    lab.fashion_split.cache_clear()
    try:
        spec = lab.SavingSpec(images=IMAGES, units=10, dropout=0.0, epochs=1)
        s = lab.data_split(IMAGES)
        assert s.fallback and s.image_shape == (8, 8)
        run = lab.train_and_save(spec)
        assert run.notice == "fashion_unavailable" and run.reloaded.close
        assert run.info.input_shapes == ((None, 8, 8),)
        ns, out = run_in(tmp_path, codegen.train_code(spec, fallback=True))
        close(ns["history"]["val_loss"], run.history["val_loss"])
        rows = [0, 1]
        ns, out = run_in(tmp_path, codegen.predict_code(IMAGES, rows, fallback=True))
        assert f"image 0: predicted {ns['predicted'][0]}" in out
    finally:
        data.clear_caches()
        lab.fashion_split.cache_clear()
