"""Every control of the save/load/predict lesson, declared once (see ``lib.core.controls``)."""

from lib.core.controls import Control, Table
from lib.core.fashion import VAL_FRACTION

IMAGE_CHOICES = (1_000, 2_000, 5_000, 10_000, 20_000)
FORMATS = ("keras", "weights", "h5")  # .keras, .weights.h5, legacy .h5
COUNT_CHOICES = (4, 8, 12, 16)
SAMPLES = ("none", "own", "lambda", "not_zip", "no_config", "too_big", "legacy_h5")
MAX_VAL_ROWS = round(max(IMAGE_CHOICES) * VAL_FRACTION)  # validation images of the largest choice

CONTROLS = Table("saving", [
    # 1. train and save: the course's Dense(100, relu) and Dropout(0.3); 2,000 images retrain in about a second
    Control("sv_epochs", "slider", 5, "saving.lbl_epochs", 1, 20, 1, field="lab:SavingSpec.epochs"),
    Control("sv_units", "slider", 100, "saving.lbl_units", 10, 300, 10, field="lab:SavingSpec.units"),
    Control("sv_dropout", "slider", 0.3, "saving.lbl_dropout", 0.0, 0.5, 0.1, field="lab:SavingSpec.dropout"),
    Control("sv_images", "select", 2_000, "saving.lbl_images", options=IMAGE_CHOICES, field="lab:SavingSpec.images"),
    Control("sv_seed", "number", 0, "saving.lbl_seed", 0, 999, 1, field="lab:SavingSpec.seed"),
    # 2. inside the file
    Control("sv_format", "radio", "keras", "saving.lbl_format", options=FORMATS, names="saving.format_"),
    # 3. load it back and predict: the first image's range is the run's validation rows (the page narrows it)
    Control("sv_shapes", "toggle", True, "saving.lbl_shapes"),
    Control("sv_first", "slider", 0, "saving.lbl_first", 0, MAX_VAL_ROWS - 1, 1, dynamic=True),
    Control("sv_count", "select", 8, "saving.lbl_count", options=COUNT_CHOICES),
    # 4. upload a model
    Control("sv_sample", "select", "none", "saving.lbl_sample", options=SAMPLES, names="saving.sample_"),
])
