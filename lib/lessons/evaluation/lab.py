"""Evaluating a binary classifier: scores from a model the learner trains, and every metric from sklearn.

``ScoreSpec`` describes one run: a data set turned into a binary problem (breast
cancer with *malignant* as the positive class, two overlapping Gaussians, or one
class of digits / Fashion-MNIST against the rest), a share of the positive class
removed to make it rarer, and a small Keras network trained through the shared
engine. ``train_scores`` returns the validation labels and the model's scores as
plain numpy; everything after that (threshold metrics, ROC, PR, the imbalance
sweep) is a cheap function of those two arrays, so moving the threshold never
retrains. All metric maths is ``sklearn.metrics``; ``lib.lessons.evaluation.code``
writes the same statements into the code panels. No Streamlit in this module.

Ranges and choices come from the lesson's control table (``controls.py``), so a spec
accepts exactly what the page offers.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from sklearn import metrics as skm
from sklearn.preprocessing import StandardScaler

from lib.core import data as data_mod
from lib.core import engine
from lib.core.numbers import DASH
from lib.core.specs import DataSpec, FitSpec, LayerSpec, ModelSpec, OptimizerSpec, RunSpec, check, number, whole
from lib.lessons.evaluation.controls import CONTROLS

Reporter = Callable[[str, object], None]

DATASETS = CONTROLS["ev_data"].options
TOY_PER_CLASS = 300  # 600 points: enough for smooth curves, trains in a blink
TOY_SPREAD = 3.0  # class means (0, s) and (s, 0) with s = 3·(1 − overlap), the course's geometry
TOY_CORR = 0.5
FASHION_ROWS = 3000  # a seeded subsample keeps a CPU-only server quick
VAL_FRACTION = 0.25
BATCH = 32
OPTIMIZER = "adam"
HIDDEN_CHOICES = CONTROLS["ev_hidden"].options  # 0: no hidden layer, i.e. logistic regression
LR_CHOICES = CONTROLS["ev_lr"].options
POSITIVE_CHOICES = CONTROLS["ev_pos"].options
OVERLAP_RANGE = CONTROLS["ev_overlap"].range
EPOCH_RANGE = CONTROLS["ev_epochs"].range
DROP_RANGE = CONTROLS["ev_drop"].range  # 100: a single positive is left, the "one class" edge case
NOISE_RANGE = CONTROLS["ev_bnoise"].range
SEED_RANGE = CONTROLS["ev_seed"].range
NOISE_SEED_OFFSET = 7  # model B's noise has its own stream, so A and B see the same split


@dataclass(frozen=True)
class ScoreSpec:
    """One trained classifier: which data, how imbalanced, which network.

    ``drop`` is the percentage of the positive class removed (seeded) before the
    split; at least one positive always stays. ``noise`` adds Gaussian noise of
    that standard deviation to the standardized inputs (model B, a weaker rival).
    Fields a data set ignores are reset, so equal experiments share a cache entry.
    """

    dataset: str = "cancer"
    overlap: float = 0.5  # toy only: 0 = far apart, 1 = the same distribution
    positive: int = 0  # digits / fashion: the class against the rest
    drop: int = 0
    hidden: int = 8
    epochs: int = 20
    lr: float = 0.01
    noise: float = 0.0
    seed: int = 0

    def __post_init__(self) -> None:
        check(self.dataset in DATASETS, f"unknown data set {self.dataset!r}; choose one of {', '.join(DATASETS)}")
        set_ = lambda name, value: object.__setattr__(self, name, value)  # noqa: E731
        set_("overlap", number(self.overlap, "overlap", *OVERLAP_RANGE))
        set_("positive", whole(self.positive, "the positive class", POSITIVE_CHOICES[0], POSITIVE_CHOICES[-1]))
        set_("drop", whole(self.drop, "the share of positives removed", *DROP_RANGE))
        set_("hidden", whole(self.hidden, "hidden units", HIDDEN_CHOICES[0], HIDDEN_CHOICES[-1]))
        check(self.hidden in HIDDEN_CHOICES, f"hidden units must be one of {', '.join(map(str, HIDDEN_CHOICES))}")
        set_("epochs", whole(self.epochs, "epochs", *EPOCH_RANGE))
        set_("lr", number(self.lr, "the learning rate", LR_CHOICES[0], LR_CHOICES[-1]))
        check(self.lr in LR_CHOICES, f"the learning rate must be one of {', '.join(map(str, LR_CHOICES))}")
        set_("noise", number(self.noise, "input noise", *NOISE_RANGE))
        set_("seed", whole(self.seed, "seed", *SEED_RANGE))
        if self.dataset != "toy":
            set_("overlap", 0.5)
        if self.dataset in ("cancer", "toy"):
            set_("positive", 0)

    @property
    def fit(self) -> FitSpec:
        """The engine's fit settings: epochs, batches, the seed and the fast path."""
        return FitSpec(epochs=self.epochs, batch_size=BATCH, validation_split=VAL_FRACTION, seed=self.seed,
                       path="fast")

    @property
    def model(self) -> ModelSpec:
        layers = (LayerSpec(units=self.hidden, activation="relu"),) if self.hidden else ()
        return ModelSpec(layers=layers, seed=self.seed)

    def run_spec(self) -> RunSpec:
        return RunSpec(model=self.model, optimizer=OptimizerSpec(OPTIMIZER, learning_rate=self.lr), fit=self.fit)

    def with_noise(self, noise: float) -> ScoreSpec:
        return replace(self, noise=noise)

    @property
    def spread(self) -> float:
        """Toy data: the class means are (0, s) and (s, 0)."""
        return round(TOY_SPREAD * (1.0 - self.overlap), 6) + 0.0


