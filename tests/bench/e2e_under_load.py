"""The browser tests, K times in a row, while a CPU burner keeps the cores busy.

Run: ``python tests/bench/e2e_under_load.py [--runs 5] [--cores 2] [-- extra pytest args]``
(e.g. ``-- -k fresh`` or ``-- -n 1``). Starts ``tests/bench/cpu_burner.py`` (it stops by itself,
and with this script), runs ``python -m pytest tests/e2e -m e2e`` ``--runs`` times and prints each
run's result, its time and the load average (``os.getloadavg``) before and after it, with the full
output in /tmp/e2e_under_load/; exits non-zero if any run failed. Every wait in tests/e2e is for a
state (tests/e2e/ready.py), so a loaded machine makes the runs slower, never red.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LOGS = Path("/tmp/e2e_under_load")  # each run's full pytest output
sys.path.insert(0, str(ROOT))

from tests.bench import cpu_burner  # noqa: E402


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 2, help="cores the burner keeps busy")
    parser.add_argument("--hours", type=float, default=3, help="the burner stops after this long at most")
    parser.add_argument("pytest_args", nargs="*", help="after --: more pytest arguments")
    args = parser.parse_args()
    LOGS.mkdir(exist_ok=True)
    burner = cpu_burner.start(args.cores, args.hours * 3600)
    results = []
    try:
        print(f"burner: {args.cores} core(s); load average {load()}", flush=True)
        for i in range(1, args.runs + 1):
            before, started = load(), time.monotonic()
            out = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "tests/e2e", "-m", "e2e",
                                  "-q", *args.pytest_args], cwd=ROOT, capture_output=True, text=True)
            seconds = time.monotonic() - started
            summary = (out.stdout.strip().splitlines() or ["(no output)"])[-1]
            ok = out.returncode == 0
            results.append(ok)
            print(f"run {i}: {'PASS' if ok else 'FAIL'} in {seconds:.0f} s; load average before {before}, "
                  f"after {load()}; {summary}", flush=True)
            log = LOGS / f"run-{i}.log"
            log.write_text(out.stdout + out.stderr)
            if not ok:
                failed = [line for line in out.stdout.splitlines() if line.startswith(("FAILED", "ERROR"))]
                print("\n".join(failed) + f"\n(full output: {log})", flush=True)
    finally:
        cpu_burner.stop(burner)
    print(f"{sum(results)} of {len(results)} runs passed")
    sys.exit(0 if all(results) else 1)


if __name__ == "__main__":
    main()
