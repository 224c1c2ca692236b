"""One link, one experiment, on every server: no control default depends on the machine.

A link carries only the values that differ from their defaults, so a default that followed the
device (the design lesson once took all 60,000 images on a GPU and 10,000 on a CPU) would make
a teacher's link open another experiment on another replica. Each server here is a fresh
Python whose ``lib.core.device`` says CPU or GPU; both must build the same tables and specs.
"""

import json
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = textwrap.dedent("""
    import importlib, json, sys, types
    from dataclasses import asdict
    from lib.core.device import DeviceInfo
    import lib.core.device as device
    device.DEVICE = DeviceInfo("GPU", "/GPU:0", "Fake A100 (GPU × 1)", 1) if sys.argv[1] == "GPU" else \\
        DeviceInfo("CPU", "/CPU:0", "CPU (2 cores)", 0)
    from lib.core.lessons import LESSONS
    out = {}
    for lesson in LESSONS:
        table = importlib.import_module(f"lib.lessons.{lesson.slug}.controls").CONTROLS
        out[lesson.slug] = {c.key: repr(c.default) for c in table}
    from lib.lessons.design import compare, further, lab
    # The design lesson's specs as its page builds them from a link that sets only the epochs.
    out["design:specs"] = repr([lab.DesignSpec(epochs=3), compare.CompareSpec(), further.BatchNormSpec(),
                                further.ConvSpec()])
    print(json.dumps(out))
""")


def tables_on(kind: str) -> dict:
    done = subprocess.run([sys.executable, "-c", PROBE, kind], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"TF_CPP_MIN_LOG_LEVEL": "3", "PATH": "/usr/bin:/bin", "COURSE_OFFLINE": "1"})
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.fixture(scope="module")
def cpu_and_gpu() -> tuple[dict, dict]:
    return tables_on("CPU"), tables_on("GPU")


def test_every_default_is_the_same_on_a_cpu_and_a_gpu_server(cpu_and_gpu):
    cpu, gpu = cpu_and_gpu
    assert cpu.keys() == gpu.keys() and len(cpu) >= 13
    for slug in cpu:
        assert cpu[slug] == gpu[slug], slug


def test_the_design_link_builds_the_same_spec_on_both(cpu_and_gpu):
    cpu, gpu = cpu_and_gpu
    assert "images=10000" in cpu["design:specs"] and cpu["design:specs"] == gpu["design:specs"]
