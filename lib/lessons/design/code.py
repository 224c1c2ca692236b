"""Code for the layer-design page: one complete, runnable script per section.

The scripts do with ``model.fit`` what ``lib.lessons.design.lab`` does through the engine:
the same subsample, the course's split (``random_state=42``), the same seeded
initializers and the same shuffled batches (one ``np.random.default_rng(seed)``
permutation per epoch), so they print the page's numbers. The unit tests run them.
"""

from __future__ import annotations

from lib.core.fashion import split_code
from lib.core.models import optimizer_call
from lib.core.specs import OptimizerSpec
from lib.lessons.design import compare as sr
from lib.lessons.design import further as fur
from lib.lessons.design import lab


def optimizer_code(name: str, lr: float) -> str:
    return optimizer_call(OptimizerSpec(name, lr))




_IMPORTS = '''import keras
import numpy as np
from sklearn.model_selection import train_test_split
'''

_TRAIN = '''

def train(model, seed, epochs, batch_size=32):
    """model.fit one epoch at a time on a seeded shuffle: the page's exact batches."""
    rng = np.random.default_rng(seed)
    history = {}
    for _ in range(epochs):
        order = rng.permutation(len(train_scaled))
        logs = model.fit(train_scaled[order], train_target[order], batch_size=batch_size, epochs=1,
                         shuffle=False, validation_data=(val_scaled, val_target), verbose=0).history
        for name, values in logs.items():
            history.setdefault(name, []).extend(values)
        if not all(np.isfinite(v[-1]) for v in logs.values()):
            break  # the loss blew up (NaN or inf): stop, as the page does
    return history
'''


def _init(seed_expr: str) -> str:
    return f"kernel_initializer=keras.initializers.GlorotUniform(seed={seed_expr})"


def _seed_expr(seed: int | str, index: int) -> str:
    """A layer's seed as the engine derives it, as a literal or as an expression of ``seed``."""
    if isinstance(seed, int):
        return str(seed * 1000 + index)
    return f"{seed} * 1000 + {index}"


def _layers(spec: lab.DesignSpec, seed: int | str, shape: tuple[int, int], n_classes: int,
            activation: str | None = None, indent: str = "    ") -> str:
    """The Sequential layer list the engine builds for ``spec`` (``activation`` overrides, as a variable)."""
    if spec.flatten:
        lines = [f"keras.Input(shape={shape!r}),", "keras.layers.Flatten(),  # 28×28 -> 784, no parameters"]
    else:
        lines = [f"keras.Input(shape=({shape[0] * shape[1]},)),  # the images were reshaped before"]
    for i, layer in enumerate(spec.layers()):
        if layer.kind == "dense":
            act = activation or f'"{layer.activation}"'
            lines.append(f"keras.layers.Dense({layer.units}, activation={act}, {_init(_seed_expr(seed, i))}),")
        elif layer.kind == "batchnorm":
            lines.append("keras.layers.BatchNormalization(),")
        else:
            lines.append(f"keras.layers.Dropout({layer.rate!r}, seed={_seed_expr(seed, i)}),")
    lines.append(f'keras.layers.Dense({n_classes}, activation="softmax", {_init(_seed_expr(seed, 999))}),')
    return "\n".join(indent + line for line in lines)


def _compile(optimizer: str, lr: float, indent: str = "") -> str:
    return (f'{indent}model.compile(optimizer={optimizer_code(optimizer, lr)},\n'
            f'{indent}              loss="sparse_categorical_crossentropy", metrics=["accuracy"])\n')


def _shape(fallback: bool) -> tuple[int, int]:
    return (8, 8) if fallback else (28, 28)


def data_code(images: int, fallback: bool = False) -> str:
    """Section 1: load, subsample, scale, split; shapes and images per class."""
    return f'''{_IMPORTS}
{split_code(images, fallback)}
print("training:", train_scaled.shape, "validation:", val_scaled.shape)
print("pixels from", train_scaled.min(), "to", train_scaled.max())
print("images per class (training):", np.bincount(train_target, minlength=10))
print("images per class (validation):", np.bincount(val_target, minlength=10))
'''


