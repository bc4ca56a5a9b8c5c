"""PgBouncer in transaction mode (the installed Debian package, started by the tests): the API
works through it, the job worker keeps a direct session (JOBS_DATABASE_URL), and nothing the
service sends keeps session state that transaction pooling would leak or lose."""

from __future__ import annotations

import asyncio
import os
import re
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from apicheck import sign_up

from service.app import create_app
from service.config import ROOT, Settings
from service.dev.pgbouncer import (
    PREPARED_STATEMENTS_SINCE,
    PgBouncer,
    pgbouncer_binary,
    pgbouncer_version,
)
from service.jobs import queue as jobs
from service.store.db import create_pool

pytestmark = pytest.mark.scale

# A representative share of the API suite: content reads and writes (entities, stories with
# their links) and accounts (sign-up, sessions, cookies), each through PgBouncer.
API_MODULES = ["tests/test_ghosts.py", "tests/test_stories.py", "tests/test_accounts.py"]


def installed() -> tuple[Path, tuple[int, int]]:
    """The pgbouncer binary and its version, or skip saying how to get it."""
    binary = pgbouncer_binary()
    if binary is None:
        pytest.skip(
            "pgbouncer is not installed: `apt-get install -y pgbouncer` (make test-scale does "
            "it when run as root)"
        )
    return binary, pgbouncer_version(binary)


def needs(mode: str) -> None:
    """Skip `mode` on a PgBouncer too old for it."""
    _, version = installed()
    if mode == "prepared" and version < PREPARED_STATEMENTS_SINCE:
        pytest.skip(
            f"PgBouncer {version[0]}.{version[1]} keeps no prepared statements in transaction "
            f"mode (max_prepared_statements needs {'.'.join(map(str, PREPARED_STATEMENTS_SINCE))}"
            "); the API runs through it with DB_STATEMENT_CACHE_SIZE=0 (the `unnamed` case)"
        )


@pytest.fixture
def bouncer(pg_server_dsn: str) -> Iterator[PgBouncer]:
    """A PgBouncer in transaction mode with two server connections in front of the test server."""
    binary, _ = installed()
    server = urlsplit(pg_server_dsn)
    with tempfile.TemporaryDirectory(prefix="gp-test-pgbouncer-") as tmp:
        os.chmod(tmp, 0o711)  # noqa: S103 - search only: PgBouncer runs as another user as root
        bouncer = PgBouncer(
            Path(tmp) / "pgbouncer",
            binary=binary,
            host=server.hostname or "127.0.0.1",
            port=server.port or 5432,
            user=unquote(server.username or "postgres"),
            password=unquote(server.password or ""),
            pool_size=2,  # few server connections: clients really share them
        )
        bouncer.start()
        try:
            yield bouncer
        finally:
            bouncer.stop()


@pytest.mark.parametrize("mode", ["unnamed", "prepared"])
def test_the_api_tests_pass_through_pgbouncer(mode: str) -> None:
    needs(mode)
    env = {**os.environ, "TEST_PGBOUNCER": mode}
    env.pop("PYTEST_XDIST_WORKER", None)
    result = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-n", "2",
         "-m", "not scale", *API_MODULES],
        cwd=ROOT, env=env, capture_output=True, text=True, check=False,
    )  # fmt: skip
    tail = result.stdout[-4000:] + result.stderr[-2000:]
    assert result.returncode == 0, tail
    assert re.search(r"\d+ passed", result.stdout), tail


