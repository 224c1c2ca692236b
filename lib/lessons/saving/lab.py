"""Save, load, predict: the course's Fashion-MNIST network trained, saved three ways, loaded back.

Training goes through the shared engine's real ``model.fit`` path (pooled, already
traced models; the same seeded initial weights and batches as the generated code).
Before the trained model returns to the pool (``engine.train_on(..., use=...)``), its
weights and optimizer state are put into a freshly built model with stable layer
names, which is saved as ``.keras``, as weights only (``.weights.h5``) and in the legacy ``.h5``
format inside a private temporary folder; the ``.keras`` file is loaded back with
``load_model(..., safe_mode=True)`` and both models predict the validation images.

Everything returned is numpy, bytes or plain data (picklable, cacheable).
``lib.lessons.saving.code`` writes the same steps as a script; the unit tests run it.
No Streamlit here.
"""

from __future__ import annotations

import functools
import os
import time
from collections.abc import Callable
from dataclasses import dataclass

import keras
import numpy as np

from lib.core import engine
from lib.core.agreement import Agreement, compare
from lib.core.controls import check_in
from lib.core.fashion import TOTAL_IMAGES, VAL_FRACTION, fashion_split
from lib.core.fashion import FashionData as FashionSplit
from lib.core.models import layer_seed, output_seed
from lib.core.progress import HistoryView
from lib.core.specs import DataSpec, FitSpec, LayerSpec, ModelSpec, OptimizerSpec, RunSpec, check, number, whole
from lib.lessons.saving import files, models
from lib.lessons.saving.controls import CONTROLS, SAMPLES

Reporter = Callable[[str, object], None]

# Ranges and choices of the page's controls, from the lesson's control table: the spec accepts exactly these.
DEFAULT_IMAGES = CONTROLS["sv_images"].default  # 1600 training, 400 validation images: a retrain takes about a second
UNITS_RANGE = CONTROLS["sv_units"].range
DEFAULT_UNITS = CONTROLS["sv_units"].default  # the course's Dense(100, activation="relu")
DROPOUT_RANGE = CONTROLS["sv_dropout"].range
DEFAULT_DROPOUT = CONTROLS["sv_dropout"].default  # the course's Dropout(0.3)
EPOCHS_RANGE = CONTROLS["sv_epochs"].range
DEFAULT_EPOCHS = CONTROLS["sv_epochs"].default
SEED_RANGE = CONTROLS["sv_seed"].range
BATCH_SIZE = 32
LEARNING_RATE = 0.001  # Adam's default, the course's optimizer="adam"
MODEL_NAME = "fashion_mlp"
FILENAMES = {"keras": f"{MODEL_NAME}.keras", "weights": f"{MODEL_NAME}.weights.h5", "h5": f"{MODEL_NAME}.h5"}
FORMATS = CONTROLS["sv_format"].options
check(FORMATS == tuple(FILENAMES), "the format control must list the files this module saves")


# =========================================================================== data


def data_split(images: int) -> FashionSplit:
    """``images`` random training images, split with ``train_test_split(test_size=0.2, random_state=42)``."""
    if images != TOTAL_IMAGES:
        check_in(CONTROLS["sv_images"], images, "the number of images")
    return fashion_split(images)


# =========================================================================== the experiment


