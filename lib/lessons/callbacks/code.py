"""The runnable Keras scripts of the callbacks lesson, one per section, for the settings on screen.

Every script starts from the same prelude (data, split, batches, model) that
``lib.lessons.callbacks.lab.Setup`` trains with, so running it prints the page's numbers.
"""

from __future__ import annotations

from lib.core.engine import EVAL_BATCH
from lib.lessons.callbacks.lab import (
    DIGITS_ROWS,
    VALIDATION_SPLIT,
    Board,
    Checkpoint,
    CourseList,
    EarlyStop,
    Plateau,
    Progress,
    Setup,
    fmt_lr,
)

TENSORBOARD_SHELL = "pip install tensorboard\nunzip logs.zip\ntensorboard --logdir logs"
TENSORBOARD_NOTEBOOK = "%load_ext tensorboard\n%tensorboard --logdir logs"


def _data(setup: Setup) -> str:
    if setup.data == "digits":
        pick = "" if setup.rows >= DIGITS_ROWS else (
            "idx = np.sort(np.random.default_rng(SEED).choice(len(y), ROWS, replace=False))  # a random subsample\n"
            "x, y = x[idx], y[idx]\n")
        return f'''from sklearn.datasets import load_digits

digits = load_digits()
x, y = digits.data / 16.0, digits.target  # 8x8 images as 64 features in 0..1
{pick}x, y = x.astype("float32"), y.astype("int32")
'''
    return '''(x, y), _ = keras.datasets.fashion_mnist.load_data()  # the 60000 training images, 28x28
idx = np.sort(np.random.default_rng(SEED).choice(len(y), ROWS, replace=False))  # a small random subsample
x, y = x[idx].astype("float32") / 255.0, y[idx].astype("int32")
'''


def prelude(setup: Setup, per_batch: bool = False, imports: str = "") -> str:
    """Data, split, batches and a model that overfits: what every section trains."""
    shape = "(64,)" if setup.data == "digits" else "(28, 28)"
    flatten = "" if setup.data == "digits" else "        keras.layers.Flatten(),\n"
    execution = ("# steps_per_execution=1: Keras returns to Python after every batch, so batch hooks see each one.\n"
                 "STEPS_PER_EXECUTION = 1\n" if per_batch else
                 "# One graph call per epoch: much faster on small data (batch hooks then run once per epoch).\n"
                 "STEPS_PER_EXECUTION = steps_per_epoch\n")
    return f'''{imports}import numpy as np
import tensorflow as tf
import keras
from sklearn.model_selection import train_test_split

SEED = {setup.seed}
ROWS = {setup.rows}
EPOCHS = {setup.epochs}
BATCH_SIZE = {setup.batch_size}
LEARNING_RATE = {fmt_lr(setup.learning_rate)}

{_data(setup)}# Half the rows for validation: a small training set makes the model overfit early.
x_train, x_val, y_train, y_val = train_test_split(x, y, test_size={VALIDATION_SPLIT}, random_state=SEED, stratify=y)

# One fixed shuffle of the training rows per epoch, so every run sees exactly the same batches.
rng = np.random.default_rng(SEED)
orders = np.stack([rng.permutation(len(x_train)) for _ in range(EPOCHS)]).astype("int32")
steps_per_epoch = -(-len(x_train) // BATCH_SIZE)
batches = (
    tf.data.Dataset.from_tensor_slices(orders)
    .flat_map(lambda order: tf.data.Dataset.from_tensor_slices(order).batch(BATCH_SIZE))
    .map(lambda i: (tf.gather(x_train, i), tf.gather(y_train, i)))
)
val = tf.data.Dataset.from_tensor_slices((x_val, y_val)).batch({EVAL_BATCH})
{execution}

def build_model():
    """A wide MLP; seeded initializers, so every call starts from the same weights."""
    model = keras.Sequential([
        keras.Input(shape={shape}),
{flatten}        keras.layers.Dense({setup.units}, activation="relu",
                           kernel_initializer=keras.initializers.GlorotUniform(seed=SEED * 1000 + 0)),
        keras.layers.Dense(10, activation="softmax",
                           kernel_initializer=keras.initializers.GlorotUniform(seed=SEED * 1000 + 999)),
    ])
    model.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE),
                  loss="sparse_categorical_crossentropy", metrics=["accuracy"],
                  steps_per_execution=STEPS_PER_EXECUTION)
    return model


model = build_model()
'''


def _fit(callbacks: str) -> str:
    return f'''history = model.fit(
    batches, epochs=EPOCHS, steps_per_epoch=steps_per_epoch, validation_data=val, shuffle=False, verbose=0,
    callbacks=[{callbacks}keras.callbacks.TerminateOnNaN()],  # TerminateOnNaN: stop if the loss blows up
)
'''


