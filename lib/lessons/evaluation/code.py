"""Code for the evaluation page: one complete, runnable script per section.

Every script starts with the same ``train_scores`` function: the data set, the
seeded removal of positives, the stratified split, standardization, the network
with ``lib.core.models``' seeds and ``model.fit`` on exactly the batches the engine
used, so ``scores`` are the page's scores. Each section then adds its own
``sklearn.metrics`` (or Keras) lines. The unit tests execute these scripts and
compare their variables with ``lib.lessons.evaluation.lab``.
"""

from __future__ import annotations

from lib.core.models import layer_seed, output_seed
from lib.lessons.evaluation import keras_metrics as kc
from lib.lessons.evaluation import lab
from lib.lessons.evaluation import segmentation as seg

_LOADERS = {
    "cancer": '''from sklearn.datasets import load_breast_cancer


def load_data():
    """Wisconsin breast cancer; sklearn codes malignant as 0, and the test looks for the disease."""
    bunch = load_breast_cancer()
    return bunch.data.astype("float32"), (bunch.target == 0).astype("int32")
''',
    "digits": '''from sklearn.datasets import load_digits


def load_data():
    """8x8 digits, pixels scaled to 0..1: digit {positive} against all the others."""
    bunch = load_digits()
    return (bunch.data / 16.0).astype("float32"), (bunch.target == {positive}).astype("int32")
''',
    "fashion": '''def load_data():
    """{rows} Fashion-MNIST training images (a seeded subsample): class {positive} against the rest."""
    (images, labels), _ = keras.datasets.fashion_mnist.load_data()
    rows = np.sort(np.random.default_rng(0).choice(len(labels), {rows}, replace=False))
    x = images[rows].reshape({rows}, -1).astype("float32") / 255.0
    return x, (labels[rows] == {positive}).astype("int32")
''',
    "toy": '''def load_data():
    """Two Gaussian classes, {per_class} points each; overlap {overlap} puts their means {spread} apart on each axis."""
    rng = np.random.default_rng(SEED)
    cov = [[1.0, {corr}], [{corr}, 1.0]]
    negatives = rng.multivariate_normal([0.0, {spread}], cov, size={per_class})
    positives = rng.multivariate_normal([{spread}, 0.0], cov, size={per_class})
    x = np.vstack([negatives, positives]).astype("float32")
    y = np.concatenate([np.zeros({per_class}), np.ones({per_class})]).astype("int32")
    return x, y
''',
}


def _loader(spec: lab.ScoreSpec) -> str:
    return _LOADERS[spec.dataset].format(positive=spec.positive, rows=lab.FASHION_ROWS, per_class=lab.TOY_PER_CLASS,
                                         overlap=spec.overlap, spread=spec.spread, corr=lab.TOY_CORR)


def _model_lines(spec: lab.ScoreSpec) -> str:
    init = "keras.initializers.GlorotUniform"
    hidden = (f'        keras.layers.Dense({spec.hidden}, activation="relu", '
              f'kernel_initializer={init}(seed={layer_seed(spec.seed, 0)})),\n') if spec.hidden else ""
    output = (f'        keras.layers.Dense(1, activation="sigmoid", '
              f'kernel_initializer={init}(seed={output_seed(spec.seed)})),\n')
    return f"    model = keras.Sequential([\n        keras.Input(shape=(x_train.shape[1],)),\n{hidden}{output}    ])"


