"""Tested versions on every fresh machine: constraints.txt pins what the suite passed on, the
requirements cap the packages whose minor releases broke the course, and every install uses both."""

from importlib import metadata
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

ROOT = Path(__file__).resolve().parents[2]
CAPPED_AT_MINOR = ("tensorflow", "keras", "streamlit", "ray")


def pins() -> dict[str, str]:
    out = {}
    for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            name, _, version = line.partition("==")
            assert name and version and " " not in line, line
            out[canonicalize_name(name)] = version
    return out


def requirements() -> list[Requirement]:
    reqs = []
    for name in ("requirements.txt", "requirements-dev.txt", "requirements-ray.txt"):
        for raw in (ROOT / name).read_text(encoding="utf-8").splitlines():
            line = raw.split("#", 1)[0].strip()
            if line and not line.startswith("-"):
                reqs.append(Requirement(line))
    return reqs


def test_every_requirement_is_pinned_within_its_range_and_installed_as_pinned():
    pinned = pins()
    for req in requirements():
        name = canonicalize_name(req.name)
        assert name in pinned, req.name
        assert req.specifier.contains(pinned[name], prereleases=True), (str(req), pinned[name])
        assert metadata.version(req.name) == pinned[name], f"{req.name}: installed other than constraints.txt"


def test_packages_that_broke_the_course_are_capped_below_their_next_minor():
    reqs = {canonicalize_name(r.name): r for r in requirements()}
    for name in CAPPED_AT_MINOR:
        caps = [Version(s.version) for s in reqs[name].specifier if s.operator == "<"]
        assert caps, f"{name} has no upper bound"
        pinned = Version(pins()[name])
        assert caps[0] <= Version(f"{pinned.major}.{pinned.minor + 1}"), (name, caps[0], pinned)


def test_every_install_command_uses_the_constraints():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    docker = (ROOT / "deploy" / "Dockerfile").read_text(encoding="utf-8")
    for text in (readme, ci, docker):
        installs = [line for line in text.splitlines() if "pip install" in line and " -r " in line]
        assert installs and all("-c constraints.txt" in line for line in installs), installs
    assert "COPY requirements.txt requirements-ray.txt constraints.txt ./" in docker


def test_the_constraints_are_what_the_freezer_writes_here():
    import subprocess
    import sys

    out = subprocess.run([sys.executable, str(ROOT / "deploy" / "constraints.py")], capture_output=True, text=True,
                         check=True).stdout
    written = [line for line in out.splitlines() if not line.startswith("#")]
    kept = [line for line in (ROOT / "constraints.txt").read_text(encoding="utf-8").splitlines()
            if not line.startswith("#")]
    assert written == kept  # refreshed with deploy/constraints.py after the last upgrade
