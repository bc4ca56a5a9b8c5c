"""What deploy pipelines and operators rely on: `python -m service <command>` as a subprocess.

Concurrent migration runs queue; pipeline commands start no Redis; migrate-status exit codes;
an old or unreachable PostgreSQL is refused in one line; the start-up query check gates
readiness; the embedded PostgreSQL keeps its port; `stop` stops what `run` started; new
migrations are named and templated so that they lint.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import select
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from apicheck import internal_client

from service.app import create_app
from service.config import MIGRATIONS_DIR, ROOT, Settings, describe
from service.dev import squawk
from service.dev.embedded import free_port
from service.dev.migrations import check_migration_name, new_migration
from service.dev.servers import drop_database, with_database
from service.store.schema_check import check_queries

# The system PostgreSQL 15 of the CI machines: old enough to be refused.
OLD_SERVER = "postgresql://postgres@127.0.0.1:5432/postgres"
MIGRATIONS = sorted(MIGRATIONS_DIR.glob("*.sql"))


def cli(
    *args: str, data_dir: Path, timeout: float = 180, **env: str
) -> subprocess.CompletedProcess[str]:
    """Run `python -m service ARGS` with only the given settings (no inherited ones)."""
    return subprocess.run(
        [sys.executable, "-m", "service", *args],
        cwd=ROOT,
        env=_env(data_dir, env),
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def _env(data_dir: Path, settings: dict[str, str]) -> dict[str, str]:
    names = {name for name, _, _ in describe()}
    base = {k: v for k, v in os.environ.items() if k not in names}
    return {**base, "DATA_DIR": str(data_dir), **settings}


def one_line_error(result: subprocess.CompletedProcess[str]) -> str:
    """The single error line of a refused command (exit code 2, no traceback)."""
    assert result.returncode == 2, result.stderr
    assert "Traceback" not in result.stderr, result.stderr
    lines = [line for line in result.stderr.splitlines() if line.startswith("error: ")]
    assert len(lines) == 1, result.stderr
    return lines[0]


def old_server_reachable() -> bool:
    with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", 5432), timeout=1):
        return True
    return False


@pytest.fixture
def fresh_url(pg_server_dsn: str) -> Iterator[str]:
    """URL of a database that does not exist yet (dropped afterwards)."""
    name = f"gp_pipeline_{os.getpid()}_{time.monotonic_ns()}"
    yield with_database(pg_server_dsn, name)
    drop_database(pg_server_dsn, name)


def test_concurrent_migrate_runs_queue_and_start_no_redis(fresh_url: str, tmp_path: Path) -> None:
    runs = [
        subprocess.Popen(
            [sys.executable, "-m", "service", "migrate"],
            cwd=ROOT,
            env=_env(tmp_path, {"DATABASE_URL": fresh_url}),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(5)
    ]
    outputs = [run.communicate(timeout=240) for run in runs]
    assert [run.returncode for run in runs] == [0] * 5, [err for _, err in outputs]
    status = cli("migrate-status", data_dir=tmp_path, DATABASE_URL=fresh_url)
    assert status.returncode == 0, status.stdout + status.stderr
    assert f"Applied: {len(MIGRATIONS)}" in status.stdout and "Pending: 0" in status.stdout
    # Pipeline commands touch only PostgreSQL: nothing embedded was started or created.
    rollback = cli("rollback", data_dir=tmp_path, DATABASE_URL=fresh_url)
    assert rollback.returncode == 0, rollback.stderr
    assert not (tmp_path / "redis").exists() and not (tmp_path / "postgres").exists()


async def test_migrate_status_exit_codes(
    migrated_dsn: str, pg_server_dsn: str, tmp_path: Path
) -> None:
    up_to_date = cli("migrate-status", data_dir=tmp_path, DATABASE_URL=migrated_dsn)
    assert up_to_date.returncode == 0, up_to_date.stderr
    conn = await asyncpg.connect(migrated_dsn)
    await conn.execute("DELETE FROM schema_migrations WHERE version = $1", MIGRATIONS[-1].name[:14])
    await conn.close()
    pending = cli("migrate-status", data_dir=tmp_path, DATABASE_URL=migrated_dsn)
    assert pending.returncode == 1, pending.stderr
    assert f"[ ] {MIGRATIONS[-1].name}" in pending.stdout
    missing = cli(
        "migrate-status", data_dir=tmp_path, DATABASE_URL=with_database(pg_server_dsn, "gp_nope")
    )
    assert "does not exist" in one_line_error(missing)
    unreachable = cli(
        "migrate-status",
        data_dir=tmp_path,
        DATABASE_URL=f"postgresql://postgres@127.0.0.1:{free_port()}/x",
        DB_CONNECT_TIMEOUT="1",
        timeout=15,  # a generous bound: it gives up after DB_CONNECT_TIMEOUT
    )
    assert "cannot reach PostgreSQL" in one_line_error(unreachable)
    assert not (tmp_path / "redis").exists()


@pytest.mark.skipif(not old_server_reachable(), reason="no PostgreSQL 15 on 127.0.0.1:5432")
@pytest.mark.parametrize("command", ["migrate", "run"])
def test_an_older_postgresql_is_refused_in_one_line(command: str, tmp_path: Path) -> None:
    result = cli(
        command,
        data_dir=tmp_path,
        DATABASE_URL=OLD_SERVER,
        REDIS_URL="redis://127.0.0.1:1/0",
        PORT=str(free_port()),
    )
    line = one_line_error(result)
    assert "too old" in line and "PostgreSQL 18" in line
    assert "serving on" not in result.stderr


def test_a_port_in_use_is_one_line_before_serving(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = cli(
            "run",
            data_dir=tmp_path,
            PORT=str(port),
            DATABASE_URL="postgresql://postgres@127.0.0.1:1/x",
            REDIS_URL="redis://127.0.0.1:1/0",
        )
    assert f"PORT={port}" in one_line_error(result)
    assert "serving on" not in result.stderr


def test_an_internal_port_in_use_is_one_line_before_serving(tmp_path: Path) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = cli(
            "run",
            data_dir=tmp_path,
            PORT=str(free_port()),
            INTERNAL_PORT=str(port),
            DATABASE_URL="postgresql://postgres@127.0.0.1:1/x",
            REDIS_URL="redis://127.0.0.1:1/0",
        )
    assert f"INTERNAL_PORT={port}" in one_line_error(result)
    assert "serving on" not in result.stderr


async def test_a_query_that_no_longer_prepares_is_named_and_blocks_readiness(
    settings: Settings, migrated_dsn: str, caplog: pytest.LogCaptureFixture
) -> None:
    conn = await asyncpg.connect(migrated_dsn)
    try:
        assert await check_queries(conn) == []
        await conn.execute("ALTER TABLE ghost_entities RENAME COLUMN era TO era_renamed")
        failures = await check_queries(conn)
    finally:
        await conn.close()
    assert failures, "renaming a selected column broke no query"
    for failure in failures:
        assert failure.source.location.startswith("queries/")
        assert "era" in failure.error
    ghosts = [f for f in failures if f.source.file.name == "ghosts.sql"]
    assert ghosts and all(f.source.line > 0 for f in ghosts), [str(f) for f in failures]
    caplog.set_level(logging.ERROR, logger="service.schema_check")
    async with TestClient(TestServer(create_app(settings))) as client:
        response = await client.get("/health/ready")
        assert response.status == 503
        assert (await response.json())["checks"]["queries"] is False
        async with internal_client(client.app) as internal:  # the details are internal
            body = await (await internal.get("/health")).json()
    assert body["checks"]["queries"]["ok"] is False
    assert str(ghosts[0]) in body["checks"]["queries"]["failures"]
    assert f"{ghosts[0].source.name} ({ghosts[0].source.location})" in caplog.text


@pytest.fixture
def data_dir() -> Iterator[Path]:
    """A data directory the embedded PostgreSQL's system user can reach when we are root."""
    with tempfile.TemporaryDirectory(prefix="gp-pipelines-") as tmp:
        os.chmod(tmp, 0o755)  # noqa: S103 - a test directory, searchable by the server user
        yield Path(tmp)


