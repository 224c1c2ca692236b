"""The functional API: the course's model with two inputs and its model with three outputs.

* Multi-input (question answering): a text and a question, each through Embedding +
  LSTM, concatenated, then a softmax over the possible answers.
* Multi-output (social-media posts): one Conv1D stack feeding three heads: age
  (regression, MSE), income group (softmax, categorical cross-entropy) and gender
  (sigmoid, binary cross-entropy), one loss per output, optionally weighted.

Both train briefly on random data of the right shapes: the point is the wiring and
the per-output losses in the history, not what they learn. Sizes come in two
scales: "course" (the book's: vocabularies of 10,000 and 50,000, LSTM(32), Conv1D(256))
and "small" (the same wiring, narrow enough to train in seconds on a CPU).
``lib.lessons.layers.code_functional`` writes the same statements. Both train through the one
training API (``engine.model_session``: a pooled model per structure). No Streamlit in this module.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import keras
import numpy as np

from lib.core import engine
from lib.core.progress import Reporter
from lib.core.progress_callback import ProgressCallback
from lib.core.specs import check, whole
from lib.lessons.layers.controls import CONTROLS
from lib.lessons.layers.lab import ModelInfo, describe

# The page's choices and ranges, from the lesson's control table: the spec accepts exactly these.
SCALES: tuple[str, ...] = CONTROLS["fn_scale"].options
SAMPLE_RANGE = CONTROLS["fn_samples"].range
EPOCH_RANGE = CONTROLS["fn_epochs"].range
BATCH_SIZE = 64
VALIDATION = 0.2  # the last 20 % of the generated samples
LOSS_WEIGHTS = {"age": 0.25, "income": 1.0, "gender": 10.0}  # the course's: balance MSE against cross-entropy
OUTPUTS = ("age", "income", "gender")
SUMMARY_WIDTH = 100  # functional summaries have a "Connected to" column


@dataclass(frozen=True)
class Sizes:
    """Every width of both models; only these differ between the two scales."""

    text_vocab: int
    question_vocab: int
    answer_vocab: int
    text_embed: int
    question_embed: int
    text_lstm: int
    question_lstm: int
    text_length: int  # tokens per text and per question
    posts_vocab: int
    posts_embed: int
    conv_first: int  # filters of the first Conv1D
    conv: int  # filters of the other four
    dense: int
    income_groups: int
    posts_length: int  # tokens per post; the 5 convolutions and 2 poolings need at least 269


SIZES = {
    "course": Sizes(text_vocab=10_000, question_vocab=10_000, answer_vocab=500, text_embed=64, question_embed=32,
                    text_lstm=32, question_lstm=16, text_length=100, posts_vocab=50_000, posts_embed=256,
                    conv_first=128, conv=256, dense=128, income_groups=10, posts_length=300),
    "small": Sizes(text_vocab=1_000, question_vocab=1_000, answer_vocab=50, text_embed=16, question_embed=8,
                   text_lstm=8, question_lstm=4, text_length=20, posts_vocab=1_000, posts_embed=16,
                   conv_first=16, conv=32, dense=16, income_groups=10, posts_length=300),
}


def min_posts_length() -> int:
    """The shortest post the conv stack accepts: 2 pooling steps of 5 and 5 'valid' convolutions of width 5."""
    length = 1  # what GlobalMaxPooling needs at the end, walked backwards
    length += 4 + 4  # two convolutions
    length *= 5  # pooling
    length += 4 + 4
    length *= 5
    return length + 4


@dataclass(frozen=True)
class FunctionalSpec:
    scale: str = "small"
    samples: int = 256
    epochs: int = 2
    loss_weights: bool = True  # the course's {age: 0.25, income: 1, gender: 10}; False: all 1
    seed: int = 0

    def __post_init__(self) -> None:
        check(self.scale in SCALES, f"scale must be one of {', '.join(SCALES)}")
        object.__setattr__(self, "samples", whole(self.samples, "samples", *SAMPLE_RANGE))
        object.__setattr__(self, "epochs", whole(self.epochs, "epochs", *EPOCH_RANGE))
        object.__setattr__(self, "seed", whole(self.seed, "seed", 0, 2**31 - 1))
        check(isinstance(self.loss_weights, bool), "loss_weights must be True or False")

    @property
    def sizes(self) -> Sizes:
        return SIZES[self.scale]

    @property
    def weights(self) -> dict[str, float]:
        return dict(LOSS_WEIGHTS) if self.loss_weights else dict.fromkeys(OUTPUTS, 1.0)

    @property
    def n_train(self) -> int:
        return int(self.samples * (1 - VALIDATION))


def _glorot(seed: int) -> keras.initializers.Initializer:
    return keras.initializers.GlorotUniform(seed=seed)


def _embedding(vocab: int, dim: int, seed: int, name: str) -> keras.layers.Embedding:
    return keras.layers.Embedding(vocab, dim, embeddings_initializer=keras.initializers.RandomUniform(seed=seed),
                                  name=name)


def _lstm(units: int, seed: int, name: str) -> keras.layers.LSTM:
    return keras.layers.LSTM(units, kernel_initializer=_glorot(seed),
                             recurrent_initializer=keras.initializers.Orthogonal(seed=seed + 1), name=name)


# --------------------------------------------------------------------------- multi-input


def multi_input_model(spec: FunctionalSpec) -> keras.Model:
    """Text + question → answer (Embedding + LSTM per input, concatenate, Dense softmax)."""
    s, seed = spec.sizes, spec.seed
    text_input = keras.Input(shape=(None,), dtype="int32", name="text")
    embedded_text = _embedding(s.text_vocab, s.text_embed, seed + 1, "text_embedding")(text_input)
    encoded_text = _lstm(s.text_lstm, seed + 2, "text_lstm")(embedded_text)
    question_input = keras.Input(shape=(None,), dtype="int32", name="question")
    embedded_question = _embedding(s.question_vocab, s.question_embed, seed + 4, "question_embedding")(question_input)
    encoded_question = _lstm(s.question_lstm, seed + 5, "question_lstm")(embedded_question)
    concatenated = keras.layers.concatenate([encoded_text, encoded_question], axis=-1, name="concatenate")
    answer = keras.layers.Dense(s.answer_vocab, activation="softmax", kernel_initializer=_glorot(seed + 7),
                                name="answer")(concatenated)
    return keras.Model([text_input, question_input], answer, name="question_answering")


def multi_input_data(spec: FunctionalSpec) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Random token ids of the right shapes, and one-hot answers, from a seeded generator."""
    s, n = spec.sizes, spec.samples
    rng = np.random.default_rng(spec.seed)
    text = rng.integers(1, s.text_vocab, size=(n, s.text_length))
    question = rng.integers(1, s.question_vocab, size=(n, s.text_length))
    answers = keras.utils.to_categorical(rng.integers(0, s.answer_vocab, size=n), s.answer_vocab)
    return text, question, answers


