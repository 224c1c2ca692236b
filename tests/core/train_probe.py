"""A stand-in training function that counts how often it really trains."""

import time

from lib.core.progress import report_progress

CALLS: list = []


def fake_run(spec, report):
    CALLS.append(spec)
    for epoch in range(spec.fit.epochs):
        report_progress(report, epoch + 1, spec.fit.epochs, {"loss": 1.0 / (epoch + 1), "val_loss": 1.5 / (epoch + 1)})
        time.sleep(0.01)
    return {"spec": spec, "trained": len(CALLS)}
