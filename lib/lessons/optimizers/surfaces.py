"""The 2-D loss surfaces the optimizers walk on: bowl, Rosenbrock, saddle, Beale.

Plain data and arithmetic (no TensorFlow here): ``controls.py`` builds the start-point
sliders from these windows, and ``lab.run_path`` steps a real Keras optimizer on them.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any


def _bowl(x: Any, y: Any) -> Any:
    return 0.05 * x * x + y * y


def _rosenbrock(x: Any, y: Any) -> Any:
    return (1.0 - x) ** 2 + 100.0 * (y - x * x) ** 2


def _saddle(x: Any, y: Any) -> Any:
    # A saddle at (0, 0) between two valleys at (0, ±1); the constant keeps the minimum at 0 for a log scale.
    return 0.5 * x * x + 0.25 * y**4 - 0.5 * y * y + 0.25


def _beale(x: Any, y: Any) -> Any:
    return (1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y**3) ** 2


@dataclass(frozen=True)
class Surface:
    """A 2-D loss f(x, y) = raw(x, y) / scale, the window it is drawn in and its minima.

    ``scale`` only changes the height of the surface, not its shape: it is chosen so
    that one set of learning rates gives a readable picture on every surface.
    """

    name: str
    raw: Callable[[Any, Any], Any]
    scale: float
    x_range: tuple[float, float]
    y_range: tuple[float, float]
    start: tuple[float, float]
    minima: tuple[tuple[float, float], ...]
    formula: str  # LaTeX, without the scale
    source: str  # the same function as Python source, for the code panel
    start_step: float = 0.1  # resolution of the start-point sliders

    def __call__(self, x: Any, y: Any) -> Any:
        return self.raw(x, y) / self.scale

    def inside(self, x: float, y: float, margin: float = 0.0) -> bool:
        (x0, x1), (y0, y1) = self.x_range, self.y_range
        mx, my = margin * (x1 - x0), margin * (y1 - y0)
        return x0 - mx <= x <= x1 + mx and y0 - my <= y <= y1 + my


SURFACES: dict[str, Surface] = {
    "bowl": Surface("bowl", _bowl, 1.0, (-6.0, 6.0), (-3.0, 3.0), (-5.0, 2.0), ((0.0, 0.0),),
                    r"0.05\,x^2 + y^2", "0.05 * x * x + y * y"),
    "rosenbrock": Surface("rosenbrock", _rosenbrock, 100.0, (-2.0, 2.0), (-1.0, 3.0), (-1.2, 1.0), ((1.0, 1.0),),
                          r"(1 - x)^2 + 100\,(y - x^2)^2", "(1 - x) ** 2 + 100 * (y - x * x) ** 2", 0.05),
    "saddle": Surface("saddle", _saddle, 1.0, (-2.0, 2.0), (-2.0, 2.0), (-1.8, 0.02), ((0.0, 1.0), (0.0, -1.0)),
                      r"\tfrac12 x^2 + \tfrac14 y^4 - \tfrac12 y^2 + \tfrac14",
                      "0.5 * x * x + 0.25 * y**4 - 0.5 * y * y + 0.25", 0.01),
    "beale": Surface("beale", _beale, 10.0, (-4.5, 4.5), (-4.5, 4.5), (1.0, 1.5), ((3.0, 0.5),),
                     r"(1.5 - x + xy)^2 + (2.25 - x + xy^2)^2 + (2.625 - x + xy^3)^2",
                     "(1.5 - x + x * y) ** 2 + (2.25 - x + x * y * y) ** 2 + (2.625 - x + x * y**3) ** 2"),
}
SURFACE_NAMES = tuple(SURFACES)
# Per optimizer, the log10 of the learning rate the surfaces start with (tuned on the four surfaces).
SURFACE_LR_EXPONENT: dict[str, float] = {
    "sgd": -1.0,
    "momentum": -1.7,
    "nesterov": -1.7,
    "adagrad": -0.3,
    "rmsprop": -1.7,
    "adam": -1.0,
}