async def test_many_clients_share_few_server_connections_without_prepared_statements(
    bouncer: PgBouncer, migrated_dsn: str, redis_url: str
) -> None:
    database = urlsplit(migrated_dsn).path.lstrip("/")
    settings = Settings(
        database_url=bouncer.url(database),
        jobs_database_url=migrated_dsn,
        redis_url=redis_url,
        db_pool_min_size=1,
        db_pool_max_size=8,  # eight clients on PgBouncer's two server connections
        db_statement_cache_size=0,
        # Waits are PgBouncer's queue on a loaded machine, not what this test is about.
        db_pool_timeout=120.0,
        db_command_timeout=120.0,
    )
    async with TestClient(TestServer(create_app(settings))) as client:
        editor = await sign_up(client, "eddie", role="editor")
        for n in range(5):
            body = {
                "slug": f"ghost-{n}",
                "name": f"Ghost {n}",
                "entity_type": "apparition",
                "danger_level": 2,
                "status": "published",
            }
            response = await client.post("/v1/ghosts", json=body, headers=editor.headers)
            assert response.status == 201, await response.text()

        async def read(n: int) -> int:
            path = f"/v1/ghosts/ghost-{n % 5}" if n % 2 else "/v1/ghosts?limit=3&sort=name"
            response = await client.get(path, headers=editor.headers)
            await response.read()
            return response.status

        assert set(await asyncio.gather(*(read(n) for n in range(64)))) == {200}


async def test_named_prepared_statements_break_on_old_pgbouncer(
    bouncer: PgBouncer, migrated_dsn: str
) -> None:
    """Why DB_STATEMENT_CACHE_SIZE=0 before PgBouncer 1.21: asyncpg's named statements land on
    whichever server connection the next transaction gets."""
    _, version = installed()
    if version >= PREPARED_STATEMENTS_SINCE:
        pytest.skip("this PgBouncer keeps prepared statements across transactions")
    database = urlsplit(migrated_dsn).path.lstrip("/")
    cached = await create_pool(bouncer.url(database), min_size=4, max_size=4)
    unnamed = await create_pool(
        bouncer.url(database), min_size=4, max_size=4, statement_cache_size=0
    )
    try:

        async def run(pool: asyncpg.Pool, n: int) -> object:
            return await pool.fetchval(f"SELECT {n % 7}::int + $1", n)

        results = await asyncio.gather(
            *(run(cached, n) for n in range(100)), return_exceptions=True
        )
        assert any(isinstance(r, asyncpg.PostgresError) for r in results)
        assert await asyncio.gather(*(run(unnamed, n) for n in range(100))) == [
            n % 7 + n for n in range(100)
        ]
    finally:
        await cached.close()
        await unnamed.close()


def test_the_worker_listens_on_its_own_direct_connection(migrated_dsn: str) -> None:
    behind = "postgres://u:p@127.0.0.1:6432/db"
    settings = Settings(database_url=behind, jobs_database_url=migrated_dsn)
    assert jobs.Worker.from_settings(settings).dsn == migrated_dsn
    assert jobs.Worker.from_settings(Settings(database_url=behind)).dsn == behind


# Session state that would outlive a transaction on a pooled server connection.
SESSION_CALLS = [
    (re.compile(r"pg_(try_)?advisory_lock(_shared)?\s*\(", re.I), "a session advisory lock"),
    (re.compile(r"set_config\s*\([^)]*,\s*false\s*\)", re.I), "set_config(..., false)"),
    (re.compile(r"\bWITH\s+HOLD\b", re.I), "a cursor WITH HOLD"),
]
SESSION_STATEMENT = re.compile(r"(SET(?!\s+LOCAL\b)|RESET|LISTEN|PREPARE|DISCARD)\b", re.I)


def session_state(sql: str) -> list[str]:
    """What in `sql` would keep session state on a server connection."""
    code = re.sub(r"--[^\n]*", "", sql)
    found = [what for pattern, what in SESSION_CALLS if pattern.search(code)]
    statements = (statement.strip() for statement in code.split(";"))
    return found + [s.split()[0].upper() for s in statements if SESSION_STATEMENT.match(s)]


def test_queries_keep_no_session_state() -> None:
    found = {
        path.name: what
        for path in sorted((ROOT / "queries").glob("*.sql"))
        if (what := session_state(path.read_text()))
    }
    assert found == {}
    # The check itself finds them:
    assert session_state("SET statement_timeout = 0;") == ["SET"]
    assert session_state("SELECT pg_advisory_lock(1)") == ["a session advisory lock"]
    assert session_state("UPDATE t\nSET x = 1;\nSET LOCAL lock_timeout = '1s'") == []
