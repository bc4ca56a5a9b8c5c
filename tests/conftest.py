"""Shared fixtures: real PostgreSQL and Redis (throw-away embedded ones unless TEST_*_URL set),
the app and its clients, signed-in users (`reader`, `editor`, `admin`) and a job worker.

Helpers that are called rather than requested (`sign_up`, `bearer`, `run_due_jobs`, ...) live
in tests/apicheck.py."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

import asyncpg
import pytest
import redis.asyncio as redis
from aiohttp.test_utils import TestClient, TestServer
from apicheck import Client, SignedIn, internal_client, scratch_database, sign_up

from service.app import create_app
from service.config import Settings
from service.dev.embedded import EmbeddedPostgres, EmbeddedRedis, free_port
from service.dev.migrations import migrate
from service.dev.pgbouncer import PgBouncer, pgbouncer_binary
from service.dev.servers import create_database, drop_database, with_database
from service.jobs import queue as jobs
from service.store.db import Connection, init_connection


@pytest.fixture(scope="session")
def pg_server_dsn() -> Iterator[str]:
    """DSN of the `postgres` database on a server where tests may create databases."""
    external = os.environ.get("TEST_DATABASE_URL")
    if external:
        yield with_database(external, "postgres")
        return
    with tempfile.TemporaryDirectory(prefix="gp-test-pg-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pg", throwaway=True)
        server.start()
        try:
            yield server.url("postgres")
        finally:
            server.destroy()


@pytest.fixture
def throwaway_postgres() -> Iterator[EmbeddedPostgres]:
    """A PostgreSQL server of this test's own, on a fixed port so it can be restarted."""
    with tempfile.TemporaryDirectory(prefix="gp-test-restart-") as tmp:
        server = EmbeddedPostgres(Path(tmp) / "pg", throwaway=True, port=free_port())
        try:
            yield server
        finally:
            server.destroy()


@pytest.fixture(scope="session")
def migrated_template(pg_server_dsn: str) -> Iterator[str]:
    """Name of a database with every migration applied, to copy per test."""
    name = f"gp_template_{secrets.token_hex(4)}"
    url = create_database(pg_server_dsn, name)
    migrate(url)
    try:
        yield name
    finally:
        drop_database(pg_server_dsn, name)


@pytest.fixture
def migrated_dsn(pg_server_dsn: str, migrated_template: str) -> Iterator[str]:
    """A fresh, fully migrated database of this test's own."""
    name = f"gp_test_{secrets.token_hex(6)}"
    url = create_database(pg_server_dsn, name, template=migrated_template)
    try:
        yield url
    finally:
        drop_database(pg_server_dsn, name)


@pytest.fixture
async def pool(migrated_dsn: str) -> AsyncIterator[asyncpg.Pool]:
    """A connection pool on this test's migrated database."""
    from service.store.db import create_pool

    pool = await create_pool(migrated_dsn, min_size=1, max_size=5)
    try:
        yield pool
    finally:
        await pool.close()


@pytest.fixture
async def conn(migrated_dsn: str) -> AsyncIterator[asyncpg.Connection]:
    """One plain connection on this test's migrated database."""
    connection = await asyncpg.connect(migrated_dsn)
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture
async def wconn(migrated_dsn: str) -> AsyncIterator[Connection]:
    """A connection set up as a worker's (JSON codecs), for driving a worker step by step."""
    connection = await asyncpg.connect(migrated_dsn)
    await init_connection(connection)
    try:
        yield connection
    finally:
        await connection.close()


@pytest.fixture
def worker(migrated_dsn: str) -> jobs.Worker:
    """A worker with the registered handlers, as `python -m service worker` has them."""
    jobs.load_handlers()
    return jobs.Worker(migrated_dsn, poll_interval=0.1, retry_jitter=0.0)


@pytest.fixture(scope="module")
def module_dsn(
    pg_server_dsn: str, migrated_template: str, request: pytest.FixtureRequest
) -> Iterator[str]:
    """A migrated database shared by the tests of one module (for tests that change no data)."""
    prefix = "gp_" + request.module.__name__.rpartition(".")[2].removeprefix("test_")[:40]
    with scratch_database(pg_server_dsn, migrated_template, prefix) as url:
        yield url


