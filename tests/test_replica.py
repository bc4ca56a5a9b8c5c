"""A real streaming replica (pg_basebackup standby of an embedded PostgreSQL): reads go there,
a client reads its own writes, and a replica that dies or falls behind costs no request."""

from __future__ import annotations

import asyncio
import os
import secrets
import subprocess
import sys
import tempfile
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from apicheck import get_json, internal_client, sign_up
from test_query_runtime import insert

from service.app import create_app
from service.config import ROOT, Settings
from service.dev.embedded import EmbeddedPostgres, EmbeddedStandby
from service.dev.migrations import migrate
from service.dev.servers import create_database, drop_database, with_database
from service.store.db import DATABASE, Database, create_pool
from service.store.queries import ghosts
from service.store.queries import replication as replication_queries

pytestmark = pytest.mark.scale

Client = TestClient[web.Request, web.Application]
# Eventually-true conditions are polled this often, this many times at most (a bound for a
# broken build, not a speed requirement).
POLL, POLLS = 0.02, 1500


@dataclass
class Pair:
    """A throw-away primary, its streaming standby, and a migrated template on the primary."""

    primary: EmbeddedPostgres
    standby: EmbeddedStandby
    template: str


@pytest.fixture(scope="module")
def pair() -> Iterator[Pair]:
    """A primary and a standby made of it with pg_basebackup, for this module."""
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("the standby is made of an embedded PostgreSQL; TEST_DATABASE_URL is set")
    with tempfile.TemporaryDirectory(prefix="gp-test-replica-") as tmp:
        primary = EmbeddedPostgres(Path(tmp) / "primary", throwaway=True)
        standby = EmbeddedStandby(Path(tmp) / "standby", primary, throwaway=True)
        try:
            primary.start()
            template = f"gp_template_{secrets.token_hex(4)}"
            migrate(create_database(primary.url("postgres"), template))
            standby.start()
            yield Pair(primary, standby, template)
        finally:
            standby.kill()  # throw-away: no shutdown checkpoints (the directory goes)
            primary.kill()


@dataclass
class Databases:
    """This test's database on the primary, and the same database read on the standby."""

    primary: str
    standby: str


@pytest.fixture
async def databases(pair: Pair) -> AsyncIterator[Databases]:
    """A fresh migrated database on the primary, once the standby has replayed its creation."""
    if pair.standby.port() is None:  # a test before this one killed it
        pair.standby.start()
    name = f"gp_test_{secrets.token_hex(6)}"
    primary = create_database(pair.primary.url("postgres"), name, template=pair.template)
    standby = with_database(pair.standby.url("postgres"), name)
    await replayed(primary, standby)
    try:
        yield Databases(primary, standby)
    finally:
        drop_database(pair.primary.url("postgres"), name)


async def replayed(primary_dsn: str, standby_dsn: str) -> int:
    """Wait until the standby has replayed all the primary has written so far; that position."""
    async with connected(primary_dsn) as primary:
        position = await replication_queries.get_wal_position(primary)
        assert position is not None
    for _ in range(POLLS):
        try:
            async with connected(standby_dsn) as standby:
                row = await replication_queries.get_replay_lsn(standby)
        except asyncpg.InvalidCatalogNameError:  # the database's creation not replayed yet
            row = None
        if row is not None and (row.replay_lsn or 0) >= position.insert_lsn:
            return position.insert_lsn
        await asyncio.sleep(POLL)
    raise AssertionError("the standby did not catch up")


class connected:
    """`async with connected(dsn) as conn`: one plain connection."""

    def __init__(self, dsn: str) -> None:
        self.dsn = dsn

    async def __aenter__(self) -> asyncpg.Connection:
        self.conn: asyncpg.Connection = await asyncpg.connect(self.dsn)
        return self.conn

    async def __aexit__(self, *exc: object) -> None:
        await self.conn.close()


def settings_for(databases: Databases, redis_url: str, **changes: Any) -> Settings:
    """App settings reading from the standby; the replica is checked every 20 ms."""
    values: dict[str, Any] = {
        "database_url": databases.primary,
        "database_replica_url": databases.standby,
        "redis_url": redis_url,
        "db_pool_min_size": 1,
        "replica_check_interval": 0.02,
        "replica_max_lag": 600.0,  # a paused standby stays in use
    } | changes
    return Settings(**values)


@pytest.fixture
async def replicated_client(databases: Databases, redis_url: str) -> AsyncIterator[Client]:
    """The app on the primary and its standby. Cookies are never sent on their own: a test
    passes the read-your-writes cookie explicitly, as the client it plays would."""
    app = create_app(settings_for(databases, redis_url))
    async with TestClient(TestServer(app), cookie_jar=aiohttp.DummyCookieJar()) as client:
        yield client


def ghost(slug: str, **fields: Any) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": slug.replace("-", " ").title(),
        "entity_type": "apparition",
        "danger_level": 2,
        "status": "published",
    } | fields


