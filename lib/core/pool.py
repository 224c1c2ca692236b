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

    def take(self, key: Hashable, build: Callable[[], T]) -> T:
        """An idle object for ``key``, or a new one from ``build()``."""
        with self._lock:
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

    def size(self) -> int:
        with self._lock:
            return sum(len(v) for v in self._idle.values())

    def clear(self) -> None:
        with self._lock:
            self._idle.clear()


class OptimizerReset:
    """Remembers an optimizer's freshly built state so it can be restored exactly.

    Zeroing is not enough: Adagrad's accumulators start at 0.1, not 0.
    """

    def __init__(self, optimizer: keras.optimizers.Optimizer, variables: list) -> None:
        optimizer.build(variables)
        self.optimizer = optimizer
        self._initial = [v.numpy() for v in optimizer.variables]

    def __call__(self, learning_rate: float) -> None:
        for var, value in zip(self.optimizer.variables, self._initial, strict=True):
            var.assign(value)
        self.optimizer.learning_rate = learning_rate
