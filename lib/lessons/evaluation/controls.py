"""Every control of the evaluation lesson, declared once (see ``lib.core.controls``).

The edited segmentation masks (``ev_gt``, ``ev_pred``) travel in the URL too, but they
are data-editor grids kept in the link by the page itself, not widgets of a table.
"""

from lib.core.controls import Control, Table

CONTROLS = Table("evaluation", [
    # 1. scores from a real model
    Control("ev_data", "select", "cancer", "evaluation.lbl_data", options=("cancer", "toy", "digits", "fashion"),
            field="lab:ScoreSpec.dataset", names="evaluation.data."),
    Control("ev_overlap", "slider", 0.5, "evaluation.lbl_overlap", 0.0, 1.0, 0.05, field="lab:ScoreSpec.overlap"),
    Control("ev_pos", "select", 0, "evaluation.lbl_positive", options=tuple(range(10)),
            field="lab:ScoreSpec.positive"),
    Control("ev_drop", "slider", 0, "evaluation.lbl_drop", 0, 100, 1, help="evaluation.help_drop",
            field="lab:ScoreSpec.drop"),  # 100: a single positive is left, the "one class" edge case
    Control("ev_seed", "number", 0, "evaluation.lbl_seed", 0, 9999, 1, field="lab:ScoreSpec.seed"),
    Control("ev_hidden", "select", 8, "evaluation.lbl_hidden", options=(0, 4, 8, 16, 32, 64),
            field="lab:ScoreSpec.hidden"),  # 0: no hidden layer, i.e. logistic regression
    Control("ev_epochs", "slider", 20, "evaluation.lbl_epochs", 1, 100, 1, field="lab:ScoreSpec.epochs"),
    Control("ev_lr", "select", 0.01, "evaluation.lbl_lr", options=(0.001, 0.01, 0.1, 1.0, 10.0),
            field="lab:ScoreSpec.lr"),
    # 3. threshold explorer
    Control("ev_thr", "slider", 0.5, "evaluation.lbl_threshold", 0.0, 1.0, 0.01),
    Control("ev_share", "toggle", False, "evaluation.lbl_share", help="evaluation.help_share"),
    # 4. ROC and AUC
    Control("ev_cmp", "toggle", True, "evaluation.lbl_compare"),
    Control("ev_bnoise", "slider", 1.0, "evaluation.lbl_noise", 0.0, 3.0, 0.1, help="evaluation.help_noise",
            field="lab:ScoreSpec.noise"),
    # 6. Keras metrics
    Control("ev_nthr", "select", 200, "evaluation.lbl_nthr", options=(3, 5, 10, 50, 200, 1000)),  # 200: Keras' default
    # 7. segmentation metrics
    Control("ev_seg", "select", "missed", "evaluation.lbl_preset",
            options=("missed", "shifted", "background", "rough", "perfect"),  # segmentation.PRESETS
            names="evaluation.preset."),
])
