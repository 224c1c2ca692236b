"""The one training API: every training run in the course goes through here.

* ``job(report)``: hold one of the process's training slots (the gate), reporting the
  queue place while waiting; re-entrant, so a job that trains several models holds
  one slot for all of them.
* ``model_session(key, build, report)``: a compiled Keras model from the pool (built
  by ``build`` on first use, reset to a freshly built model's state afterwards), on
  the training device, inside a job; the lesson fits, evaluates, saves or inspects
  it before it goes back to the pool.
* ``run(spec)`` / ``train_on(spec, split)``: a ``RunSpec``'s model on its data or a
  given split, through a pooled ``_Trainer``; ``use=`` runs on the trained model
  before it goes back, ``callbacks=`` go to ``model.fit``.
* ``borrowed(key, build)``: a pooled helper for light work that is not training
  (CPU, outside the gate).

Progress goes to the reporter as ``lib.core.progress`` events, in an honest unit.

``run(spec)`` is a pure function of its spec: same spec, same numbers. Two paths
give the same RunResult:

* ``fit``: the real ``model.fit`` (callbacks work), fed by a tf.data pipeline.
* ``fast``: one ``tf.function`` per epoch that loops over the mini-batches in
  graph mode, for interactive explorations.

Both see the same initial weights and the same batches, so they agree. Compiled
models are pooled by structure: a slider that changes the seed, learning rate,
epochs or batch size re-initialises a model whose training step is already
traced instead of tracing a new one, which is where most of the time goes.
"""

from __future__ import annotations

import dataclasses
import math
import threading
import time
from collections.abc import Callable, Hashable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any, TypeVar

import numpy as np

from lib.core import data as data_mod
from lib.core import tf_internals
from lib.core.device import DEVICE
from lib.core.gate import Gate, default_capacity

import keras  # noqa: E402  (after lib.core.device configured the GPU)
import tensorflow as tf  # noqa: E402

from lib.core.models import TASK_LOSS, TASK_METRIC, build_model, build_optimizer  # noqa: E402
from lib.core.pool import Pool, PooledModel  # noqa: E402
from lib.core.progress import Reporter, report_progress  # noqa: E402
from lib.core.progress_callback import ProgressCallback  # noqa: E402
from lib.core.specs import ModelSpec, OptimizerSpec, RunSpec  # noqa: E402

GATE = Gate(default_capacity(DEVICE.count))
POOL: Pool[PooledModel] = Pool(max_keys=48)  # distinct model structures kept, all lessons together
EVAL_BATCH = 4096
T = TypeVar("T")
_held = threading.local()  # how deep this thread is inside ``job``


# --------------------------------------------------------------------------- jobs and pooled models


@contextmanager
def job(report: Reporter | None = None) -> Iterator[None]:
    """Hold one training slot for the ``with`` body; ``report("queued", place)`` while waiting.

    Re-entrant per thread: a lesson that trains several models wraps them in one
    ``job`` and each inner run finds the slot already held.
    """
    depth = getattr(_held, "depth", 0)
    if depth:
        _held.depth = depth + 1
        try:
            yield
        finally:
            _held.depth = depth
        return
    try:
        with GATE.slot(on_wait=(lambda place: report("queued", place)) if report else None):
            _held.depth = 1
            try:
                yield
            finally:
                _held.depth = 0
    finally:
        _release_traced()


def _release_traced() -> None:
    """Let the graphs of models no longer pooled be freed (``lib.core.tf_internals``)."""
    tf_internals.release_all_reduce_gradients()


@contextmanager
def model_session(key: Hashable, build: Callable[[], keras.Model], report: Reporter | None = None,
                  learning_rate: float | None = None) -> Iterator[PooledModel]:
    """A pooled, compiled model in the initial state ``build()`` gives, inside a job.

    ``key`` names the structure (everything that changes the traced functions);
    ``build()`` returns a compiled model with seeded initializers. The first run of a
    key uses the model it builds; later runs reuse it and copy a fresh build's weights,
    dropout seeds and learning rate into it (``learning_rate`` overrides the latter).
    Use the model inside the ``with`` body only: afterwards it serves other runs.
    """
    with job(report), tf.device(DEVICE.name):
        pooled = POOL.take(key, lambda: PooledModel(build()))
        try:
            if pooled.runs:
                pooled.reset_from(build(), learning_rate)
            else:
                pooled.runs = 1
                if learning_rate is not None:
                    pooled.optimizer.learning_rate = learning_rate
            yield pooled
        finally:
            POOL.give_back(key, pooled)


LIGHT: Pool[object] = Pool(max_keys=64)  # traced helpers of light work that is not training


