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


def build_optimizer(spec: OptimizerSpec) -> keras.optimizers.Optimizer:
    """The real Keras optimizer class for a spec (momentum/nesterov are SGD variants)."""
    lr = spec.lr
    if spec.name == "sgd":
        return keras.optimizers.SGD(learning_rate=lr)
    if spec.name == "momentum":
        return keras.optimizers.SGD(learning_rate=lr, momentum=spec.momentum)
    if spec.name == "nesterov":
        return keras.optimizers.SGD(learning_rate=lr, momentum=spec.momentum, nesterov=True)
    if spec.name == "adagrad":
        return keras.optimizers.Adagrad(learning_rate=lr)
    if spec.name == "rmsprop":
        return keras.optimizers.RMSprop(learning_rate=lr)
    return keras.optimizers.Adam(learning_rate=lr)
