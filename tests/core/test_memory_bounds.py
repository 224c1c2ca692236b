"""Memory bounds (issue 11, item 4): what grows per training run is bounded.

Figures: ``python tests/bench/bench_memory.py`` (RSS after 50, 100, 200 distinct runs).
"""

import pickle
from dataclasses import fields

import numpy as np

from lib.core import engine
from lib.core.pool import Pool
from lib.core.specs import DataSpec, FitSpec, OptimizerSpec, RunSpec, dense_stack

SMALL = RunSpec(
    data=DataSpec("moons", n_samples=200, noise=0.2, seed=1),
    model=dense_stack((8,), seed=3),
    optimizer=OptimizerSpec("adam", 0.01),
    fit=FitSpec(epochs=3, batch_size=16, seed=5),
)


def test_pool_keeps_at_most_max_keys_and_drops_the_least_recently_used():
    pool: Pool[object] = Pool(max_keys=3)
    for key in range(10):
        pool.give_back(key, object())
        assert pool.key_count() <= 3
    assert pool.key_count() == 3 and pool.size() == 3
    built = []
    pool.take(0, lambda: built.append(0))  # the oldest key was dropped: built anew
    pool.take(9, lambda: built.append(9))  # the newest is still idle: reused
    assert built == [0]


def test_engine_pools_are_bounded():
    assert 0 < engine.POOL.max_keys <= 48
    assert 0 < engine.LIGHT.max_keys <= 64
    assert engine.POOL.key_count() <= engine.POOL.max_keys


def test_the_result_cache_is_bounded():
    """Streamlit's cache of finished runs keeps at most ``ui.CACHE_ENTRIES`` per function."""
    from lib.core import ui

    assert 0 < ui.CACHE_ENTRIES <= 32


def _leaves(value):
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(k)
            yield from _leaves(v)
    elif isinstance(value, list | tuple):
        for v in value:
            yield from _leaves(v)
    else:
        yield value


def test_a_cached_result_holds_plain_numbers_only():
    """What ``st.cache_data`` keeps per run: numpy and Python values, no model, tensor or variable."""
    result = engine.run(SMALL)
    plain = (np.ndarray, np.generic, float, int, str, bool, type(None))
    for f in fields(result):
        for leaf in _leaves(getattr(result, f.name)):
            assert isinstance(leaf, plain), (f.name, type(leaf))
    assert len(pickle.dumps(result)) < 100_000