def test_embedded_postgresql_keeps_its_port_across_restarts(data_dir: Path) -> None:
    redis = "redis://127.0.0.1:1/0"  # set: no embedded Redis is started
    try:
        first = cli("servers", data_dir=data_dir, REDIS_URL=redis)
        assert first.returncode == 0, first.stderr
        stopped = cli("stop", data_dir=data_dir, REDIS_URL=redis)
        assert stopped.returncode == 0, stopped.stderr
        second = cli("servers", data_dir=data_dir, REDIS_URL=redis)
        assert second.returncode == 0, second.stderr
        url = first.stdout.splitlines()[0]
        assert url.startswith("DATABASE_URL=postgres://")
        assert second.stdout.splitlines()[0] == url
    finally:
        cli("stop", data_dir=data_dir, REDIS_URL=redis)


def _wait_for(process: subprocess.Popen[str], text: str, timeout: float) -> str:
    """Read the process's stderr until `text` appears (or fail after `timeout`)."""
    assert process.stderr is not None
    seen = ""
    deadline = time.monotonic() + timeout
    while text not in seen:
        remaining = deadline - time.monotonic()
        assert remaining > 0 and process.poll() is None, seen
        ready, _, _ = select.select([process.stderr], [], [], remaining)
        if ready:
            seen += process.stderr.readline()
    return seen


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return Path(f"/proc/{pid}/cmdline").read_bytes() != b""  # a zombie has no command line