def training_block(spec: lab.ScoreSpec, num_thresholds: int = kc.DEFAULT_THRESHOLDS) -> str:
    """Imports, settings, ``load_data`` and ``train_scores(noise)``: the part every section shares."""
    return f'''import math

import keras
import numpy as np
import tensorflow as tf
from sklearn import metrics
from sklearn.preprocessing import StandardScaler

SEED = {spec.seed}
DROP = {spec.drop}  # percent of the positive class removed before splitting
EPOCHS = {spec.epochs}
BATCH = {lab.BATCH}
LEARNING_RATE = {spec.lr!r}
NUM_THRESHOLDS = {num_thresholds}  # how finely keras.metrics.AUC cuts the score axis

{_loader(spec)}

def train_scores(noise={spec.noise!r}):
    """Train the page's network; return it, its history and the validation labels and scores."""
    x, y = load_data()
    rng = np.random.default_rng(SEED)
    # Make positives rarer: keep a seeded random {100 - spec.drop}% of them (at least one).
    positives = np.flatnonzero(y == 1)
    n_keep = max(1, round(len(positives) * (100 - DROP) / 100))
    kept = np.sort(rng.choice(positives, size=n_keep, replace=False))
    rows = np.sort(np.concatenate([np.flatnonzero(y == 0), kept]))
    # Stratified split by hand, {lab.VAL_FRACTION:.0%} of each class for validation (a class of one stays in training).
    train, val = [], []
    for cls in (0, 1):
        idx = rng.permutation(rows[y[rows] == cls])
        n = len(idx)
        n_val = 0 if n < 2 else min(max(round(n * {lab.VAL_FRACTION!r}), 1), n - 1)
        val.append(idx[:n_val])
        train.append(idx[n_val:])
    train, val = np.sort(np.concatenate(train)), np.sort(np.concatenate(val))
    scaler = StandardScaler().fit(x[train])  # scale with training statistics only
    x_train, x_val = scaler.transform(x[train]).astype("float32"), scaler.transform(x[val]).astype("float32")
    y_train, y_val = y[train], y[val]
    if noise > 0:  # model B: the same inputs seen through noise, a weaker "test"
        noise_rng = np.random.default_rng(SEED + {lab.NOISE_SEED_OFFSET})
        x_train = (x_train + noise * noise_rng.standard_normal(x_train.shape)).astype("float32")
        x_val = (x_val + noise * noise_rng.standard_normal(x_val.shape)).astype("float32")

{_model_lines(spec)}
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE),
        loss="binary_crossentropy",
        metrics=[
            keras.metrics.BinaryAccuracy(name="binary_accuracy"),
            keras.metrics.Precision(name="precision"),
            keras.metrics.Recall(name="recall"),
            keras.metrics.AUC(num_thresholds=NUM_THRESHOLDS, name="auc"),
            keras.metrics.AUC(num_thresholds=NUM_THRESHOLDS, curve="PR", name="pr_auc"),
        ],
    )
    # The page's exact batches: a seeded shuffle per epoch, streamed to fit as one dataset.
    order_rng = np.random.default_rng(SEED)
    orders = np.stack([order_rng.permutation(len(x_train)) for _ in range(EPOCHS)]).astype("int32")
    xt, yt = tf.constant(x_train), tf.constant(y_train.reshape(-1, 1).astype("float32"))
    batches = (
        tf.data.Dataset.from_tensor_slices(orders)
        .flat_map(lambda order: tf.data.Dataset.from_tensor_slices(order).batch(BATCH))
        .map(lambda idx: (tf.gather(xt, idx), tf.gather(yt, idx)))
    )
    history = model.fit(batches, epochs=EPOCHS, steps_per_epoch=math.ceil(len(x_train) / BATCH),
                        validation_data=(x_val, y_val.reshape(-1, 1).astype("float32")), shuffle=False, verbose=0)
    scores = model.predict(x_val, batch_size=4096, verbose=0).ravel()  # P(positive) for each validation row
    return model, history, y_train, x_val, y_val, scores
'''


def scores_code(spec: lab.ScoreSpec) -> str:
    """Section 1: train, then look at the scores."""
    return training_block(spec) + '''

model, history, y_train, x_val, y_val, scores = train_scores()
print("training rows:", len(y_train), "with", int(y_train.sum()), "positives")
print("validation rows:", len(y_val), "with", int(y_val.sum()), "positives")
print(f"final validation loss: {history.history['val_loss'][-1]:.4f}")
print("first scores:", np.round(scores[:8], 3))
'''