# =========================================================================== data


@dataclass(frozen=True)
class Prepared:
    """The arrays a run trains and scores on, and the counts the page explains."""

    x_train: np.ndarray
    y_train: np.ndarray  # int32, 1 = positive
    x_val: np.ndarray
    y_val: np.ndarray
    positives_before: int  # in the whole data set, before removing any
    negatives: int
    positives_kept: int
    notice: str | None


def raw_binary(spec: ScoreSpec) -> tuple[np.ndarray, np.ndarray, str | None]:
    """(x float32 2-D, y int32 with 1 = positive, data notice) for the spec's data set."""
    notice = None
    if spec.dataset == "cancer":
        ds = data_mod.load(DataSpec(name="breast_cancer"))
        x, y = ds.x, (ds.y == 0)  # sklearn codes malignant as 0; a test looks for the disease
    elif spec.dataset == "toy":
        s = spec.spread
        ds = data_mod.load(DataSpec(name="gaussians", n_samples=TOY_PER_CLASS, seed=spec.seed, mean_neg=(0.0, s),
                                    mean_pos=(s, 0.0), corr=TOY_CORR))
        x, y = ds.x, ds.y == 1
    elif spec.dataset == "digits":
        ds = data_mod.load(DataSpec(name="digits"))
        x, y = ds.x, ds.y == spec.positive
    else:
        ds = data_mod.load(DataSpec(name="fashion_mnist", subsample=FASHION_ROWS, seed=0))
        x, y, notice = ds.x.reshape(len(ds.x), -1), ds.y == spec.positive, ds.notice
    return np.asarray(x, np.float32), y.astype(np.int32), notice


def subsample_and_split(y: np.ndarray, drop: int, seed: int) -> tuple[np.ndarray, np.ndarray, int]:
    """(train rows, validation rows, positives kept): remove ``drop``% of the positives, then split.

    The split is stratified by hand so that it also works with a single positive
    (``train_test_split`` refuses): a class of one goes to training, which leaves
    a validation set without positives, the "ROC undefined" case the page explains.
    """
    rng = np.random.default_rng(seed)
    positives = np.flatnonzero(y == 1)
    n_keep = max(1, round(len(positives) * (100 - drop) / 100))
    kept = np.sort(rng.choice(positives, size=n_keep, replace=False))
    rows = np.sort(np.concatenate([np.flatnonzero(y == 0), kept]))
    train, val = [], []
    for cls in (0, 1):
        idx = rng.permutation(rows[y[rows] == cls])
        n = len(idx)
        n_val = 0 if n < 2 else min(max(round(n * VAL_FRACTION), 1), n - 1)
        val.append(idx[:n_val])
        train.append(idx[n_val:])
    return np.sort(np.concatenate(train)), np.sort(np.concatenate(val)), n_keep