def test_stop_stops_the_http_server_and_job_worker_run_started(
    migrated_dsn: str, redis_url: str, tmp_path: Path
) -> None:
    port = free_port()
    env = _env(
        tmp_path,
        {
            "DATABASE_URL": migrated_dsn,
            "REDIS_URL": redis_url,
            "PORT": str(port),
            "INTERNAL_PORT": str(free_port()),
        },
    )
    run = subprocess.Popen(
        [sys.executable, "-m", "service", "run"],
        cwd=ROOT,
        env=env,
        stderr=subprocess.PIPE,
        stdout=subprocess.DEVNULL,
        text=True,
    )
    try:
        _wait_for(run, "serving on", 120)
        records = sorted((tmp_path / "run").glob("*.pid"))
        roles = sorted(path.name.split(".")[0] for path in records)
        assert roles == ["http", "jobs"], roles
        pids = [int(path.read_text()) for path in records]
        stop = cli("stop", data_dir=tmp_path, DATABASE_URL=migrated_dsn, REDIS_URL=redis_url)
        assert stop.returncode == 0, stop.stderr
        assert run.wait(timeout=60) == 0
        assert not any(_alive(pid) for pid in pids)
        assert not list((tmp_path / "run").glob("*.pid"))
    finally:
        if run.poll() is None:
            run.kill()
            run.wait()


@pytest.mark.parametrize(
    "name", ["AddGhostAliases", "add-ghost-aliases", "aliases", "ghost_aliases", "add_"]
)
def test_a_migration_name_must_be_snake_case_verb_object(name: str) -> None:
    assert check_migration_name(name) is not None


def test_new_migration_rejects_a_bad_name_in_one_line(tmp_path: Path) -> None:
    before = set(MIGRATIONS_DIR.iterdir())
    result = cli("new-migration", "GhostAliases", data_dir=tmp_path)
    assert "verb_object" in one_line_error(result)
    assert set(MIGRATIONS_DIR.iterdir()) == before
    assert not (tmp_path / "redis").exists() and not (tmp_path / "postgres").exists()


