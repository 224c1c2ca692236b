"""A loaded model as numbers: its layers, its diagram's graph, its summary, and its predictions.

``describe`` turns any Keras model into plain data (``model_to_dot``'s graph without
Graphviz, ``model.summary()`` as text, parameter counts); ``open_upload`` takes an
uploaded file through ``lib.lessons.saving.files``' checks, then ``load_and_predict`` loads it
(``safe_mode=True``), describes it and predicts the page's validation images in ``WORKER``,
a separate process that is killed after ``LOAD_SECONDS`` or ``LOAD_MB`` of growth. Only plain
data comes back. No Streamlit here.
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from typing import Any

import keras
import numpy as np

from lib.core import isolated
from lib.lessons.saving.files import KerasFile, Refused, check_upload, private_folder, read_keras_file, short

LOAD_SECONDS = 20.0  # the whole load + describe + predict of one upload, in the worker process
LOAD_MB = 1024  # how far the worker's memory may grow while it does that
PREDICT_BATCH = 64

# =========================================================================== what a loaded model is


@dataclass(frozen=True)
class LayerInfo:
    name: str
    cls: str
    activation: str
    input_shape: str
    output_shape: str
    params: int


@dataclass(frozen=True)
class Graph:
    """Layers as nodes and data flow as edges (``model_to_dot``'s idea, without Graphviz)."""

    nodes: tuple[LayerInfo, ...]
    edges: tuple[tuple[int, int], ...]

    def levels(self) -> list[int]:
        """Each node's depth: the longest path from an input, so every edge points down."""
        depth = [0] * len(self.nodes)
        for _ in range(len(self.nodes)):  # Bellman-Ford style: enough passes for any DAG
            changed = False
            for a, b in self.edges:
                if depth[b] < depth[a] + 1:
                    depth[b] = depth[a] + 1
                    changed = True
            if not changed:
                break
        return depth


@dataclass(frozen=True)
class ModelInfo:
    name: str
    cls: str
    layers: tuple[LayerInfo, ...]
    graph: Graph
    summary: str  # model.summary() as printed
    trainable: int
    non_trainable: int
    optimizer: int  # values in the optimizer's state (0 when not compiled/built)
    input_shapes: tuple[tuple[int | None, ...], ...]
    output_shapes: tuple[tuple[int | None, ...], ...]


def shape_text(shape: Any) -> str:
    if isinstance(shape, (list, tuple)) and shape and all(isinstance(s, (list, tuple)) for s in shape):
        return ", ".join(shape_text(s) for s in shape)
    if isinstance(shape, (list, tuple)):
        return "(" + ", ".join("None" if s is None else str(s) for s in shape) + ("," if len(shape) == 1 else "") + ")"
    return "?"


def _tensor_shapes(tensors: Any) -> str:
    try:
        flat = keras.tree.flatten(tensors)
        return shape_text([tuple(t.shape) for t in flat]) if len(flat) > 1 else shape_text(tuple(flat[0].shape))
    except Exception:  # a layer used twice has no single input/output
        return "?"


def _activation(layer: Any) -> str:
    act = getattr(layer, "activation", None)
    return getattr(act, "__name__", "") if act is not None else ""


def _layer_info(layer: Any) -> LayerInfo:
    inp = _tensor_shapes(layer.input) if type(layer).__name__ != "InputLayer" else _tensor_shapes(layer.output)
    try:
        params = int(layer.count_params())
    except Exception:  # an unbuilt layer
        params = 0
    return LayerInfo(layer.name, type(layer).__name__, _activation(layer), inp, _tensor_shapes(layer.output), params)


def model_graph(model: keras.Model) -> Graph:
    """Nodes and edges as ``keras.utils.model_to_dot`` draws them (nested models stay one box)."""
    from keras.src.models import functional, sequential
    from keras.src.ops.function import make_node_key

    if isinstance(model, sequential.Sequential):
        nodes = [_layer_info(layer) for layer in model.layers]
        try:  # model_to_dot leaves the input out of a Sequential; a learner expects to see it
            shape = shape_text(tuple(model.inputs[0].shape))
            nodes.insert(0, LayerInfo(model.inputs[0].name or "input", "InputLayer", "", shape, shape, 0))
        except Exception:
            pass
        return Graph(tuple(nodes), tuple((i, i + 1) for i in range(len(nodes) - 1)))
    if not isinstance(model, functional.Functional):
        return Graph((LayerInfo(model.name, type(model).__name__, "", "?", "?", int(model.count_params())),), ())
    layers = list(model._operations)
    index = {id(layer): i for i, layer in enumerate(layers)}
    edges: set[tuple[int, int]] = set()
    for layer in layers:
        for k, node in enumerate(layer._inbound_nodes):
            if make_node_key(layer, k) not in model._nodes:
                continue
            for tensor in node.input_tensors:
                history = tensor._keras_history
                if history.operation is None:
                    continue
                source = history.operation._inbound_nodes[history.node_index].operation
                if id(source) in index:
                    edges.add((index[id(source)], index[id(layer)]))
    return Graph(tuple(_layer_info(layer) for layer in layers), tuple(sorted(edges)))


def summary_text(model: keras.Model, width: int = 58) -> str:
    lines: list[str] = []
    try:
        model.summary(line_length=width, print_fn=lambda line, line_break=None: lines.append(line))
    except Exception:  # summary of an unbuilt model
        return ""
    return "\n".join(lines).strip("\n")


def _count(variables: Any) -> int:
    return int(sum(int(np.prod(v.shape)) for v in variables))


def describe(model: keras.Model) -> ModelInfo:
    """What ``model.summary()`` tells, as numbers, plus the diagram's graph."""
    optimizer = getattr(model, "optimizer", None)
    opt_values = _count(optimizer.variables) if optimizer is not None and getattr(optimizer, "built", False) else 0

    def shapes(tensors: Any) -> tuple[tuple[int | None, ...], ...]:
        try:
            return tuple(tuple(t.shape) for t in keras.tree.flatten(tensors))
        except Exception:
            return ()

    return ModelInfo(
        name=model.name,
        cls=type(model).__name__,
        layers=tuple(_layer_info(layer) for layer in model.layers),
        graph=model_graph(model),
        summary=summary_text(model),
        trainable=_count(model.trainable_weights),
        non_trainable=_count(model.non_trainable_weights),
        optimizer=opt_values,
        input_shapes=shapes(model.inputs) if hasattr(model, "inputs") and model.inputs else (),
        output_shapes=shapes(model.outputs) if hasattr(model, "outputs") and model.outputs else (),
    )


# =========================================================================== predictions of any model


def adapt_input(input_shapes: tuple[tuple[int | None, ...], ...], x: np.ndarray) -> np.ndarray | None:
    """``x`` (n, h, w) reshaped to what a one-input model takes: (h, w), (h·w,) or (h, w, 1); else None."""
    if len(input_shapes) != 1:
        return None
    want = input_shapes[0][1:]
    h, w = x.shape[1:3]
    for shape in ((h, w), (h * w,), (h, w, 1)):
        if len(want) == len(shape) and all(a is None or a == b for a, b in zip(want, shape, strict=True)):
            return x.reshape((len(x), *shape))
    return None


def as_probabilities(out: np.ndarray) -> tuple[np.ndarray, bool]:
    """Rows that already are probabilities stay; anything else (logits) goes through softmax."""
    out = np.asarray(out, np.float64)
    finite = np.isfinite(out).all()
    if finite and (out >= 0).all() and np.allclose(out.sum(axis=1), 1.0, atol=1e-3):
        return out.astype(np.float32), False
    shifted = out - np.nanmax(out, axis=1, keepdims=True)
    e = np.exp(shifted)
    return (e / e.sum(axis=1, keepdims=True)).astype(np.float32), True


@dataclass
class UploadResult:
    """An accepted upload, as numbers (no Keras object outlives the check)."""

    filename: str
    file: KerasFile
    info: ModelInfo
    probabilities: np.ndarray | None = None  # (n_val, classes) for the page's validation images
    problem: str | None = None  # why there are no predictions: "input", "output", "nan"
    logits: bool = False
    accuracy: float | None = None
    extras: dict = field(default_factory=dict)

    @property
    def predicted(self) -> np.ndarray | None:
        return None if self.probabilities is None else np.argmax(self.probabilities, axis=1)


def warm_up() -> None:
    """Run once in each new worker: Keras imported and one tiny model saved, loaded and run."""
    model = keras.Sequential([keras.Input(shape=(28, 28)), keras.layers.Flatten(), keras.layers.Dense(10)])
    with private_folder("warm") as folder:
        path = os.path.join(folder, "warm.keras")
        model.save(path)
        keras.models.load_model(path, safe_mode=True, compile=False).predict(np.zeros((2, 28, 28)), verbose=0)
    keras.backend.clear_session()


WORKER = isolated.Worker(prepare=warm_up, timeout=LOAD_SECONDS, memory_mb=LOAD_MB)


def _refusal(code: str, **values: Any) -> tuple:
    return ("refused", code, {k: short(v, 300) for k, v in values.items()})


def load_and_predict(path: str, filename: str, x_val: np.ndarray, y_val: np.ndarray, n_classes: int) -> tuple:
    """In the worker: read, load (safe mode), describe, predict; ("ok", UploadResult) or ("refused", code, values)."""
    try:
        with open(path, "rb") as fh:
            parts = read_keras_file(fh.read())
    except Exception as exc:  # a broken metadata.json or weights file: Keras would fail too
        return _refusal("load_failed", message=exc)
    try:
        try:
            model = keras.models.load_model(path, safe_mode=True, compile=False)
        except Exception as exc:  # Keras' own refusal (safe_mode, unknown class, broken weights)
            return _refusal("lambda", layer="?") if "lambda" in str(exc).lower() else \
                _refusal("load_failed", message=exc)
        if not isinstance(model, keras.Model):
            return _refusal("load_failed", message=type(model).__name__)
        try:
            info = describe(model)
        except Exception as exc:  # a model Keras loads but cannot list (an odd nesting): refuse, don't crash
            return _refusal("load_failed", message=exc)
        return "ok", _predict(model, UploadResult(filename=str(filename)[:120], file=parts, info=info), x_val, y_val,
                              n_classes)
    finally:
        keras.backend.clear_session()


def _predict(model: keras.Model, result: UploadResult, x_val: np.ndarray, y_val: np.ndarray,
             n_classes: int) -> UploadResult:
    x = adapt_input(result.info.input_shapes, x_val)
    if x is None:
        result.problem = "input"
        return result
    try:
        out = np.asarray(model.predict(x, batch_size=PREDICT_BATCH, verbose=0))
    except Exception as exc:  # a model that loads but cannot run on these images
        result.problem = "input"
        result.extras["message"] = short(exc, 300)
        return result
    if out.ndim != 2 or out.shape[1] < 2:
        result.problem = "output"
        return result
    if not np.isfinite(out).all():
        result.problem = "nan"
        return result
    result.probabilities, result.logits = as_probabilities(out)
    if out.shape[1] == n_classes:  # the page's classes: the score on its validation images means something
        result.accuracy = float(np.mean(result.predicted == y_val))
    return result


def open_upload(data: bytes, filename: str, x_val: np.ndarray, y_val: np.ndarray, n_classes: int = 10,
                session: str = "") -> UploadResult:
    """Check here, then load and predict in the worker (time and memory limited); raises Refused."""
    check_upload(data)
    with private_folder(session) as folder:
        path = os.path.join(folder, "upload.keras")
        with open(path, "wb") as fh:
            fh.write(data)
        outcome = WORKER.run(load_and_predict, path, filename, x_val, y_val, n_classes)
    if not outcome.ok:
        if outcome.failure == "timeout":
            raise Refused("timeout", limit=f"{WORKER.timeout:g}")
        if outcome.failure in ("memory", "crashed"):
            raise Refused(outcome.failure, limit=WORKER.memory_mb, message=outcome.message)
        raise Refused("load_failed", message=outcome.message)
    if outcome.value[0] == "refused":
        raise Refused(outcome.value[1], **outcome.value[2])
    return outcome.value[1]
