"""The load test's figures: whether a learner waited for a worker, percentiles, and the printed report."""

from __future__ import annotations

import argparse
import math
import os
from dataclasses import asdict
from typing import TYPE_CHECKING

from tests.load import procs

if TYPE_CHECKING:
    from tests.load.load_test import Learner

OVERLAP = 1.0  # s a learner's run waited while every worker trained for others: it "waited"
PROBE_TIMEOUT = 60.0  # s: a probe visit not idle by then is reported as "never idle"


def waited(me: Learner, others: list[Learner], workers: int) -> bool:
    """Inferred from the pages alone: while this learner's run had not started (queue place or
    "Starting training…" on screen), every worker showed progress for others for OVERLAP s."""
    busy = [(ep[0], ep[-1]) for o in others for ep in o.episodes["prog"]]  # until its numbers last changed
    for s, e, *_ in me.episodes["queue"] + me.episodes["start"]:
        near = [(a, b) for a, b in busy if a < e and b > s]
        covered = sum(0.1 for t in range(int(s), int(e), 100) if sum(a <= t < b for a, b in near) >= workers)
        if covered >= OVERLAP:
            return True
    return False


def quantile(values: list[float], q: float) -> float:
    """Nearest rank; nan when there is nothing."""
    if not values:
        return math.nan
    ordered = sorted(values)
    return ordered[max(0, math.ceil(q * len(ordered)) - 1)]


def load() -> str:
    return " ".join(f"{v:.2f}" for v in os.getloadavg())


def report(args: argparse.Namespace, learners: list[Learner], probe: list[float], memory: procs.Memory | None,
           extra: dict) -> dict:
    """Print the report; the figures, and the summary line last."""
    moves = [a["seconds"] for x in learners for a in x.actions if a["kind"] == "move"]
    done = sum(x.moves_done == args.moves * len(args.lessons) and not x.errors for x in learners)
    errors = sum(len(x.errors) for x in learners)
    print(f"\n{'':18s} {'time to idle (s)':^23s}  {'run ended (s)':^15s}")
    print(f"{'lesson':11s} {'action':6s} {'n':>4} {'p50':>7} {'p95':>7} {'max':>7}  {'p50':>7} {'p95':>7}")
    for slug in args.lessons:
        for kind in ("visit", "move"):
            acts = [a for x in learners for a in x.actions if a["lesson"] == slug and a["kind"] == kind]
            idle, run = [a["seconds"] for a in acts], [a["run"] for a in acts]
            print(f"{slug:11s} {kind:6s} {len(acts):4d} {quantile(idle, .5):7.2f} {quantile(idle, .95):7.2f} "
                  f"{max(idle, default=math.nan):7.2f}  {quantile(run, .5):7.2f} {quantile(run, .95):7.2f}")
    print("(idle: the page stopped changing; run ended: the server's last delta of the action arrived)")
    print(f"\n{'learner':>7} {'moves':>5} {'max place':>9} {'queue s':>7} {'waited':>6}  times to idle (s)")
    for x in learners:
        times = " ".join(f"{a['seconds']:.1f}" for a in x.actions)
        print(f"{x.index:7d} {x.moves_done:5d} {x.max_place:9d} {x.longest('queue'):7.1f} "
              f"{'yes' if x.waited else '':>6}  {times}{'  ERRORS' if x.errors else ''}")
    saw = [x for x in learners if x.max_place]
    blind = [x for x in learners if x.waited and not x.max_place]
    top = max((x.max_place for x in learners), default=0)
    print(f"\nqueue place seen by {len(saw)} of {len(learners)} learners; max place {top}; "
          f"longest time a queue place was on screen {max((x.longest('queue') for x in learners), default=0):.1f} s "
          f"(queue wait + the run's start until its first progress)")
    print(f"waited while every worker ({extra['workers']}) trained for others: "
          f"{sum(x.waited for x in learners)} learners; of those, without a queue place: {len(blind)}"
          + (f" (learners {', '.join(str(x.index) for x in blind)})" if blind else ""))
    print(f"'Starting training…' on screen: longest {max((x.longest('start') for x in learners), default=0):.1f} s")
    visits = sum(a["kind"] == "visit" for x in learners for a in x.actions)
    print(f"websocket reconnects (the page lost the server for a while): "
          f"{max(0, sum(len(x.sockets) for x in learners) - visits)}")
    print(f"errors: {errors} (exception boxes {sum(x.exceptions for x in learners)}); "
          f"moves done {sum(x.moves_done for x in learners)} of {args.moves * len(args.lessons) * len(learners)}")
    for x in learners:
        for problem in x.errors[:3]:
            print(f"   learner {x.index}: {problem}")
    if memory is not None and memory.samples:
        below = sorted(memory.per_pid.values(), key=lambda v: -v[1])
        print(f"peak RSS: server {memory.server:.0f} MB; its descendants together {memory.below:.0f} MB "
              f"({', '.join(f'{name} {mb:.0f}' for name, mb in below[:8])} MB); {memory.samples} samples")
    else:
        print("peak RSS: not measured (server process not found)")
    if extra["probe"] == "none":
        print("probe: off")
    else:
        print(f"probe ({extra['probe']}; target <= 3 s): {len(probe)} visits during the load, "
              f"median {quantile(probe, .5):.2f} s, max {max(probe, default=math.nan):.2f} s, "
              f"{sum(t <= 3 for t in probe)} within 3 s, {sum(t == math.inf for t in probe)} not idle in "
              f"{PROBE_TIMEOUT:.0f} s")
    print(f"wall time {extra['wall']:.0f} s (warm-up {extra['warm']:.0f} s); load average at end: {load()}")
    summary = (f"learners={len(learners)} done={done} errors={errors} "
               f"p50={quantile(moves, .5):.2f}s p95={quantile(moves, .95):.2f}s")
    print(summary, flush=True)
    return {"summary": summary, "done": done, "errors": errors, "probe": probe, **extra,
            "learners": [asdict(x) for x in learners], "memory": asdict(memory) if memory else None}
