"""Every control of the design lesson, declared once (see ``lib.core.controls``).

The designer draws one units slider and one activation select per hidden layer, with
generated keys (``ds_units1`` … ``ds_units4``, ``ds_act1`` … ``ds_act4``): one row per key.
"""

from lib.core.controls import Control, Table
from lib.core.fashion import TOTAL_IMAGES
from lib.core.specs import ACTIVATIONS, OPTIMIZERS

MAX_HIDDEN = 4
# The same on every server, so one link is one experiment on a CPU and on a GPU replica (a link
# carries only values that differ from the default): a sixth of the training set, quick on a CPU.
DEFAULT_IMAGES = 10_000
LEARNING_RATES = (0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 0.3, 1.0)
BATCH_SIZES = (16, 32, 64, 128, 256)
KERNELS = (1, 3, 5, 7)


def _layer_rows(i: int) -> list[Control]:
    return [
        Control(f"ds_units{i}", "slider", 100, "design.lbl_units", 10, 500, 10, field="lab:Hidden.units"),
        Control(f"ds_act{i}", "select", "relu", "design.lbl_activation", options=ACTIVATIONS,
                field="lab:Hidden.activation", names="design.act_"),
    ]


CONTROLS = Table("design", [
    # 1. the data
    Control("fm_images", "slider", DEFAULT_IMAGES, "design.lbl_images", 1_000, TOTAL_IMAGES, 1_000,
            field="lab:DesignSpec.images"),
    Control("fm_example", "slider", 1, "design.lbl_example", 1, 50, 1),
    # 2. the designer: architecture
    Control("ds_input", "radio", "flatten", "design.lbl_input", options=("flatten", "reshape"), names="design.input_"),
    Control("ds_layers", "slider", 1, "design.lbl_layers", 0, MAX_HIDDEN, 1),
    *[row for i in range(1, MAX_HIDDEN + 1) for row in _layer_rows(i)],
    Control("ds_dropout", "slider", 0.0, "design.lbl_dropout", 0.0, 0.5, 0.05, field="lab:DesignSpec.dropout"),
    Control("ds_bn", "toggle", False, "design.lbl_batchnorm", field="lab:DesignSpec.batchnorm"),
    # 2. the designer: training
    Control("ds_opt", "select", "rmsprop", "design.lbl_optimizer", options=OPTIMIZERS,
            help="design.help_optimizer", field="lab:DesignSpec.optimizer", names="common.optimizer."),
    Control("ds_lr", "select", 0.001, "design.lbl_lr", options=LEARNING_RATES, field="lab:DesignSpec.learning_rate"),
    Control("ds_epochs", "slider", 5, "design.lbl_epochs", 1, 20, 1, field="lab:DesignSpec.epochs"),
    Control("ds_batch", "select", 32, "design.lbl_batch", options=BATCH_SIZES, field="lab:DesignSpec.batch_size"),
    Control("ds_seed", "number", 0, "design.lbl_seed", 0, 999, 1, field="lab:DesignSpec.seed"),
    # 3. sigmoid vs ReLU over seeds
    Control("sr_seeds", "slider", 3, "design.lbl_seeds", 1, 8, 1, field="compare:CompareSpec.seeds"),
    Control("sr_epochs", "slider", 5, "design.lbl_sr_epochs", 1, 10, 1, field="compare:CompareSpec.epochs"),
    # 4. vanishing gradients
    Control("vg_depth", "slider", 8, "design.lbl_depth", 2, 15, 1, field="compare:GradientSpec.depth"),
    # 5a. BatchNormalization
    Control("bn_depth", "slider", MAX_HIDDEN, "design.lbl_depth", 1, MAX_HIDDEN, 1,
            field="further:BatchNormSpec.depth"),
    Control("bn_act", "select", "sigmoid", "design.lbl_activation", options=ACTIVATIONS,
            field="further:BatchNormSpec.activation", names="design.act_"),
    Control("bn_epochs", "slider", 5, "design.lbl_epochs", 1, 10, 1, field="further:BatchNormSpec.epochs"),
    Control("bn_run", "toggle", False, "design.lbl_run"),
    # 5b. SeparableConv2D vs Conv2D
    Control("sc_size", "slider", 28, "design.lbl_sc_size", 8, 64, 2, field="further:ConvSpec.size"),
    Control("sc_channels", "slider", 32, "design.lbl_sc_channels", 1, 256, 1, field="further:ConvSpec.channels"),
    Control("sc_filters", "slider", 64, "design.lbl_sc_filters", 1, 256, 1, field="further:ConvSpec.filters"),
    Control("sc_kernel", "select", 3, "design.lbl_sc_kernel", options=KERNELS, field="further:ConvSpec.kernel"),
    # 5c. an ensemble
    Control("en_members", "slider", 3, "design.lbl_members", 2, 7, 1, field="further:EnsembleSpec.members"),
    Control("en_epochs", "slider", 5, "design.lbl_epochs", 1, 10, 1, field="further:EnsembleSpec.epochs"),
    Control("en_run", "toggle", False, "design.lbl_run"),
    # 5d. random search
    Control("rs_trials", "slider", 6, "design.lbl_trials", 2, 12, 1, field="further:SearchSpec.trials"),
    Control("rs_epochs", "slider", 3, "design.lbl_epochs", 1, 10, 1, field="further:SearchSpec.epochs"),
    Control("rs_seed", "number", 0, "design.lbl_rs_seed", 0, 999, 1, field="further:SearchSpec.seed"),
    Control("rs_run", "toggle", False, "design.lbl_run"),
])
