"""Code for the optimizers page: one complete, runnable script per section.

Each script builds the optimizers with the same ``keras.optimizers`` calls, the
same seeds, data split and batch order as ``lib.lessons.optimizers.lab`` and
``lib.lessons.optimizers.race``, so it prints the numbers the page shows (the unit tests
execute these scripts and compare).
"""

from __future__ import annotations

from collections.abc import Sequence

from lib.core.models import optimizer_call
from lib.core.numbers import fmt_lr
from lib.core.specs import OptimizerSpec
from lib.lessons.optimizers.lab import SURFACES, PathSpec
from lib.lessons.optimizers.race import RATE_BATCH, RATE_FEATURES, TOY_NOISE, VALIDATION_SPLIT, RaceSpec, RateSpec

CSV = "Advertising.csv"
def keras_call(spec: OptimizerSpec) -> str:
    """``keras.optimizers.SGD(learning_rate=0.01, momentum=0.9, nesterov=True)`` for a spec."""
    return optimizer_call(spec, fmt_lr(spec.lr))


def short_call(spec: OptimizerSpec) -> str:
    """``SGD(learning_rate=0.01, momentum=0.9)``: the call without the ``keras.optimizers.`` prefix, for tables."""
    return keras_call(spec).removeprefix("keras.optimizers.")


def _optimizer_dict(specs: Sequence[OptimizerSpec], indent: str = "    ") -> str:
    return "\n".join(f'{indent}"{spec.name}": {keras_call(spec)},' for spec in specs)


def _surface_function(name: str) -> str:
    surface = SURFACES[name]
    scaled = f"({surface.source}) / {surface.scale!r}" if surface.scale != 1 else surface.source
    return f'''def f(x, y):
    """The {name} surface{f", divided by {surface.scale:g} so one set of learning rates suits every surface"
                             if surface.scale != 1 else ""}."""
    return {scaled}
'''


# --------------------------------------------------------------------------- 1. paths on a surface


def surface_code(specs: Sequence[PathSpec]) -> str:
    """Section 1: every chosen optimizer walks ``steps`` steps on the same surface from the same start."""
    first = specs[0]
    return f'''import numpy as np
import tensorflow as tf
import keras

{_surface_function(first.surface)}

start = [{first.start[0]!r}, {first.start[1]!r}]  # (x, y)
steps = {first.steps}
optimizers = {{
{_optimizer_dict([s.optimizer for s in specs])}
}}

paths, losses = {{}}, {{}}
for name, optimizer in optimizers.items():
    w = tf.Variable(start)  # the two coordinates are the "weights" being trained
    path, loss_per_step = [w.numpy()], []
    for step in range(steps):
        with tf.GradientTape() as tape:
            loss = f(w[0], w[1])
        grad = tape.gradient(loss, w)
        optimizer.apply_gradients([(grad, w)])  # one update by this optimizer's rule
        loss_per_step.append(float(loss))
        path.append(w.numpy())
    loss_per_step.append(float(f(w[0], w[1])))
    paths[name], losses[name] = np.array(path), np.array(loss_per_step)
    x, y = path[-1]
    print(f"{{name:9s}} after {{steps}} steps: ({{x:.4f}}, {{y:.4f}})  loss {{loss_per_step[-1]:.6g}}")
'''


# --------------------------------------------------------------------------- 2. inside the optimizer


def inside_code(spec: PathSpec, shown: int = 5) -> str:
    """Section 2: one optimizer on the surface, printing its own variables after every step."""
    return f'''import numpy as np
import tensorflow as tf
import keras

{_surface_function(spec.surface)}

w = tf.Variable([{spec.start[0]!r}, {spec.start[1]!r}], name="w")
optimizer = {keras_call(spec.optimizer)}
optimizer.build([w])  # creates the optimizer's own variables (its memory) for w
print("optimizer variables:", [v.path for v in optimizer.variables])

steps = {spec.steps}
grads, states = [], {{}}  # states: variable name -> its value after every step
for step in range(1, steps + 1):
    with tf.GradientTape() as tape:
        loss = f(w[0], w[1])
    grad = tape.gradient(loss, w)
    optimizer.apply_gradients([(grad, w)])
    grads.append(grad.numpy())
    for v in optimizer.variables:
        if v.name not in ("iteration", "learning_rate"):  # the per-weight slots, e.g. "w_momentum"
            slot = v.name.rsplit("_", 1)[-1]  # -> "momentum"
            states.setdefault(slot, []).append(v.numpy().copy())
    if step <= {shown}:
        memory = ", ".join(f"{{name}}={{values[-1]}}" for name, values in states.items())
        print(f"step {{step}}: grad={{grad.numpy()}}  w={{w.numpy()}}  {{memory}}")
grads = np.array(grads)
states = {{name: np.array(values) for name, values in states.items()}}
print("after", steps, "steps: w =", w.numpy())
'''


