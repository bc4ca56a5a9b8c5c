"""A typed client compiles: openapi-typescript turns /openapi.json into TypeScript types, and
tsc type-checks tests/ts-client/client.ts (three endpoints, pagination, a bearer token, problem
bodies) against them. Skipped with a message where Node and npm are absent.

The npm packages are pinned by tests/ts-client/package-lock.json and installed once into
DATA_DIR-style cache .data/ts-client/ (gitignored), again only when the lock file changes.
"""

from __future__ import annotations

import hashlib
import shutil
import subprocess
from pathlib import Path

import pytest
from apicheck import Client

from service.config import ROOT

SOURCE = ROOT / "tests" / "ts-client"
CACHE = ROOT / ".data" / "ts-client"
FILES = ("package.json", "package-lock.json", "tsconfig.json", "client.ts")


def _installed(npm: str) -> Path:
    """The cache directory with node_modules matching the committed lock file."""
    lock = (SOURCE / "package-lock.json").read_bytes()
    stamp = CACHE / "node_modules" / ".lock-sha256"
    digest = hashlib.sha256(lock).hexdigest()
    CACHE.mkdir(parents=True, exist_ok=True)
    for name in FILES:
        shutil.copyfile(SOURCE / name, CACHE / name)
    if stamp.exists() and stamp.read_text() == digest:
        return CACHE
    result = subprocess.run(
        [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"],
        cwd=CACHE,
        capture_output=True,
        text=True,
        timeout=600,
    )
    if result.returncode != 0:
        pytest.skip(
            f"npm ci could not install openapi-typescript (offline?): {result.stderr[-500:]}"
        )
    stamp.write_text(digest)
    return CACHE


@pytest.fixture
async def served_document(api: Client) -> bytes:
    """/openapi.json as the app serves it."""
    response = await api.get("/openapi.json")
    assert response.status == 200
    return await response.read()


def test_typescript_client_type_checks_against_the_generated_types(served_document: bytes) -> None:
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        pytest.skip("node and npm are not installed: the TypeScript client check needs them")
    work = _installed(npm)
    (work / "openapi.json").write_bytes(served_document)
    bin_dir = work / "node_modules" / ".bin"
    generate = subprocess.run(
        [str(bin_dir / "openapi-typescript"), "openapi.json", "-o", "api.d.ts"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert generate.returncode == 0, generate.stderr
    api_types = (work / "api.d.ts").read_text()
    assert "GhostSummaryPage:" in api_types and "Page_" not in api_types
    check = subprocess.run(
        [str(bin_dir / "tsc"), "-p", "tsconfig.json"],
        cwd=work,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stdout + check.stderr