def design_code(spec: lab.DesignSpec, fallback: bool = False) -> str:
    """Section 2: the designed network, compiled, trained, scored, with its confusion matrix."""
    shape = _shape(fallback)
    reshape = "" if spec.flatten else (f"\n# No Flatten layer: reshape the arrays to {shape[0] * shape[1]} columns "
                                       "before the model sees them\n"
                                       f"train_scaled = train_scaled.reshape(-1, {shape[0]} * {shape[1]})\n"
                                       f"val_scaled = val_scaled.reshape(-1, {shape[0]} * {shape[1]})\n")
    default = ("# RMSprop(learning_rate=0.001) is what compile() uses when no optimizer is given\n"
               if (spec.optimizer, spec.learning_rate) == ("rmsprop", 0.001) else "")
    return f'''{_IMPORTS}from sklearn.metrics import confusion_matrix

{split_code(spec.images, fallback)}{reshape}{_TRAIN}

# Seeded initializers: the same settings start from the same weights on every run
model = keras.Sequential([
{_layers(spec, spec.seed, shape, 10)}
])
model.summary()
print("parameters:", model.count_params())
{default}{_compile(spec.optimizer, spec.learning_rate)}
history = train(model, seed={spec.seed}, epochs={spec.epochs}, batch_size={spec.batch_size})
for epoch, (acc, val_acc) in enumerate(zip(history["accuracy"], history["val_accuracy"]), start=1):
    print(f"epoch {{epoch}}: accuracy {{acc:.4f}}, val_accuracy {{val_acc:.4f}}")

probabilities = model.predict(val_scaled, verbose=0)
predicted = probabilities.argmax(axis=1)
print(confusion_matrix(val_target, predicted, labels=range(10)))  # rows: true class, columns: predicted
wrong = np.flatnonzero(predicted != val_target)
print(f"{{len(wrong)}} of {{len(val_target)}} validation images misclassified")
'''


def compare_code(spec: sr.CompareSpec, fallback: bool = False) -> str:
    """Section 3: the course's sigmoid and ReLU models over several seeds, mean ± standard deviation."""
    model_spec = spec.design("relu", 0)
    compile_ = _compile("rmsprop", 0.001, "        ")
    return f'''{_IMPORTS}
{split_code(spec.images, fallback)}{_TRAIN}

SEEDS = {spec.seeds}
results = {{"sigmoid": [], "relu": []}}
for seed in range(SEEDS):
    for activation in ("sigmoid", "relu"):
        # The course's model: Flatten -> Dense({spec.units}) -> Dense(10, softmax), RMSprop, {spec.epochs} epochs
        model = keras.Sequential([
{_layers(model_spec, "seed", _shape(fallback), 10, activation="activation", indent="            ")}
        ])
{compile_}        history = train(model, seed, epochs={spec.epochs}, batch_size={spec.batch_size})
        results[activation].append((history["accuracy"][-1], history["val_accuracy"][-1]))
        print(f"seed {{seed}} {{activation:7s}} accuracy {{history['accuracy'][-1]:.4f}}"
              f"  val_accuracy {{history['val_accuracy'][-1]:.4f}}")

for activation, runs in results.items():
    val = np.array([v for _, v in runs])
    spread = val.std(ddof=1) if len(val) > 1 else float("nan")  # sample standard deviation
    print(f"{{activation:7s}} val_accuracy {{val.mean():.4f}} ± {{spread:.4f}} over {{SEEDS}} seeds")
'''


def gradient_code(spec: sr.GradientSpec, images: int, fallback: bool = False) -> str:
    """Section 4: the activations' slopes, and per-layer gradients of deep sigmoid and ReLU stacks."""
    shape = _shape(fallback)
    return f'''{_IMPORTS}import tensorflow as tf

{split_code(images, fallback)}
# The slopes: the tape differentiates each activation on a grid of z
z = tf.Variable(tf.linspace(-6.0, 6.0, 241))
for name in ("sigmoid", "relu"):
    with tf.GradientTape() as tape:
        y = keras.activations.get(name)(z)
    slope = tape.gradient(y, z)
    print(f"{{name}}: largest slope {{float(tf.reduce_max(slope)):.3f}}")

# {spec.depth} hidden layers of {spec.units} units, seeded initial weights, one batch of {spec.batch} images
x_batch, y_batch = train_scaled[:{spec.batch}], train_target[:{spec.batch}]
loss_fn = keras.losses.SparseCategoricalCrossentropy()
gradients = {{}}
for activation in ("sigmoid", "relu"):
    model = keras.Sequential(
        [keras.Input(shape={shape!r}), keras.layers.Flatten()]
        + [keras.layers.Dense({spec.units}, activation=activation, {_init(f"{spec.seed * 1000} + i")})
           for i in range({spec.depth})]
        + [keras.layers.Dense(10, activation="softmax", {_init(str(spec.seed * 1000 + 999))})]
    )
    kernels = [layer.kernel for layer in model.layers if isinstance(layer, keras.layers.Dense)]
    with tf.GradientTape() as tape:
        loss = loss_fn(y_batch, model(x_batch, training=True))
    grads = tape.gradient(loss, kernels)
    gradients[activation] = [float(tf.reduce_mean(tf.abs(g))) for g in grads]  # first hidden ... output
    print(activation, "mean |dL/dW| per layer:", " ".join(f"{{g:.2e}}" for g in gradients[activation]))
'''


