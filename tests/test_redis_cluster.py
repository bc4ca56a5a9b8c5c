"""Redis Cluster (REDIS_CLUSTER=on): the cache, sessions, rate limits and quotas on a real
3-master cluster of the embedded redis-server, and a master killed under load."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import socket
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from aiohttp.test_utils import TestClient, TestServer
from apicheck import PASSWORD, sign_up
from conftest import app_settings
from redis.asyncio.cluster import RedisCluster
from test_cache import config

from service.app import create_app
from service.cache.engine import CACHE, Cache, CacheKey
from service.config import SettingError, Settings
from service.dev.embedded import free_port, redis_bin
from service.store.queries.enums import UsersTier
from service.web import quotas
from service.web.problems import Problem

pytestmark = pytest.mark.scale

NO_HANG = 30.0


def cluster_port() -> int:
    """A free port whose cluster bus port (10000 higher) is free too."""
    while True:
        port = free_port()
        if port <= 55535 and _free(port + 10000):
            return port


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
        return True


class Cluster:
    """Three redis-server masters, each with `replicas` replicas, in throw-away dirs; a node may
    be killed and started again (its nodes.conf and append-only file bring back its slots, or
    its place as a replica, and its data)."""

    def __init__(self, root: Path, replicas: int = 0) -> None:
        self.root = root
        self.replicas = replicas
        self.ports = [cluster_port() for _ in range(3 * (1 + replicas))]
        self.processes: dict[int, subprocess.Popen[bytes]] = {}

    @property
    def url(self) -> str:
        """A URL of a node that runs."""
        return f"redis://127.0.0.1:{self.live[0]}"

    @property
    def live(self) -> list[int]:
        return [port for port in self.ports if port in self.processes]

    def start_node(self, port: int) -> None:
        directory = self.root / str(port)
        directory.mkdir(exist_ok=True)
        self.processes[port] = subprocess.Popen(
            [
                str(redis_bin("redis-server")),
                "--bind", "127.0.0.1",
                "--port", str(port),
                "--dir", str(directory),
                "--logfile", "redis.log",
                "--save", "",
                # Data outlives a kill, so a node that returns holds what it held (old bodies).
                "--appendonly", "yes",
                "--appendfsync", "always",
                "--cluster-enabled", "yes",
                "--cluster-config-file", "nodes.conf",
                "--cluster-node-timeout", "1000",
                # Without replicas, the other masters keep serving their slots.
                "--cluster-require-full-coverage", "no",
            ]
        )  # fmt: skip
        self.wait(port, "PONG", "PING")

    def cli(self, port: int, *args: str) -> str:
        result = subprocess.run(
            [str(redis_bin("redis-cli")), "-p", str(port), *args],
            capture_output=True,
            text=True,
            timeout=NO_HANG,
        )
        return result.stdout

    def wait(self, port: int, expected: str, *command: str) -> None:
        deadline = time.monotonic() + NO_HANG
        while expected not in self.cli(port, *command):
            assert time.monotonic() < deadline, f"{port}: no {expected!r} from {command}"
            time.sleep(0.05)

    def start(self) -> None:
        for port in self.ports:
            self.start_node(port)
        nodes = [f"127.0.0.1:{port}" for port in self.ports]
        created = subprocess.run(
            [
                *(str(redis_bin("redis-cli")), "--cluster", "create", *nodes, "--cluster-yes"),
                *("--cluster-replicas", str(self.replicas)),
            ],
            capture_output=True,
            text=True,
            timeout=NO_HANG,
        )
        assert created.returncode == 0, created.stdout + created.stderr
        for port in self.ports:
            self.wait(port, "cluster_state:ok", "CLUSTER", "INFO")
        if self.replicas:  # until every replica has its master's data
            for port in self.ports:
                if "role:slave" in self.cli(port, "INFO", "replication"):
                    self.wait(port, "master_link_status:up", "INFO", "replication")

    def master_of(self, key: str) -> int:
        """The port of the master serving `key`'s slot."""
        slot = int(self.cli(self.live[0], "CLUSTER", "KEYSLOT", key))
        for line in self.cli(self.live[0], "CLUSTER", "NODES").splitlines():
            fields = line.split()
            for part in fields[8:] if "master" in fields[2] and "fail" not in fields[2] else []:
                low, _, high = part.partition("-")
                if int(low) <= slot <= int(high or low):
                    return int(fields[1].split(":")[1].split("@")[0])
        raise AssertionError(f"no master serves slot {slot}")

    def kill(self, port: int) -> None:
        process = self.processes.pop(port)
        process.kill()
        process.wait()

    def restart(self, port: int) -> None:
        self.start_node(port)
        for other in self.ports:
            self.wait(other, "cluster_state:ok", "CLUSTER", "INFO")

    def wait_for_failover(self, key: str, dead: int) -> int:
        """The port of the replica promoted in `dead`'s place for `key`'s slot."""
        deadline = time.monotonic() + NO_HANG
        while True:
            with contextlib.suppress(AssertionError):
                if (port := self.master_of(key)) != dead:
                    for other in self.live:
                        self.wait(other, "cluster_state:ok", "CLUSTER", "INFO")
                    return port
            assert time.monotonic() < deadline, "no replica took over"
            time.sleep(0.05)

    def stop(self) -> None:
        for port in list(self.processes):
            self.kill(port)


