"""Layers and models from the inside: every number the layers page shows, computed with Keras.

Two experiments, each a frozen spec (the page's widgets, the share link and the
code panel all come from the same spec):

* ``DenseSpec``: the course's ``SimpleDense`` layer called twice on ``tf.ones``:
  the first call builds ``W`` and ``b`` from the input shape, the second does not.
* ``SeqSpec``: one model written three ways (a list of layer objects, layers
  created inline, ``add()``) with their summaries, and the course's
  ``MySequential`` giving ``keras.Sequential``'s outputs once it has its weights.

``compile`` with strings or objects lives in ``lib.lessons.layers.compiling``, the functional API
(several inputs and outputs) in ``lib.lessons.layers.functional``.
The statements here are the ones ``lib.lessons.layers.code`` writes into the code panels,
so that code prints the page's numbers. No Streamlit in this module.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import keras
import numpy as np
import tensorflow as tf

from lib.core import device  # noqa: F401  (sets GPU memory growth before the first tensor is built)
from lib.core.agreement import Agreement, compare
from lib.core.specs import check, whole
from lib.lessons.layers.controls import CONTROLS


def shape_text(shape: Sequence[int | None]) -> str:
    """A shape as Python prints a tuple: ``(784, 512)``, ``(512,)``, ``(None, 10)``."""
    items = [str(d) for d in shape]
    return "(" + ", ".join(items) + ("," if len(items) == 1 else "") + ")"


_ANSI = re.compile(r"\x1b\[[0-9;]*m")
_NODE = re.compile(r"\{\{function_node [^}]*\}\}\s*")
_NOISE = re.compile(r"^\s*(File \"|Detected at node|\[\[\{\{)")


def error_text(exc: BaseException, lines: int = 8) -> str:
    """The lines of an error message a learner reads: no colour codes, no graph stack of server paths."""
    text = _NODE.sub("", _ANSI.sub("", str(exc))).strip()
    kept = [line.rstrip() for line in text.splitlines() if line.strip() and not _NOISE.match(line)]
    return "\n".join(kept[:lines])


@dataclass(frozen=True)
class TFError:
    """An error TensorFlow/Keras raised on purpose, shown as lesson content."""

    kind: str
    message: str


# =========================================================================== 1. anatomy of a layer

DENSE_ACTIVATIONS: tuple[str, ...] = CONTROLS["sd_act"].options
ACTIVATION_FUNCTIONS: dict[str, Callable | None] = {
    "relu": tf.nn.relu,
    "sigmoid": tf.nn.sigmoid,
    "tanh": tf.nn.tanh,
    "softmax": tf.nn.softmax,
    "none": None,
}
SECOND_CALLS: tuple[str, ...] = CONTROLS["sd_second"].options
# Ranges of the page's controls, from the lesson's control table: the specs accept exactly these.
BATCH_RANGE = CONTROLS["sd_batch"].range
FEATURE_RANGE = CONTROLS["sd_features"].range
UNIT_RANGE = CONTROLS["sd_units"].range
PREVIEW = 6  # output values shown


class SimpleDense(keras.layers.Layer):
    """The course's dense layer. ``build`` makes the weights from the input shape; ``call`` computes.

    ``build_calls`` counts the builds so the page can show that ``__call__`` builds once.
    ``seed`` fixes the random initial ``W`` (the course uses ``"random_normal"`` without one).
    """

    def __init__(self, units: int, activation: Callable | None = None, seed: int | None = None,
                 **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.units = units
        self.activation = activation
        self.seed = seed
        self.build_calls = 0

    def build(self, input_shape: tuple) -> None:
        self.build_calls += 1
        input_dim = input_shape[-1]
        self.W = self.add_weight(shape=(input_dim, self.units),
                                 initializer=keras.initializers.RandomNormal(seed=self.seed), name="W")
        self.b = self.add_weight(shape=(self.units,), initializer="zeros", name="b")

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        y = tf.matmul(inputs, self.W) + self.b
        if self.activation is not None:
            y = self.activation(y)
        return y


@dataclass(frozen=True)
class DenseSpec:
    """``SimpleDense(units, activation)`` called on ``tf.ones((batch, features))``, then a second time.

    ``second``: "same" repeats the input, "one_row" sends ``tf.ones((1, features))`` (any
    batch works), "more_features" sends ``features + 1`` columns, which the built ``W`` refuses.
    The defaults are the course's example: 128 × 784 in, 512 units.
    """

    batch: int = 128
    features: int = 784
    units: int = 512
    activation: str = "relu"
    second: str = "same"
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "batch", whole(self.batch, "batch", *BATCH_RANGE))
        object.__setattr__(self, "features", whole(self.features, "features", *FEATURE_RANGE))
        object.__setattr__(self, "units", whole(self.units, "units", *UNIT_RANGE))
        object.__setattr__(self, "seed", whole(self.seed, "seed", 0, 2**31 - 1))
        check(self.activation in DENSE_ACTIVATIONS, f"activation must be one of {', '.join(DENSE_ACTIVATIONS)}")
        check(self.second in SECOND_CALLS, f"the second call must be one of {', '.join(SECOND_CALLS)}")

    @property
    def second_shape(self) -> tuple[int, int]:
        if self.second == "one_row":
            return (1, self.features)
        if self.second == "more_features":
            return (self.batch, self.features + 1)
        return (self.batch, self.features)


@dataclass(frozen=True)
class LayerState:
    """What the layer looks like after one step: built flag, build count, weight shapes, output shape."""

    built: bool
    build_calls: int
    weight_shapes: tuple[tuple[int, ...], ...]
    output_shape: tuple[int, ...] | None


@dataclass(frozen=True)
class AnatomyResult:
    spec: DenseSpec
    created: LayerState  # right after SimpleDense(...)
    first: LayerState  # after y = layer(inputs)
    second: LayerState  # after the second call (its output_shape is None when it failed)
    w_shape: tuple[int, ...]
    b_shape: tuple[int, ...]
    params: int
    output_row: np.ndarray  # the first PREVIEW values of y[0]
    rows: Agreement  # every row of y against the first (the input rows are all ones)
    w_mean: float
    w_std: float
    second_same: Agreement | None  # the second output's rows against the first's (None when it failed)
    error: TFError | None = None


def _state(layer: SimpleDense, output: tf.Tensor | None) -> LayerState:
    return LayerState(
        built=bool(layer.built),
        build_calls=int(layer.build_calls),
        weight_shapes=tuple(tuple(int(d) for d in w.shape) for w in layer.weights),
        output_shape=None if output is None else tuple(int(d) for d in output.shape),
    )


def anatomy(spec: DenseSpec) -> AnatomyResult:
    """Create the layer, call it twice, and record what changed at each step."""
    layer = SimpleDense(units=spec.units, activation=ACTIVATION_FUNCTIONS[spec.activation], seed=spec.seed)
    created = _state(layer, None)
    y = layer(tf.ones((spec.batch, spec.features)))
    first = _state(layer, y)
    error = None
    y2 = None
    try:
        y2 = layer(tf.ones(spec.second_shape))
    except Exception as exc:  # the lesson: a built layer refuses another feature count
        error = TFError(type(exc).__name__, error_text(exc))
    second = _state(layer, y2)
    values = y.numpy()
    w = layer.W.numpy()
    # Each output is a sum over the input's features: another batch size may sum in another order.
    second_same = None if y2 is None else compare(y2.numpy(), values[: y2.shape[0]], terms=spec.features)
    return AnatomyResult(
        spec=spec,
        created=created,
        first=first,
        second=second,
        w_shape=tuple(w.shape),
        b_shape=tuple(layer.b.shape),
        params=int(layer.count_params()),
        output_row=values[0, :PREVIEW].copy(),
        rows=compare(values, np.broadcast_to(values[:1], values.shape), terms=spec.features),
        w_mean=float(w.mean()),
        w_std=float(w.std()),
        second_same=second_same,
        error=error,
    )


# =========================================================================== 2. models from layers

SEQ_ACTIVATIONS: tuple[str, ...] = CONTROLS["seq_act"].options
STYLES = ("list", "inline", "add")
SEQ_UNIT_RANGE = CONTROLS["seq_units"].range
N_CLASSES = 10  # the output layer: Dense(10, softmax), one unit per Fashion-MNIST class
IMAGE_SHAPE = (28, 28)
SUMMARY_WIDTH = 72
COMPARE_ROWS = 4  # samples pushed through both models


@dataclass(frozen=True)
class SeqSpec:
    """The course's 784 → Dense(units) → Dense(10, softmax) model, or 28×28 → Flatten → ... ."""

    units: int = 100
    activation: str = "sigmoid"
    flatten: bool = False
    seed: int = 0

    def __post_init__(self) -> None:
        object.__setattr__(self, "units", whole(self.units, "units", *SEQ_UNIT_RANGE))
        object.__setattr__(self, "seed", whole(self.seed, "seed", 0, 2**31 - 1))
        check(self.activation in SEQ_ACTIVATIONS, f"activation must be one of {', '.join(SEQ_ACTIVATIONS)}")
        check(isinstance(self.flatten, bool), "flatten must be True or False")

    @property
    def input_shape(self) -> tuple[int, ...]:
        return IMAGE_SHAPE if self.flatten else (IMAGE_SHAPE[0] * IMAGE_SHAPE[1],)

    @property
    def hidden_params(self) -> int:
        return (784 + 1) * self.units

    @property
    def output_params(self) -> int:
        return (self.units + 1) * N_CLASSES


