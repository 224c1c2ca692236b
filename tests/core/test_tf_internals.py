"""The TensorFlow internals the engine relies on to free finished graphs (``lib.core.tf_internals``).

These fail loudly when TensorFlow or Keras change: the registry moved, the entries
look different, or the leak they work around is gone (then the module can go).
"""

from __future__ import annotations

import gc

import pytest
from tensorflow.python.eager import context

from lib.core import engine, tf_internals
from lib.core.specs import DataSpec, FitSpec, RunSpec, dense_stack


def _spec(units: int) -> RunSpec:
    return RunSpec(data=DataSpec("digits"), model=dense_stack((units,), seed=units), fit=FitSpec(epochs=1))


@pytest.fixture
def small_pool(monkeypatch):
    monkeypatch.setattr(engine.POOL, "max_keys", 1)
    yield engine.POOL
    engine.POOL.clear()


def test_a_traced_optimizer_step_leaves_an_all_reduce_gradient(monkeypatch):
    # Without the release, the entry stays: this is the leak (Keras's optimizer, tf.custom_gradient).
    monkeypatch.setattr(engine, "_release_traced", lambda: None)
    before = set(tf_internals.all_reduce_gradient_names())
    engine.run(_spec(7))
    left = set(tf_internals.all_reduce_gradient_names()) - before
    assert left, "Keras no longer registers an all-reduce gradient per trace: drop lib/core/tf_internals.py"
    assert tf_internals.release_all_reduce_gradients() >= len(left)
    assert not tf_internals.all_reduce_gradient_names()


def test_new_structures_do_not_pile_up_graphs(small_pool):
    engine.run(_spec(5))
    engine.run(_spec(6))
    gc.collect()  # evicted models sit in reference cycles until the collector runs
    functions = len(context.context().list_function_names())
    for units in range(8, 14):  # six new structures, each evicting the last
        engine.run(_spec(units))
    assert not tf_internals.all_reduce_gradient_names()
    gc.collect()
    assert len(context.context().list_function_names()) <= functions
    assert small_pool.key_count() == 1 and small_pool.evictions >= 6


def test_release_is_safe_when_nothing_is_left():
    tf_internals.release_all_reduce_gradients()
    assert tf_internals.release_all_reduce_gradients() == 0