def prepare(spec: ScoreSpec) -> Prepared:
    """Binary labels, the imbalance, the split, standardization (fit on training rows) and model B's noise."""
    x, y, notice = raw_binary(spec)
    train, val, n_keep = subsample_and_split(y, spec.drop, spec.seed)
    scaler = StandardScaler().fit(x[train])
    x_train = scaler.transform(x[train]).astype(np.float32)
    x_val = scaler.transform(x[val]).astype(np.float32)
    if spec.noise > 0:
        rng = np.random.default_rng(spec.seed + NOISE_SEED_OFFSET)
        x_train = (x_train + spec.noise * rng.standard_normal(x_train.shape)).astype(np.float32)
        x_val = (x_val + spec.noise * rng.standard_normal(x_val.shape)).astype(np.float32)
    return Prepared(x_train, y[train], x_val, y[val], int(y.sum()), int((y == 0).sum()), n_keep, notice)


# =========================================================================== training


@dataclass
class ScoreRun:
    """A trained model's validation scores, as plain numpy (picklable, cached by ``lib.core.ui.train``)."""

    spec: ScoreSpec
    y_val: np.ndarray
    scores: np.ndarray  # sigmoid outputs, float32
    y_train_counts: tuple[int, int]  # (negatives, positives)
    positives_before: int
    negatives: int
    positives_kept: int
    history: dict[str, list[float]]
    weights: list[np.ndarray]
    seconds: float
    diverged: bool = False
    notice: str | None = None

    @property
    def y_val_counts(self) -> tuple[int, int]:
        return int((self.y_val == 0).sum()), int((self.y_val == 1).sum())

    @property
    def usable(self) -> bool:
        """Finite scores: every sklearn metric below may be asked."""
        return not self.diverged and bool(np.isfinite(self.scores).all())


def train_scores(spec: ScoreSpec, report: Reporter | None = None) -> ScoreRun:
    """Train the spec's network through the engine (one job, a pooled seeded model) and score the validation rows.

    Progress goes to ``report`` per epoch (``lib.core.progress`` events).
    """
    prep = prepare(spec)
    split = engine.Split(prep.x_train, prep.y_train.astype(np.float32).reshape(-1, 1), prep.x_val,
                         prep.y_val.astype(np.float32).reshape(-1, 1), "binary", 2)
    result = engine.train_on(spec.run_spec(), split, report, notice=prep.notice)
    scores = np.asarray(result.val_pred, np.float32).ravel()
    return ScoreRun(
        spec=spec,
        y_val=prep.y_val.copy(),
        scores=scores,
        y_train_counts=(int((prep.y_train == 0).sum()), int((prep.y_train == 1).sum())),
        positives_before=prep.positives_before,
        negatives=prep.negatives,
        positives_kept=prep.positives_kept,
        history=result.history,
        weights=result.weights,
        seconds=result.seconds,
        diverged=result.diverged or not bool(np.isfinite(scores).all()),
        notice=result.notice,
    )


# =========================================================================== metrics (all sklearn.metrics)


@dataclass(frozen=True)
class ThresholdStats:
    """Everything at one threshold; NaN where a ratio is 0/0 (the page says why)."""

    threshold: float
    tn: int
    fp: int
    fn: int
    tp: int
    accuracy: float
    sensitivity: float  # recall, true-positive rate
    specificity: float  # true-negative rate
    precision: float
    f1: float

    @property
    def fpr(self) -> float:
        return 1.0 - self.specificity

    @property
    def predicted_positive(self) -> int:
        return self.tp + self.fp

    @property
    def confusion(self) -> np.ndarray:
        return np.array([[self.tn, self.fp], [self.fn, self.tp]])


def predict_at(scores: np.ndarray, threshold: float) -> np.ndarray:
    """Positive when the score reaches the threshold (``>=``, as ``sklearn.metrics.roc_curve`` counts)."""
    return (scores >= threshold).astype(np.int32)


def at_threshold(y: np.ndarray, scores: np.ndarray, threshold: float) -> ThresholdStats:
    """The confusion matrix and the threshold metrics from ``sklearn.metrics``.

    ``precision_recall_fscore_support`` with ``average=None`` is what ``recall_score``,
    ``precision_score`` and ``f1_score`` call inside; asking it once for both labels gives
    sensitivity (recall of 1), specificity (recall of 0), precision and F1 in one pass, which
    keeps a threshold move fast. ``zero_division=nan``: an undefined ratio stays visibly undefined.
    """
    pred = predict_at(scores, threshold)
    (tn, fp), (fn, tp) = skm.confusion_matrix(y, pred, labels=[0, 1])
    precision, recall, f1, _ = skm.precision_recall_fscore_support(y, pred, labels=[0, 1], average=None,
                                                                   zero_division=np.nan)
    return ThresholdStats(
        threshold=float(threshold),
        tn=int(tn), fp=int(fp), fn=int(fn), tp=int(tp),
        accuracy=float(skm.accuracy_score(y, pred)),
        sensitivity=float(recall[1]),
        specificity=float(recall[0]),
        precision=float(precision[1]),
        f1=float(f1[1]),
    )