# --------------------------------------------------------------------------- 3. the race


def _race_data(race: RaceSpec) -> str:
    n = race.samples
    if race.data == "moons":
        return f'''from sklearn.datasets import make_moons

x, y = make_moons(n_samples={n}, noise={TOY_NOISE!r}, random_state=SEED)
'''
    if race.data == "circles":
        return f'''from sklearn.datasets import make_circles

x, y = make_circles(n_samples={n}, noise={TOY_NOISE!r}, factor=0.5, random_state=SEED)
'''
    if race.data == "xor":
        return f'''# XOR: uniform points in [-1, 1]^2, labelled by the quadrant of the clean point, then blurred
rng = np.random.default_rng(SEED)
clean = rng.uniform(-1.0, 1.0, size=({n}, 2))
y = clean[:, 0] * clean[:, 1] > 0
x = clean + {TOY_NOISE!r} * rng.standard_normal(({n}, 2))
'''
    if race.data == "spiral":
        return f'''# Two interleaved spiral arms of 1.5 turns
rng = np.random.default_rng(SEED)
y = np.concatenate((np.zeros({n // 2}), np.ones({n - n // 2})))
t = np.sqrt(rng.uniform(0.0, 1.0, {n}))
angle = t * 3.0 * np.pi + y * np.pi
x = np.column_stack((2.0 * t * np.cos(angle), 2.0 * t * np.sin(angle)))
x = x + {TOY_NOISE!r} * rng.standard_normal(({n}, 2))
'''
    sub = race.data_spec().subsample
    pick = (f'''idx = np.sort(np.random.default_rng(SEED).choice(len(y), {sub}, replace=False))  # a random subsample
x, y = x[idx], y[idx]
''' if sub is not None else "")
    if race.data == "digits":
        return f'''from sklearn.datasets import load_digits

digits = load_digits()
x, y = digits.data / 16.0, digits.target  # 8x8 images as 64 features in 0..1
{pick}'''
    return f'''(x, y), _ = keras.datasets.fashion_mnist.load_data()  # the 60000 training images
{pick}x = x.astype("float32") / 255.0  # pixels in 0..1
'''


def _race_model(race: RaceSpec, input_shape: str, output: str) -> str:
    lines = ["    return keras.Sequential([", f"        keras.Input(shape={input_shape}),"]
    if race.data == "fashion_mnist":
        lines.append("        keras.layers.Flatten(),")
    for i in range(race.layers):
        lines.append(f'        keras.layers.Dense({race.units}, activation="{race.activation}",')
        lines.append("                           kernel_initializer=keras.initializers.GlorotUniform("
                     f"seed=SEED * 1000 + {i})),")
    lines.append(f"        {output}")
    lines.append("    ])")
    return "\n".join(lines)


# Both scripts' batches: after ``rng = np.random.default_rng(SEED)``, one fixed shuffle of the training rows per
# epoch, so every run sees exactly the same batches.
_FIXED_BATCHES = '''orders = np.stack([rng.permutation(len(x_train)) for _ in range(EPOCHS)]).astype("int32")
steps_per_epoch = -(-len(x_train) // BATCH_SIZE)
batches = (
    tf.data.Dataset.from_tensor_slices(orders)
    .flat_map(lambda order: tf.data.Dataset.from_tensor_slices(order).batch(BATCH_SIZE))
    .map(lambda idx: (tf.gather(x_train, idx), tf.gather(y_train, idx)))
)'''