@dataclass(frozen=True)
class SavingSpec:
    """The course's network: Flatten → Dense(units, relu) → Dropout(dropout) → Dense(10, softmax), Adam.

    ``seed`` sets the initial weights, the dropout masks and the batch order.
    """

    images: int = DEFAULT_IMAGES
    units: int = DEFAULT_UNITS
    dropout: float = DEFAULT_DROPOUT
    epochs: int = DEFAULT_EPOCHS
    seed: int = 0

    def __post_init__(self) -> None:
        check_in(CONTROLS["sv_images"], self.images, "the number of images")
        object.__setattr__(self, "units", whole(self.units, "units", *UNITS_RANGE))
        object.__setattr__(self, "dropout", number(self.dropout, "the dropout rate", *DROPOUT_RANGE, digits=4))
        object.__setattr__(self, "epochs", whole(self.epochs, "epochs", *EPOCHS_RANGE))
        object.__setattr__(self, "seed", whole(self.seed, "the seed", *SEED_RANGE))

    def layers(self) -> tuple[LayerSpec, ...]:
        hidden = (LayerSpec("dense", units=self.units, activation="relu"),)
        return hidden + ((LayerSpec("dropout", rate=self.dropout),) if self.dropout > 0 else ())

    def run_spec(self) -> RunSpec:
        """The engine's spec; its ``data`` labels the run (the split is ``data_split``'s)."""
        return RunSpec(
            data=DataSpec("fashion_mnist", subsample=self.images),
            model=ModelSpec(layers=self.layers(), seed=self.seed),
            optimizer=OptimizerSpec("adam", LEARNING_RATE),
            fit=FitSpec(epochs=self.epochs, batch_size=BATCH_SIZE, validation_split=VAL_FRACTION, seed=self.seed,
                        path="fit"),
        )


def build_model(spec: SavingSpec, image_shape: tuple[int, int] = (28, 28), n_classes: int = 10) -> keras.Model:
    """The engine's network with stable names, so the saved config reads the same on every server."""
    layers: list = [keras.Input(shape=image_shape, name="image"), keras.layers.Flatten(name="flatten")]
    for i, layer in enumerate(spec.layers()):
        if layer.kind == "dense":
            init = keras.initializers.GlorotUniform(seed=layer_seed(spec.seed, i))
            layers.append(keras.layers.Dense(layer.units, activation="relu", kernel_initializer=init, name="hidden"))
        else:
            layers.append(keras.layers.Dropout(layer.rate, seed=layer_seed(spec.seed, i), name="dropout"))
    init = keras.initializers.GlorotUniform(seed=output_seed(spec.seed))
    layers.append(keras.layers.Dense(n_classes, activation="softmax", kernel_initializer=init, name="output"))
    return keras.Sequential(layers, name=MODEL_NAME)


def compile_model(model: keras.Model) -> None:
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE, name="adam"),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"])


def restore_optimizer(model: keras.Model, values: list[np.ndarray]) -> bool:
    """Put copied optimizer variables into ``model``'s (same structure); False if they do not fit."""
    optimizer = model.optimizer
    optimizer.build(model.trainable_variables)
    mine = optimizer.variables
    if len(mine) != len(values) or any(tuple(v.shape) != w.shape for v, w in zip(mine, values, strict=True)):
        return False
    for var, value in zip(mine, values, strict=True):
        var.assign(value)
    return True


@dataclass
class SavedRun(HistoryView):
    """One trained, saved and reloaded network, as plain numbers and bytes."""

    history: dict[str, list[float]]
    keras_bytes: bytes
    sizes: dict[str, int]  # bytes per format
    keras_file: files.KerasFile
    trees: dict[str, tuple[files.H5Row, ...]]  # HDF5 contents: "keras" (model.weights.h5), "weights", "h5"
    h5_attrs: tuple[tuple[str, str], ...]
    parts: dict[str, dict[str, int]]  # per format: bytes of weights, optimizer state, config, the rest
    info: models.ModelInfo  # of the reloaded model
    probabilities: np.ndarray  # the reloaded model's predict() on the validation images
    y_val: np.ndarray
    reloaded: Agreement  # predictions after loading against before saving
    evaluation: dict[str, float]  # the reloaded model's evaluate()
    optimizer_restored: bool
    seconds: float  # training
    save_seconds: float  # saving, loading and predicting
    device: str
    diverged: bool = False
    notice: str | None = None

    @property
    def predicted(self) -> np.ndarray:
        """``np.argmax(model.predict(x), axis=-1)``: what ``predict_classes`` used to return."""
        return np.argmax(self.probabilities, axis=-1)


def save_all(model: keras.Model, folder: str) -> dict[str, str]:
    """The three ways to save: whole model (.keras), weights only, whole model in legacy HDF5."""
    paths = {fmt: os.path.join(folder, name) for fmt, name in FILENAMES.items()}
    model.save(paths["keras"])
    model.save_weights(paths["weights"])
    model.save(paths["h5"])  # Keras logs that the format is legacy: that is the lesson
    return paths


