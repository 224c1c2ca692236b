"""Code for the regression page: the Keras workflow on the Advertising data, one script per section.

Every script is complete and runnable on its own (next to ``Advertising.csv``) and
performs the same operations, with the same seeds, as ``lib.lessons.regression.lab``; the
unit tests execute these scripts and compare what they compute with lib's numbers.
"""

from __future__ import annotations

from lib.core.models import optimizer_call
from lib.lessons.regression.lab import INDEX_COLUMN, SHOWN_ROWS, TARGET, RegressionSpec, SplitSpec

CSV = "Advertising.csv"


def _load(features: tuple[str, ...], csv_path: str) -> str:
    names = ", ".join(f'"{f}"' for f in features)
    return f'''# ISLR's Advertising.csv (statlearning.com): TV, radio and newspaper budgets (in $1000s)
# and sales (in 1000s of units) for 200 markets
df = pd.read_csv({csv_path!r})
df = df.drop(columns=["{INDEX_COLUMN}"])  # the unnamed first column only numbers the rows 1..200

features = [{names}]
X = df[features].to_numpy(dtype="float32")
y = df["{TARGET}"].to_numpy(dtype="float32")
'''


def _split(spec: SplitSpec) -> str:
    return f'''
# Test set first, then a validation set out of the rest; the seed makes every split repeatable
SEED = {spec.seed}
X_rest, X_test, y_rest, y_test = train_test_split(X, y, test_size={spec.test_size!r}, random_state=SEED)
X_train, X_val, y_train, y_val = train_test_split(X_rest, y_rest, test_size={spec.val_size!r}, random_state=SEED)
print("train", X_train.shape, "validation", X_val.shape, "test", X_test.shape)
'''


def _train_ds(spec: SplitSpec) -> str:
    return f'''
# (x, y) pairs -> shuffled -> batches. A seeded shuffle draws the same order on every run.
BATCH_SIZE = {spec.batch_size}
train_ds = tf.data.Dataset.from_tensor_slices((X_train, y_train)).shuffle({spec.buffer}, seed=SEED).batch(BATCH_SIZE)
'''


def _model(spec: RegressionSpec) -> str:
    lines = ["model = keras.Sequential(["]
    lines.append(f"    keras.Input(shape=({len(spec.data.features)},)),")
    if spec.scale:
        lines.append("    normalizer,")
    for i, units in enumerate(spec.hidden):
        offset = f" + {i}" if i else ""
        lines.append(f'    keras.layers.Dense({units}, activation="{spec.activation}",')
        lines.append(f"                       kernel_initializer=keras.initializers.GlorotUniform(seed=SEED{offset})),")
    n = len(spec.hidden)
    offset = f" + {n}" if n else ""
    lines.append(f"    keras.layers.Dense(1, kernel_initializer=keras.initializers.GlorotUniform(seed=SEED{offset})),")
    lines.append("])")
    body = "\n".join(lines)
    scale = ""
    if spec.scale:
        scale = '''normalizer = keras.layers.Normalization()
normalizer.adapt(X_train)  # each column's mean and variance, from the training rows only
'''
    optimizer = optimizer_call(spec.optimizer)
    return f'''
{scale}# Seeded initializers: the same settings start from the same weights on every run
{body}
model.summary()

model.compile(loss="mean_squared_error", optimizer={optimizer},
              steps_per_execution=len(train_ds))  # one graph call per epoch: same steps, less Python overhead
'''


def _fit(spec: RegressionSpec, verbose: int) -> str:
    return f'''
val_ds = tf.data.Dataset.from_tensor_slices((X_val, y_val)).batch(BATCH_SIZE)
history = model.fit(train_ds, validation_data=val_ds, epochs={spec.epochs}, verbose={verbose},
                    callbacks=[keras.callbacks.TerminateOnNaN()])  # stop at once if the loss becomes NaN
loss, val_loss = history.history["loss"], history.history["val_loss"]
print(f"epochs run: {{len(loss)}}; last loss {{loss[-1]:.4f}}, last val_loss {{val_loss[-1]:.4f}}")
'''


_IMPORTS = '''import keras
import numpy as np
import pandas as pd
import tensorflow as tf
from sklearn.model_selection import train_test_split
'''