async def app_has_replayed(client: Client, databases: Databases) -> None:
    """Wait until the app's own view of the replica has everything written so far."""
    position = await replayed(databases.primary, databases.standby)
    status = client.app[DATABASE].status
    for _ in range(POLLS):
        if status.usable and status.replay_lsn >= position:
            return
        await asyncio.sleep(POLL)
    raise AssertionError(f"the app's view of the replica did not catch up: {status.error}")


async def name_of(client: Client, slug: str, headers: dict[str, str]) -> str:
    name: str = (await get_json(client, f"/v1/ghosts/{slug}", headers))["name"]
    return name


async def test_a_writer_reads_its_write_while_others_read_the_paused_replica(
    pair: Pair, databases: Databases, replicated_client: Client
) -> None:
    client = replicated_client
    writer = await sign_up(client, "wanda", role="editor")  # editors read drafts: uncached
    other = await sign_up(client, "otto", role="editor")
    created = await client.post("/v1/ghosts", json=ghost("grey-lady"), headers=writer.headers)
    assert created.status == 201, await created.text()
    await app_has_replayed(client, databases)

    pair.standby.replay_paused(True)
    try:
        response = await client.patch(
            "/v1/ghosts/grey-lady", json={"name": "The Grey Lady"}, headers=writer.headers
        )
        assert response.status == 200, await response.text()
        cookie = response.cookies["gp_lsn"]
        assert cookie["httponly"] and cookie["max-age"]
        lsn = int(cookie.value, 16)
        mine = writer.headers | {"Cookie": f"gp_lsn={cookie.value}"}
        status = client.app[DATABASE].status
        assert status.usable and status.replay_lsn < lsn  # the replica has not got it
        assert await name_of(client, "grey-lady", mine) == "The Grey Lady"  # from the primary
        assert await name_of(client, "grey-lady", other.headers) == "Grey Lady"  # the replica
        assert await name_of(client, "grey-lady", writer.headers) == "Grey Lady"  # no cookie
        assert status.fallbacks == 0
    finally:
        pair.standby.replay_paused(False)

    for _ in range(POLLS):
        if await name_of(client, "grey-lady", other.headers) == "The Grey Lady":
            break
        await asyncio.sleep(POLL)
    else:
        raise AssertionError("the other reader never saw the write once replay resumed")
    await app_has_replayed(client, databases)
    assert client.app[DATABASE].status.replay_lsn >= lsn  # the writer reads the replica again


async def test_reads_go_to_the_primary_while_the_replica_lags_too_far(
    pair: Pair, databases: Databases, redis_url: str
) -> None:
    settings = settings_for(databases, redis_url, replica_max_lag=0.05)
    app = create_app(settings)
    async with TestClient(TestServer(app), cookie_jar=aiohttp.DummyCookieJar()) as client:
        editor = await sign_up(client, "eddie", role="editor")
        await app_has_replayed(client, databases)
        status = client.app[DATABASE].status
        pair.standby.replay_paused(True)
        try:
            response = await client.post(
                "/v1/ghosts", json=ghost("late-lady"), headers=editor.headers
            )
            assert response.status == 201
            # The primary keeps writing (sign-ups), the paused replica falls behind.
            for index in range(POLLS):
                if not status.usable:
                    break
                await sign_up(client, f"filler{index}")
                await asyncio.sleep(POLL)
            assert not status.usable and status.lag is not None and status.lag > 0.05
            assert "lagging" in status.error
            # No cookie, yet the write is seen: the lagging replica is not read.
            assert await name_of(client, "late-lady", editor.headers) == "Late Lady"
            async with internal_client(app) as internal:
                body = await (await internal.get("/health")).json()
                assert body["status"] == "degraded", body
                assert body["checks"]["replica"]["ok"] is False
                metrics = await (await internal.get("/metrics")).text()
                assert "gp_db_replica_used 0.0" in metrics
                lag_line = next(
                    line for line in metrics.splitlines()
                    if line.startswith("gp_db_replica_lag_seconds ")
                )  # fmt: skip
                assert float(lag_line.split()[1]) > 0.05
        finally:
            pair.standby.replay_paused(False)
        await app_has_replayed(client, databases)
        assert status.usable and status.error == ""