@dataclass(frozen=True)
class Baseline:
    """The "always predict the majority class" classifier, majority taken from the training labels."""

    majority: int
    accuracy: float
    sensitivity: float


def majority_baseline(y_train: np.ndarray | tuple[int, int], y_val: np.ndarray) -> Baseline:
    counts = y_train if isinstance(y_train, tuple) else (int((y_train == 0).sum()), int((y_train == 1).sum()))
    majority = int(counts[1] > counts[0])  # a tie goes to negatives
    pred = np.full(len(y_val), majority, np.int32)
    return Baseline(majority, float(skm.accuracy_score(y_val, pred)),
                    float(skm.recall_score(y_val, pred, zero_division=np.nan)))


@dataclass(frozen=True)
class Curves:
    """ROC and precision-recall curves; ``roc_error``/``pr_error`` say why one is undefined."""

    fpr: np.ndarray | None
    tpr: np.ndarray | None
    roc_thresholds: np.ndarray | None
    auc: float | None
    precision: np.ndarray | None
    recall: np.ndarray | None
    pr_thresholds: np.ndarray | None
    ap: float | None
    positive_rate: float
    roc_error: str | None = None  # "no_positives" / "no_negatives"
    pr_error: str | None = None


def _one_class(y: np.ndarray) -> str | None:
    if not (y == 1).any():
        return "no_positives"
    if not (y == 0).any():
        return "no_negatives"
    return None


def curves(y: np.ndarray, scores: np.ndarray) -> Curves:
    """``roc_curve`` + ``roc_auc_score`` and ``precision_recall_curve`` + ``average_precision_score``."""
    problem = _one_class(y)
    rate = float(np.mean(y == 1)) if len(y) else 0.0
    roc = (None, None, None, None)
    if problem is None:
        fpr, tpr, thr = skm.roc_curve(y, scores)
        roc = (fpr, tpr, thr, float(skm.roc_auc_score(y, scores)))
    pr = (None, None, None, None)
    if problem != "no_positives" and len(y):  # without positives recall is 0/0 everywhere
        precision, recall, thr = skm.precision_recall_curve(y, scores)
        pr = (precision, recall, thr, float(skm.average_precision_score(y, scores)))
    return Curves(*roc, *pr, positive_rate=rate, roc_error=problem,
                  pr_error=problem if problem == "no_positives" else None)


def positive_weight(y: np.ndarray, share: float) -> float:
    """The weight that makes positives ``share`` of the total weight: w·P / (w·P + N) = share."""
    p, n = int((y == 1).sum()), int((y == 0).sum())
    return share * n / ((1.0 - share) * p)


@dataclass(frozen=True)
class Sweep:
    """ROC AUC and AP of the same scores when positives are made rarer by weighting."""

    shares: np.ndarray
    auc: np.ndarray
    ap: np.ndarray


def imbalance_sweep(y: np.ndarray, scores: np.ndarray, points: int = 12, lowest: float = 0.005) -> Sweep | None:
    """Weight the positives down (``sample_weight``) from today's share to ``lowest``: ROC stays, PR falls.

    Weighting is the exact limit of subsampling: every ROC point is a ratio inside
    one class, so it cannot move; precision mixes the classes, so it must.
    """
    if _one_class(y) is not None:
        return None
    now = float(np.mean(y == 1))
    shares = np.unique(np.concatenate([[now], np.geomspace(min(now, 0.5), lowest, points)]))[::-1]
    shares = shares[shares <= now]
    auc, ap = [], []
    for share in shares:
        weight = np.where(y == 1, positive_weight(y, share), 1.0)
        auc.append(skm.roc_auc_score(y, scores, sample_weight=weight))
        ap.append(skm.average_precision_score(y, scores, sample_weight=weight))
    return Sweep(shares, np.array(auc), np.array(ap))


def pct(value: float | None, digits: int = 1) -> str:
    """A share as a percentage; an undefined (NaN/None) one as a dash."""
    if value is None or not math.isfinite(value):
        return DASH
    return f"{100 * value:.{digits}f}%"