def _read(path: str) -> bytes:
    with open(path, "rb") as fh:
        return fh.read()


@dataclass
class _Saved:
    """What ``save_trained`` made of the trained model, before it went back to the pool."""

    raw: dict[str, bytes]  # file bytes per format
    before: np.ndarray  # predict() of the model that was saved
    after: np.ndarray  # predict() of the model loaded back from the .keras file
    evaluation: dict[str, float]
    info: models.ModelInfo
    optimizer_restored: bool
    seconds: float


def save_trained(spec: SavingSpec, split: FashionSplit, trained: keras.Model) -> _Saved:
    """The trained weights and optimizer state in a model with stable names, saved three ways and loaded back.

    Runs on the engine's trained model before it returns to the pool (``train_on(..., use=...)``),
    so the Adam moments that belong in the file are still the trained ones.
    """
    start = time.perf_counter()
    model = build_model(spec, split.image_shape, len(split.class_names))
    compile_model(model)
    model.set_weights(trained.get_weights())
    restored = restore_optimizer(model, [np.array(v.numpy()) for v in trained.optimizer.variables])
    before = model.predict(split.x_val, verbose=0)
    with files.private_folder("train") as folder:
        paths = save_all(model, folder)
        raw = {fmt: _read(path) for fmt, path in paths.items()}
        loaded = keras.models.load_model(paths["keras"], safe_mode=True)
    after = loaded.predict(split.x_val, verbose=0)
    evaluation = loaded.evaluate(split.x_val, split.y_val, verbose=0, return_dict=True)
    info = models.describe(loaded)
    return _Saved(raw, before, after, {k: float(v) for k, v in evaluation.items()}, info, restored,
                  time.perf_counter() - start)


def train_and_save(spec: SavingSpec, report: Reporter | None = None) -> SavedRun:
    """Train through the engine, save three ways, load the .keras file back, predict; ``report`` gets progress."""
    split = data_split(spec.images)
    esplit = engine.Split(split.x_train, split.y_train, split.x_val, split.y_val, "multiclass",
                          len(split.class_names))
    run = engine.train_on(spec.run_spec(), esplit, report, notice=split.notice,
                          use=lambda trained: save_trained(spec, split, trained))
    saved: _Saved = run.used
    raw = saved.raw
    keras_file = files.read_keras_file(raw["keras"])
    h5_rows, h5_attrs = files.h5_tree(raw["h5"])
    trees = {"keras": keras_file.weights, "weights": files.h5_tree(raw["weights"])[0], "h5": h5_rows}
    config_bytes = {"keras": sum(e.size for e in keras_file.entries if e.name.endswith(".json")), "weights": 0,
                    "h5": files.h5_attr_bytes(raw["h5"])}
    return SavedRun(
        history=run.history,
        keras_bytes=raw["keras"],
        sizes={fmt: len(b) for fmt, b in raw.items()},
        keras_file=keras_file,
        trees=trees,
        h5_attrs=h5_attrs,
        parts={fmt: file_parts(len(raw[fmt]), trees[fmt], config_bytes[fmt], fmt) for fmt in FORMATS},
        info=saved.info,
        probabilities=np.asarray(saved.after, np.float32),
        y_val=np.asarray(split.y_val),
        # Same weights, but the reloaded model is a new program: equal to the rounding of its
        # longest sums (784 pixels into a unit, the units into a class).
        reloaded=compare(saved.after, saved.before, terms=784 + spec.units),
        evaluation=saved.evaluation,
        optimizer_restored=saved.optimizer_restored,
        seconds=run.seconds,
        save_seconds=saved.seconds,
        device=run.device,
        diverged=run.diverged,
        notice=split.notice,
    )


# Where each format keeps the model's weights and the optimizer's state.
_PREFIXES = {"keras": ("layers/", "optimizer/"), "weights": ("layers/", "optimizer/"),
             "h5": ("model_weights/", "optimizer_weights/")}