@contextmanager
def borrowed(key: Hashable, build: Callable[[], T]) -> Iterator[T]:
    """A pooled helper for light work that is not training, on the CPU, outside the gate.

    For things like an optimizer stepping one 2-D variable on a loss surface: a few
    milliseconds, no Keras model, nothing worth queueing behind other learners' jobs
    or moving to a GPU. ``build()`` makes it once per ``key`` (its traced functions are
    what is worth keeping); the borrower resets it before use.
    """
    obj = LIGHT.take(key, build)
    try:
        with tf.device("/CPU:0"):
            yield obj  # type: ignore[misc]
    finally:
        LIGHT.give_back(key, obj)
        tf_internals.release_all_reduce_gradients()  # a helper that steps an optimizer traces one


@dataclass(frozen=True)
class Split:
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    task: str
    n_classes: int


@dataclass
class RunResult:
    """Everything a page draws, as plain numpy (picklable, cacheable)."""

    history: dict[str, list[float]]
    weights: list[np.ndarray]
    val_pred: np.ndarray
    y_val: np.ndarray
    epochs_run: int
    seconds: float
    device: str
    path: str
    param_count: int
    diverged: bool = False
    notice: str | None = None  # data fallback notice key, if any
    extras: dict = field(default_factory=dict)
    used: object = None  # what ``use(model)`` returned, if a lesson asked to use the trained model

    @property
    def final(self) -> dict[str, float]:
        return {k: v[-1] for k, v in self.history.items() if v}


def split(spec: RunSpec) -> tuple[Split, str | None]:
    """Seeded, stratified train/validation split of the spec's data set."""
    from sklearn.model_selection import train_test_split

    ds = data_mod.load(spec.data)
    stratify = ds.y if ds.task != "regression" else None
    x_tr, x_va, y_tr, y_va = train_test_split(
        ds.x, ds.y, test_size=spec.fit.validation_split, random_state=spec.fit.seed, stratify=stratify
    )
    y_dtype = np.float32 if ds.task != "multiclass" else np.int32
    if ds.task != "multiclass":  # one output unit: targets as a column, like the predictions
        y_tr, y_va = np.reshape(y_tr, (-1, 1)), np.reshape(y_va, (-1, 1))
    return (
        Split(
            np.ascontiguousarray(x_tr, np.float32),
            np.ascontiguousarray(y_tr, y_dtype),
            np.ascontiguousarray(x_va, np.float32),
            np.ascontiguousarray(y_va, y_dtype),
            ds.task,
            ds.n_classes,
        ),
        ds.notice,
    )


def epoch_orders(n: int, epochs: int, seed: int) -> np.ndarray:
    """The sample order of every epoch, (epochs, n): both paths use exactly these batches."""
    rng = np.random.default_rng(seed)
    return np.stack([rng.permutation(n) for _ in range(epochs)]).astype(np.int32)


# --------------------------------------------------------------------------- pool


class _Trainer(PooledModel):
    """A ``RunSpec``'s compiled model, plus the fast path's whole-epoch training loop."""

    def __init__(self, spec: RunSpec, input_shape: tuple[int, ...], task: str, n_classes: int,
                 steps_per_execution: int = 1) -> None:
        self.task = task
        model = build_model(spec.model, input_shape, task, n_classes)
        model.compile(
            optimizer=build_optimizer(spec.optimizer),
            loss=TASK_LOSS[task],
            metrics=[TASK_METRIC[task]],
            steps_per_execution=steps_per_execution,
        )
        super().__init__(model)
        self.loss_fn = keras.losses.get(TASK_LOSS[task])
        self._train_epoch = None
        self._evaluate = None

    def reset(self, spec: RunSpec, input_shape: tuple[int, ...], n_classes: int) -> None:
        """Fresh initial weights for ``spec.model.seed`` and a fresh optimizer state."""
        self.reset_from(build_model(spec.model, input_shape, self.task, n_classes), spec.optimizer.lr)

    # Metric arithmetic shared by both fast-path functions.
    def _batch_stats(self, y: tf.Tensor, out: tf.Tensor) -> tuple[tf.Tensor, tf.Tensor]:
        loss = tf.reduce_mean(self.loss_fn(y, out))
        if self.task == "multiclass":
            hits = tf.cast(tf.equal(tf.argmax(out, axis=-1, output_type=tf.int32), y), tf.float32)
        elif self.task == "binary":
            hits = tf.cast(tf.equal(tf.cast(out > 0.5, tf.float32), y), tf.float32)
        else:
            hits = tf.abs(out - y)  # mean absolute error
        return loss, tf.reduce_mean(hits)

    def train_epoch(self, x: tf.Tensor, y: tf.Tensor, order: tf.Tensor, batch: tf.Tensor) -> tuple:
        if self._train_epoch is None:
            model, opt = self.model, self.optimizer

            @tf.function(reduce_retracing=True)
            def train_epoch(x, y, order, batch):
                n = tf.shape(order)[0]
                steps = (n + batch - 1) // batch
                loss_sum = tf.constant(0.0)
                metric_sum = tf.constant(0.0)
                for i in tf.range(steps):
                    idx = order[i * batch : tf.minimum((i + 1) * batch, n)]
                    xb, yb = tf.gather(x, idx), tf.gather(y, idx)
                    with tf.GradientTape() as tape:
                        out = model(xb, training=True)
                        loss, metric = self._batch_stats(yb, out)
                    grads = tape.gradient(loss, model.trainable_variables)
                    opt.apply_gradients(zip(grads, model.trainable_variables, strict=True))
                    size = tf.cast(tf.shape(idx)[0], tf.float32)
                    loss_sum += loss * size
                    metric_sum += metric * size
                total = tf.cast(n, tf.float32)
                return loss_sum / total, metric_sum / total

            self._train_epoch = train_epoch
        return self._train_epoch(x, y, order, batch)

    def evaluate(self, x: tf.Tensor, y: tf.Tensor) -> tuple:
        if self._evaluate is None:

            @tf.function(reduce_retracing=True)
            def evaluate(x, y):
                out = self.model(x, training=False)
                loss, metric = self._batch_stats(y, out)
                return loss, metric, out

            self._evaluate = evaluate
        return self._evaluate(x, y)