def baseline_code(setup: Setup) -> str:
    """No callback of our own: the curves that show the overfitting."""
    return prelude(setup) + _fit("") + '''
val_loss = history.history["val_loss"]
best = int(np.argmin(val_loss))
print(f"lowest val_loss {val_loss[best]:.4f} in epoch {best + 1}; after {len(val_loss)} epochs: {val_loss[-1]:.4f}")
print(f"train loss {history.history['loss'][-1]:.4f}, val_accuracy {history.history['val_accuracy'][-1]:.4f}")
'''


def early_code(setup: Setup, es: EarlyStop) -> str:
    keep = '''

class LastWeights(keras.callbacks.Callback):
    """Listed before EarlyStopping, so its on_train_end runs first: it keeps the weights before the restore."""

    def on_train_end(self, logs=None):
        self.weights = self.model.get_weights()


last = LastWeights()
''' if es.restore_best_weights else "\n"
    compare = '''model.set_weights(last.weights)  # the last epoch's weights, before EarlyStopping restored the best
before = model.evaluate(val, verbose=0, return_dict=True)
print(f"before restoring: val_loss {before['loss']:.4f}, val_accuracy {before['accuracy']:.4f}")
''' if es.restore_best_weights else ""
    return prelude(setup) + keep + f'''early_stopping = keras.callbacks.EarlyStopping(
    monitor="{es.monitor}",
    min_delta={es.min_delta!r},
    patience={es.patience},
    mode="{es.mode}",
    restore_best_weights={es.restore_best_weights},
    start_from_epoch={es.start_from_epoch},
    verbose=1,
)
''' + _fit(("last, " if es.restore_best_weights else "") + "early_stopping, ") + f'''
print("epochs run:", len(history.history["loss"]))
print("stopped_epoch:", early_stopping.stopped_epoch, "(counted from 0; 0 means it never stopped)")
print("best epoch:", early_stopping.best_epoch + 1, "best {es.monitor}:", early_stopping.best)
after = model.evaluate(val, verbose=0, return_dict=True)
print(f"final weights: val_loss {{after['loss']:.4f}}, val_accuracy {{after['accuracy']:.4f}}")
{compare}'''


def checkpoint_code(setup: Setup, mc: Checkpoint, pick: int | None = None) -> str:
    """``pick``: the epoch whose checkpoint is loaded and evaluated (None: the last one written)."""
    name = mc.pattern
    load = ('''    restored = build_model()
    restored.optimizer.build(restored.trainable_variables)  # the file holds the optimizer's state too
    restored.load_weights(path)''' if mc.save_weights_only else
            '''    restored = keras.models.load_model(path)  # architecture, weights and optimizer in one file''')
    chosen = "files[-1]" if pick is None else f'"{name.format(epoch=pick)}"'
    return prelude(setup, imports="import os\n\n") + f'''
os.makedirs("checkpoints", exist_ok=True)
checkpoint = keras.callbacks.ModelCheckpoint(
    "checkpoints/{name}",  # {{epoch:03d}}: one file per saved epoch
    monitor="{mc.monitor}",
    mode="{mc.mode}",
    save_best_only={mc.save_best_only},
    save_weights_only={mc.save_weights_only},
    verbose=1,
)
''' + _fit("checkpoint, ") + f'''
files = sorted(os.listdir("checkpoints"))
print(len(files), "checkpoints:", ", ".join(files))

# Check the accuracy midway: load one checkpoint and evaluate it on the validation set.
if files:
    path = os.path.join("checkpoints", {chosen})
{load}
    scores = restored.evaluate(val, verbose=0, return_dict=True)
    print(f"{{path}}: val_loss {{scores['loss']:.4f}}, val_accuracy {{scores['accuracy']:.4f}}")
'''


def plateau_code(setup: Setup, rlr: Plateau) -> str:
    return prelude(setup) + f'''

class LearningRateLog(keras.callbacks.Callback):
    """Reads the learning rate from the optimizer as each epoch begins: the rate that epoch trains with."""

    def __init__(self):
        super().__init__()
        self.rates = []

    def on_epoch_begin(self, epoch, logs=None):
        self.rates.append(float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate)))


rates = LearningRateLog()
reduce_lr = keras.callbacks.ReduceLROnPlateau(
    monitor="{rlr.monitor}",
    factor={rlr.factor!r},
    patience={rlr.patience},
    min_lr={rlr.min_lr!r},
    cooldown={rlr.cooldown},
    verbose=1,
)
''' + _fit("rates, reduce_lr, ") + '''
for epoch, rate in enumerate(rates.rates, start=1):
    print(f"epoch {epoch:3d}  learning rate {rate:.6g}  val_loss {history.history['val_loss'][epoch - 1]:.4f}")
'''


