"""The model pool's key is derived from the specs that build the model: every field of them.

A field left out of the key would let a run reuse a model built for other settings; a field
the trainer resets on every run (``engine.RESET_FIELDS``) may stay out only if reusing a model
built for another value gives the run a fresh model gives.
"""

from dataclasses import fields, replace

import numpy as np
import pytest

from lib.core import engine
from lib.core.specs import DataSpec, FitSpec, LayerSpec, ModelSpec, OptimizerSpec, RunSpec, dense_stack

BASE = RunSpec(
    data=DataSpec("moons", n_samples=200, noise=0.2, seed=1),
    model=ModelSpec(layers=(LayerSpec("dense", units=8, activation="relu", rate=0.0),
                            LayerSpec("dropout", units=8, rate=0.2)), seed=3),
    optimizer=OptimizerSpec("momentum", 0.01, momentum=0.9),
    fit=FitSpec(epochs=3, batch_size=16, seed=5),
)

# Another valid value for every field of every spec the pool sees. The first test fails when a
# spec gains a field that is missing here: decide then whether it changes the built model.
OTHER = {
    ModelSpec: {"layers": (LayerSpec(units=8),), "seed": 4},
    LayerSpec: {"kind": "batchnorm", "units": 9, "activation": "tanh", "rate": 0.3},
    OptimizerSpec: {"name": "adam", "learning_rate": 0.2, "momentum": 0.5},
}


def key(spec: RunSpec) -> object:
    return engine.trainer_key(spec, (2,), "binary", 2, 1)


def variants():
    for name, value in OTHER[ModelSpec].items():
        yield ModelSpec, name, replace(BASE, model=replace(BASE.model, **{name: value}))
    for name, value in OTHER[LayerSpec].items():
        layers = (replace(BASE.model.layers[0], **{name: value}), *BASE.model.layers[1:])
        yield LayerSpec, name, replace(BASE, model=replace(BASE.model, layers=layers))
    for name, value in OTHER[OptimizerSpec].items():
        yield OptimizerSpec, name, replace(BASE, optimizer=replace(BASE.optimizer, **{name: value}))


def test_every_field_of_every_spec_has_another_value_here():
    for cls, others in OTHER.items():
        assert {f.name for f in fields(cls)} == set(others), cls.__name__


@pytest.mark.parametrize("cls, name, spec", [pytest.param(*v, id=f"{v[0].__name__}.{v[1]}") for v in variants()])
def test_each_field_changes_the_key_unless_a_run_resets_it(cls, name, spec):
    assert spec.model != BASE.model or spec.optimizer != BASE.optimizer  # the variant is another spec
    if name in engine.RESET_FIELDS.get(cls, ()):
        assert key(spec) == key(BASE)
    else:
        assert key(spec) != key(BASE)


def test_shape_task_classes_and_steps_are_in_the_key():
    keys = [engine.trainer_key(BASE, shape, task, n, steps) for shape, task, n, steps in [
        ((2,), "binary", 2, 1), ((3,), "binary", 2, 1), ((2,), "multiclass", 2, 1), ((2,), "binary", 3, 1),
        ((2,), "binary", 2, 4)]]
    assert len(set(keys)) == 5


@pytest.mark.numerics
@pytest.mark.parametrize("changed", [
    replace(BASE, model=replace(BASE.model, seed=11)),
    replace(BASE, optimizer=replace(BASE.optimizer, learning_rate=0.3)),
], ids=["seed", "learning_rate"])
def test_a_reset_field_reused_from_the_pool_gives_a_fresh_models_run(changed):
    engine.POOL.clear()
    fresh = engine.run(changed)  # a model built for these settings
    engine.POOL.clear()
    engine.run(BASE)  # leaves a model built for the other value in the pool
    takes, size = engine.POOL.takes, engine.pool_size()
    reused = engine.run(changed)
    assert engine.POOL.takes == takes + 1 and engine.pool_size() == size  # the pooled model was reused
    # One process, one device, the same batches: the same program on the same inputs, bit for bit.
    assert reused.history == fresh.history
    for a, b in zip(reused.weights, fresh.weights, strict=True):
        np.testing.assert_array_equal(a, b)


def test_a_model_built_for_other_settings_is_never_reused():
    engine.POOL.clear()
    engine.run(BASE)
    wider = replace(BASE, model=dense_stack((16,), seed=3))
    size = engine.pool_size()
    result = engine.run(wider)
    assert engine.pool_size() == size + 1  # a second model, not the first one reused
    assert [w.shape for w in result.weights][:2] == [(2, 16), (16,)]