async def test_a_killed_replica_loses_no_request(
    pair: Pair, databases: Databases, replicated_client: Client
) -> None:
    client = replicated_client
    editor = await sign_up(client, "eddie", role="editor")
    for slug in ("grey-lady", "black-dog", "white-lady"):
        response = await client.post("/v1/ghosts", json=ghost(slug), headers=editor.headers)
        assert response.status == 201
    response = await client.post(
        "/v1/stories",
        json={"slug": "night-walk", "title": "Night Walk", "body": "Dark.", "status": "published"},
        headers=editor.headers,
    )
    assert response.status == 201, await response.text()
    await app_has_replayed(client, databases)
    # Editors read drafts too: these pages come from the replica, uncached (the story page
    # runs two queries on one replica connection).
    paths = ["/v1/ghosts?limit=5", "/v1/ghosts/black-dog", "/v1/stories/night-walk"]
    statuses: list[int] = []
    loaded, killed = asyncio.Event(), asyncio.Event()
    after_kill = 0

    async def load(worker: int) -> None:
        nonlocal after_kill
        index = worker
        while after_kill < 300:
            response = await client.get(paths[index % len(paths)], headers=editor.headers)
            await response.read()
            statuses.append(response.status)
            if len(statuses) >= 150:
                loaded.set()
            index += 1
            if killed.is_set():
                after_kill += 1

    async def kill() -> None:
        await loaded.wait()  # under load first
        await asyncio.to_thread(pair.standby.kill)
        killed.set()

    await asyncio.gather(kill(), *(load(worker) for worker in range(8)))
    assert len(statuses) >= 450
    assert set(statuses) == {200}, {s: statuses.count(s) for s in set(statuses)}
    status = client.app[DATABASE].status
    assert not status.usable and status.reachable is False
    async with internal_client(client.app) as internal:
        body = await (await internal.get("/health")).json()
    assert body["status"] == "degraded", body
    assert any("replica" in problem for problem in body["problems"])

    pair.standby.start()  # it comes back: reads return to it
    await app_has_replayed(client, databases)
    async with internal_client(client.app) as internal:
        body = await (await internal.get("/health")).json()
    assert body["status"] == "healthy", body


async def test_the_app_starts_with_its_replica_down(
    pair: Pair, databases: Databases, redis_url: str
) -> None:
    pair.standby.kill()
    try:
        app = create_app(settings_for(databases, redis_url))
        async with TestClient(TestServer(app), cookie_jar=aiohttp.DummyCookieJar()) as client:
            editor = await sign_up(client, "eddie", role="editor")
            page = await get_json(client, "/v1/ghosts?limit=5", editor.headers)
            assert page["items"] == []
            assert not client.app[DATABASE].status.usable
    finally:
        pair.standby.start()


async def test_the_replica_pool_serves_reads_and_the_primary_writes(
    databases: Databases,
) -> None:
    primary = await create_pool(databases.primary, min_size=1, max_size=2)
    replica = await create_pool(databases.standby, min_size=1, max_size=2)
    db = Database(primary, replica)
    try:
        await insert(db, "routed")  # on the primary
        await replayed(databases.primary, databases.standby)
        await primary.close()  # from now on only the standby can answer
        assert await ghosts.get_ghost_detail(db, slug="routed", include_drafts=False) is not None
        with pytest.raises(asyncpg.InterfaceError):
            await ghosts.delete_ghost_by_slug(db, slug="routed")
        with pytest.raises(asyncpg.ReadOnlySQLTransactionError):  # it is a standby
            await ghosts.delete_ghost_by_slug(replica, slug="routed")
    finally:
        await db.close()


def test_servers_replica_starts_a_standby_of_the_embedded_postgres() -> None:
    """`make replica`: a standby of the development PostgreSQL under DATA_DIR, and its URL."""
    if os.environ.get("TEST_DATABASE_URL"):
        pytest.skip("the standby is made of an embedded PostgreSQL; TEST_DATABASE_URL is set")
    with tempfile.TemporaryDirectory(prefix="gp-test-make-replica-") as tmp:
        os.chmod(tmp, 0o711)  # noqa: S103 - search only: as root the server runs as another user
        env = {
            **{k: v for k, v in os.environ.items() if not k.endswith(("_URL", "DATA_DIR"))},
            "DATA_DIR": tmp,
        }
        command = [sys.executable, "-m", "service"]
        try:
            started = subprocess.run(
                [*command, "servers", "--replica"],
                cwd=ROOT, env=env, capture_output=True, text=True, timeout=300, check=False,
            )  # fmt: skip
            assert started.returncode == 0, started.stderr
            urls = dict(line.split("=", 1) for line in started.stdout.splitlines() if "=" in line)
            assert urls["DATABASE_REPLICA_URL"] != urls["DATABASE_URL"]

            async def in_recovery(url: str) -> bool:
                async with connected(url) as conn:
                    row = await replication_queries.get_replay_lsn(conn)
                    return row is not None and row.in_recovery

            assert asyncio.run(in_recovery(urls["DATABASE_REPLICA_URL"]))
            assert not asyncio.run(in_recovery(urls["DATABASE_URL"]))
        finally:
            subprocess.run([*command, "stop"], cwd=ROOT, env=env, capture_output=True, check=False)


def test_servers_replica_needs_the_embedded_postgres() -> None:
    env = {**os.environ, "DATABASE_URL": "postgres://u:p@127.0.0.1:1/db"}
    result = subprocess.run(
        [sys.executable, "-m", "service", "servers", "--replica"],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert result.returncode == 2
    assert "--replica: a replica is made of the embedded PostgreSQL" in result.stderr