def test_a_new_migration_passes_lint_as_created(tmp_path: Path) -> None:
    for existing in MIGRATIONS[-2:]:
        (tmp_path / existing.name).symlink_to(existing)
    path = new_migration("add_ghost_aliases", tmp_path)
    assert path.name > MIGRATIONS[-1].name and path.name.endswith("_add_ghost_aliases.sql")
    text = path.read_text()
    assert "-- migrate:up" in text and "-- migrate:down" in text
    assert text.count("SET LOCAL lock_timeout") == 2
    fluff = subprocess.run(
        [
            str(Path(sys.executable).parent / "sqlfluff"),
            "lint",
            "--disable-progress-bar",
            "--config",
            str(ROOT / ".sqlfluff"),
            str(path),
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    assert fluff.returncode == 0, fluff.stdout + fluff.stderr
    assert squawk.main([path]) == 0


async def _table_digests(url: str) -> dict[str, tuple[int, str]]:
    """Row count and a checksum of the rows of every table in the public schema."""
    conn = await asyncpg.connect(url)
    try:
        tables = [
            row["tablename"]
            for row in await conn.fetch(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            )
        ]
        digests = {}
        for table in tables:
            row = await conn.fetchrow(
                f"SELECT count(*) AS n, md5(coalesce(string_agg(t::text, '|' ORDER BY t::text), ''))"  # noqa: S608, E501
                f" AS digest FROM {table} AS t"
            )
            assert row is not None
            digests[table] = (row["n"], row["digest"])
        return digests
    finally:
        await conn.close()


async def test_a_backup_restores_into_a_fresh_database_with_every_row(
    migrated_dsn: str, pg_server_dsn: str, tmp_path: Path
) -> None:
    from service.dev import seed

    await seed.load(migrated_dsn)
    await seed.synthetic(migrated_dsn, 30)
    made = cli(
        "backup", "--output-dir", str(tmp_path / "backups"), data_dir=tmp_path,
        DATABASE_URL=migrated_dsn,
    )  # fmt: skip
    assert made.returncode == 0, made.stderr
    dump = Path(made.stdout.strip())
    assert dump.parent == tmp_path / "backups" and dump.suffix == ".dump"
    assert (await asyncio.to_thread(dump.read_bytes))[:5] == b"PGDMP"  # pg_dump's custom format
    name = f"gp_restored_{os.getpid()}_{time.monotonic_ns()}"
    try:
        restored = cli(
            "restore", str(dump), "--database", name, data_dir=tmp_path,
            DATABASE_URL=migrated_dsn,
        )  # fmt: skip
        assert restored.returncode == 0, restored.stderr
        before = await _table_digests(migrated_dsn)
        after = await _table_digests(with_database(pg_server_dsn, name))
        assert before["ghost_entities"][0] >= 30 and before == after
        refused = cli("restore", str(dump), data_dir=tmp_path, DATABASE_URL=migrated_dsn)
        assert "not empty" in one_line_error(refused)
    finally:
        drop_database(pg_server_dsn, name)


async def test_seed_bumps_cache_namespaces_and_flush_keeps_limits(
    migrated_dsn: str, redis_url: str, tmp_path: Path
) -> None:
    import redis.asyncio as redis

    from service.cache.engine import generation_key
    from service.dev import cachectl

    client = redis.Redis.from_url(redis_url)
    try:
        await client.set(generation_key("ghosts"), 41)
        await client.set("gp:v1:ghosts:g41:bloody-mary", b"{}")
        await client.set("gp:v1:rl:anonymous:127.0.0.1", 3)
        result = cli(
            "seed", "--clean", data_dir=tmp_path, DATABASE_URL=migrated_dsn, REDIS_URL=redis_url
        )
        assert result.returncode == 0, result.stderr
        assert await client.get(generation_key("ghosts")) == b"42"
        assert await cachectl.flush(redis_url) == 2
        assert await client.exists(generation_key("ghosts"), "gp:v1:ghosts:g41:bloody-mary") == 0
        assert await client.get("gp:v1:rl:anonymous:127.0.0.1") == b"3"
    finally:
        await client.aclose()


async def test_db_reset_asks_first_then_starts_over_with_the_demo_data(
    migrated_dsn: str, tmp_path: Path
) -> None:
    conn = await asyncpg.connect(migrated_dsn)
    await conn.execute(
        "INSERT INTO ghost_entities (slug, name, entity_type, danger_level)"
        " VALUES ('own-ghost', 'Own Ghost', 'spirit', 1)"
    )
    await conn.close()
    unconfirmed = cli("db-reset", data_dir=tmp_path, DATABASE_URL=migrated_dsn)
    assert "ARGS=--yes" in one_line_error(unconfirmed)
    reset = cli("db-reset", "--yes", data_dir=tmp_path, DATABASE_URL=migrated_dsn)
    assert reset.returncode == 0, reset.stderr
    conn = await asyncpg.connect(migrated_dsn)
    try:
        slugs = {r["slug"] for r in await conn.fetch("SELECT slug FROM ghost_entities")}
        applied = await conn.fetchval("SELECT count(*) FROM schema_migrations")
    finally:
        await conn.close()
    assert "own-ghost" not in slugs and "bloody-mary" in slugs
    assert applied == len(MIGRATIONS)
