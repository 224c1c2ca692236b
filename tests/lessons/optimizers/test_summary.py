"""The sentences under the optimizers charts: numbers from lab's results, checked with numpy."""

import math

import numpy as np

from lib.lessons.optimizers import lab, race, summary


def walk(name: str, lr: float, steps: int = 30) -> lab.PathResult:
    return lab.run_path(lab.PathSpec("bowl", lab.optimizer_spec(name, lr), None, steps))


def test_loss_and_position_summaries_follow_the_walks():
    walks = {"sgd": walk("sgd", 0.1), "adam": walk("adam", 0.1)}
    finals = {n: w.final_loss for n, w in walks.items()}
    best = min(finals, key=finals.get)
    text = summary.losses_summary("en", walks)
    assert text.startswith(f"Loss after 30 steps: SGD {summary.fmt(finals['sgd'], 6)}, Adam ")
    assert text.endswith(f"(lowest: {'SGD' if best == 'sgd' else 'Adam'}, {summary.fmt(finals[best], 6)}).")
    minima = np.asarray(lab.SURFACES["bowl"].minima, float)
    distance = {n: np.linalg.norm(minima - w.positions[10], axis=1).min() for n, w in walks.items()}
    nearest = min(distance, key=distance.get)
    position = summary.positions_summary("ko", walks, 10)
    assert f"10스텝에서 최솟값에 가장 가까운 옵티마이저: {'SGD' if nearest == 'sgd' else 'Adam'}" in position
    assert position.endswith(f"거리 {summary.fmt(distance[nearest], 3)}.")
    assert summary.losses_summary("en", {}) == summary.positions_summary("en", {}, 0) == ""


def test_a_walk_that_blows_up_is_named_with_its_step():
    blown = lab.run_path(lab.PathSpec("rosenbrock", lab.optimizer_spec("sgd", 10 ** 0.5), None, 50))
    assert blown.diverged_at is not None
    assert f"SGD blew up at step {blown.diverged_at}" in summary.losses_summary("en", {"sgd": blown})


def test_inside_summary_gradient_lengths_and_largest_step():
    w = walk("adam", 0.1)
    grad = np.linalg.norm(w.grads, axis=1)
    step = np.linalg.norm(np.diff(w.positions, axis=0), axis=1)
    assert summary.inside_summary("en", w) == (
        f"Adam over 30 steps: the gradient's length went from {summary.fmt(grad[0])} at step 1 to "
        f"{summary.fmt(grad[-1])} at step 30; the largest step, {summary.fmt(step.max())} long, came at step "
        f"{int(np.argmax(step)) + 1}.")


def racer(name: str, val_loss: list[float], diverged: bool = False) -> race.RacerResult:
    return race.RacerResult(lab.optimizer_spec(name), {"val_loss": val_loss}, len(val_loss), 0.1, diverged, "ab")


def test_race_summary_names_the_lowest_last_validation_loss():
    results = {"sgd": racer("sgd", [0.7, 0.5]), "adam": racer("adam", [0.6, 0.25]),
               "rmsprop": racer("rmsprop", [0.6, math.nan], diverged=True)}
    assert summary.race_summary("en", results) == (
        "Last validation loss after up to 2 epochs: SGD 0.5000, Adam 0.2500, RMSprop nan (lowest: Adam, 0.2500).")
    ko = summary.race_summary("ko", results)
    assert ko.startswith("최대 2 에포크 후 마지막 검증 손실: ") and ko.endswith("(가장 낮음: Adam, 0.2500).")


def test_rates_summary_says_loss_or_where_it_stopped():
    ok = race.RateResult(lab.optimizer_spec("sgd", 0.01), {"loss": [3.0, 1.25]}, 2, 2, 0.1, None, 1.0, "slow")
    nan = race.RateResult(lab.optimizer_spec("sgd", 1.5), {"loss": [3.0, math.nan]}, 2, 2, 0.1, 2, 1.0, "diverged")
    assert summary.rates_summary("en", [ok, nan]) == (
        "Last training loss: learning rate 0.01: 1.250 after 2 epochs; learning rate 1.5: NaN, stopped in epoch 2.")
    assert summary.rates_summary("ko", [ok]) == "마지막 훈련 손실: 학습률 0.01: 2 에포크 후 1.250."