def compile_multi_input(model: keras.Model) -> None:
    model.compile(optimizer="rmsprop", loss="categorical_crossentropy", metrics=["acc"])


# --------------------------------------------------------------------------- multi-output


def multi_output_model(spec: FunctionalSpec) -> keras.Model:
    """Posts → age (regression), income (softmax over groups), gender (sigmoid)."""
    s, seed = spec.sizes, spec.seed
    posts_input = keras.Input(shape=(None,), dtype="int32", name="posts")
    x = _embedding(s.posts_vocab, s.posts_embed, seed + 1, "posts_embedding")(posts_input)
    for i, (filters, pool) in enumerate(((s.conv_first, True), (s.conv, False), (s.conv, True),
                                         (s.conv, False), (s.conv, False)), start=1):
        x = keras.layers.Conv1D(filters, 5, activation="relu", kernel_initializer=_glorot(seed + 1 + i),
                                name=f"conv_{i}")(x)
        if pool:
            x = keras.layers.MaxPooling1D(5, name=f"pool_{1 if i == 1 else 2}")(x)
    x = keras.layers.GlobalMaxPooling1D(name="global_pool")(x)
    x = keras.layers.Dense(s.dense, activation="relu", kernel_initializer=_glorot(seed + 7), name="dense")(x)
    age = keras.layers.Dense(1, kernel_initializer=_glorot(seed + 8), name="age")(x)
    income = keras.layers.Dense(s.income_groups, activation="softmax", kernel_initializer=_glorot(seed + 9),
                                name="income")(x)
    gender = keras.layers.Dense(1, activation="sigmoid", kernel_initializer=_glorot(seed + 10), name="gender")(x)
    return keras.Model(posts_input, [age, income, gender], name="posts_profile")


def multi_output_data(spec: FunctionalSpec) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """Random posts; standardised ages, one-hot income groups and 0/1 genders, from a seeded generator."""
    s, n = spec.sizes, spec.samples
    rng = np.random.default_rng(spec.seed)
    posts = rng.integers(1, s.posts_vocab, size=(n, s.posts_length))
    targets = {
        "age": rng.normal(size=(n, 1)).astype("float32"),
        "income": keras.utils.to_categorical(rng.integers(0, s.income_groups, size=n), s.income_groups),
        "gender": rng.integers(0, 2, size=(n, 1)).astype("float32"),
    }
    return posts, targets


def compile_multi_output(model: keras.Model, weights: dict[str, float]) -> None:
    model.compile(
        optimizer="rmsprop",
        loss={"age": "mse", "income": "categorical_crossentropy", "gender": "binary_crossentropy"},
        loss_weights=weights,
    )


