"""Every control of the training lesson, declared once (see ``lib.core.controls``).

``lib.lessons.training.lab`` takes its specs' ranges and defaults from here, so a spec
accepts exactly what the page offers. The nine network parameters are drawn by one
loop, one row per URL key.
"""

from lib.core.controls import Control, Table

# 1. the 2-2-1 network on one sample: name -> default (the worked example)
INPUTS = {"x1": 1.0, "x2": -1.0}
WEIGHTS = {"w11": 0.3, "w21": -0.2, "b1": 0.5, "w12": 0.4, "w22": 0.6, "b2": 0.2, "v1": 0.4, "v2": -0.3, "c": -0.4}

CONTROLS = Table("training", [
    # 1. forward pass by hand
    *(Control(name, "slider", value, f"training.lbl_{name}", -2.0, 2.0, 0.1, field=f"lab:NetSpec.{name}")
      for name, value in INPUTS.items()),
    Control("target", "slider", 0.4, "training.lbl_target", 0.0, 1.0, 0.01, field="lab:NetSpec.target"),
    *(Control(name, "slider", value, f"training.lbl_{name}", -3.0, 3.0, 0.1, field=f"lab:NetSpec.{name}")
      for name, value in WEIGHTS.items()),
    # 2. backprop and one step
    Control("step_lr", "slider", 1.0, "training.lbl_lr", 0.1, 50.0, 0.1, field="lab:NetSpec.lr"),
    # 3. epochs, batches, iterations
    Control("samples", "slider", 1000, "training.lbl_n", 10, 5000, 10, field="lab:BatchSpec.n"),
    Control("batch_size", "slider", 100, "training.lbl_batch", 1, 1000, 1, field="lab:BatchSpec.batch_size"),
    Control("n_epochs", "slider", 5, "training.lbl_epochs", 1, 20, 1, field="lab:BatchSpec.epochs"),
    # 4. gradient descent on a curve
    Control("gd_lr", "slider", 0.2, "training.lbl_glr", 0.01, 3.0, 0.01, field="lab:DescentSpec.lr"),
    Control("gd_w0", "slider", -2.0, "training.lbl_w0", -6.0, 12.0, 0.5, field="lab:DescentSpec.w0"),
    Control("gd_steps", "slider", 15, "training.lbl_steps", 1, 50, 1, field="lab:DescentSpec.steps"),
])