@pytest.fixture
def cluster(tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[Cluster]:
    """A fresh 3-master Redis Cluster for one test (with replicas: the test's parameter)."""
    the_cluster = Cluster(tmp_path, getattr(request, "param", 0))
    try:
        the_cluster.start()
        yield the_cluster
    finally:
        the_cluster.stop()


def cluster_config(cluster: Cluster, **overrides: Any) -> Settings:
    return config(cluster.url, redis_cluster=True, **overrides)


class Source:
    """What the loaders read: one value per key, and how often it was read."""

    def __init__(self) -> None:
        self.values: dict[str, bytes | None] = {}
        self.loads = 0

    def loader(self, rest: str) -> Any:
        async def load() -> bytes | None:
            self.loads += 1
            await asyncio.sleep(0.01)
            return self.values.get(rest)

        return load


async def test_the_cache_works_on_a_cluster(cluster: Cluster) -> None:
    source = Source()
    source.values = {"casper": b'{"v":1}', "slimer": b'{"v":1}'}
    casper, slimer = CacheKey.of("ghosts", "casper"), CacheKey.of("lists", "slimer")
    cache = Cache.from_settings(cluster_config(cluster))
    other = Cache.from_settings(cluster_config(cluster))  # a second process
    try:
        # miss, then hit; "not found" is cached too
        assert await cache.get_or_load(casper, ttl=60, load=source.loader("casper")) == b'{"v":1}'
        await cache.settled()
        assert await other.get_or_load(casper, ttl=60, load=source.loader("casper")) == b'{"v":1}'
        assert (cache.misses, other.hits, source.loads) == (1, 1, 1)
        assert (
            await cache.get_or_load(
                CacheKey.of("ghosts", "nobody"), ttl=60, load=source.loader("nobody")
            )
            is None
        )
        # one namespace's entries, leases and generation share a slot
        entries = await keys_in(cluster, "gp:v1:*")
        assert "gp:v1:gen:{ghosts}" in entries
        assert any(key.startswith("gp:v1:{ghosts}:g") for key in entries)
        # invalidating a key, then namespaces in different slots in one call
        source.values["casper"] = b'{"v":2}'
        assert await cache.invalidate(keys=[casper])
        assert await other.get_or_load(casper, ttl=60, load=source.loader("casper")) == b'{"v":2}'
        await other.get_or_load(slimer, ttl=60, load=source.loader("slimer"))
        await other.settled()
        source.values = {"casper": b'{"v":3}', "slimer": b'{"v":3}'}
        assert await cache.invalidate(namespaces=["ghosts", "lists"])
        assert await other.get_or_load(casper, ttl=60, load=source.loader("casper")) == b'{"v":3}'
        assert await other.get_or_load(slimer, ttl=60, load=source.loader("slimer")) == b'{"v":3}'
        # single flight: concurrent misses in two processes load once (the lease)
        await cache.invalidate(namespaces=["ghosts"])
        await other.settled()
        before = source.loads
        bodies = await asyncio.gather(
            *(
                c.get_or_load(casper, ttl=60, load=source.loader("casper"))
                for c in [cache, other] * 5
            )
        )
        assert set(bodies) == {b'{"v":3}'}
        assert source.loads - before == 1
        assert cache.errors == other.errors == 0
    finally:
        await cache.close()
        await other.close()


async def keys_in(cluster: Cluster, pattern: str) -> set[str]:
    client = RedisCluster.from_url(cluster.url)
    try:
        found = await client.keys(pattern, target_nodes=RedisCluster.PRIMARIES)
        return {key.decode() if isinstance(key, bytes) else key for key in found}
    finally:
        await client.aclose()


@dataclasses.dataclass(frozen=True)
class Member:
    id: uuid.UUID
    tier: UsersTier


@pytest.fixture
async def app_client(migrated_dsn: str, cluster: Cluster) -> AsyncIterator[TestClient[Any, Any]]:
    settings = dataclasses.replace(
        app_settings(migrated_dsn, cluster.url, None),
        redis_cluster=True,
        rate_limit_anonymous="8/60",
        rate_limit_user="1000/60",
        rate_limit_auth="100/60",
        quota_conversation_messages="2,3,5",
        cache_breaker_cooldown=0.2,
        redis_socket_timeout=0.5,
        cache_timeout=0.5,
    )
    async with TestClient(TestServer(create_app(settings))) as client:
        yield client


async def test_sessions_rate_limits_and_quotas_on_a_cluster(
    app_client: TestClient[Any, Any],
) -> None:
    client = app_client
    rita = await sign_up(client, "rita")
    for _ in range(3):
        me = await client.get("/v1/me", headers=rita.headers)
        assert me.status == 200, await me.text()
    assert client.app[CACHE].hits >= 1, "the session came from the cache"
    ready = await client.get("/health/ready")
    assert ready.status == 200, await ready.text()
    # a signed-in user signing in: the user's limit and the IP's `auth`, two subjects (slots)
    login = await client.post(
        "/v1/auth/login",
        json={"login": "rita@example.org", "password": PASSWORD},
        headers=rita.headers,
    )
    assert login.status == 200, await login.text()
    assert "user" in login.headers["RateLimit"] and "auth" in login.headers["RateLimit"]
    client.session.cookie_jar.clear()  # anonymous again
    # the anonymous limit (signing up counted 1 of 8)
    statuses = [(await client.get("/openapi.json")).status for _ in range(8)]
    assert statuses.count(429) >= 1 and statuses[0] == 200
    # a quota: the free tier's 2 messages a day
    member = Member(uuid.uuid4(), "free")
    for used in (1, 2):
        state = await quotas.consume(client.app, member, "conversation_messages")
        assert state.used == used
    with pytest.raises(Problem) as refused:
        await quotas.consume(client.app, member, "conversation_messages")
    assert refused.value.status == 429


@pytest.mark.parametrize(
    "cluster", [0, 1], ids=["no replicas: it restarts", "a replica takes over"], indirect=True
)
async def test_a_killed_master_loses_no_request_and_serves_nothing_stale(
    app_client: TestClient[Any, Any], cluster: Cluster
) -> None:
    client = app_client
    rita = await sign_up(client, "rita")
    cache = client.app[CACHE]
    source = Source()
    source.values["casper"] = b'{"v":1}'
    casper = CacheKey.of("ghosts", "casper")
    assert await cache.get_or_load(casper, ttl=600, load=source.loader("casper")) == b'{"v":1}'
    await cache.settled()
    victim = cluster.master_of("gp:v1:gen:{ghosts}")
    failed: list[int] = []
    done = asyncio.Event()

    async def load() -> int:
        served = 0
        while not done.is_set():
            for path in ("/v1/me", "/v1/ghosts", "/health/live"):
                response = await client.get(path, headers=rita.headers)
                await response.read()
                if response.status != 200:
                    failed.append(response.status)
                served += 1
        return served

    workers = [asyncio.create_task(load()) for _ in range(4)]
    await asyncio.sleep(0.3)
    cluster.kill(victim)
    # a write while the namespace's master is down: the invalidation is queued
    source.values["casper"] = b'{"v":2}'
    assert not await cache.invalidate(keys=[casper]), "queued: its slot's master is gone"
    assert await cache.get_or_load(casper, ttl=600, load=source.loader("casper")) == b'{"v":2}'
    await asyncio.sleep(1.0)
    if cluster.replicas:
        # its replica, which holds the old body, is promoted (the cluster's own failover)
        promoted = await asyncio.to_thread(cluster.wait_for_failover, "gp:v1:gen:{ghosts}", victim)
        assert promoted != victim
    else:
        # it comes back with its old data (append-only file): the old body is still in it
        await asyncio.to_thread(cluster.restart, victim)
    assert await cache.get_or_load(casper, ttl=600, load=source.loader("casper")) == b'{"v":2}'
    async with asyncio.timeout(NO_HANG):
        while cache.pending_invalidations:  # every read meanwhile is fresh too
            await asyncio.sleep(0.05)
            assert await cache.get_or_load(casper, ttl=600, load=source.loader("casper")) == (
                b'{"v":2}'
            )
    other = Cache.from_settings(cluster_config(cluster))  # another process, after the return
    try:
        assert await other.get_or_load(casper, ttl=600, load=source.loader("casper")) == (
            b'{"v":2}'
        )
    finally:
        await other.close()
    await asyncio.sleep(0.3)
    done.set()
    served = sum(await asyncio.gather(*workers))
    assert failed == [], f"{len(failed)} of {served} requests failed: {set(failed)}"
    assert served > 0 and cache.errors > 0, "the cache did meet the dead master"


def test_a_cluster_needs_its_url() -> None:
    with pytest.raises(SettingError, match="REDIS_CLUSTER"):
        Settings(redis_cluster=True).validate()
    Settings(redis_cluster=True, redis_url="redis://127.0.0.1:7000").validate()
