"""Keras models built from specs."""

from __future__ import annotations

import keras

from lib.core.specs import ModelSpec, OptimizerSpec

TASK_LOSS = {
    "multiclass": "sparse_categorical_crossentropy",
    "binary": "binary_crossentropy",
    "regression": "mean_squared_error",
}
TASK_METRIC = {"multiclass": "accuracy", "binary": "accuracy", "regression": "mae"}


def layer_seed(model_seed: int, index: int) -> int:
    """The initializer/dropout seed of hidden layer ``index``; generated code prints the same formula."""
    return model_seed * 1000 + index


def output_seed(model_seed: int) -> int:
    return model_seed * 1000 + 999


def output_layer(task: str, n_classes: int, seed: int) -> keras.layers.Layer:
    init = keras.initializers.GlorotUniform(seed=seed)
    if task == "multiclass":
        return keras.layers.Dense(n_classes, activation="softmax", kernel_initializer=init, name="output")
    if task == "binary":
        return keras.layers.Dense(1, activation="sigmoid", kernel_initializer=init, name="output")
    return keras.layers.Dense(1, kernel_initializer=init, name="output")


def build_model(spec: ModelSpec, input_shape: tuple[int, ...], task: str, n_classes: int) -> keras.Model:
    """A Sequential model: Flatten for images, the hidden layers, then the task's output layer.

    Every initializer gets its own seed derived from ``spec.seed`` so the same
    spec always starts from the same weights, whatever else runs in the process.
    """
    layers: list[keras.layers.Layer] = [keras.Input(shape=input_shape)]
    if len(input_shape) > 1:
        layers.append(keras.layers.Flatten())
    for i, layer in enumerate(spec.layers):
        seed = layer_seed(spec.seed, i)
        if layer.kind == "dense":
            layers.append(
                keras.layers.Dense(
                    layer.units,
                    activation=layer.activation,
                    kernel_initializer=keras.initializers.GlorotUniform(seed=seed),
                )
            )
        elif layer.kind == "dropout":
            layers.append(keras.layers.Dropout(layer.rate, seed=seed))
        else:
            layers.append(keras.layers.BatchNormalization())
    layers.append(output_layer(task, n_classes, output_seed(spec.seed)))
    return keras.Sequential(layers)


# The Keras class behind each optimizer name: momentum and Nesterov are SGD variants.
OPTIMIZER_CLASSES = {"sgd": "SGD", "momentum": "SGD", "nesterov": "SGD", "adagrad": "Adagrad", "rmsprop": "RMSprop",
                     "adam": "Adam"}


def optimizer_arguments(spec: OptimizerSpec) -> dict[str, object]:
    """The keyword arguments of the Keras optimizer for ``spec``, as code writes them."""
    args: dict[str, object] = {"learning_rate": spec.lr}
    if spec.name in ("momentum", "nesterov"):
        args["momentum"] = spec.momentum
    if spec.name == "nesterov":
        args["nesterov"] = True
    return args


def build_optimizer(spec: OptimizerSpec) -> keras.optimizers.Optimizer:
    """The real Keras optimizer class for a spec (momentum/nesterov are SGD variants)."""
    return getattr(keras.optimizers, OPTIMIZER_CLASSES[spec.name])(**optimizer_arguments(spec))


def optimizer_call(spec: OptimizerSpec, lr_text: str | None = None) -> str:
    """``keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True)``: the code that builds it.

    ``lr_text`` writes the learning rate another way (e.g. ``fmt_lr``); by default ``repr``.
    """
    args = {**optimizer_arguments(spec), "learning_rate": lr_text or repr(spec.lr)}
    text = ", ".join(f"{k}={v if k == 'learning_rate' else repr(v)}" for k, v in args.items())
    return f"keras.optimizers.{OPTIMIZER_CLASSES[spec.name]}({text})"
