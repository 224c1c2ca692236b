"""The sentences under the training lesson's charts: numbers from the lab's results, words from both catalogues."""

from __future__ import annotations

import numpy as np

from lib.lessons.training import lab, summary


def test_forward_and_backward_sentences_for_the_worked_example() -> None:
    net = lab.NetSpec()
    step = lab.forward_backward(net)
    en = summary.forward_summary("en", net, step.before)
    assert en == ("Inputs x₁ = 1.00 and x₂ = -1.00 give h₁ = 0.731, h₂ = 0.500 and the output y = 0.436; "
                  "with the target 0.40 the loss is 0.000647.")
    back = summary.backward_summary("en", step)
    largest = max(lab.PARAMS, key=lambda p: abs(step.hand[p]))  # the chain rule in float64 agrees with the tape
    assert f"∂L/∂{summary.symbol(largest)} = {step.grads[largest]:.3g}" in back
    assert back.startswith(f"The output is off by y − t = {step.before.y - 0.4:.4f}")
    assert "출력의 오차" in summary.backward_summary("ko", step)


def test_batches_sentence_names_a_smaller_last_batch() -> None:
    assert summary.batches_summary("en", lab.BatchSpec(n=1000, batch_size=30, epochs=2)) == (
        "1000 samples in batches of 30: 34 iterations per epoch, the last one with 10 samples, "
        "so 68 iterations in 2 epochs.")
    assert "all full" in summary.batches_summary("en", lab.BatchSpec(n=1000, batch_size=100, epochs=5))


def test_descent_sentences_converge_climb_and_overflow() -> None:
    good = lab.descend(lab.DescentSpec(lr=0.2, w0=-2.0, steps=15))
    w = 3 + (-5) * 0.6**15
    assert summary.descent_summary("en", good).startswith(f"From w = -2.00, 15 steps with learning rate 0.20 end at "
                                                          f"w = {w:.4f}")
    climbing = lab.descend(lab.DescentSpec(lr=1.1, w0=-2.0, steps=10))
    assert "higher than the 25.0000 it started at" in summary.descent_summary("en", climbing)
    blown = lab.descend(lab.DescentSpec(lr=3.0, w0=-2.0, steps=50))
    text = summary.descent_summary("en", blown)
    assert f"overflowed to inf at step {blown.nonfinite_at}" in text and np.isfinite(blown.final_loss)
    assert "inf로 넘쳤습니다" in summary.descent_summary("ko", blown)