@pytest.fixture(scope="session")
def redis_server() -> Iterator[EmbeddedRedis | None]:
    """A throw-away embedded Redis, or None when TEST_REDIS_URL names an external one."""
    if os.environ.get("TEST_REDIS_URL"):
        yield None
        return
    with tempfile.TemporaryDirectory(prefix="gp-test-redis-") as tmp:
        server = EmbeddedRedis(Path(tmp) / "redis")
        server.start()
        try:
            yield server
        finally:
            server.destroy()


@pytest.fixture
async def redis_url(redis_server: EmbeddedRedis | None) -> AsyncIterator[str]:
    """URL of a Redis emptied for this test."""
    url = os.environ.get("TEST_REDIS_URL") or (redis_server.start() if redis_server else "")
    if os.environ.get("TEST_REDIS_URL"):
        # pytest-xdist workers share an external Redis: each flushes only a database of its own.
        worker = int(os.environ.get("PYTEST_XDIST_WORKER", "gw0").removeprefix("gw"))
        url = urlunsplit(urlsplit(url)._replace(path=f"/{worker % 16}"))
    client = redis.Redis.from_url(url)
    await client.flushdb()
    await client.aclose()
    yield url


@pytest.fixture(scope="session")
def pgbouncer(pg_server_dsn: str) -> Iterator[PgBouncer | None]:
    """With TEST_PGBOUNCER=unnamed|prepared, a PgBouncer in transaction mode in front of the
    test server, which the `settings` and `api` apps use (tests/test_pgbouncer.py runs API
    test modules so); else None."""
    mode = os.environ.get("TEST_PGBOUNCER")
    if not mode:
        yield None
        return
    binary = pgbouncer_binary()
    assert binary is not None, "TEST_PGBOUNCER is set but pgbouncer is not installed"
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
            max_prepared_statements=200 if mode == "prepared" else 0,
        )
        bouncer.start()
        try:
            yield bouncer
        finally:
            bouncer.stop()


def app_settings(dsn: str, redis_url: str, bouncer: PgBouncer | None) -> Settings:
    """Settings for a test app on `dsn`, through `bouncer` when there is one (the job worker
    then keeps its direct session connection, JOBS_DATABASE_URL)."""
    if bouncer is None:
        return Settings(database_url=dsn, redis_url=redis_url, db_pool_min_size=1)
    return Settings(
        database_url=bouncer.url(urlsplit(dsn).path.lstrip("/")),
        jobs_database_url=dsn,
        redis_url=redis_url,
        db_pool_min_size=1,
        db_statement_cache_size=256 if bouncer.max_prepared_statements else 0,
    )


@pytest.fixture
def settings(migrated_dsn: str, redis_url: str, pgbouncer: PgBouncer | None) -> Settings:
    """Settings pointing at this test's database and Redis."""
    return app_settings(migrated_dsn, redis_url, pgbouncer)


@pytest.fixture
async def client(settings: Settings) -> AsyncIterator[Client]:
    """An HTTP client for the app, served on a real socket for this test."""
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


@pytest.fixture
async def internal(client: Client) -> AsyncIterator[Client]:
    """A client of `client`'s internal listener: /metrics and the detailed /health."""
    async with internal_client(client.app) as test_client:
        yield test_client


@pytest.fixture(scope="module")
async def api(
    module_dsn: str, redis_server: EmbeddedRedis | None, pgbouncer: PgBouncer | None
) -> AsyncIterator[Client]:
    """One app for a whole module, on `module_dsn` (for tests that change no data)."""
    redis_url = os.environ.get("TEST_REDIS_URL") or (redis_server.start() if redis_server else "")
    settings = app_settings(module_dsn, redis_url, pgbouncer)
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


@pytest.fixture
async def reader(client: Client) -> SignedIn:
    """Rita, a reader signed in on `client`."""
    return await sign_up(client, "rita")


@pytest.fixture
async def editor(client: Client) -> SignedIn:
    """Eddie, an editor signed in on `client`."""
    return await sign_up(client, "eddie", role="editor")


@pytest.fixture
async def admin(client: Client) -> SignedIn:
    """The moderator, an admin signed in on `client`."""
    return await sign_up(client, "moderator", role="admin")
