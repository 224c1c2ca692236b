"""Every control of the regression lesson, declared once (see ``lib.core.controls``)."""

from lib.core.controls import Control, Table

CONTROLS = Table("regression", [
    # 1. the table: which feature columns the model reads (the page labels each toggle with its column)
    Control("tv", "toggle", True, "regression.use_feature"),
    Control("radio", "toggle", True, "regression.use_feature"),
    Control("news", "toggle", True, "regression.use_feature"),
    # 2. split and tf.data
    Control("test", "slider", 0.2, "regression.test_size", 0.1, 0.5, 0.05, field="lab:SplitSpec.test_size"),
    Control("val", "slider", 0.2, "regression.val_size", 0.1, 0.4, 0.05, field="lab:SplitSpec.val_size"),
    Control("seed", "slider", 42, "regression.seed", 0, 100, 1, field="lab:SplitSpec.seed"),
    Control("batch", "select", 32, "regression.batch", options=(8, 16, 32, 64), field="lab:SplitSpec.batch_size"),
    Control("buffer", "select", 1000, "regression.buffer", options=(1, 10, 100, 1000), field="lab:SplitSpec.buffer"),
    # 3. model, compile, fit: hidden layers as codes ("10-10" is Dense(10) -> Dense(10)); "10" is the course's
    Control("hidden", "select", "10", "regression.hidden", options=("none", "10", "10-10", "32-16", "64-64")),
    Control("act", "select", "relu", "regression.activation", options=("relu", "linear", "tanh", "sigmoid"),
            field="lab:RegressionSpec.activation"),
    Control("scale", "toggle", True, "regression.scale", field="lab:RegressionSpec.scale"),
    Control("opt", "select", "adam", "regression.optimizer", options=("adam", "sgd", "rmsprop", "adagrad"),
            names="common.optimizer."),
    Control("lr", "select", "0.1", "regression.lr",
            options=("0.0001", "0.001", "0.003", "0.01", "0.03", "0.1", "0.3", "1.0")),
    Control("epochs", "slider", 50, "regression.epochs", 10, 300, 10, field="lab:RegressionSpec.epochs"),
    Control("logy", "toggle", True, "regression.log_y"),
    Control("verbose", "radio", 1, "regression.verbose", options=(0, 1, 2)),
])