def data_code(features: tuple[str, ...], csv_path: str = CSV) -> str:
    """Section 1: read the CSV, look at it, drop the index column, pick X and y."""
    names = ", ".join(f'"{f}"' for f in features)
    return f'''import pandas as pd

raw = pd.read_csv({csv_path!r})
print(raw.head())  # the first column has no name: pandas calls it "{INDEX_COLUMN}"
print(raw.shape)

df = raw.drop(columns=["{INDEX_COLUMN}"])  # it only numbers the rows 1..200
print(df.describe().round(2))

features = [{names}]
X = df[features].to_numpy(dtype="float32")
y = df["{TARGET}"].to_numpy(dtype="float32")
print("X", X.shape, "y", y.shape)
'''


def dataset_code(spec: SplitSpec, csv_path: str = CSV) -> str:
    """Section 2: split, the tf.data pipeline, ``.take(1)``, and shuffling X and y apart."""
    return f'''{_IMPORTS}
{_load(spec.features, csv_path)}{_split(spec)}{_train_ds(spec)}
for x_batch, y_batch in train_ds.take(1):  # one batch, to look at
    print("x_batch", x_batch.shape, "y_batch", y_batch.shape)
    print(x_batch[:5].numpy())
    print(y_batch[:5].numpy())

# The pitfall: X and y shuffled as two separate datasets. Unseeded, each shuffle draws its
# own order; seeds SEED and SEED + 1 show the same thing on every run.
x_only = tf.data.Dataset.from_tensor_slices(X_train).shuffle({spec.buffer}, seed=SEED).batch(BATCH_SIZE)
y_only = tf.data.Dataset.from_tensor_slices(y_train).shuffle({spec.buffer}, seed=SEED + 1).batch(BATCH_SIZE)
x_apart = next(iter(x_only.take(1))).numpy()
y_apart = next(iter(y_only.take(1))).numpy()


def is_real_pair(x, label):
    """Does some training row have exactly these features and this label?"""
    return bool(((X_train == x).all(axis=1) & (y_train == label)).any())


broken_together = sum(not is_real_pair(x, t) for x, t in zip(x_batch.numpy(), y_batch.numpy()))
broken_apart = sum(not is_real_pair(x, t) for x, t in zip(x_apart, y_apart))
print(f"broken pairs, shuffled together: {{broken_together}} of {{len(y_batch)}}")
print(f"broken pairs, shuffled apart:    {{broken_apart}} of {{len(y_apart)}}")
'''


def fit_code(spec: RegressionSpec, verbose: int = 1, csv_path: str = CSV) -> str:
    """Section 3: the model, ``compile`` and ``fit`` with the learner's verbose mode."""
    return f'''{_IMPORTS}
{_load(spec.data.features, csv_path)}{_split(spec.data)}{_train_ds(spec.data)}{_model(spec)}{_fit(spec, verbose)}'''


def evaluate_code(spec: RegressionSpec, verbose: int = 0, csv_path: str = CSV) -> str:
    """Section 4: the whole workflow, then ``evaluate``, ``predict``, the metrics and least squares."""
    imports = _IMPORTS + '''from sklearn.linear_model import LinearRegression
from sklearn.metrics import mean_absolute_error, mean_squared_error, r2_score
'''
    return f'''{imports}
{_load(spec.data.features, csv_path)}{_split(spec.data)}{_train_ds(spec.data)}{_model(spec)}{_fit(spec, verbose)}
test_mse = model.evaluate(X_test, y_test, verbose=0)  # the compiled loss (MSE) on the test set
pred = model.predict(X_test, verbose=0).ravel()

# The reference: an ordinary least-squares plane fitted on the same training rows
ols = LinearRegression().fit(X_train, y_train)
ols_pred = ols.predict(X_test)
print("least squares: intercept", round(float(ols.intercept_), 4), "slopes", np.round(ols.coef_, 4))


def report(name, y_pred):
    if not np.all(np.isfinite(y_pred)):
        print(f"{{name}}: the predictions are not finite numbers (training diverged)")
        return
    mse = mean_squared_error(y_test, y_pred)
    print(f"{{name}}: MSE {{mse:.4f}}  MAE {{mean_absolute_error(y_test, y_pred):.4f}}  "
          f"RMSE {{np.sqrt(mse):.4f}}  R² {{r2_score(y_test, y_pred):.4f}}")


print(f"evaluate() test MSE: {{test_mse:.4f}}")
report("network      ", pred)
report("least squares", ols_pred)

table = pd.DataFrame({{"label": y_test, "prediction": pred, "error": pred - y_test,
                      "least_squares": ols_pred}}).head({SHOWN_ROWS})
print(table.astype("float64").round(3))
'''