# --------------------------------------------------------------------------- describe and train


def describe_multi_input(scale: str) -> ModelInfo:
    return describe(multi_input_model(FunctionalSpec(scale=scale)), SUMMARY_WIDTH)


def describe_multi_output(scale: str) -> ModelInfo:
    return describe(multi_output_model(FunctionalSpec(scale=scale)), SUMMARY_WIDTH)


@dataclass
class FunctionalRun:
    """One brief training run as plain numbers (picklable for the cache)."""

    history: dict[str, list[float]]
    evaluation: dict[str, float]  # model.evaluate on the validation samples in one batch
    params: int
    seconds: float
    diverged: bool = False
    notice: str | None = None
    extras: dict = field(default_factory=dict)


def _train(spec: FunctionalSpec, report: Reporter | None, key: tuple, build: Callable[[], keras.Model],
           fit_and_evaluate: Callable[[keras.Model, list], tuple]) -> FunctionalRun:
    """One brief run through the one training API: a pooled model of this structure, reset
    to a fresh build's weights and optimizer state, fitted with per-epoch progress."""
    with engine.model_session(key, build, report) as pooled:
        start = time.perf_counter()
        history, evaluation = fit_and_evaluate(pooled.model, [ProgressCallback(report, spec.epochs)])
        params = int(pooled.model.count_params())
        seconds = time.perf_counter() - start
    history = {k: [float(v) for v in vals] for k, vals in history.items()}
    evaluation = {k: float(v) for k, v in evaluation.items()}
    values = [v for vals in history.values() for v in vals] + list(evaluation.values())
    return FunctionalRun(history, evaluation, params, seconds, diverged=any(not math.isfinite(v) for v in values))


def compiled_multi_input(spec: FunctionalSpec) -> keras.Model:
    model = multi_input_model(spec)
    compile_multi_input(model)
    return model


def compiled_multi_output(spec: FunctionalSpec) -> keras.Model:
    model = multi_output_model(spec)
    compile_multi_output(model, spec.weights)
    return model


def train_multi_input(spec: FunctionalSpec, report: Reporter | None = None) -> FunctionalRun:
    """Fit the two-input model briefly; the history has one loss (one output)."""
    text, question, answers = multi_input_data(spec)
    n = spec.n_train

    def fit_and_evaluate(model: keras.Model, callbacks: list) -> tuple:
        fitted = model.fit(
            {"text": text[:n], "question": question[:n]}, answers[:n],
            validation_data=({"text": text[n:], "question": question[n:]}, answers[n:]),
            epochs=spec.epochs, batch_size=BATCH_SIZE, shuffle=False, verbose=0, callbacks=callbacks,
        )
        evaluation = model.evaluate({"text": text[n:], "question": question[n:]}, answers[n:],
                                    batch_size=len(answers) - n, verbose=0, return_dict=True)
        return fitted.history, evaluation

    key = ("layers", "multi_input", spec.scale)
    return _train(spec, report, key, lambda: compiled_multi_input(spec), fit_and_evaluate)


def train_multi_output(spec: FunctionalSpec, report: Reporter | None = None) -> FunctionalRun:
    """Fit the three-output model briefly; the history has the total loss and one loss per output."""
    posts, targets = multi_output_data(spec)
    n = spec.n_train

    def fit_and_evaluate(model: keras.Model, callbacks: list) -> tuple:
        fitted = model.fit(
            posts[:n], {k: v[:n] for k, v in targets.items()},
            validation_data=(posts[n:], {k: v[n:] for k, v in targets.items()}),
            epochs=spec.epochs, batch_size=BATCH_SIZE, shuffle=False, verbose=0, callbacks=callbacks,
        )
        # One batch, so the total is exactly the weighted sum of the three losses.
        evaluation = model.evaluate(posts[n:], {k: v[n:] for k, v in targets.items()}, batch_size=len(posts) - n,
                                    verbose=0, return_dict=True)
        return fitted.history, evaluation

    # The loss weights are compiled into the training step: part of the structure's name.
    key = ("layers", "multi_output", spec.scale, spec.loss_weights)
    return _train(spec, report, key, lambda: compiled_multi_output(spec), fit_and_evaluate)


def weighted_total(evaluation: dict[str, float], weights: dict[str, float]) -> float:
    """Σ weight × per-output loss: what Keras minimises (and reports as ``loss``)."""
    return sum(weights[name] * evaluation[f"{name}_loss"] for name in OUTPUTS)


def output_losses(history: dict[str, list[float]]) -> list[str]:
    """The per-output training losses in the history (``age_loss``, ...), in the course's order."""
    return [f"{name}_loss" for name in OUTPUTS if f"{name}_loss" in history]
