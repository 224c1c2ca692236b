"""The sentences under the autodiff charts: numbers from the lab's results, words from both catalogues."""

from __future__ import annotations

from lib.lessons.autodiff import lab, summary


def test_step_errors_names_the_best_step_and_the_chosen_one() -> None:
    errors = {"1e-1": 1e-2, "1e-2": 1e-4, "1e-3": 3e-5, "1e-4": 2e-3}
    en = summary.step_errors_summary("en", errors, "1e-2")
    assert en == ("The tape and the finite difference agree best at h = 1e-3 (difference 3.00e-05); "
                  "at your h = 1e-2 they differ by 1.00e-04.")
    assert summary.step_errors_summary("en", errors, "1e-3").endswith("at your h = 1e-3: they differ by 3.00e-05.")
    assert "h = 1e-3 (차이 3.00e-05)" in summary.step_errors_summary("ko", errors, "1e-2")


def test_tangent_says_the_slope_and_the_way_the_curve_goes() -> None:
    en = summary.tangent_summary("en", lab.tape_gradient("square", 3.0))
    assert en == ("At x = 3.0, f(x) = 9.0000 and the tangent's slope, the tape gradient, is 6.0000: "
                  "the curve rises there.")
    assert summary.tangent_summary("en", lab.tape_gradient("relu", -2.0)).endswith("0.0000: the curve is flat there.")
    ko = summary.tangent_summary("ko", lab.tape_gradient("sin", 3.0))  # cos 3 < 0
    assert ko.startswith("x = 3.0에서 f(x) = 0.1411") and ko.endswith("곡선은 내려갑니다.")


def test_surface_arrow_direction_follows_the_gradient_sign() -> None:
    assert "larger w and larger b" in summary.surface_summary("en", lab.two_variable_gradients(0.5, 0.0))
    assert "smaller w and smaller b" in summary.surface_summary("en", lab.two_variable_gradients(3.0, 1.0))
    on_line = summary.surface_summary("en", lab.two_variable_gradients(2.0, 1.0))  # 2 · 2 + 1 = 5: the target
    assert "loss is 0.0000" in on_line and "line of minima" in on_line
    assert "w가 커지는" in summary.surface_summary("ko", lab.two_variable_gradients(0.5, 0.0))


def test_falling_reports_the_marked_values_and_a_constant_acceleration() -> None:
    ts, _, _, acc = lab.falling_curves()
    en = summary.falling_summary("en", lab.falling(1.0), ts, acc)
    assert en.startswith("At t = 1.0 s the position is 4.9000 m, the speed 9.8000 m/s")
    assert en.endswith("the acceleration is 9.8000 at every time from 0 to 5.0 s.")
    assert "between 9.8000 and 10.0000" in summary.falling_summary("en", lab.falling(1.0), ts, [9.8, 10.0])
