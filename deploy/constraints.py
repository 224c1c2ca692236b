"""Write constraints.txt: the exact versions of everything the requirement files install, as
installed here, so a fresh machine installs what the suite passed on.

    python -m pip install -r requirements-dev.txt -r requirements-ray.txt   # newer releases, within the caps
    python -m pytest                                                         # the suite passes on them
    python deploy/constraints.py > constraints.txt                           # then pin what passed

Follows each requirement's dependencies (with the extras asked for) through the installed
distributions' metadata; markers for other platforms or Pythons are skipped.
"""

from __future__ import annotations

import sys
from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

ROOT = Path(__file__).resolve().parents[1]
FILES = ("requirements.txt", "requirements-dev.txt", "requirements-ray.txt")


def requirement_lines(path: Path) -> list[str]:
    """The requirement lines of ``path`` and the files it includes with ``-r``."""
    out: list[str] = []
    for raw in path.read_text(encoding="utf-8").splitlines():
        line = raw.split("#", 1)[0].strip()
        if line.startswith("-r"):
            out += requirement_lines(path.parent / line[2:].strip())
        elif line and not line.startswith("-"):
            out.append(line)
    return out


def closure(roots: list[Requirement]) -> dict[str, str]:
    """name -> installed version for ``roots`` and everything they pull in."""
    found: dict[str, str] = {}
    todo = [(r, frozenset(r.extras)) for r in roots]
    seen: set[tuple[str, frozenset[str]]] = set()
    while todo:
        req, extras = todo.pop()
        name = canonicalize_name(req.name)
        if (name, extras) in seen:
            continue
        seen.add((name, extras))
        try:
            dist = metadata.distribution(req.name)
        except metadata.PackageNotFoundError:
            continue  # an optional dependency that is not installed here
        found[name] = dist.version
        for text in dist.requires or []:
            sub = Requirement(text)
            # Skip another platform's or Python's dependency, and extras nobody asked for.
            if sub.marker is None or any(sub.marker.evaluate({"extra": e}) for e in extras | {""}):
                todo.append((sub, frozenset(sub.extras)))
    return found


def main() -> int:
    roots = [Requirement(line) for f in FILES for line in requirement_lines(ROOT / f)]
    pins = closure(roots)
    print("# The exact versions the suite passed on (python deploy/constraints.py > constraints.txt;")
    print(f"# see README, 'Tested versions'). Python {sys.version_info.major}.{sys.version_info.minor}, Linux.")
    for name in sorted(pins):
        print(f"{name}=={pins[name]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
