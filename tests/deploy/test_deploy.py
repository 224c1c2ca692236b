"""deploy/: the compose file, the load balancer's config and the image, checked by structure.

No Docker engine runs here: nothing is built or started. ``docker compose config`` runs when
the Compose v2 CLI is installed, and is skipped (with the reason) when it is not.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
STORE = "/var/lib/dl-course/results"
WEB = ("web-1", "web-2")


@pytest.fixture(scope="module")
def compose() -> dict:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))


@pytest.fixture(scope="module")
def haproxy() -> list[str]:
    lines = (DEPLOY / "haproxy.cfg").read_text(encoding="utf-8").splitlines()
    return [line.split("#")[0].strip() for line in lines if line.split("#")[0].strip()]


def _section(lines: list[str], header: str) -> list[str]:
    """The lines of one haproxy.cfg section (``frontend course``, ``backend streamlit``)."""
    start = lines.index(header) + 1
    tops = ("global", "defaults", "frontend ", "backend ", "resolvers ", "listen ")
    end = next((i for i in range(start, len(lines)) if lines[i].startswith(tops)), len(lines))
    return lines[start:end]


def test_the_five_services(compose):
    assert set(compose["services"]) == {"ray-head", "ray-gpu-worker", "web-1", "web-2", "lb"}


def test_the_ray_head_serves_clients_and_the_gpu_worker_joins_it(compose):
    head, worker = compose["services"]["ray-head"], compose["services"]["ray-gpu-worker"]
    assert head["command"][:4] == ["ray", "start", "--head", "--block"]
    assert "--ray-client-server-port=10001" in head["command"] and "--port=6379" in head["command"]
    assert "10001" in head["expose"] and any(p.endswith(":10001:10001") for p in head["ports"])
    assert worker["command"][:2] == ["ray", "start"]
    assert {"--address=ray-head:6379", "--num-gpus=1", "--block"} <= set(worker["command"])
    assert worker["depends_on"]["ray-head"]["condition"] == "service_healthy"
    for service in (head, worker):
        assert service["environment"]["RAY_AUTH_MODE"] == "token"
        assert service["environment"]["RAY_AUTH_TOKEN"].startswith("${RAY_AUTH_TOKEN:?")  # no default token
        assert service["shm_size"]  # Ray's object store lives in /dev/shm


def test_the_gpu_worker_reserves_an_nvidia_gpu(compose):
    worker = compose["services"]["ray-gpu-worker"]
    devices = worker["deploy"]["resources"]["reservations"]["devices"]
    assert devices == [{"driver": "nvidia", "count": 1, "capabilities": ["gpu"]}]
    assert worker["build"]["target"] == "gpu" and worker["image"] != compose["services"]["ray-head"]["image"]


@pytest.mark.parametrize("name", WEB)
def test_each_replica_trains_on_ray_and_shares_the_result_store(compose, name):
    web = compose["services"][name]
    env = web["environment"]
    assert env["COURSE_RAY_ADDRESS"] == "ray://ray-head:10001"
    assert env["RAY_AUTH_MODE"] == "token" and env["RAY_AUTH_TOKEN"].startswith("${RAY_AUTH_TOKEN:?")
    assert float(re.sub(r"\$\{COURSE_GPU_PER_JOB:-(.*)\}", r"\1", env["COURSE_GPU_PER_JOB"])) == 0.25
    assert env["COURSE_RESULT_STORE"] == STORE and f"results:{STORE}" in web["volumes"]
    assert env["STREAMLIT_SERVER_COOKIE_SECRET"].startswith("${COURSE_COOKIE_SECRET:?")
    assert web["depends_on"]["ray-head"]["condition"] == "service_healthy"
    assert "streamlit_app.py" in web["command"] and "--server.address=0.0.0.0" in web["command"]
    assert "results" in compose["volumes"]


def test_one_replica_warms_the_shared_store(compose):
    assert [compose["services"][name]["environment"]["COURSE_WARM"] for name in WEB] == ["on", "off"]


def test_health_checks(compose):
    services = compose["services"]
    for name in WEB:
        check = services[name]["healthcheck"]
        assert check["test"][0] == "CMD" and "http://127.0.0.1:8501/_stcore/health" in " ".join(check["test"])
    assert services["ray-head"]["healthcheck"]["test"][:3] == ["CMD", "ray", "health-check"]
    assert "/lb-health" in " ".join(services["lb"]["healthcheck"]["test"])
    assert all(services["lb"]["depends_on"][name]["condition"] == "service_healthy" for name in WEB)


def test_the_balancer_is_sticky_follows_websockets_and_lists_both_replicas(compose, haproxy):
    lb = compose["services"]["lb"]
    assert lb["image"].startswith("haproxy:")
    assert "./haproxy.cfg:/usr/local/etc/haproxy/haproxy.cfg:ro" in lb["volumes"]
    backend = _section(haproxy, "backend streamlit")
    cookie = next(line.split() for line in backend if line.startswith("cookie "))
    assert cookie[2] == "insert" and "indirect" in cookie  # sticky sessions by a cookie the balancer sets
    servers = {line.split()[1]: line.split() for line in backend if line.startswith("server ")}
    assert set(servers) == set(WEB)
    for name, words in servers.items():
        assert words[2] == f"{name}:8501" and words[words.index("cookie") + 1] == name
    assert "option httpchk GET /_stcore/health" in backend
    frontend = _section(haproxy, "frontend course")
    assert "acl streamlit_stream path_beg /_stcore/stream" in frontend
    assert "acl websocket_upgrade hdr(Upgrade) -i websocket" in frontend
    assert "acl connection_upgrade hdr(Connection) -i upgrade" in frontend
    assert "monitor-uri /lb-health" in frontend and "bind :8080" in frontend
    assert any(line.startswith("timeout tunnel ") for line in _section(haproxy, "defaults"))
    assert any(p.endswith(":8080") for p in lb["ports"])


def test_the_image_warms_the_store_and_serves_streamlit():
    text = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    lines = [line.strip() for line in text.splitlines()]
    assert lines[next(i for i, line in enumerate(lines) if line.startswith("FROM"))].startswith("FROM python:3.11-slim")
    assert "RUN pip install -r requirements-ray.txt -c constraints.txt" in lines
    assert f"ENV COURSE_RESULT_STORE={STORE}" in lines
    assert "RUN python -m lib.core.warm" in lines
    cmd = next(line for line in lines if line.startswith("CMD "))
    assert '"streamlit", "run", "streamlit_app.py"' in cmd and '"--server.address=0.0.0.0"' in cmd
    assert "FROM base AS gpu" in lines
    ignored = (DEPLOY / "Dockerfile.dockerignore").read_text(encoding="utf-8").splitlines()
    assert "deploy/.env" in ignored  # the secrets never go into the image
    assert "-r requirements.txt" in (ROOT / "requirements-ray.txt").read_text(encoding="utf-8").splitlines()


def test_the_readme_says_what_was_and_was_not_run():
    text = (DEPLOY / "README.md").read_text(encoding="utf-8")
    assert "## What was run" in text and "KubeRay" in text
    for name in ("COURSE_RAY_ADDRESS", "COURSE_GPU_PER_JOB", "COURSE_RESULT_STORE", "RAY_AUTH_TOKEN"):
        assert name in text


def _compose_v2() -> str | None:
    docker = shutil.which("docker")
    if docker is None:
        return "no docker CLI here"
    found = subprocess.run([docker, "compose", "version"], capture_output=True, text=True)
    return None if found.returncode == 0 else "the docker CLI here has no `compose` (v2) plugin"


def test_docker_compose_config_accepts_the_file():
    missing = _compose_v2()
    if missing:
        pytest.skip(f"docker compose config not run: {missing}")
    env = {**os.environ, "RAY_AUTH_TOKEN": "test-token", "COURSE_COOKIE_SECRET": "test-secret"}
    out = subprocess.run([shutil.which("docker"), "compose", "-f", str(DEPLOY / "compose.yaml"), "config", "--quiet"],
                         capture_output=True, text=True, env=env, cwd=DEPLOY, timeout=60)
    assert out.returncode == 0, out.stderr