def paradox_code(spec: lab.ScoreSpec) -> str:
    """Section 2: the majority-class baseline beside the model at threshold 0.5."""
    return training_block(spec) + '''

model, history, y_train, x_val, y_val, scores = train_scores()
print("validation class counts (negatives, positives):", np.bincount(y_val, minlength=2))

majority = int(np.bincount(y_train, minlength=2).argmax())  # the most frequent training label
always = np.full(len(y_val), majority)
baseline_accuracy = metrics.accuracy_score(y_val, always)
baseline_sensitivity = metrics.recall_score(y_val, always, zero_division=np.nan)
model_accuracy = metrics.accuracy_score(y_val, (scores >= 0.5).astype(int))
model_sensitivity = metrics.recall_score(y_val, (scores >= 0.5).astype(int), zero_division=np.nan)
print(f"always predict {majority}: accuracy {baseline_accuracy:.3f}, sensitivity {baseline_sensitivity:.3f}")
print(f"the model at 0.5:  accuracy {model_accuracy:.3f}, sensitivity {model_sensitivity:.3f}")
'''


def threshold_code(spec: lab.ScoreSpec, threshold: float) -> str:
    """Section 3: the confusion matrix and every threshold metric, each from sklearn.metrics."""
    return training_block(spec) + f'''

model, history, y_train, x_val, y_val, scores = train_scores()
THRESHOLD = {threshold!r}
predicted = (scores >= THRESHOLD).astype(int)  # positive when the score reaches the threshold

(tn, fp), (fn, tp) = metrics.confusion_matrix(y_val, predicted, labels=[0, 1])
print("confusion matrix: TN", tn, "FP", fp, "FN", fn, "TP", tp)
accuracy = metrics.accuracy_score(y_val, predicted)
sensitivity = metrics.recall_score(y_val, predicted, pos_label=1, zero_division=np.nan)  # TP / all positives
specificity = metrics.recall_score(y_val, predicted, pos_label=0, zero_division=np.nan)  # TN / all negatives
precision = metrics.precision_score(y_val, predicted, zero_division=np.nan)  # TP / predicted positives
f1 = metrics.f1_score(y_val, predicted, zero_division=np.nan)
print(f"accuracy    {{accuracy:.3f}}")
print(f"sensitivity {{sensitivity:.3f}}  (recall, TPR)")
print(f"specificity {{specificity:.3f}}  (TNR); FPR = {{1 - specificity:.3f}}")
print(f"precision   {{precision:.3f}}  (nan: no predicted positives, so 0/0)")
print(f"F1          {{f1:.3f}}")
'''


def roc_code(spec: lab.ScoreSpec, noise_b: float | None) -> str:
    """Section 4: ROC curve and AUC of the model (and of model B when compared)."""
    compare = "" if noise_b is None else f'''
_, _, _, _, y_val_b, scores_b = train_scores(noise={noise_b!r})  # model B: same rows, noisy inputs
fpr_b, tpr_b, _ = metrics.roc_curve(y_val_b, scores_b)
auc_b = metrics.roc_auc_score(y_val_b, scores_b)
print(f"model B ROC AUC: {{auc_b:.4f}}")
'''
    return training_block(spec) + f'''

model, history, y_train, x_val, y_val, scores = train_scores()
assert len(np.unique(y_val)) == 2, "the validation rows hold a single class: a ROC curve needs both"
fpr, tpr, thresholds = metrics.roc_curve(y_val, scores)  # one point per distinct score
auc = metrics.roc_auc_score(y_val, scores)
print(f"ROC AUC: {{auc:.4f}}  (0.5 = chance, 1 = perfect)")
print(len(thresholds), "thresholds; the first few (FPR, TPR):", list(zip(fpr[:4].round(3), tpr[:4].round(3))))
{compare}'''


def pr_code(spec: lab.ScoreSpec) -> str:
    """Section 5: precision-recall curve, AP, the no-skill line, and AUC vs AP as positives get rarer."""
    return training_block(spec) + '''

model, history, y_train, x_val, y_val, scores = train_scores()
assert y_val.any(), "no positives among the validation rows: recall (and so the PR curve) is 0/0"
precision, recall, thresholds = metrics.precision_recall_curve(y_val, scores)
ap = metrics.average_precision_score(y_val, scores)
positive_rate = y_val.mean()  # a model that guesses has precision = this at every recall
print(f"average precision: {ap:.4f}; no-skill baseline: {positive_rate:.4f}")
print(f"ROC AUC on the same scores: {metrics.roc_auc_score(y_val, scores):.4f}")

# Same scores, positives weighted down as if they were rarer: ROC is a ratio within each class
# and cannot move; precision mixes the classes and falls.
P, N = (y_val == 1).sum(), (y_val == 0).sum()
for share in (positive_rate, 0.1, 0.01):
    if share > positive_rate:
        continue
    w = np.where(y_val == 1, share * N / ((1 - share) * P), 1.0)
    auc_w = metrics.roc_auc_score(y_val, scores, sample_weight=w)
    ap_w = metrics.average_precision_score(y_val, scores, sample_weight=w)
    print(f"positives {share:7.2%}: ROC AUC {auc_w:.4f}, AP {ap_w:.4f}")
'''


