"""Every control of the linear-classifier lesson, declared once (see ``lib.core.controls``)."""

from lib.core.controls import Control, Table

CONTROLS = Table("linear", [
    # 1. the data
    Control("samples", "slider", 1000, "linear.n_label", 10, 5000, 10, field="lab:LinearSpec.n_per_class"),
    Control("neg_x", "slider", 0.0, "linear.neg_x", -5.0, 5.0, 0.5),
    Control("neg_y", "slider", 3.0, "linear.neg_y", -5.0, 5.0, 0.5),
    Control("pos_x", "slider", 3.0, "linear.pos_x", -5.0, 5.0, 0.5),
    Control("pos_y", "slider", 0.0, "linear.pos_y", -5.0, 5.0, 0.5),
    Control("corr", "slider", 0.5, "linear.corr_label", -0.9, 0.9, 0.05, help="linear.corr_help",
            field="lab:LinearSpec.corr"),
    Control("rng", "slider", 0, "linear.seed_label", 0, 99, 1, help="linear.seed_help", field="lab:LinearSpec.seed"),
    # 2. model and training
    Control("lr", "slider", 0.1, "linear.lr_label", 0.01, 1.0, 0.01, help="linear.lr_help",
            field="lab:LinearSpec.learning_rate"),
    Control("steps", "slider", 40, "linear.steps_label", 1, 200, 1, field="lab:LinearSpec.steps"),
    Control("minibatch", "toggle", False, "linear.minibatch_label", help="linear.minibatch_help"),
    Control("batch", "slider", 128, "linear.batch_label", 1, 1024, 1),
    # 3. the decision boundary: the scrubber's range is the run's steps (the page narrows it)
    Control("step", "slider", 200, "linear.step_label", 0, 200, 1, help="linear.step_help", dynamic=True),
])
