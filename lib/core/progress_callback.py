"""``model.fit`` epochs (or batches) as progress events (``lib.core.progress``).

Apart from ``lib.core.progress`` so that the pages' shared modules (``lib.core.ui``,
``lib.core.live``) load without Keras: a lesson page's text is on screen before
TensorFlow has been imported (a fresh server's first page).
"""

from __future__ import annotations

import keras

from lib.core.progress import Reporter, report_progress


class ProgressCallback(keras.callbacks.Callback):
    """Reports every epoch (or every batch) of ``model.fit`` as a progress event."""

    def __init__(self, report: Reporter | None, total: int | None = None, unit: str = "epoch") -> None:
        super().__init__()
        self.report, self.total, self.unit = report, total, unit
        self.batches = 0

    def on_train_begin(self, logs: dict | None = None) -> None:
        if self.total is None and self.unit == "epoch":
            self.total = self.params.get("epochs")

    def on_epoch_end(self, epoch: int, logs: dict | None = None) -> None:
        if self.unit == "epoch":
            report_progress(self.report, epoch + 1, self.total, logs)

    def on_train_batch_end(self, batch: int, logs: dict | None = None) -> None:
        if self.unit == "batch":
            self.batches += 1
            report_progress(self.report, self.batches, self.total, logs, unit="batch")