@dataclass(frozen=True)
class LayerInfo:
    """One box of a model diagram."""

    name: str
    kind: str  # the layer's class name
    shape: str  # output shape as printed by Keras, e.g. "(None, 100)"
    params: int
    parents: tuple[str, ...]


@dataclass(frozen=True)
class ModelInfo:
    name: str
    summary: str
    params: int
    layers: tuple[LayerInfo, ...]


def summary_text(model: keras.Model, width: int = SUMMARY_WIDTH) -> str:
    """``model.summary()`` as a string instead of printed."""
    lines: list[str] = []
    model.summary(line_length=width, print_fn=lambda text, **_: lines.append(text))
    return "\n".join(lines).rstrip()


def describe(model: keras.Model, width: int = SUMMARY_WIDTH) -> ModelInfo:
    """A built model as diagram boxes (layers, output shapes, parameter counts, connections) and its summary."""
    boxes: list[LayerInfo] = []
    seen: set[str] = set()
    for tensor in model.inputs:  # Sequential hides its InputLayer from model.layers
        layer = tensor._keras_history.operation
        if layer.name not in seen:
            seen.add(layer.name)
            boxes.append(LayerInfo(layer.name, type(layer).__name__, shape_text(tensor.shape), 0, ()))
    for layer in model.layers:
        if layer.name in seen:
            continue
        seen.add(layer.name)
        # The layers feeding this one, from the graph Keras recorded when the model was wired.
        names = [t._keras_history.operation.name for node in layer._inbound_nodes for t in node.input_tensors]
        parents = tuple(dict.fromkeys(names))  # a Sequential wires its layers more than once
        boxes.append(LayerInfo(layer.name, type(layer).__name__, shape_text(layer.output.shape),
                               int(layer.count_params()), parents))
    return ModelInfo(model.name, summary_text(model, width), int(model.count_params()), tuple(boxes))


