"""Keep N CPU cores busy for a bounded time: the loaded machine the browser tests must pass on.

Run: ``python tests/bench/cpu_burner.py [--cores 2] [--seconds 1800]``. Each core gets one
process spinning on arithmetic (plain Python, no imports beyond the standard library). It stops
by itself after ``--seconds``, on Ctrl-C or SIGTERM, and when the process that started it is gone
(a burner must never outlive the test run it loads).
"""

from __future__ import annotations

import argparse
import multiprocessing as mp
import os
import signal
import sys
import time


def burn(until: float, parent: int) -> None:
    """Spin until ``until`` (time.monotonic) or until ``parent`` has exited."""
    x = 0
    while time.monotonic() < until:
        for _ in range(200_000):  # about 10 ms of work between checks
            x = (x * 1103515245 + 12345) & 0x7FFFFFFF
        if os.getppid() != parent:
            return


def start(cores: int, seconds: float) -> list[mp.Process]:
    """Start ``cores`` burning processes (daemons: they end with their parent); returns them."""
    until = time.monotonic() + seconds
    procs = [mp.Process(target=burn, args=(until, os.getpid()), daemon=True) for _ in range(cores)]
    for proc in procs:
        proc.start()
    return procs


def stop(procs: list[mp.Process]) -> None:
    for proc in procs:
        proc.terminate()
    for proc in procs:
        proc.join(timeout=5)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cores", type=int, default=os.cpu_count() or 2)
    parser.add_argument("--seconds", type=float, default=1800, help="stop after this long (default 30 min)")
    args = parser.parse_args()
    procs = start(args.cores, args.seconds)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(f"burning {args.cores} core(s) for at most {args.seconds:.0f} s (pid {os.getpid()})", flush=True)
    try:
        for proc in procs:
            proc.join()
    except KeyboardInterrupt:
        pass
    finally:
        stop(procs)


if __name__ == "__main__":
    main()