def keras_code(spec: lab.ScoreSpec, num_thresholds: int) -> str:
    """Section 6: the Keras metrics from fit/evaluate beside sklearn on the same predictions."""
    return training_block(spec, num_thresholds) + '''

model, history, y_train, x_val, y_val, scores = train_scores()
# fit computed the metrics on the validation rows in its last epoch ...
print("fit, last epoch:", {name: round(v[-1], 4) for name, v in history.history.items() if name.startswith("val_")})
# ... and evaluate computes them again with the final weights.
keras_values = model.evaluate(x_val, y_val.reshape(-1, 1).astype("float32"), batch_size=4096, verbose=0,
                              return_dict=True)

predicted = (scores > 0.5).astype(int)  # Keras' rule: positive when the score is above 0.5
both_classes = len(np.unique(y_val)) == 2
sklearn_values = {
    "binary_accuracy": metrics.accuracy_score(y_val, predicted),
    "precision": metrics.precision_score(y_val, predicted, zero_division=np.nan),
    "recall": metrics.recall_score(y_val, predicted, zero_division=np.nan),
    "auc": metrics.roc_auc_score(y_val, scores) if both_classes else np.nan,
    "pr_auc": metrics.average_precision_score(y_val, scores) if y_val.any() else np.nan,
}
for name, value in sklearn_values.items():
    print(f"{name:16s} keras {keras_values[name]:.4f}   sklearn {value:.4f}   "
          f"difference {keras_values[name] - value:+.4f}")
'''


def segmentation_code(gt: object, pred: object) -> str:
    """Section 7: the four FCN segmentation metrics in numpy, checked by sklearn and Keras."""
    import numpy as np

    def rows(mask: object) -> str:
        return ",\n".join(f"    {list(map(int, row))}" for row in np.asarray(mask))

    return f'''import keras
import numpy as np
from sklearn import metrics

N_CLASSES = {seg.N_CLASSES}  # 0 background, 1 road, 2 car
truth = np.array([
{rows(gt)},
])
predicted = np.array([
{rows(pred)},
])

# n[i, j]: pixels of true class i predicted as class j
n = np.bincount(truth.ravel() * N_CLASSES + predicted.ravel(), minlength=N_CLASSES**2).reshape(N_CLASSES, N_CLASSES)
assert (n == metrics.confusion_matrix(truth.ravel(), predicted.ravel(), labels=range(N_CLASSES))).all()
t = n.sum(axis=1)  # pixels of each class in the ground truth
correct = np.diag(n)
union = t + n.sum(axis=0) - correct  # truth or prediction is this class
with np.errstate(invalid="ignore", divide="ignore"):
    class_accuracy = correct / t  # nan for a class absent from the ground truth
    iu = correct / union  # nan for a class in neither mask

pixel_accuracy = correct.sum() / t.sum()
mean_accuracy = np.nanmean(class_accuracy)  # classes that never occur are left out
mean_iu = np.nanmean(iu)
fw_iu = np.sum(np.where(t > 0, t * np.nan_to_num(iu), 0.0)) / t.sum()
print("per-class accuracy:", np.round(class_accuracy, 3), " IU:", np.round(iu, 3))
print(f"pixel accuracy {{pixel_accuracy:.3f}}, mean accuracy {{mean_accuracy:.3f}}, "
      f"mean IU {{mean_iu:.3f}}, frequency-weighted IU {{fw_iu:.3f}}")

keras_iou = keras.metrics.MeanIoU(num_classes=N_CLASSES)
keras_iou.update_state(truth.ravel(), predicted.ravel())
print(f"keras.metrics.MeanIoU: {{float(keras_iou.result()):.3f}}")
'''