def batchnorm_code(spec: fur.BatchNormSpec, fallback: bool = False) -> str:
    """Going further: the same deep stack without and with BatchNormalization."""
    shape = _shape(fallback)
    return f'''{_IMPORTS}
{split_code(spec.images, fallback)}{_TRAIN}

histories = {{}}
for batchnorm in (False, True):
    layers = [keras.Input(shape={shape!r}), keras.layers.Flatten()]
    for i in range({spec.depth}):
        seed = {spec.seed * 1000} + (2 * i if batchnorm else i)  # the engine counts every layer, BN included
        layers.append(keras.layers.Dense({spec.units}, activation="{spec.activation}", {_init("seed")}))
        if batchnorm:
            layers.append(keras.layers.BatchNormalization())  # normalises each unit over the batch
    layers.append(keras.layers.Dense(10, activation="softmax", {_init(str(spec.seed * 1000 + 999))}))
    model = keras.Sequential(layers)
{_compile("rmsprop", 0.001, "    ")}    name = "with BatchNormalization" if batchnorm else "without"
    histories[name] = train(model, seed={spec.seed}, epochs={spec.epochs})
    print(f"{{name}}: {{model.count_params()}} parameters, val_accuracy per epoch",
          [round(v, 4) for v in histories[name]["val_accuracy"]])
'''


def conv_code(spec: fur.ConvSpec) -> str:
    """Going further: parameter counts of Conv2D and SeparableConv2D."""
    k, c, f = spec.kernel, spec.channels, spec.filters
    return f'''import keras

inputs = keras.Input(shape=({spec.size}, {spec.size}, {c}))  # height, width, channels
conv = keras.layers.Conv2D({f}, {k}, padding="same")
separable = keras.layers.SeparableConv2D({f}, {k}, padding="same")
print("output shape:", conv(inputs).shape, separable(inputs).shape)

# Conv2D: every filter looks at all {c} channels through a {k}×{k} window
print("Conv2D:", conv.count_params(), "=", {k}, "*", {k}, "*", {c}, "*", {f}, "+", {f})
# SeparableConv2D: one {k}×{k} window per channel (depthwise), then a 1×1 mix of channels (pointwise)
print("SeparableConv2D:", separable.count_params(), "=", {k}, "*", {k}, "*", {c}, "+", {c}, "*", {f}, "+", {f})
print(f"{{conv.count_params() / separable.count_params():.1f}}× fewer parameters")
'''


def ensemble_code(spec: fur.EnsembleSpec, fallback: bool = False) -> str:
    """Going further: several seeds of the course's model, their probabilities averaged."""
    model_spec = spec.design(0)
    return f'''{_IMPORTS}
{split_code(spec.images, fallback)}{_TRAIN}

probabilities = []
for seed in range({spec.members}):
    model = keras.Sequential([
{_layers(model_spec, "seed", _shape(fallback), 10, indent="        ")}
    ])
{_compile("rmsprop", 0.001, "    ")}    train(model, seed, epochs={spec.epochs})
    prob = model.predict(val_scaled, verbose=0)
    probabilities.append(prob)
    print(f"member {{seed}}: val accuracy {{np.mean(prob.argmax(axis=1) == val_target):.4f}}")

average = np.mean(probabilities, axis=0)  # the ensemble: mean of the members' softmax outputs
print(f"ensemble of {spec.members}: val accuracy {{np.mean(average.argmax(axis=1) == val_target):.4f}}")
'''


def search_code(spec: fur.SearchSpec, fallback: bool = False) -> str:
    """Going further: a plain random search over the learning rate and the units."""
    lo, hi = fur.LR_LOG_RANGE
    model_spec = fur.trial_design(spec, 0.001, 100)
    layers = _layers(model_spec, 0, _shape(fallback), 10, indent="        ").replace("Dense(100,", "Dense(units,")
    compile_ = _compile("rmsprop", 0.001, "    ").replace("learning_rate=0.001", "learning_rate=learning_rate")
    return f'''{_IMPORTS}import pandas as pd

{split_code(spec.images, fallback)}{_TRAIN}

rng = np.random.default_rng({spec.seed})  # the search's own seed: the same trials every time
rows = []
for trial in range({spec.trials}):
    learning_rate = float(f"{{10 ** rng.uniform({lo}, {hi}):.3g}}")  # log-uniform from 1e-4 to 1e-2
    units = int(rng.choice({list(fur.UNIT_CHOICES)!r}))
    model = keras.Sequential([
{layers}
    ])
{compile_}    history = train(model, seed=0, epochs={spec.epochs})
    rows.append({{"trial": trial + 1, "learning_rate": learning_rate, "units": units,
                 "val_accuracy": history["val_accuracy"][-1], "val_loss": history["val_loss"][-1]}})
    print(rows[-1])

table = pd.DataFrame(rows).sort_values("val_accuracy", ascending=False)
print(table.to_string(index=False))
'''
