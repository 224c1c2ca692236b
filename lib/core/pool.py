"""A keyed pool of reusable compiled models.

Building and tracing a Keras model costs far more than training a teaching-size
one, so runs check a model of the right structure out of the pool, reset it, and
give it back. Each object is used by one run at a time.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import Generic, TypeVar

import keras

T = TypeVar("T")


class Pool(Generic[T]):
    """Idle objects by key; the least recently used keys are dropped past ``max_keys``."""

    def __init__(self, max_keys: int) -> None:
        self.max_keys = max_keys
        self._idle: OrderedDict[Hashable, list[T]] = OrderedDict()
        self._lock = threading.Lock()
        self.takes = 0  # objects handed out, reused or new (tests check runs went through the pool)
        self.evictions = 0  # keys dropped so far (their traced graphs can then be freed)

    def take(self, key: Hashable, build: Callable[[], T]) -> T:
        """An idle object for ``key``, or a new one from ``build()``."""
        with self._lock:
            self.takes += 1
            idle = self._idle.get(key)
            if idle:
                self._idle.move_to_end(key)
                return idle.pop()
        return build()

    def give_back(self, key: Hashable, obj: T) -> None:
        with self._lock:
            self._idle.setdefault(key, []).append(obj)
            self._idle.move_to_end(key)
            while len(self._idle) > self.max_keys:
                self._idle.popitem(last=False)
                self.evictions += 1

    def size(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._idle.values())

    def key_count(self) -> int:
        """Distinct keys held (at most ``max_keys``): what bounds the pool's memory."""
        with self._lock:
            return len(self._idle)

    def clear(self) -> None:
        with self._lock:
            self._idle.clear()


class PooledModel:
    """A compiled Keras model whose traced functions outlive one run.

    ``reset_from(fresh)`` gives it the initial state of a freshly built model of the
    same structure: its weights, its dropout seed generators (``set_weights`` leaves
    them alone, so a pooled model would otherwise draw other masks on every run of
    the same spec) and a fresh optimizer state with the fresh model's learning rate.
    """

    def __init__(self, model: keras.Model) -> None:
        self.model = model
        self.optimizer = model.optimizer
        self.reset_optimizer = OptimizerReset(self.optimizer, model.trainable_variables)
        self.runs = 0

    def reset_from(self, fresh: keras.Model, learning_rate: float | None = None) -> None:
        self.runs += 1
        self.model.set_weights(fresh.get_weights())
        for mine, new in zip(self.model.layers, fresh.layers, strict=True):
            generator = getattr(mine, "seed_generator", None)
            if generator is not None:
                generator.state.assign(new.seed_generator.state.value)
        if learning_rate is None and getattr(fresh, "optimizer", None) is not None:
            learning_rate = float(keras.ops.convert_to_numpy(fresh.optimizer.learning_rate))
        self.reset_optimizer(learning_rate)
        self.model.stop_training = False


class OptimizerReset:
    """Remembers an optimizer's freshly built state so it can be restored exactly.

    Zeroing is not enough: Adagrad's accumulators start at 0.1, not 0.
    """

    def __init__(self, optimizer: keras.optimizers.Optimizer, variables: list) -> None:
        optimizer.build(variables)
        self.optimizer = optimizer
        self._initial = [v.numpy() for v in optimizer.variables]

    def __call__(self, learning_rate: float | None) -> None:
        for var, value in zip(self.optimizer.variables, self._initial, strict=True):
            var.assign(value)
        if learning_rate is not None:
            self.optimizer.learning_rate = learning_rate
