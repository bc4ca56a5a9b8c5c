"""The README's API walk-through runs as written against a live server with the demo data."""

from __future__ import annotations

import asyncio
import os
import re
import shutil

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from service.config import ROOT
from service.dev import seed

WALKTHROUGH = re.search(
    r"<!-- walkthrough:start -->\n```sh\n(.*?)```\n<!-- walkthrough:end -->",
    (ROOT / "README.md").read_text(),
    re.DOTALL,
)


@pytest.mark.skipif(shutil.which("curl") is None, reason="the walk-through uses curl")
async def test_readme_walkthrough_runs_as_written(
    client: TestClient[web.Request, web.Application],
    internal: TestClient[web.Request, web.Application],
    migrated_dsn: str,
) -> None:
    assert WALKTHROUGH is not None, "README lost its walkthrough markers"
    await seed.load(migrated_dsn)
    base = str(client.make_url("")).rstrip("/")
    internal_base = str(internal.make_url("")).rstrip("/")
    process = await asyncio.create_subprocess_exec(
        "bash", "-euo", "pipefail", "-c", WALKTHROUGH.group(1),
        env={"BASE": base, "INTERNAL": internal_base, "PATH": os.environ["PATH"]},
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
    )  # fmt: skip
    output, _ = await asyncio.wait_for(process.communicate(), timeout=120)
    text = output.decode()
    assert process.returncode == 0, text
    assert '"username":"ada"' in text
    assert "Bloody Mary" in text
    assert "problem" in text or '"status":422' in text
    assert "\n404\n" in text  # /metrics on the public port
    assert '"recent_errors"' in text  # /health on the internal one
