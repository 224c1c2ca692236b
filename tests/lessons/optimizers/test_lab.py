"""The optimizers lesson: Keras' optimizers against the update rules by hand, the race, divergence,
and the code lib/lessons/optimizers/code.py writes (executed here and compared with lib's numbers)."""

from __future__ import annotations

import json
import math
from dataclasses import replace
from pathlib import Path

import keras
import numpy as np
import pytest

from lib.core import engine
from lib.core.models import build_optimizer
from lib.core.progress import Progress
from lib.core.specs import OPTIMIZERS
from lib.lessons.optimizers import code as codegen
from lib.lessons.optimizers import figures as figs
from lib.lessons.optimizers import lab, race
from tests.shown_code import run_shown_code as run

CSV = str(Path(__file__).resolve().parents[3] / "lib" / "core" / "assets" / "advertising.csv")


# --------------------------------------------------------------------------- update rules by hand

# Keras keeps weights and Adam's beta powers in float32 (about 1e-5 relative on Adam's step size), so the
# rate is small enough that float32 rounding stays far below the 1e-6 the hand calculation is held to.
W0, CURVATURE, TARGET, LR, MU = 2.0, 3.0, 0.5, 0.01, 0.9


def hand_steps(name: str, steps: int) -> list[float]:
    """The textbook rules on L(w) = 3/2 (w - 0.5)^2, written out independently of lib, in float64."""
    w, m, v, acc = W0, 0.0, 0.0, 0.1  # Keras starts Adagrad's accumulator at 0.1
    out = [w]
    for t in range(1, steps + 1):
        g = CURVATURE * (w - TARGET)
        if name == "sgd":
            w = w - LR * g
        elif name == "momentum":
            m = MU * m - LR * g
            w = w + m
        elif name == "nesterov":
            m = MU * m - LR * g
            w = w + MU * m - LR * g
        elif name == "adagrad":
            acc = acc + g * g
            w = w - LR * g / math.sqrt(acc + 1e-7)
        elif name == "rmsprop":
            v = 0.9 * v + 0.1 * g * g
            w = w - LR * g / math.sqrt(v + 1e-7)
        else:  # adam
            m = 0.9 * m + 0.1 * g
            v = 0.999 * v + 0.001 * g * g
            w = w - LR * (m / (1 - 0.9**t)) / (math.sqrt(v / (1 - 0.999**t)) + 1e-7)
        out.append(w)
    return out


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_one_step_of_each_optimizer_matches_the_textbook(name):
    weights, _ = lab.keras_steps(lab.optimizer_spec(name, LR, MU), W0, CURVATURE, TARGET, steps=1)
    assert weights[1] == pytest.approx(hand_steps(name, 1)[1], abs=1e-6)
    assert weights[1] != W0


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_five_steps_match_the_textbook_and_lib(name):
    weights, states = lab.keras_steps(lab.optimizer_spec(name, LR, MU), W0, CURVATURE, TARGET, steps=5)
    np.testing.assert_allclose(weights, hand_steps(name, 5), atol=1e-6)
    # lib's own textbook_step (the page's "by hand" column) agrees with Keras, state included
    w, state = np.array([W0]), {}
    for t in range(1, 6):
        w, state = lab.textbook_step(name, w, CURVATURE * (w - TARGET), state, LR, MU, t)
        assert w[0] == pytest.approx(weights[t], abs=1e-6)
        assert set(state) == set(states[t - 1]) == set(lab.STATE_NAMES[name])
        for key, value in state.items():
            assert value[0] == pytest.approx(states[t - 1][key], rel=1e-5, abs=1e-7)


def test_optimizer_spec_keeps_momentum_only_where_it_applies():
    assert lab.optimizer_spec("adam", 0.01, 0.5) == lab.optimizer_spec("adam", 0.01, 0.9)
    assert lab.optimizer_spec("nesterov", 0.01, 0.5).momentum == 0.5
    assert lab.optimizer_spec("sgd", 0.1 + 0.2).lr == 0.3
    assert lab.optimizer_spec("rmsprop").lr == 0.001  # Keras' default
    with pytest.raises(ValueError, match="unknown optimizer"):
        lab.optimizer_spec("lion")
    with pytest.raises(ValueError, match="finite"):
        lab.optimizer_spec("sgd", float("nan"))
    assert lab.lr_from_exponent(-1.3) == 0.0501 and lab.lr_from_exponent(-2) == 0.01


