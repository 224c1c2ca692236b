"""Server memory over many distinct training runs (issue 11, item 4).

A tiny page calls ``lib.core.ui.train(spec)`` (the cached path every lesson page
uses) with a new seed and learning rate on every rerun, through Streamlit's
``AppTest``: every rerun is a cache miss that trains (the result store is off). The
web process's RSS is printed after a warm-up and after 50, 100 and 200 distinct runs,
with the training workers' RSS beside it, once per variant, each variant in a fresh
process (so one cannot reuse memory another freed):

* ``structures``: as shipped (training in worker processes), with a new model
  structure (hidden units) every run, so each worker's model pool (48 keys) fills up
  and evicts;
* ``structures_inline``: the same with ``COURSE_BACKEND=inline``, training in the web
  process as before the worker backend (but with ``lib.core.tf_internals``'s release);
* ``digits``: a small MLP on scikit-learn's digits, one structure, as shipped;
* ``fashion_128`` / ``fashion``: a Fashion-MNIST ``Dense(100)`` run (1 epoch), whose
  cached result weighs 0.8 MB: with the result cache at its old 128 entries (patched
  here: the code before the fix), and as shipped (``ui.CACHE_ENTRIES``).

It also prints what one cached result weighs (pickled, as ``st.cache_data`` keeps
it) for the reference MLP and for a Fashion-MNIST ``Dense(100)`` run, times the
cache's ``max_entries``: the ceiling of ``live._cached_run``'s share.

Run: ``python tests/bench/bench_memory.py [variant ...] [--runs 200]``.
"""

from __future__ import annotations

import gc
import os
import pickle
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

VARIANTS = ("structures", "structures_inline", "digits", "fashion_128", "fashion")
MARKS = (50, 100, 200)
WARMUP = 10


def rss_mb() -> float:
    gc.collect()
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def page() -> None:
    """The page: one ``ui.train`` of a spec read from the URL, like a slider change."""
    import streamlit as st

    from lib.core import ui
    from lib.core.specs import DataSpec, FitSpec, OptimizerSpec, RunSpec, dense_stack

    seed, units = int(st.query_params["seed"]), int(st.query_params["units"])
    fashion = st.query_params["data"] == "fashion_mnist"
    layers = (units,) if fashion else (units, 64)
    spec = RunSpec(data=DataSpec(st.query_params["data"]), model=dense_stack(layers, seed=seed),
                   optimizer=OptimizerSpec("rmsprop", learning_rate=0.001 + seed * 1e-6),
                   fit=FitSpec(epochs=1, batch_size=512) if fashion else FitSpec(epochs=3))
    result = ui.train(spec)
    st.text(f"{result.history['val_loss'][-1]:.4f}")


def workers_mb() -> str:
    from lib.core import isolated, workers

    chosen = workers.backend()
    if chosen is None:
        return "no workers"
    sizes = [isolated.process_memory(pid)[1] for pid in chosen.pids()]
    return f"workers {' + '.join(f'{m:.0f}' for m in sizes)} MB, {chosen.retired} replaced"


def measure(variant: str, runs: int) -> None:
    os.environ["COURSE_BACKEND"] = "inline" if variant.endswith("_inline") else "workers"
    os.environ["COURSE_RESULT_STORE"] = "off"
    from streamlit.testing.v1 import AppTest

    from lib.core import engine

    if variant == "fashion_128":  # the result cache before the fix
        import streamlit as st

        from lib.core import live

        live._cached_run = st.cache_data(max_entries=128, show_spinner=False)(live._cached_run.__wrapped__)
    at = AppTest.from_function(page, default_timeout=300)

    def rerun(i: int) -> None:
        at.query_params["seed"] = str(i)
        at.query_params["units"] = str(16 + i % 200) if variant.startswith("structures") else "64"
        at.query_params["data"] = "fashion_mnist" if variant.startswith("fashion") else "digits"
        at.run()
        assert not at.exception, at.exception

    for i in range(WARMUP):
        rerun(i)
    start, t0 = rss_mb(), time.perf_counter()
    print(f"{variant:17s} after {WARMUP} warm-up runs: {start:7.0f} MB ({workers_mb()})", flush=True)
    for i in range(1, runs + 1):
        rerun(WARMUP + i)
        if i in MARKS or i == runs:
            now = rss_mb()
            print(f"{variant:17s} after {i:3d} distinct runs: {now:7.0f} MB ({now - start:+6.1f} MB, "
                  f"{(now - start) / i * 1024:5.0f} KB/run, {time.perf_counter() - t0:5.0f} s; {workers_mb()})",
                  flush=True)
    print(f"{variant:17s} web process pool keys {engine.POOL.key_count()}", flush=True)


def entry_sizes() -> None:
    """What one ``_cached_run`` entry weighs, times ``max_entries``."""
    from lib.core import engine, ui
    from lib.core.specs import DataSpec, FitSpec, RunSpec, dense_stack

    specs = {
        "digits MLP 64-64": RunSpec(data=DataSpec("digits"), model=dense_stack((64, 64)), fit=FitSpec(epochs=1)),
        "fashion Dense(100)": RunSpec(data=DataSpec("fashion_mnist"), model=dense_stack((100,)),
                                      fit=FitSpec(epochs=1, batch_size=256)),
    }
    for name, spec in specs.items():
        result = engine.run(spec)
        size = len(pickle.dumps(result)) / 2**20
        parts = {"weights": sum(w.nbytes for w in result.weights), "val_pred": result.val_pred.nbytes,
                 "y_val": result.y_val.nbytes}
        detail = ", ".join(f"{k} {v / 2**20:.2f}" for k, v in parts.items())
        print(f"cache entry, {name}: {size:.2f} MB ({detail}); x128 entries = {size * 128:.0f} MB, "
              f"x{ui.CACHE_ENTRIES} = {size * ui.CACHE_ENTRIES:.0f} MB", flush=True)


def main() -> None:
    args = sys.argv[1:]
    runs = 200
    if "--runs" in args:
        i = args.index("--runs")
        runs = int(args[i + 1])
        del args[i : i + 2]
    if args and args[0] == "--child":
        measure(args[1], runs) if args[1] != "entries" else entry_sizes()
        return
    print("load average:", os.getloadavg(), flush=True)
    for variant in [*(args or VARIANTS), "entries"]:
        subprocess.run([sys.executable, __file__, "--child", variant, "--runs", str(runs)], check=False,
                       stderr=subprocess.DEVNULL)
    print("load average:", os.getloadavg(), flush=True)


if __name__ == "__main__":
    main()
