"""Code for the layers page, section 3: the same model compiled by strings and by objects.

The statements are the ones ``lib.lessons.layers.compiling`` runs (same model, seeds and data
split), so the script prints the page's numbers.
"""

from __future__ import annotations

from lib.core.models import OPTIMIZER_CLASSES
from lib.lessons.layers.compiling import CMP_HIDDEN, PREDICT_ROWS, CompileSpec
from lib.lessons.layers.lab import N_CLASSES

MY_LOSS = '''def my_loss(y_true, y_pred):  # your own loss: -log(probability of the true class)
    p = keras.ops.take_along_axis(y_pred, keras.ops.expand_dims(keras.ops.cast(y_true, "int32"), -1), axis=-1)
    return -keras.ops.log(keras.ops.clip(p[:, 0], 1e-7, 1.0))
'''

MEAN_CONFIDENCE = '''def mean_confidence(y_true, y_pred):  # your own metric: the mean of the largest probability
    return keras.ops.max(y_pred, axis=-1)
'''

# The course's table: what a string in compile() stands for. (kind, string, object)
COMPILE_TABLE = (
    ("optimizer", '"sgd"', "keras.optimizers.SGD()"),
    ("optimizer", '"rmsprop"', "keras.optimizers.RMSprop()"),
    ("optimizer", '"adam"', "keras.optimizers.Adam()"),
    ("loss", '"mean_squared_error"  ("mse")', "keras.losses.MeanSquaredError()"),
    ("loss", '"binary_crossentropy"', "keras.losses.BinaryCrossentropy()"),
    ("loss", '"categorical_crossentropy"', "keras.losses.CategoricalCrossentropy()"),
    ("loss", '"sparse_categorical_crossentropy"', "keras.losses.SparseCategoricalCrossentropy()"),
    ("metric", '"accuracy"', "keras.metrics.BinaryAccuracy() / CategoricalAccuracy() / SparseCategoricalAccuracy()"),
    ("metric", '"mean_absolute_error"  ("mae")', "keras.metrics.MeanAbsoluteError()"),
    ("metric", '"auc"', "keras.metrics.AUC()"),
)

METRIC_CODE = {
    "sparse_acc": "keras.metrics.SparseCategoricalAccuracy()",
    "top3": "keras.metrics.SparseTopKCategoricalAccuracy(k=3)",
    "custom": "mean_confidence",
    "plain_acc": "keras.metrics.Accuracy()",
}
LOSS_CODE = {"builtin": "keras.losses.SparseCategoricalCrossentropy()", "custom": "my_loss"}


def optimizer_code(spec: CompileSpec) -> str:
    name = OPTIMIZER_CLASSES[spec.optimizer]
    if spec.learning_rate is None:
        return f"keras.optimizers.{name}()"
    return f"keras.optimizers.{name}(learning_rate={spec.learning_rate!r})"


def compile_line(spec: CompileSpec, model: str = "model") -> str:
    """The ``compile`` call of one side, as the page shows it next to the other."""
    if spec.form == "string":
        args = [f'optimizer="{spec.optimizer}"', 'loss="sparse_categorical_crossentropy"', 'metrics=["accuracy"]']
    else:
        args = [f"optimizer={optimizer_code(spec)}", f"loss={LOSS_CODE[spec.loss]}",
                f"metrics=[{METRIC_CODE[spec.metric]}]"]
    body = "".join(f"    {arg},\n" for arg in args)
    return f"{model}.compile(\n{body})"


def compile_code(spec: CompileSpec) -> str:
    """Section 3: the same model compiled by strings and by objects, fitted, evaluated, used to predict."""
    strings, objects = spec.as_form("string"), spec.as_form("object")
    helpers = (MY_LOSS + "\n\n" if objects.loss == "custom" else "") + (
        MEAN_CONFIDENCE + "\n\n" if objects.metric == "custom" else "")
    glorot = "keras.initializers.GlorotUniform"
    if objects.metric == "plain_acc":
        fit = f'''    try:
        history = model.fit(x_train, y_train, epochs={spec.epochs}, batch_size={spec.batch_size},
                            validation_data=(x_val, y_val), shuffle=False, verbose=0,
                            callbacks=[keras.callbacks.TerminateOnNaN()])
    except Exception as error:  # keras.metrics.Accuracy() compares labels and outputs element by element
        print(model.name, "could not train:", type(error).__name__)
        continue'''
    else:
        fit = f'''    history = model.fit(x_train, y_train, epochs={spec.epochs}, batch_size={spec.batch_size},
                        validation_data=(x_val, y_val), shuffle=False, verbose=0,
                        callbacks=[keras.callbacks.TerminateOnNaN()])'''
    return f'''import keras
import numpy as np
from sklearn.datasets import load_digits
from sklearn.model_selection import train_test_split

digits = load_digits()
x = (digits.data / 16.0).astype("float32")  # 8x8 pixels as 64 numbers in 0..1
y = digits.target.astype("int32")  # the digit 0..9: integer labels, hence the "sparse_" losses
x_train, x_val, y_train, y_val = train_test_split(x, y, test_size=0.2, random_state={spec.seed}, stratify=y)


def make_model(name):  # the same seeded initial weights for both models
    return keras.Sequential([
        keras.Input(shape=(64,)),
        keras.layers.Dense({CMP_HIDDEN}, activation="relu", kernel_initializer={glorot}(seed={spec.seed + 1})),
        keras.layers.Dense({N_CLASSES}, activation="softmax", kernel_initializer={glorot}(seed={spec.seed + 2})),
    ], name=name)


{helpers}# By strings: Keras looks each name up and uses its default settings
string_model = make_model("string_model")
{compile_line(strings, "string_model")}

# By objects: arguments (a learning rate, k, ...) and your own functions become possible
object_model = make_model("object_model")
{compile_line(objects, "object_model")}

for model in (string_model, object_model):
{fit}
    print(model.name, "-", type(model.optimizer).__name__, f"learning rate {{float(model.optimizer.learning_rate):g}}")
    for key, values in history.history.items():
        print(f"  {{key}}: {{[round(v, 4) for v in values]}}")
    print("  evaluate:", model.evaluate(x_val, y_val, verbose=0, return_dict=True))
    predicted = np.argmax(model.predict(x_val[:{PREDICT_ROWS}], verbose=0), axis=-1)
    print("  predict:", predicted, "labels:", y_val[:{PREDICT_ROWS}])
'''