def board_code(setup: Setup, board: Board) -> str:
    return prelude(setup, imports="# pip install tensorboard  (the callback writes its files with it)\nimport glob\n\n"
                   ) + f'''
board = keras.callbacks.TensorBoard(log_dir="logs", histogram_freq={1 if board.histograms else 0})
''' + _fit("board, ") + '''
# Read the scalars back from the event files: the same numbers TensorBoard draws.
from tensorflow.core.util import event_pb2

for run in ("train", "validation"):
    for path in sorted(glob.glob(f"logs/{run}/events.out.tfevents.*")):
        for record in tf.data.TFRecordDataset(path):
            event = event_pb2.Event.FromString(record.numpy())
            for value in event.summary.value:
                if value.tag in ("epoch_loss", "epoch_accuracy"):
                    print(run, event.step + 1, value.tag, float(tf.make_ndarray(value.tensor)))

# Then, in a terminal:   tensorboard --logdir logs
# or in a notebook:      %load_ext tensorboard
#                        %tensorboard --logdir logs
'''


def progress_code(setup: Setup, progress: Progress) -> str:
    """The app's own progress callback; ``report`` stands in for the page's progress bar and chart."""
    if progress.per_batch:
        callback = '''class BatchProgress(keras.callbacks.Callback):
    """Reports after every batch. The batch logs hold the running mean of the loss since the epoch began."""

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch

    def on_train_batch_end(self, batch, logs=None):
        report(self.epoch, batch, float(logs["loss"]))


progress = BatchProgress()
'''
    else:
        callback = '''class EpochProgress(keras.callbacks.Callback):
    """Reports every epoch's logs: this app draws its progress bar and live loss chart from them."""

    def on_epoch_end(self, epoch, logs=None):
        report(epoch, -1, float(logs["loss"]))


progress = EpochProgress()
'''
    return prelude(setup, per_batch=progress.per_batch, imports="import time\n\n") + '''
updates = []


def report(epoch, batch, loss):
    """In the app this sends the numbers to the page; here it prints them."""
    updates.append((epoch, batch, loss))
    where = f"epoch {epoch + 1}" + (f", batch {batch + 1}" if batch >= 0 else "")
    print(f"{where}: loss {loss:.4f}")


''' + callback + "start = time.perf_counter()\n" + _fit("progress, ") + '''
print(f"{len(updates)} updates in {time.perf_counter() - start:.2f} s")
'''


def course_code(setup: Setup, course: CourseList, epoch: int = 1) -> str:
    """The course's four callbacks together, each wrapped so the order of its hooks is printed."""
    return prelude(setup) + f'''
HOOKS = ("on_train_begin", "on_epoch_begin", "on_train_batch_begin", "on_train_batch_end", "on_test_begin",
         "on_test_batch_begin", "on_test_batch_end", "on_test_end", "on_epoch_end", "on_train_end")
events = []


class Traced(keras.callbacks.Callback):
    """Runs a real callback unchanged and writes down each hook it implements, in the order fit() calls them."""

    def __init__(self, inner):
        super().__init__()
        self.inner, self.epoch = inner, -1
        self.hooks = {{h for h in HOOKS if getattr(type(inner), h) is not getattr(keras.callbacks.Callback, h)}}

    def set_model(self, model):
        super().set_model(model)
        self.inner.set_model(model)

    def set_params(self, params):
        super().set_params(params)
        self.inner.set_params(params)


def forward(hook):
    def method(self, *args, **kwargs):
        if hook == "on_epoch_begin":
            self.epoch = args[0]
        getattr(self.inner, hook)(*args, **kwargs)
        if hook in self.hooks:
            events.append((self.epoch, hook, type(self.inner).__name__))
    return method


for hook in HOOKS:
    setattr(Traced, hook, forward(hook))

callbacks_list = [
    keras.callbacks.ModelCheckpoint(filepath="best_model.keras", monitor="val_loss", save_best_only=True),
    keras.callbacks.EarlyStopping(monitor="val_accuracy", patience={course.es_patience}),
    keras.callbacks.ReduceLROnPlateau(monitor="val_loss", factor={course.lr_factor!r}, patience={course.lr_patience}),
    keras.callbacks.TensorBoard(log_dir="logs"),  # pip install tensorboard
]
''' + _fit("*[Traced(c) for c in callbacks_list], ") + f'''
print("epochs run:", len(history.history["loss"]), "- stopped_epoch:", callbacks_list[1].stopped_epoch)
EPOCH = {epoch}
for when, hook, name in events:
    if when == EPOCH - 1:
        print(f"epoch {{EPOCH}}: {{hook:22s}} {{name}}")
'''