def _hidden(spec: SeqSpec, **kwargs: object) -> keras.layers.Dense:
    return keras.layers.Dense(spec.units, activation=spec.activation, name="hidden", **kwargs)


def _output(**kwargs: object) -> keras.layers.Dense:
    return keras.layers.Dense(N_CLASSES, activation="softmax", name="output", **kwargs)


def _input(spec: SeqSpec) -> keras.KerasTensor:
    return keras.Input(shape=spec.input_shape, name="input")


def style_model(spec: SeqSpec, style: str) -> keras.Sequential:
    """The same model in one of the three ways the course writes it."""
    check(style in STYLES, f"style must be one of {', '.join(STYLES)}")
    front: list = [_input(spec)] + ([keras.layers.Flatten(name="flatten")] if spec.flatten else [])
    if style == "list":  # layer objects made first, then handed over as a list
        dense1 = _hidden(spec)
        dense2 = _output()
        return keras.Sequential([*front, dense1, dense2], name="list_style")
    if style == "inline":  # layers created right inside the list
        return keras.Sequential([*front, _hidden(spec), _output()], name="inline_style")
    model = keras.Sequential(name="add_style")  # an empty model, grown one layer at a time
    for layer in front:
        model.add(layer)
    model.add(_hidden(spec))
    model.add(_output())
    return model


