"""Every control of the layers lesson, declared once (see ``lib.core.controls``)."""

from lib.core.controls import Control, Table

CONTROLS = Table("layers", [
    # 1. anatomy of a layer: SimpleDense on tf.ones((batch, features)); the defaults are the course's example
    Control("sd_batch", "slider", 128, "layers.sd_batch", 1, 1024, 1, field="lab:DenseSpec.batch"),
    Control("sd_features", "slider", 784, "layers.sd_features", 1, 2048, 1, field="lab:DenseSpec.features"),
    Control("sd_units", "slider", 512, "layers.sd_units", 1, 2048, 1, field="lab:DenseSpec.units"),
    Control("sd_act", "select", "relu", "layers.sd_act", options=("relu", "sigmoid", "tanh", "softmax", "none"),
            field="lab:DenseSpec.activation"),
    Control("sd_second", "radio", "same", "layers.sd_second", options=("same", "one_row", "more_features"),
            field="lab:DenseSpec.second", names="layers.second_"),
    # 2. models from layers
    Control("seq_units", "slider", 100, "layers.seq_units", 1, 512, 1, field="lab:SeqSpec.units"),
    Control("seq_act", "select", "sigmoid", "layers.seq_act", options=("sigmoid", "relu", "tanh"),
            field="lab:SeqSpec.activation"),
    Control("seq_flatten", "toggle", False, "layers.seq_flatten", field="lab:SeqSpec.flatten"),
    # 3. compile: strings or objects ("default": the optimizer's own learning rate)
    Control("cmp_opt", "select", "rmsprop", "layers.cmp_opt", options=("sgd", "rmsprop", "adam"),
            field="compiling:CompileSpec.optimizer"),
    Control("cmp_lr", "select", "default", "layers.cmp_lr",
            options=("default", "0.0001", "0.001", "0.01", "0.1", "1", "10")),
    Control("cmp_loss", "select", "builtin", "layers.cmp_loss", options=("builtin", "custom"),
            field="compiling:CompileSpec.loss"),
    Control("cmp_metric", "select", "sparse_acc", "layers.cmp_metric",
            options=("sparse_acc", "top3", "custom", "plain_acc"), field="compiling:CompileSpec.metric"),
    Control("cmp_epochs", "slider", 5, "layers.cmp_epochs", 1, 20, 1, field="compiling:CompileSpec.epochs"),
    # 4. functional API
    Control("fn_scale", "radio", "small", "layers.fn_scale", options=("small", "course"),
            field="functional:FunctionalSpec.scale", names="layers.scale_"),
    Control("fn_samples", "slider", 256, "layers.fn_samples", 64, 1024, 64, field="functional:FunctionalSpec.samples"),
    Control("fn_epochs", "slider", 2, "layers.fn_epochs", 1, 10, 1, field="functional:FunctionalSpec.epochs"),
    Control("fn_weights", "toggle", True, "layers.fn_weights", field="functional:FunctionalSpec.loss_weights"),
    Control("fn_train", "toggle", False, "layers.fn_train"),
])