@pytest.mark.parametrize("name", OPTIMIZERS)
def test_keras_call_builds_the_optimizer_lib_uses(name):
    import keras  # noqa: F401  (used by eval)

    spec = lab.optimizer_spec(name, 0.0501, 0.8)
    built = eval(codegen.keras_call(spec)).get_config()  # noqa: S307  (our own generated expression)
    expected = build_optimizer(spec).get_config()
    for key in ("learning_rate", "momentum", "nesterov", "rho", "beta_1", "beta_2", "epsilon",
                "initial_accumulator_value"):
        assert built.get(key) == pytest.approx(expected.get(key)) if isinstance(expected.get(key), float) \
            else built.get(key) == expected.get(key)


# --------------------------------------------------------------------------- paths on surfaces


def path(name: str, surface: str = "bowl", exponent: float | None = None, steps: int = 40) -> lab.PathResult:
    exponent = lab.SURFACE_LR_EXPONENT[name] if exponent is None else exponent
    spec = lab.PathSpec(surface, lab.optimizer_spec(name, lab.lr_from_exponent(exponent)),
                        lab.SURFACES[surface].start, steps)
    return lab.run_path(spec)


@pytest.mark.parametrize("surface", lab.SURFACE_NAMES)
def test_paths_follow_the_textbook_rule_step_by_step(surface):
    for name in OPTIMIZERS:
        r = path(name, surface)
        assert r.positions.shape == (41, 2) and r.losses.shape == (41,) and r.grads.shape == (40, 2)
        deltas, states = lab.replay_textbook(r)
        scale = np.abs(r.deltas).max() + 1e-12
        assert np.abs(deltas - r.deltas).max() / scale < 1e-4, name
        for key, values in states.items():  # the state read from Keras' variables is the textbook memory
            np.testing.assert_allclose(r.states[key], values, rtol=1e-3, atol=1e-6)


def test_states_are_the_optimizers_own_variables():
    ada = path("adagrad")
    np.testing.assert_allclose(ada.states["accumulator"], 0.1 + np.cumsum(ada.grads**2, axis=0), rtol=1e-5)
    assert set(path("adam").states) == {"momentum", "velocity"} and path("sgd").states == {}
    eff = path("rmsprop").effective_lr
    assert eff.shape == (40, 2) and (eff > 0).all()
    # On the elongated bowl the steep y direction gets the smaller effective learning rate.
    assert eff[5, 1] < eff[5, 0]


def test_same_spec_same_path_and_a_new_rate_reuses_the_traced_loop():
    a, b = path("adam"), path("adam")
    np.testing.assert_array_equal(a.positions, b.positions)
    before = engine.LIGHT.size()
    c = path("adam", exponent=-1.5)
    assert engine.LIGHT.size() == before and not np.array_equal(a.positions, c.positions)


def test_a_divergent_walk_is_cut_at_the_first_inf_and_reported():
    r = path("sgd", "rosenbrock", exponent=0.5, steps=100)
    assert r.diverged_at is not None and r.steps_run < 100
    assert np.isfinite(r.positions).all() and np.isfinite(r.losses).all()
    assert lab.path_status(r)[0] == "diverged"
    assert lab.path_status(path("adam", steps=200))[0] == "reached"


def test_path_spec_validation():
    with pytest.raises(ValueError, match="unknown surface"):
        lab.PathSpec("volcano")
    with pytest.raises(ValueError, match="inside the drawn window"):
        lab.PathSpec("bowl", start=(100.0, 0.0))
    with pytest.raises(ValueError, match="steps"):
        lab.PathSpec("bowl", steps=0)
    assert lab.PathSpec("bowl", start=(0.1 + 0.2, -0.0)).start == (0.3, 0.0)


