"""Every control of the callbacks lesson, declared once (see ``lib.core.controls``).

The choices (data sets, row counts, learning rates, monitors...) live here and the
specs in ``lib.lessons.callbacks.specs`` read them back, so the page and the specs
offer exactly the same values.
"""

from lib.core.controls import Control, Table

MONITORS = ("val_loss", "val_accuracy", "loss", "accuracy")
MAX_EPOCHS = 300

CONTROLS = Table("callbacks", [
    # 1. the experiment every section trains
    Control("cb_data", "select", "fashion_mnist", "callbacks.data_label", options=("fashion_mnist", "digits"),
            field="specs:Setup.data", names="callbacks.data."),
    Control("cb_rows", "select", 300, "callbacks.rows", options=(200, 300, 500, 1000, 2000),
            field="specs:Setup.rows"),
    Control("cb_units", "select", 256, "callbacks.units", options=(64, 128, 256, 512), field="specs:Setup.units"),
    Control("cb_lr", "select", 0.001, "callbacks.lr",
            options=(0.0001, 0.0003, 0.001, 0.003, 0.01, 0.03, 0.1, 1.0, 10.0), field="specs:Setup.learning_rate"),
    Control("cb_epochs", "select", 40, "callbacks.epochs", options=(10, 20, 30, 40, 60, 100, 200, MAX_EPOCHS),
            field="specs:Setup.epochs"),
    Control("cb_batch", "select", 32, "callbacks.batch", options=(16, 32, 64, 128), field="specs:Setup.batch_size"),
    Control("cb_seed", "number", 0, "callbacks.seed", 0, 9999, 1, field="specs:Setup.seed"),
    # 2. EarlyStopping: start_from_epoch goes up to the setup's epochs - 1 (the page narrows it)
    Control("cb_es_patience", "slider", 5, "callbacks.patience", 0, 30, 1, field="specs:EarlyStop.patience"),
    Control("cb_es_monitor", "select", "val_loss", "callbacks.monitor", options=MONITORS,
            field="specs:EarlyStop.monitor"),
    Control("cb_es_mode", "radio", "auto", "callbacks.mode", options=("auto", "min", "max"),
            field="specs:EarlyStop.mode"),
    Control("cb_es_delta", "select", 0.0, "callbacks.min_delta", options=(0.0, 0.001, 0.01, 0.05, 0.1),
            field="specs:EarlyStop.min_delta"),
    Control("cb_es_start", "slider", 0, "callbacks.start_from_epoch", 0, MAX_EPOCHS - 1, 1, dynamic=True,
            field="specs:EarlyStop.start_from_epoch"),
    Control("cb_es_restore", "toggle", True, "callbacks.restore", field="specs:EarlyStop.restore_best_weights"),
    # 3. ModelCheckpoint: the file to load is one of the epochs the run saved (the page narrows the choice)
    Control("cb_ck_monitor", "select", "val_loss", "callbacks.monitor", options=MONITORS,
            field="specs:Checkpoint.monitor"),
    Control("cb_ck_best", "toggle", True, "callbacks.save_best_only", field="specs:Checkpoint.save_best_only"),
    Control("cb_ck_weights", "toggle", True, "callbacks.save_weights_only",
            field="specs:Checkpoint.save_weights_only"),
    Control("cb_ck_pick", "select", 1, "callbacks.ck_pick", options=tuple(range(1, MAX_EPOCHS + 1)), dynamic=True),
    # 4. ReduceLROnPlateau
    Control("cb_lr_monitor", "select", "val_loss", "callbacks.monitor", options=MONITORS,
            field="specs:Plateau.monitor"),
    Control("cb_lr_factor", "slider", 0.5, "callbacks.factor", 0.1, 0.9, 0.1, field="specs:Plateau.factor"),
    Control("cb_lr_patience", "slider", 3, "callbacks.patience", 0, 20, 1, field="specs:Plateau.patience"),
    Control("cb_lr_min", "select", 1e-5, "callbacks.min_lr", options=(0.0, 1e-6, 1e-5, 1e-4),
            field="specs:Plateau.min_lr"),
    Control("cb_lr_cooldown", "slider", 0, "callbacks.cooldown", 0, 10, 1, field="specs:Plateau.cooldown"),
    # 5. TensorBoard
    Control("cb_tb_hist", "toggle", False, "callbacks.tb_hist", field="specs:Board.histograms"),
    # 6. your own callback
    Control("cb_own_batch", "toggle", False, "callbacks.own_batch", field="specs:Progress.per_batch"),
    # 7. the course's list: the epoch to read goes up to the epochs the run trained (the page narrows it)
    Control("cb_all_epoch", "slider", 1, "callbacks.all_epoch", 1, MAX_EPOCHS, 1, dynamic=True),
])