class MySequential(keras.Model):
    """The course's own Sequential: a model that calls its layers one after another.

    (``self.layers`` belongs to ``keras.Model``, so the list gets another name.)
    """

    def __init__(self, layer_list: Sequence[keras.layers.Layer], **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.layer_list = list(layer_list)

    def call(self, inputs: tf.Tensor) -> tf.Tensor:
        x = inputs
        for layer in self.layer_list:
            x = layer(x)
        return x


@dataclass(frozen=True)
class SeqResult:
    spec: SeqSpec
    styles: dict[str, ModelInfo]
    diff_before: float  # max |Sequential − MySequential| with their own initial weights
    after: Agreement  # the same after mine.set_weights(seq.get_weights())
    seq_output: np.ndarray  # (COMPARE_ROWS, 10) class probabilities
    my_output: np.ndarray
    my_params: int
    weight_shapes: tuple[tuple[int, ...], ...]


def compare_inputs(spec: SeqSpec) -> np.ndarray:
    """A few random "images" in [0, 1) for the comparison, from a seeded generator."""
    return np.random.default_rng(spec.seed).random((COMPARE_ROWS, *spec.input_shape), dtype=np.float32)


def compare_models(spec: SeqSpec) -> tuple[keras.Sequential, MySequential]:
    """keras.Sequential and MySequential with the same layers but different seeded initial weights."""
    front = [keras.layers.Flatten(name="flatten")] if spec.flatten else []
    seq = keras.Sequential([
        _input(spec),
        *front,
        _hidden(spec, kernel_initializer=keras.initializers.GlorotUniform(seed=spec.seed + 1)),
        _output(kernel_initializer=keras.initializers.GlorotUniform(seed=spec.seed + 2)),
    ], name="keras_sequential")
    mine = MySequential([
        *([keras.layers.Flatten(name="my_flatten")] if spec.flatten else []),
        keras.layers.Dense(spec.units, activation=spec.activation, name="my_hidden",
                           kernel_initializer=keras.initializers.GlorotUniform(seed=spec.seed + 3)),
        keras.layers.Dense(N_CLASSES, activation="softmax", name="my_output",
                           kernel_initializer=keras.initializers.GlorotUniform(seed=spec.seed + 4)),
    ], name="my_sequential")
    return seq, mine


def sequential_models(spec: SeqSpec) -> SeqResult:
    """The three styles described, and MySequential checked against keras.Sequential."""
    styles = {style: describe(style_model(spec, style)) for style in STYLES}
    x = compare_inputs(spec)
    seq, mine = compare_models(spec)
    seq_out = seq(x).numpy()
    diff_before = float(np.max(np.abs(seq_out - mine(x).numpy())))  # the first call builds mine
    mine.set_weights(seq.get_weights())
    my_out = mine(x).numpy()
    return SeqResult(
        spec=spec,
        styles=styles,
        diff_before=diff_before,
        # The longest sum: the hidden layer's inputs (784 pixels), then its units into the output.
        after=compare(seq_out, my_out, terms=int(np.prod(spec.input_shape)) + spec.units),
        seq_output=seq_out,
        my_output=my_out,
        my_params=int(mine.count_params()),
        weight_shapes=tuple(tuple(int(d) for d in w.shape) for w in mine.get_weights()),
    )