def test_surface_code_prints_the_pages_paths():
    specs = [lab.PathSpec("rosenbrock", lab.optimizer_spec(n, lab.lr_from_exponent(lab.SURFACE_LR_EXPONENT[n]), 0.8),
                          (-1.2, 1.0), 25) for n in ("sgd", "nesterov", "adagrad", "adam")]
    ns, out = run(codegen.surface_code(specs))
    for spec in specs:
        r = lab.run_path(spec)
        np.testing.assert_allclose(ns["paths"][spec.optimizer.name], r.positions, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ns["losses"][spec.optimizer.name], r.losses, rtol=1e-5, atol=1e-7)
        assert f"({r.final[0]:.4f}, {r.final[1]:.4f})" in out
    assert "momentum=0.8, nesterov=True" in codegen.surface_code(specs)


def test_inside_code_prints_the_optimizers_variables():
    spec = lab.PathSpec("beale", lab.optimizer_spec("adam", 0.1), (1.0, 1.5), 12)
    ns, out = run(codegen.inside_code(spec))
    r = lab.run_path(spec)
    np.testing.assert_allclose(ns["grads"], r.grads, rtol=1e-5, atol=1e-7)
    np.testing.assert_allclose(ns["states"]["momentum"], r.states["momentum"], rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(ns["states"]["velocity"], r.states["velocity"], rtol=1e-5, atol=1e-10)
    assert "step 5:" in out and "step 6:" not in out


# --------------------------------------------------------------------------- the race

TINY = race.RaceSpec(data="moons", samples=200, layers=1, units=8, epochs=5, batch_size=32, seed=3)


class StartWeights(keras.callbacks.Callback):
    """The weights a model holds when ``fit`` begins: what the engine really loaded."""

    def on_train_begin(self, logs=None):
        self.weights = [w.copy() for w in self.model.get_weights()]


def test_race_gives_every_optimizer_identical_initial_weights():
    spec = race.RaceSpec(data="moons", samples=200, layers=1, units=8, epochs=5, seed=3)  # TINY's model
    optimizers = race.race_optimizers({n: (None, 0.9) for n in OPTIMIZERS})
    takes = engine.POOL.takes
    results = [race.run_racer(spec.run_spec(opt)) for opt in optimizers]
    assert engine.POOL.takes == takes + len(OPTIMIZERS)  # every racer trained a pooled model
    reference = race.initial_weights(spec.run_spec(results[0].optimizer))
    assert len({r.start_fingerprint for r in results}) == 1
    assert results[0].start_fingerprint == race.fingerprint(reference)
    for opt in optimizers:  # on the fit path, a callback sees the weights the engine loads before training
        run_spec = spec.run_spec(opt)
        run_spec = replace(run_spec, fit=replace(run_spec.fit, path="fit"))
        for _ in range(2):  # the second run starts from a pooled model the first one trained
            seen = StartWeights()
            engine.run(run_spec, callbacks=[seen])
            assert len(seen.weights) == len(reference) == 4
            for w, ref in zip(seen.weights, reference, strict=True):
                np.testing.assert_array_equal(w, ref, err_msg=opt.name)


def test_racers_share_batches_and_start_and_differ_only_by_optimizer():
    specs = {opt.name: TINY.run_spec(opt) for opt in race.race_optimizers({"sgd": (0.05, 0.9), "adam": (0.01, 0.9)})}
    assert specs["sgd"].model == specs["adam"].model and specs["sgd"].fit == specs["adam"].fit
    results = {name: race.run_racer(spec) for name, spec in specs.items()}
    assert results["sgd"].start_fingerprint == results["adam"].start_fingerprint
    assert results["sgd"].history["loss"] != results["adam"].history["loss"]
    r = results["adam"]
    assert r.epochs_run == 5 and 1 <= r.best_epoch <= 5
    assert r.best_val_accuracy == max(r.history["val_accuracy"])


@pytest.mark.parametrize("race_spec", [TINY, race.RaceSpec(data="digits", samples=200, layers=1, units=8, epochs=5,
                                                            batch_size=64, seed=1)], ids=["moons", "digits"])
def test_race_code_reproduces_the_race(race_spec):
    optimizers = race.race_optimizers({"nesterov": (0.05, 0.8), "rmsprop": (None, 0.9)})
    ns, out = run(codegen.race_code(race_spec, optimizers))
    for opt in optimizers:
        lib_run = race.run_racer(race_spec.run_spec(opt))
        for key in ("loss", "accuracy", "val_loss", "val_accuracy"):
            np.testing.assert_allclose(ns["histories"][opt.name][key], lib_run.history[key], rtol=1e-4, atol=1e-5)
        assert f"{lib_run.final_val_accuracy:.4f}" in out


def test_race_spec_validation_and_sizes():
    with pytest.raises(ValueError, match="unknown data set"):
        race.RaceSpec(data="mnist")
    with pytest.raises(ValueError, match="batch size"):
        race.RaceSpec(batch_size=33)
    with pytest.raises(ValueError, match="samples"):
        race.RaceSpec(samples=10)
    assert race.RaceSpec(data="digits", samples=5000).data_spec().subsample is None  # all 1797 rows
    assert race.RaceSpec(data="digits", samples=5000).rows == 1797
    assert race.RaceSpec(data="fashion_mnist", samples=500).data_spec().subsample == 500


def test_race_is_one_job_whose_progress_counts_every_racers_epochs():
    optimizers = tuple(race.race_optimizers({"sgd": (0.05, 0.9), "adam": (0.01, 0.9)}))
    events = []
    admitted, takes = engine.GATE.admitted, engine.POOL.takes
    results = race.run_race(race.Race(replace(TINY, seed=5), optimizers), lambda kind, p: events.append((kind, p)))
    assert engine.GATE.admitted == admitted + 1 and engine.POOL.takes == takes + 2  # one slot, two models
    progress = [p for kind, p in events if kind == "progress"]
    assert all(isinstance(p, Progress) and p.unit == "epoch" and p.total == 10 for p in progress)
    assert [p.done for p in progress] == list(range(1, 11))
    assert "sgd loss" in progress[0].logs and "adam val_loss" in progress[-1].logs
    assert list(results) == ["sgd", "adam"] and results["adam"].epochs_run == 5
    # A new learning rate for Adam trains Adam only: SGD's finished run is the same run.
    faster = (optimizers[0], lab.optimizer_spec("adam", 0.02))
    again = race.run_race(race.Race(replace(TINY, seed=5), faster))
    assert again["sgd"] is results["sgd"] and engine.POOL.takes == takes + 3
    assert again["adam"].history["loss"] != results["adam"].history["loss"]


def test_every_training_entry_goes_through_the_engine():
    entries = {
        "run_racer": lambda: race.run_racer(replace(TINY, seed=6).run_spec(lab.optimizer_spec("nesterov", 0.05))),
        "run_race": lambda: race.run_race(race.Race(replace(TINY, seed=7), (lab.optimizer_spec("rmsprop"),))),
        "run_rate": lambda: race.run_rate(race.RateSpec(lab.optimizer_spec("adagrad", 0.5), epochs=5)),
    }
    for name, entry in entries.items():
        admitted, takes = engine.GATE.admitted, engine.POOL.takes
        entry()
        assert engine.GATE.admitted > admitted and engine.POOL.takes > takes, name


def test_race_settings_stay_in_the_pages_ranges():
    with pytest.raises(ValueError, match="learning rate of adam"):
        race.race_optimizers({"adam": (0.000001, 0.9)})
    with pytest.raises(ValueError, match="epochs"):
        race.RaceSpec(epochs=4)
    with pytest.raises(ValueError, match="momentum"):
        lab.optimizer_spec("momentum", 0.01, 0.995)
    with pytest.raises(ValueError, match="learning rate"):
        race.RateSpec(lab.optimizer_spec("sgd", 0.0000001))


# --------------------------------------------------------------------------- too small / right / too large


def test_divergence_is_detected_stopped_and_reported():
    r = race.run_rate(race.RateSpec(lab.optimizer_spec("sgd", 3.0), epochs=20))
    assert r.diverged and r.verdict == "diverged"
    assert r.stopped_at is not None and r.epochs_run == r.stopped_at < 20  # TerminateOnNaN ended it
    good = race.run_rate(race.RateSpec(lab.optimizer_spec("sgd", 0.01), epochs=30))
    assert good.verdict == "good" and not good.diverged and good.epochs_run == 30
    slow = race.run_rate(race.RateSpec(lab.optimizer_spec("sgd", 0.0001), epochs=30))
    assert slow.verdict == "slow"
    assert good.final_loss < slow.final_loss
    s, _ = engine.split(race.RateSpec().run_spec())  # the same rows the run trained on
    assert good.best_mse == pytest.approx(race.least_squares_mse(s.x_train, s.y_train))
    assert good.best_mse < good.final_loss < 1.5 * good.best_mse + 0.5


def test_rate_runs_report_their_epochs_with_validation_loss():
    events = []
    r = race.run_rate(race.RateSpec(lab.optimizer_spec("sgd", 0.01), epochs=5), lambda k, p: events.append((k, p)))
    progress = [p for kind, p in events if kind == "progress"]
    assert [(p.done, p.total) for p in progress] == [(i, 5) for i in range(1, 6)]
    assert progress[-1].logs["val_loss"] == pytest.approx(r.history["val_loss"][-1])
    again = race.run_rate(race.RateSpec(lab.optimizer_spec("sgd", 0.01), epochs=5))  # a reset pooled model
    assert again.history == r.history


def test_verdicts():
    assert race.verdict({"loss": [5.0, float("nan")]}, True, 1.0) == "diverged"
    assert race.verdict({"loss": [5.0, 9.0]}, False, 1.0) == "unstable"
    assert race.verdict({"loss": [50.0, 20.0]}, False, 1.0) == "slow"
    assert race.verdict({"loss": [50.0, 1.2]}, False, 1.0) == "good"
    assert race.verdict({"loss": [500.0, 3.0, 20.0]}, False, 1.0) == "unstable"  # bounced back up, no NaN


def test_rates_code_reproduces_the_comparison():
    specs = [race.RateSpec(lab.optimizer_spec("sgd", lr), epochs=8) for lr in (0.001, 0.01, 3.0)]
    ns, out = run(codegen.rates_code(specs, CSV))
    for spec in specs:
        lib_run = race.run_rate(spec)
        history = ns["histories"][spec.optimizer.lr]
        assert len(history["loss"]) == lib_run.epochs_run
        finite = np.isfinite(lib_run.history["loss"])
        np.testing.assert_allclose(np.asarray(history["loss"])[finite], np.asarray(lib_run.history["loss"])[finite],
                                   rtol=1e-4, atol=1e-4)
        np.testing.assert_allclose(np.asarray(history["val_loss"])[finite],
                                   np.asarray(lib_run.history["val_loss"])[finite], rtol=1e-4, atol=1e-4)
    assert "TerminateOnNaN" in codegen.rates_code(specs, CSV)


# --------------------------------------------------------------------------- figures


def test_figures_carry_every_optimizer():
    results = {n: path(n, steps=20) for n in OPTIMIZERS}
    xs, ys, zs = lab.surface_grid("bowl", 31)
    labels = {"x": "x", "y": "y", "start": "start", "minimum": "min", "step": "step", "diverged": "boom"}
    walks = [{"key": n, "label": n, "positions": r.positions} for n, r in results.items()]
    fig = figs.surface_figure(xs, ys, zs, walks, lab.SURFACES["bowl"].minima, 10, labels)
    names = {trace.name for trace in fig.data}
    assert set(OPTIMIZERS) <= names
    spec = json.loads(fig.to_json())
    assert spec["layout"]["xaxis"]["range"] == [-6.0, 6.0]
    losses = figs.loss_steps_figure([{"key": n, "label": n, "losses": r.losses, "diverged": False}
                                     for n, r in results.items()], labels)
    assert len(losses.data) == 6 and losses.layout.yaxis.type == "log"
    inside = figs.inside_figure(np.arange(1, 21), [{"title": "g", "values": results["adam"].grads, "log": False},
                                                   {"title": "v", "values": results["adam"].states["velocity"],
                                                    "log": True}], {"step": "s", "x": "x", "y": "y"})
    assert len(inside.data) == 4


def test_update_rules_wrap_only_between_statements():
    for name, tex in lab.RULE_TEX.items():
        parts = tex.split(lab.STATEMENT_BREAK)
        assert len(parts) == len(lab.RULE_STATEMENTS[name])
        for part in parts:  # one group per statement: KaTeX cannot break inside it
            assert part.startswith("{") and part.endswith("}") and part.count("{") == part.count("}")
            assert part[1:-1].count(r"\leftarrow") == 1
    assert len(lab.RULE_STATEMENTS["adam"]) == 3