def race_code(race: RaceSpec, optimizers: Sequence[OptimizerSpec]) -> str:
    """Section 3: the same model from the same weights, on the same batches, once per optimizer."""
    binary = race.data in ("moons", "circles", "xor", "spiral")
    if binary:
        output = ('keras.layers.Dense(1, activation="sigmoid", '
                  "kernel_initializer=keras.initializers.GlorotUniform(seed=SEED * 1000 + 999)),")
        loss = "binary_crossentropy"
        targets = ('y_train = y_train.astype("float32").reshape(-1, 1)  # one sigmoid output per sample\n'
                   'y_val = y_val.astype("float32").reshape(-1, 1)\n')
        input_shape = "(2,)"
    else:
        output = ('keras.layers.Dense(10, activation="softmax", '
                  "kernel_initializer=keras.initializers.GlorotUniform(seed=SEED * 1000 + 999)),")
        loss, targets = "sparse_categorical_crossentropy", ""
        input_shape = "(28, 28)" if race.data == "fashion_mnist" else "(64,)"
    return f'''import numpy as np
import tensorflow as tf
import keras
from sklearn.model_selection import train_test_split

SEED = {race.seed}
EPOCHS = {race.epochs}
BATCH_SIZE = {race.batch_size}

{_race_data(race)}x, y = x.astype("float32"), y.astype("int32")
x_train, x_val, y_train, y_val = train_test_split(x, y, test_size={VALIDATION_SPLIT!r}, random_state=SEED, stratify=y)
{targets}
# The same batches for every optimizer: one fixed shuffle of the training rows per epoch.
rng = np.random.default_rng(SEED)
{_FIXED_BATCHES}


def build_model():
    # Seeded initializers: every call returns a model with exactly the same starting weights.
{_race_model(race, input_shape, output)}


optimizers = {{
{_optimizer_dict(optimizers)}
}}

histories = {{}}
for name, optimizer in optimizers.items():
    model = build_model()
    model.compile(optimizer=optimizer, loss="{loss}", metrics=["accuracy"])
    history = model.fit(batches, epochs=EPOCHS, steps_per_epoch=steps_per_epoch,
                        validation_data=(x_val, y_val), verbose=0)
    histories[name] = history.history
    val_acc = history.history["val_accuracy"]
    best = int(np.argmax(val_acc))
    print(f"{{name:9s}} val_accuracy {{val_acc[-1]:.4f}} (best {{val_acc[best]:.4f}} in epoch {{best + 1}})")
'''


# --------------------------------------------------------------------------- 4. too small / right / too large


def rates_code(specs: Sequence[RateSpec], csv_path: str = CSV) -> str:
    """Section 4: one optimizer at three learning rates; TerminateOnNaN stops a run that blows up."""
    first = specs[0]
    rates = ", ".join(fmt_lr(s.optimizer.lr) for s in specs)
    optimizer = keras_call(first.optimizer).replace(f"learning_rate={fmt_lr(first.optimizer.lr)}",
                                                    "learning_rate=learning_rate")
    features = ", ".join(f'"{f}"' for f in RATE_FEATURES)
    return f'''import numpy as np
import pandas as pd
import tensorflow as tf
import keras
from sklearn.model_selection import train_test_split

SEED = {first.seed}
EPOCHS = {first.epochs}
BATCH_SIZE = {RATE_BATCH}

# ISLR's Advertising.csv: TV, radio and newspaper budgets and the sales of 200 markets
df = pd.read_csv({csv_path!r}, index_col=0)
x = df[[{features}]].to_numpy(dtype="float32")
y = df["sales"].to_numpy(dtype="float32")
x_train, x_val, y_train, y_val = train_test_split(x, y, test_size={VALIDATION_SPLIT!r}, random_state=SEED)
y_train, y_val = y_train.reshape(-1, 1), y_val.reshape(-1, 1)

rng = np.random.default_rng(SEED)  # the same batches for every learning rate
{_FIXED_BATCHES}

histories = {{}}
for learning_rate in [{rates}]:
    normalizer = keras.layers.Normalization()  # standardizes the three budgets
    normalizer.adapt(x_train)
    model = keras.Sequential([
        keras.Input(shape=({len(RATE_FEATURES)},)),
        normalizer,
        keras.layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(seed=SEED)),
    ])
    model.compile(optimizer={optimizer}, loss="mse", metrics=["mae"])
    history = model.fit(batches, epochs=EPOCHS, steps_per_epoch=steps_per_epoch,
                        validation_data=(x_val, y_val), verbose=0,
                        callbacks=[keras.callbacks.TerminateOnNaN()])  # stop as soon as the loss is NaN
    histories[learning_rate] = history.history
    loss = history.history["loss"]
    print(f"learning_rate={{learning_rate}}: {{len(loss)}} epochs, final loss {{loss[-1]:.4f}}")
'''
