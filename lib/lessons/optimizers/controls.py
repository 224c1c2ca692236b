"""Every control of the optimizers lesson, declared once (see ``lib.core.controls``).

Widgets drawn once per surface or per optimizer have one row per generated key
(``sf_x0_<surface>``, ``sf_loglr_<optimizer>``, ``race_lr_<optimizer>``…).
"""

from lib.core.controls import Control, Table
from lib.core.specs import DEFAULT_LR, OPTIMIZERS
from lib.lessons.optimizers.surfaces import SURFACE_LR_EXPONENT, SURFACE_NAMES, SURFACES

MOMENTUM_OPTIMIZERS = ("momentum", "nesterov")  # the optimizers with a momentum setting
LR_RANGE = (0.000001, 100.0)  # learning rates typed into section 4


def _start_rows(axis: int) -> list[Control]:
    """Start-point sliders per surface: each surface has its own window and its own sensible start."""
    rows = []
    for name in SURFACE_NAMES:
        s = SURFACES[name]
        lo, hi = s.x_range if axis == 0 else s.y_range
        key = "x0" if axis == 0 else "y0"
        rows.append(Control(f"sf_{key}_{name}", "slider", s.start[axis], f"optimizers.sf_{key}", lo, hi, s.start_step))
    return rows


CONTROLS = Table("optimizers", [
    # 1. paths on a surface
    Control("sf_fn", "select", "bowl", "optimizers.sf_fn", options=SURFACE_NAMES, field="lab:PathSpec.surface",
            names="optimizers.surface."),
    Control("sf_steps", "slider", 200, "optimizers.sf_steps", 10, 500, 10, field="lab:PathSpec.steps"),
    Control("sf_momentum", "slider", 0.9, "optimizers.sf_momentum", 0.0, 0.99, 0.01,
            help="optimizers.sf_momentum_help"),
    *_start_rows(0),
    *_start_rows(1),
    *[Control(f"sf_on_{name}", "toggle", True, f"common.optimizer.{name}") for name in OPTIMIZERS],
    *[Control(f"sf_loglr_{name}", "slider", SURFACE_LR_EXPONENT[name], "optimizers.sf_loglr", -4.0, 1.0, 0.1)
      for name in OPTIMIZERS],
    Control("sf_replay", "slider", 100, "optimizers.sf_replay", 0, 100, 5),
    # 2. inside the optimizer
    Control("in_opt", "select", "adam", "optimizers.in_opt", options=OPTIMIZERS, names="common.optimizer."),
    # 3. the race
    Control("race_data", "select", "moons", "optimizers.race_data",
            options=("moons", "circles", "xor", "spiral", "digits", "fashion_mnist"), field="race:RaceSpec.data",
            names="optimizers.data."),
    Control("race_samples", "slider", 400, "optimizers.race_samples", 100, 5000, 100,
            help="optimizers.race_samples_help", field="race:RaceSpec.samples"),
    Control("race_epochs", "slider", 30, "optimizers.race_epochs", 5, 100, 5, field="race:RaceSpec.epochs"),
    Control("race_batch", "select", 32, "optimizers.race_batch", options=(16, 32, 64, 128),
            field="race:RaceSpec.batch_size"),
    Control("race_layers", "slider", 2, "optimizers.race_layers", 1, 3, 1, field="race:RaceSpec.layers"),
    Control("race_units", "slider", 16, "optimizers.race_units", 4, 128, 4, field="race:RaceSpec.units"),
    Control("race_act", "select", "relu", "optimizers.race_act", options=("relu", "tanh", "sigmoid", "elu"),
            field="race:RaceSpec.activation"),
    Control("race_seed", "number", 0, "optimizers.race_seed", 0, 9999, 1, field="race:RaceSpec.seed"),
    *[Control(f"race_on_{name}", "toggle", True, f"common.optimizer.{name}") for name in OPTIMIZERS],
    *[Control(f"race_lr_{name}", "number", DEFAULT_LR[name], "optimizers.race_lr", 0.00001, 100.0, 0.001)
      for name in OPTIMIZERS],
    *[Control(f"race_mom_{name}", "slider", 0.9, "optimizers.race_mom", 0.0, 0.99, 0.01)
      for name in MOMENTUM_OPTIMIZERS],
    # 4. too small, right, too large
    Control("lr_opt", "select", "sgd", "optimizers.lr_opt", options=OPTIMIZERS, names="common.optimizer."),
    Control("lr_small", "number", 0.001, "optimizers.lr_small", *LR_RANGE, 0.001),
    Control("lr_right", "number", 0.01, "optimizers.lr_right", *LR_RANGE, 0.001),
    Control("lr_large", "number", 1.5, "optimizers.lr_large", *LR_RANGE, 0.1),
    Control("lr_epochs", "slider", 30, "optimizers.lr_epochs", 5, 100, 5, field="race:RateSpec.epochs"),
    Control("lr_run", "toggle", False, "optimizers.lr_run"),
])
