"""Files a hostile learner could upload, made here on the fly: each is refused quickly, by name, in both languages.

The load itself runs in a separate process (``models.WORKER``) with a time and memory limit;
these files are all refused before it, from the zip directory and ``config.json`` alone.
The test process must not grow by more than 200 MB across all of them, and the course's own
file must still load and predict exactly as the page did.
"""

from __future__ import annotations

import copy
import io
import json
import stat
import zipfile

import keras
import numpy as np
import pytest

from lib.core import i18n, isolated
from lib.lessons.saving import files, lab, models
from tests.numerics import assert_float32_close
from tests.processes import pid_alive

IMAGES = 1000
SPEC = lab.SavingSpec(images=IMAGES, units=20, dropout=0.2, epochs=1, seed=5)
METADATA = json.dumps({"keras_version": keras.__version__, "date_saved": "2025-01-01@00:00:00"}).encode()


@pytest.fixture(scope="module")
def own() -> lab.SavedRun:
    return lab.train_and_save(SPEC)


def _zip(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as z:
        for name, blob in entries.items():
            z.writestr(name, blob)
    return out.getvalue()


def _keras_zip(config: dict | bytes, **extra: bytes) -> bytes:
    raw = config if isinstance(config, bytes) else json.dumps(config).encode()
    return _zip({"metadata.json": METADATA, "config.json": raw, **extra})


def _dense(name: str, units: int, build: list | None = None) -> dict:
    layer = {"module": "keras.layers", "class_name": "Dense", "registered_name": None,
             "config": {"name": name, "trainable": True, "units": units, "activation": "linear", "use_bias": True,
                        "kernel_initializer": {"module": "keras.initializers", "class_name": "GlorotUniform",
                                               "config": {"seed": None}, "registered_name": None},
                        "bias_initializer": {"module": "keras.initializers", "class_name": "Zeros", "config": {},
                                             "registered_name": None},
                        "dtype": {"module": "keras", "class_name": "DTypePolicy", "config": {"name": "float32"},
                                  "registered_name": None},
                        "kernel_regularizer": None, "bias_regularizer": None, "kernel_constraint": None,
                        "bias_constraint": None, "quantization_config": None}}
    if build is not None:
        layer["build_config"] = {"input_shape": build}
    return layer


def _sequential(batch_shape: list, layers: list[dict], name: str = "seq") -> dict:
    first = {"module": "keras.layers", "class_name": "InputLayer", "registered_name": None,
             "config": {"batch_shape": batch_shape, "dtype": "float32", "sparse": False, "name": "input"}}
    return {"module": "keras", "class_name": "Sequential", "registered_name": None,
            "config": {"name": name, "trainable": True, "layers": [first, *layers]}}


# --------------------------------------------------------------------------- the crafted files


def many_layers() -> bytes:
    """The issue's 1.9 MB file: 2,505 Dense(10) layers, each with an honest build_config."""
    return _keras_zip(_sequential([None, 10], [_dense(f"d{i}", 10, [None, 10]) for i in range(2505)]))


def batch_shape_evasion() -> bytes:
    """An InputLayer declaring 5,000,000 inputs before a Dense(20) without build_config: 100 M weights."""
    return _keras_zip(_sequential([None, 5_000_000], [_dense("wide", 20)]))


def deep_lists() -> bytes:
    return _keras_zip(b"[" * 100_000 + b"]" * 100_000)


def deep_dicts() -> bytes:
    return _keras_zip(b'{"a":' * 50_000 + b"1" + b"}" * 50_000)


def dotdot_names(own: bytes) -> bytes:
    with zipfile.ZipFile(io.BytesIO(own)) as src:
        entries = {info.filename: src.read(info) for info in src.infolist()}
    return _zip({**entries, "../../../tmp/evil.sh": b"#!/bin/sh\necho owned\n"})


def symlink(own: bytes) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(own)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            dst.writestr(info, src.read(info))
        link = zipfile.ZipInfo("assets/passwd")
        link.external_attr = (stat.S_IFLNK | 0o777) << 16
        dst.writestr(link, b"/etc/passwd")
    return out.getvalue()


def zip_bomb(own: bytes) -> bytes:
    """100 MB of zeros as the weights file, deflated to about 100 KB; written in 1 MB pieces."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(own)) as src:
        config = src.read("config.json")
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("metadata.json", METADATA)
        z.writestr("config.json", config)
        with z.open("model.weights.h5", "w") as fh:
            piece = bytes(2**20)
            for _ in range(100):
                fh.write(piece)
    return out.getvalue()


def _lambda_config() -> dict:
    model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(),
                              keras.layers.Lambda(lambda v: v * 2.0, name="double"),
                              keras.layers.Dense(10, name="out")], name="lam")
    return json.loads(json.dumps(keras.saving.serialize_keras_object(model)))


def lambda_split_name() -> bytes:
    """module "keras" + class_name "layers.Lambda": Keras resolves ``keras.layers.Lambda``; no field says Lambda."""
    config = _lambda_config()
    layer = next(x for x in config["config"]["layers"] if x["class_name"] == "Lambda")
    layer.update(module="keras", class_name="layers.Lambda")
    return _keras_zip(config)


def lambda_nested_escaped() -> bytes:
    """A Lambda inside a Sequential inside a Functional model, its class name written with a JSON escape."""
    inner = _lambda_config()
    outer = {"module": "keras", "class_name": "Functional", "registered_name": None,
             "config": {"name": "outer", "trainable": True, "layers": [inner], "input_layers": [],
                        "output_layers": []}}
    raw = json.dumps(outer).replace('"class_name": "Lambda"', '"class_name": "\\u004cambda"').encode()
    assert b"Lambda" not in raw  # a byte search alone would miss it
    return _keras_zip(raw)


def lambda_renamed() -> bytes:
    """A Lambda dressed as Dense: class name, module and registered name all innocent, the bytecode kept."""
    config = _lambda_config()
    layer = next(x for x in config["config"]["layers"] if x["class_name"] == "Lambda")
    payload = copy.deepcopy(layer["config"]["function"])
    payload.pop("class_name", None)  # not even "__lambda__" is left
    layer.update(class_name="Dense", module="keras.layers", registered_name=None)
    layer["config"].update(function=payload, units=10)
    return _keras_zip(config)


def crafted(own: bytes) -> dict[str, tuple[bytes, str]]:
    return {
        "2,505 layers": (many_layers(), "too_many_layers"),
        "batch_shape evasion": (batch_shape_evasion(), "too_many_params"),
        "100k [": (deep_lists(), "too_deep"),
        "50k {": (deep_dicts(), "too_deep"),
        "../ names": (dotdot_names(own), "unsafe_path"),
        "symlink": (symlink(own), "symlink"),
        "100 MB zip bomb": (zip_bomb(own), "zip_bomb"),
        "Lambda, split name": (lambda_split_name(), "lambda"),
        "Lambda, nested and escaped": (lambda_nested_escaped(), "lambda"),
        "Lambda, renamed": (lambda_renamed(), "lambda"),
    }


# --------------------------------------------------------------------------- the tests


def test_crafted_files_are_refused_by_name_before_any_loading_without_growing_the_process(own, monkeypatch):
    def no_loading(*args, **kwargs):
        raise AssertionError("a crafted file reached the loading worker")

    monkeypatch.setattr(models.WORKER, "run", no_loading)  # refused by screening alone, before Keras reads it
    files_ = crafted(own.keras_bytes)
    assert len(files_["2,505 layers"][0]) > 1_500_000 > 10 * len(files_["batch_shape evasion"][0])
    assert len(files_["100 MB zip bomb"][0]) < 200_000
    before = isolated.process_memory()[1]
    for label, (blob, code) in files_.items():
        with pytest.raises(files.Refused) as info:
            lab.open_upload(blob, "model.keras", IMAGES, "hostile")
        refusal = info.value.plain()
        assert refusal.code == code, (label, info.value)
        for lang in ("en", "ko"):
            text = i18n.translate(lang, f"saving.refuse_{code}", **dict(refusal.values))
            assert "{" not in text and len(text) > 20, (label, lang, text)
        del info
    assert isolated.process_memory()[1] - before < 200


def test_refusal_messages_differ_and_name_the_problem(own):
    en = i18n.catalogue("en")
    ko = i18n.catalogue("ko")
    codes = {code for _, code in crafted(own.keras_bytes).values()}
    for code in codes | {"timeout", "memory", "crashed", "too_wide"}:
        assert f"saving.refuse_{code}" in en and f"saving.refuse_{code}" in ko
    assert len({en[f"saving.refuse_{c}"] for c in codes}) == len(codes)
    assert any("\uac00" <= ch <= "\ud7a3" for ch in ko["saving.refuse_zip_bomb"])  # really Korean


def test_a_refusal_keeps_only_plain_text():
    with pytest.raises(files.Refused) as info:
        files.check_upload(batch_shape_evasion())
    plain = info.value.plain()
    assert isinstance(plain, files.Refusal) and plain.code == "too_many_params"
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in plain.values)


def test_static_estimate_matches_what_keras_builds():
    for model in (
        keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(50),
                          keras.layers.Dense(10)]),
        keras.Sequential([keras.Input(shape=(28, 28, 1)), keras.layers.Conv2D(8, 3), keras.layers.Flatten(),
                          keras.layers.Dense(10)]),
    ):
        config = json.loads(json.dumps(keras.saving.serialize_keras_object(model)))
        params, widest = files.estimate(config)
        assert model.count_params() <= params < 2 * model.count_params() + 10_000
    inp = keras.Input(shape=(40,))
    a, b = keras.layers.Dense(30)(inp), keras.layers.Dense(20)(inp)
    model = keras.Model(inp, keras.layers.Dense(5)(keras.layers.Concatenate()([a, b])))
    config = json.loads(json.dumps(keras.saving.serialize_keras_object(model)))
    for layer in config["config"]["layers"]:
        layer.pop("build_config", None)  # the shapes must come from the inputs, not from what the file claims
    assert model.count_params() <= files.estimate(config)[0] < 2 * model.count_params() + 1000


@pytest.mark.numerics
def test_the_page_own_file_still_loads_in_the_worker_with_the_same_predictions(own):
    result = lab.open_upload(own.keras_bytes, "fashion_mlp.keras", IMAGES, "good")
    # The worker process predicts in its own batches: the same model to float32 rounding.
    assert_float32_close(result.probabilities, own.probabilities, terms=784 + SPEC.units)
    assert result.problem is None and result.accuracy == pytest.approx(float(np.mean(own.predicted == own.y_val)))
    assert models.WORKER.pid is not None and models.WORKER.pid != isolated.os.getpid()


def test_a_load_that_runs_too_long_is_stopped_and_refused(own, monkeypatch):
    lab.open_upload(own.keras_bytes, "fashion_mlp.keras", IMAGES, "warm")  # a worker is running
    slow = models.WORKER.pid
    monkeypatch.setattr(models.WORKER, "timeout", 0.01)
    with pytest.raises(files.Refused) as info:
        lab.open_upload(own.keras_bytes, "fashion_mlp.keras", IMAGES, "slow")
    assert info.value.code == "timeout"
    assert not pid_alive(slow)  # stopped, not left to finish
    monkeypatch.undo()
    result = lab.open_upload(own.keras_bytes, "fashion_mlp.keras", IMAGES, "again")  # a fresh worker took over
    assert models.WORKER.pid not in (None, slow)
    assert_float32_close(result.probabilities, own.probabilities, terms=784 + SPEC.units)
