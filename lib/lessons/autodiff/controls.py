"""Every control of the autodiff lesson, declared once (see ``lib.core.controls``).

``lib.lessons.autodiff.lab`` reads its function codes, step sizes and ranges from here
(the x slider's range is also the plots' x-axis), so the page and the lab agree.
"""

from lib.core.controls import Control, Table

CONTROLS = Table("autodiff", [
    # 1. the tape on f(x)
    Control("fn", "select", "square", "autodiff.fn_label", options=("square", "cube", "sin", "sigmoid", "relu")),
    Control("x", "slider", 3.0, "autodiff.x_label", -5.0, 5.0, 0.1),
    Control("h", "select", "1e-2", "autodiff.h_label", options=("1e-1", "1e-2", "1e-3", "1e-4", "1e-5", "1e-6")),
    # 2. the tangent line
    Control("deriv", "toggle", True, "autodiff.deriv_toggle"),
    # 3. two variables
    Control("w", "slider", 0.5, "autodiff.w_label", -3.0, 5.0, 0.1),
    Control("b", "slider", 0.0, "autodiff.b_label", -3.0, 7.0, 0.1),
    # 4. tape.watch
    Control("watch", "toggle", True, "autodiff.watch_label"),
    # 5. second derivatives
    Control("t", "slider", 0.0, "autodiff.t_label", 0.0, 5.0, 0.1),
])