def file_parts(size: int, tree: tuple[files.H5Row, ...], config: int, fmt: str) -> dict[str, int]:
    """A file's bytes split into weights, optimizer state, config text and the rest (HDF5/zip bookkeeping)."""
    weights_prefix, optimizer_prefix = _PREFIXES[fmt]
    weights = files.h5_data_bytes(tree, weights_prefix)
    optimizer = files.h5_data_bytes(tree, optimizer_prefix)
    return {"weights": weights, "optimizer": optimizer, "config": config,
            "overhead": max(0, size - weights - optimizer - config)}


def config_layers(config: dict) -> list[tuple[str, str, str]]:
    """(class, name, main settings) of each layer ``config.json`` lists."""
    rows = []
    for layer in (config.get("config") or {}).get("layers", []):
        if not isinstance(layer, dict):
            continue
        cfg = layer.get("config") or {}
        settings = []
        for key in ("batch_shape", "units", "activation", "rate", "seed"):
            if key in cfg and cfg[key] is not None:
                settings.append(f"{key}={cfg[key]}")
        init = cfg.get("kernel_initializer")
        if isinstance(init, dict):
            seed = (init.get("config") or {}).get("seed")
            settings.append(f"kernel_initializer={init.get('class_name')}(seed={seed})")
        rows.append((str(layer.get("class_name", "?")), str(cfg.get("name", "")), ", ".join(settings)))
    return rows


# =========================================================================== predictions shown


def sample_rows(n_val: int, first: int, count: int) -> np.ndarray:
    """``count`` validation rows from ``first`` on, wrapping round at the end."""
    return (np.arange(count) + int(first)) % max(1, n_val)


# =========================================================================== files to try the upload checks with




@functools.lru_cache(maxsize=1)
def _lambda_model_bytes() -> bytes:
    """A small model with a ``Lambda`` layer: a Python lambda travels in the file as bytecode."""
    model = keras.Sequential([
        keras.Input(shape=(28, 28)),
        keras.layers.Flatten(name="flatten"),
        keras.layers.Lambda(lambda v: v * 2.0, name="double"),
        keras.layers.Dense(10, activation="softmax", name="output"),
    ], name="with_lambda")
    with files.private_folder("sample") as folder:
        path = os.path.join(folder, "with_lambda.keras")
        model.save(path)
        with open(path, "rb") as fh:
            return fh.read()


def _without_config(keras_bytes: bytes) -> bytes:
    """The same zip with ``config.json`` left out."""
    import io
    import zipfile

    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(keras_bytes)) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            if info.filename != "config.json":
                dst.writestr(info, src.read(info))
    return out.getvalue()


def sample_file(kind: str, own: bytes) -> tuple[str, bytes]:
    """(file name, bytes) of a ready-made file; ``own`` is this page's trained ``.keras`` file."""
    if kind == "own":
        return FILENAMES["keras"], own
    if kind == "lambda":
        return "with_lambda.keras", _lambda_model_bytes()
    if kind == "not_zip":
        return "notes.keras", b"epoch,loss\n1,0.52\n2,0.39\n" * 4
    if kind == "no_config":
        return "no_config.keras", _without_config(own)
    if kind == "too_big":
        return "huge.keras", b"PK\x03\x04" + bytes(files.MAX_UPLOAD_BYTES + 2**20)
    if kind == "legacy_h5":
        return "old_model.keras", files.HDF5_MAGIC + bytes(64)
    raise ValueError(f"unknown sample {kind!r}; choose one of {', '.join(SAMPLES[1:])}")


def prepare_uploads() -> None:
    """Start the process that loads uploads (returns at once; it warms up in the background)."""
    models.WORKER.start()


def open_upload(data: bytes, filename: str, images: int, session: str = "") -> models.UploadResult:
    """An uploaded (or sample) file checked, then loaded in safe mode and run on this page's validation images
    in a separate process with a time and memory limit (``models.WORKER``); raises ``files.Refused``."""
    split = data_split(images)
    with engine.job():  # predicting with a learner's model is work like training
        return models.open_upload(data, filename, split.x_val, split.y_val, len(split.class_names), session)