def _steps_per_execution(spec: RunSpec, n_train: int, per_batch: bool = False) -> int:
    """fit runs a whole epoch per graph call (batch hooks then fire once per epoch);
    the fast path has its own loop (1), and so has a run whose callbacks watch batches."""
    return -(-n_train // spec.fit.batch_size) if spec.fit.path == "fit" and not per_batch else 1


# What ``_Trainer.reset`` sets on every run (fresh weights and dropout seeds from the seed, the
# learning rate): a pooled model built for another value of these is as good as a new one.
# Every other field of the specs that build the model is in the pool's key.
RESET_FIELDS: dict[type, frozenset[str]] = {ModelSpec: frozenset({"seed"}), OptimizerSpec: frozenset({"learning_rate"})}


def structure(value: Any) -> Hashable:
    """A frozen spec as a pool key: every field, recursively (tuples of specs too), except the
    ``RESET_FIELDS`` a run resets. Derived from the dataclasses, so a field added later is in it."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        skip = RESET_FIELDS.get(type(value), frozenset())
        return (type(value).__name__, *((f.name, structure(getattr(value, f.name)))
                                        for f in dataclasses.fields(value) if f.name not in skip))
    if isinstance(value, tuple | list):
        return tuple(structure(v) for v in value)
    return value


def trainer_key(spec: RunSpec, input_shape: tuple[int, ...], task: str, n_classes: int, steps: int) -> Hashable:
    """The pool key of the model ``_Trainer`` builds for ``spec``: what ``build_model`` and ``compile``
    read (the model and optimizer specs, the data's shape, task and classes, steps per execution)."""
    return ("run", structure(spec.model), structure(spec.optimizer), tuple(input_shape), task, n_classes, steps)


def _take_trainer(spec: RunSpec, input_shape: tuple[int, ...], task: str, n_classes: int,
                  n_train: int, per_batch: bool = False) -> tuple[Hashable, _Trainer]:
    steps = _steps_per_execution(spec, n_train, per_batch)
    key = trainer_key(spec, input_shape, task, n_classes, steps)
    build = lambda: _Trainer(spec, input_shape, task, n_classes, steps)  # noqa: E731
    return key, POOL.take(key, build)  # type: ignore[return-value]


def pool_size() -> int:
    return POOL.size()


# --------------------------------------------------------------------------- run


def _finite(logs: dict[str, float]) -> bool:
    return all(math.isfinite(v) for v in logs.values())


def _run_fit(trainer: _Trainer, spec: RunSpec, s: Split, orders: np.ndarray, report: Reporter | None,
             callbacks: Sequence[keras.callbacks.Callback]) -> dict[str, list[float]]:
    batch = spec.fit.batch_size
    n = len(s.x_train)
    steps = -(-n // batch)
    x, y = tf.constant(s.x_train), tf.constant(s.y_train)
    # One stream of batches over all epochs in the shared order; fit takes
    # ``steps`` of it per epoch (one graph execution per epoch), so it sees
    # exactly the fast path's batches with no per-step Python overhead.
    ds = (
        tf.data.Dataset.from_tensor_slices(orders)
        .flat_map(lambda order: tf.data.Dataset.from_tensor_slices(order).batch(batch))
        .map(lambda idx: (tf.gather(x, idx), tf.gather(y, idx)))
        .prefetch(tf.data.AUTOTUNE)
    )
    val = tf.data.Dataset.from_tensor_slices((s.x_val, s.y_val)).batch(EVAL_BATCH)
    hist = trainer.model.fit(
        ds,
        epochs=spec.fit.epochs,
        steps_per_epoch=steps,
        validation_data=val,
        verbose=0,
        shuffle=False,  # the order is already in ``ds``
        callbacks=[*callbacks, keras.callbacks.TerminateOnNaN(), ProgressCallback(report, spec.fit.epochs)],
    )
    return {k: [float(v) for v in vals] for k, vals in hist.history.items()}


def _run_fast(trainer: _Trainer, spec: RunSpec, s: Split, orders: np.ndarray,
              report: Reporter | None) -> dict[str, list[float]]:
    metric = TASK_METRIC[s.task]
    history: dict[str, list[float]] = {"loss": [], metric: [], "val_loss": [], f"val_{metric}": []}
    x, y = tf.constant(s.x_train), tf.constant(s.y_train)
    xv, yv = tf.constant(s.x_val), tf.constant(s.y_val)
    batch = tf.constant(spec.fit.batch_size, tf.int32)
    for epoch in range(spec.fit.epochs):
        loss, acc = trainer.train_epoch(x, y, tf.constant(orders[epoch]), batch)
        vloss, vacc, _ = trainer.evaluate(xv, yv)
        logs = {"loss": float(loss), metric: float(acc), "val_loss": float(vloss), f"val_{metric}": float(vacc)}
        for k, v in logs.items():
            history[k].append(v)
        report_progress(report, epoch + 1, spec.fit.epochs, logs)
        if not _finite(logs):
            break
    return history


def train_on(spec: RunSpec, s: Split, on_epoch: Reporter | None = None,
             callbacks: Sequence[keras.callbacks.Callback] = (), notice: str | None = None,
             use: Callable[[keras.Model], object] | None = None, per_batch: bool = False) -> RunResult:
    """Train the spec's model on a given split, inside a job (one gate slot).

    For lessons that split their data their own way (e.g. the course's
    ``train_test_split(test_size=0.2, random_state=42)``) or run several models in
    one job. Everything else about the run follows ``spec``. ``callbacks`` go to
    ``model.fit`` (the ``fit`` path); ``use(model)`` runs on the trained model before
    it returns to the pool, and what it returns is ``RunResult.used``. ``per_batch``
    compiles one step per graph call, so batch-level callbacks see every batch.
    """
    input_shape = tuple(s.x_train.shape[1:])
    orders = epoch_orders(len(s.x_train), spec.fit.epochs, spec.fit.seed)
    with job(on_epoch), tf.device(DEVICE.name):
        start = time.perf_counter()
        key, trainer = _take_trainer(spec, input_shape, s.task, s.n_classes, len(s.x_train), per_batch)
        try:
            trainer.reset(spec, input_shape, s.n_classes)
            if spec.fit.path == "fit":
                history = _run_fit(trainer, spec, s, orders, on_epoch, callbacks)
            else:
                history = _run_fast(trainer, spec, s, orders, on_epoch)
            seconds = time.perf_counter() - start
            _, _, out = trainer.evaluate(tf.constant(s.x_val), tf.constant(s.y_val))
            weights = [w.copy() for w in trainer.model.get_weights()]
            params = trainer.model.count_params()
            used = use(trainer.model) if use is not None else None
        finally:
            POOL.give_back(key, trainer)
    return RunResult(
        history=history,
        weights=weights,
        val_pred=np.asarray(out),
        y_val=s.y_val.ravel(),
        epochs_run=len(history.get("loss", [])),
        seconds=seconds,
        device=DEVICE.label,
        path=spec.fit.path,
        param_count=int(params),
        diverged=any(not math.isfinite(v) for vals in history.values() for v in vals),
        notice=notice,
        used=used,
    )


def run(spec: RunSpec, on_epoch: Reporter | None = None,
        callbacks: Sequence[keras.callbacks.Callback] = (), use: Callable[[keras.Model], object] | None = None,
        per_batch: bool = False) -> RunResult:
    """Train the spec's model on its data; deterministic for a given spec.

    ``on_epoch(event, payload)`` receives ("queued", place) while waiting for the
    gate and ("progress", Progress) after every epoch. ``callbacks``, ``use`` and
    ``per_batch`` as in ``train_on``.
    """
    s, notice = split(spec)
    return train_on(spec, s, on_epoch, callbacks, notice, use, per_batch)
