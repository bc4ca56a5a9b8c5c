"""The Redis cache: cache-aside bytes, no stale write-back, single flight, fail open, replay."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
from collections.abc import AsyncIterator, Callable, Iterator
from functools import partial
from typing import Any

import msgspec
import pytest
import redis.asyncio as redis
from aiohttp import web
from aiohttp.test_utils import TestClient
from cachepeek import peek

from service.cache.catalog import TTL_DAY, TTL_MEDIUM, TTL_NEGATIVE, TTL_SHORT, Keys
from service.cache.engine import CACHE, NOT_FOUND, Cache, CacheKey, Loader
from service.config import Settings
from service.dev.embedded import EmbeddedRedis
from service.store.db import DATABASE, transaction
from service.store.queries import ghosts
from service.store.redis import Breaker

# Bounds that only turn a hang into a failure; nothing here measures speed.
NO_HANG = 30.0
CASPER = Keys.ghost_by_slug("casper")


def config(redis_url: str, **overrides: Any) -> Settings:
    """Settings with short timeouts and cool-downs, so faults play out quickly."""
    values: dict[str, Any] = {
        "redis_url": redis_url,
        "redis_socket_timeout": 0.1,
        "cache_timeout": 0.2,
        "cache_breaker_failures": 3,
        "cache_breaker_cooldown": 0.1,
        "cache_lease_ttl": 2.0,
        "cache_lease_wait": 1.0,
    }
    return Settings(**(values | overrides))


@contextlib.asynccontextmanager
async def opened(redis_url: str, **overrides: Any) -> AsyncIterator[Cache]:
    """A cache as one process would hold it: its own client and state."""
    cache = Cache.from_settings(config(redis_url, **overrides))
    try:
        yield cache
    finally:
        await cache.close()


@pytest.fixture
async def cache(redis_url: str) -> AsyncIterator[Cache]:
    async with opened(redis_url) as the_cache:
        yield the_cache


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[redis.Redis]:
    """A plain client, to look at what the cache wrote."""
    client = redis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


class Table:
    """Stands in for a table: a version per slug that each write bumps; loads are counted."""

    def __init__(self, **rows: int) -> None:
        self.rows = dict(rows)
        self.loads = 0

    async def load(self, slug: str) -> bytes | None:
        self.loads += 1
        await asyncio.sleep(0)
        version = self.rows.get(slug)
        return None if version is None else msgspec.json.encode({"slug": slug, "version": version})

    def loader(self, slug: str) -> Loader:
        return partial(self.load, slug)


def version(body: bytes | None) -> int:
    assert body is not None
    return int(msgspec.json.decode(body)["version"])


async def eventually(check: Callable[[], bool]) -> None:
    """Wait until `check()` holds (the bound only turns a hang into a failure)."""
    async with asyncio.timeout(NO_HANG):
        while True:
            if check():
                return
            await asyncio.sleep(0.01)


async def stored(raw: redis.Redis, name: str) -> bytes | None:
    """What Redis holds at `name`, as the cache wrote it."""
    value = await raw.get(name)
    assert value is None or isinstance(value, bytes)
    return value


async def generation(raw: redis.Redis, namespace: str) -> int:
    value = await stored(raw, f"gp:v1:gen:{namespace}")
    assert value is not None
    return int(value)


async def entry_key(raw: redis.Redis, key: CacheKey) -> str:
    """The Redis key of `key` in its namespace's current generation."""
    return f"gp:v1:{key.namespace}:g{await generation(raw, key.namespace)}:{key.rest}"


def ours(server: EmbeddedRedis | None) -> EmbeddedRedis:
    if server is None:
        pytest.skip("an external Redis (TEST_REDIS_URL) is not ours to stop")
    return server


@contextlib.contextmanager
def hung(server: EmbeddedRedis) -> Iterator[None]:
    """Redis frozen (SIGSTOP): connections open, nothing answers, data kept."""
    pid = int(server.pid_file.read_text())
    os.kill(pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(pid, signal.SIGCONT)


@contextlib.asynccontextmanager
async def stopped(server: EmbeddedRedis) -> AsyncIterator[None]:
    """Redis shut down (its data is lost), then started again on the same port."""
    await asyncio.to_thread(server.stop)
    try:
        yield
    finally:
        await asyncio.to_thread(server.start)


@contextlib.asynccontextmanager
async def fault(kind: str, server: EmbeddedRedis) -> AsyncIterator[None]:
    if kind == "hung":
        with hung(server):
            yield
    else:
        async with stopped(server):
            yield


# ---- keys and storage ----------------------------------------------------------------------


async def test_a_hit_returns_the_stored_bytes_without_loading(
    cache: Cache, raw: redis.Redis
) -> None:
    table = Table(casper=1)
    first = await cache.get_or_load(CASPER, ttl=TTL_MEDIUM, load=table.loader("casper"))
    second = await cache.get_or_load(CASPER, ttl=TTL_MEDIUM, load=table.loader("casper"))
    assert first == second == b'{"slug":"casper","version":1}'
    assert table.loads == 1
    assert (cache.hits, cache.misses, cache.stores) == (1, 1, 1)
    entry = await entry_key(raw, CASPER)
    assert entry.startswith("gp:v1:ghosts:g") and entry.endswith(":slug:casper")
    assert await raw.get(entry) == first
    assert 0.9 * TTL_MEDIUM * 1000 <= await raw.pttl(entry) <= TTL_MEDIUM * 1000
    assert await raw.ttl("gp:v1:gen:ghosts") == -1  # generations never expire
    assert not await raw.exists(entry + "#lease")


def test_keys_escape_their_parts_and_digest_long_ones() -> None:
    assert CacheKey.of("ghosts", "a:b", "c") != CacheKey.of("ghosts", "a", "b:c")
    assert CacheKey.of("ghosts", "a#b").rest == "a%23b"
    long = CacheKey.of("search", "q", "x" * 500)
    assert long.rest.startswith("!") and len(long.rest) == 33
    assert long != CacheKey.of("search", "q", "x" * 501)


@pytest.mark.parametrize("namespace", ["", "Ghosts", "gen", "a:b", "a b", "1st"])
def test_namespaces_that_would_break_the_key_layout_are_refused(namespace: str) -> None:
    with pytest.raises(ValueError):
        CacheKey.of(namespace, "x")


async def test_invalidating_a_namespace_bumps_its_generation_only(
    cache: Cache, raw: redis.Redis
) -> None:
    table = Table(casper=1, bloody=1)
    story = CacheKey.of("stories", "slug", "bloody")
    await cache.get_or_load(CASPER, ttl=TTL_DAY, load=table.loader("casper"))
    await cache.get_or_load(story, ttl=TTL_DAY, load=table.loader("bloody"))
    ghosts_before = await generation(raw, "ghosts")
    stories_before = await generation(raw, "stories")
    table.rows = {"casper": 2, "bloody": 2}
    assert await cache.invalidate(namespaces=["ghosts"]) is True
    assert await generation(raw, "ghosts") == ghosts_before + 1
    assert await generation(raw, "stories") == stories_before
    assert version(await cache.get_or_load(CASPER, ttl=TTL_SHORT, load=table.loader("casper"))) == 2
    assert version(await cache.get_or_load(story, ttl=TTL_SHORT, load=table.loader("bloody"))) == 1


async def test_invalidating_a_key_reloads_that_key_only(cache: Cache) -> None:
    table = Table(casper=1, slimer=1)
    slimer = Keys.ghost_by_slug("slimer")
    for key, slug in [(CASPER, "casper"), (slimer, "slimer")]:
        await cache.get_or_load(key, ttl=TTL_SHORT, load=table.loader(slug))
    table.rows = {"casper": 2, "slimer": 2}
    assert await cache.invalidate(keys=[CASPER]) is True
    assert version(await cache.get_or_load(CASPER, ttl=TTL_SHORT, load=table.loader("casper"))) == 2
    assert version(await cache.get_or_load(slimer, ttl=TTL_SHORT, load=table.loader("slimer"))) == 1


# ---- no stale write-back ---------------------------------------------------------------------


@pytest.mark.parametrize("scope", ["key", "namespace"])
@pytest.mark.parametrize("writer", ["same process", "other process"])
async def test_a_read_started_before_a_write_cannot_store_the_old_value(
    redis_url: str, raw: redis.Redis, scope: str, writer: str
) -> None:
    table = Table(casper=1)
    loaded, proceed = asyncio.Event(), asyncio.Event()

    async def slow_load() -> bytes | None:
        body = await table.load("casper")
        loaded.set()
        await proceed.wait()
        return body

    async with (
        opened(redis_url) as cache,
        opened(redis_url) as other,
        asyncio.timeout(NO_HANG),
    ):
        old_read = asyncio.create_task(cache.get_or_load(CASPER, ttl=TTL_MEDIUM, load=slow_load))
        await loaded.wait()  # the read has loaded version 1 and is paused before storing it
        table.rows["casper"] = 2  # the write commits...
        writing = cache if writer == "same process" else other
        if scope == "key":  # ...then invalidates
            assert await writing.invalidate(keys=[CASPER])
        else:
            assert await writing.invalidate(namespaces=["ghosts"])

        # A read that starts now loads the new row, even while the old load is in flight.
        during = asyncio.create_task(
            cache.get_or_load(CASPER, ttl=TTL_MEDIUM, load=table.loader("casper"))
        )
        if writer == "same process":
            assert version(await during) == 2
        proceed.set()
        assert version(await old_read) == 1  # the old read answers with what it saw...
        assert version(await during) == 2
        # ...but could not put it back.
        after = await cache.get_or_load(CASPER, ttl=TTL_MEDIUM, load=table.loader("casper"))
        assert version(after) == 2
        assert cache.rejected_stores == 1
        assert version(await peek(raw, CASPER)) == 2


# ---- stampedes -------------------------------------------------------------------------------


async def test_concurrent_misses_for_one_key_run_the_loader_once(cache: Cache) -> None:
    started, gate = asyncio.Event(), asyncio.Event()
    calls = 0

    async def load() -> bytes | None:
        nonlocal calls
        calls += 1
        started.set()
        await gate.wait()
        return b'{"n":1}'

    reads = [
        asyncio.create_task(cache.get_or_load(CASPER, ttl=TTL_SHORT, load=load)) for _ in range(100)
    ]
    async with asyncio.timeout(NO_HANG):
        await started.wait()
        gate.set()
        assert await asyncio.gather(*reads) == [b'{"n":1}'] * 100
    assert calls == 1
    assert cache.coalesced == 99


async def test_a_second_process_waits_for_the_first_ones_load(redis_url: str) -> None:
    started, gate = asyncio.Event(), asyncio.Event()
    calls = 0

    async def load() -> bytes | None:
        nonlocal calls
        calls += 1
        started.set()
        await gate.wait()
        return b'{"n":1}'

    async with (
        opened(redis_url, cache_lease_wait=NO_HANG) as a,
        opened(redis_url, cache_lease_wait=NO_HANG) as b,
        asyncio.timeout(NO_HANG),
    ):
        reads = [
            asyncio.create_task(a.get_or_load(CASPER, ttl=TTL_SHORT, load=load)) for _ in range(50)
        ]
        await started.wait()  # a holds the lease
        reads += [
            asyncio.create_task(b.get_or_load(CASPER, ttl=TTL_SHORT, load=load)) for _ in range(50)
        ]
        await eventually(lambda: b.lease_waits == 1)
        gate.set()
        assert await asyncio.gather(*reads) == [b'{"n":1}'] * 100
        assert calls == 1
        assert (b.hits, b.loads) == (1, 0)


async def test_a_waiter_loads_itself_when_the_lease_holder_is_stuck(redis_url: str) -> None:
    table = Table(casper=1)
    started, gate = asyncio.Event(), asyncio.Event()

    async def stuck_load() -> bytes | None:
        started.set()
        await gate.wait()
        return await table.load("casper")

    async with (
        opened(redis_url) as a,
        opened(redis_url, cache_lease_wait=0.1) as b,
        asyncio.timeout(NO_HANG),
    ):
        holder = asyncio.create_task(a.get_or_load(CASPER, ttl=TTL_SHORT, load=stuck_load))
        await started.wait()
        body = await b.get_or_load(CASPER, ttl=TTL_SHORT, load=table.loader("casper"))
        assert version(body) == 1
        assert (b.lease_waits, b.loads, b.stores) == (1, 1, 0)  # only the holder stores
        gate.set()
        await holder
        assert a.stores == 1
        await b.get_or_load(CASPER, ttl=TTL_SHORT, load=table.loader("casper"))
        assert b.hits == 1


async def test_a_failed_load_is_not_cached_and_gives_its_lease_back(redis_url: str) -> None:
    started, gate = asyncio.Event(), asyncio.Event()

    async def failing_load() -> bytes | None:
        started.set()
        await gate.wait()
        raise RuntimeError("database said no")

    async with opened(redis_url) as a, opened(redis_url) as b:
        reads = [
            asyncio.create_task(a.get_or_load(CASPER, ttl=TTL_SHORT, load=failing_load))
            for _ in range(10)
        ]
        await started.wait()
        gate.set()
        results = await asyncio.gather(*reads, return_exceptions=True)
        assert all(isinstance(r, RuntimeError) for r in results)
        # The lease went back, so another process loads at once instead of waiting.
        body = await b.get_or_load(CASPER, ttl=TTL_SHORT, load=Table(casper=1).loader("casper"))
        assert version(body) == 1
        assert b.lease_waits == 0


# ---- not found -------------------------------------------------------------------------------


async def test_not_found_is_cached_briefly_and_cleared_when_the_row_is_created(
    cache: Cache, raw: redis.Redis
) -> None:
    table = Table()
    assert await cache.get_or_load(CASPER, ttl=TTL_DAY, load=table.loader("casper")) is None
    assert await cache.get_or_load(CASPER, ttl=TTL_DAY, load=table.loader("casper")) is None
    assert table.loads == 1
    assert 0 < await raw.pttl(await entry_key(raw, CASPER)) <= TTL_NEGATIVE * 1000
    assert await peek(raw, CASPER) == NOT_FOUND
    table.rows["casper"] = 1  # the create commits, then invalidates the key
    assert await cache.invalidate(keys=[CASPER])
    assert version(await cache.get_or_load(CASPER, ttl=TTL_DAY, load=table.loader("casper"))) == 1


async def test_the_app_caches_rows_from_postgresql_and_forgets_not_found_on_create(
    client: TestClient[web.Request, web.Application],
) -> None:
    app = client.app
    cache, db = app[CACHE], app[DATABASE]
    key = Keys.ghost_by_slug("cache-wraith")
    loads = 0

    async def load_ghost_json() -> bytes | None:
        nonlocal loads
        loads += 1
        row = await ghosts.get_ghost_detail(db.primary, slug="cache-wraith", include_drafts=False)
        return None if row is None else msgspec.json.encode(row)

    assert await cache.get_or_load(key, ttl=TTL_MEDIUM, load=load_ghost_json) is None
    assert await cache.get_or_load(key, ttl=TTL_MEDIUM, load=load_ghost_json) is None
    assert loads == 1
    async with transaction(db) as conn:
        await ghosts.insert_ghost(
            conn,
            slug="cache-wraith",
            name="Cache Wraith",
            entity_type="wraith",
            origin=None,
            location=None,
            era=None,
            description="Haunts stale entries.",
            danger_level=2,
            characteristics=[],
            tags=[],
            status="published",
            author_id=None,
        )
    assert await cache.invalidate(keys=[key])
    body = await cache.get_or_load(key, ttl=TTL_MEDIUM, load=load_ghost_json)
    assert body is not None and msgspec.json.decode(body)["name"] == "Cache Wraith"
    assert await cache.get_or_load(key, ttl=TTL_MEDIUM, load=load_ghost_json) == body
    assert loads == 2


# ---- failing open ----------------------------------------------------------------------------


def test_the_breaker_opens_after_consecutive_failures_then_lets_one_probe_through() -> None:
    breaker = Breaker(threshold=2, cooldown=0.0)
    assert breaker.allow() and not breaker.failed()
    breaker.succeeded()  # a success resets the count
    assert not breaker.failed()
    assert breaker.failed()  # second consecutive failure: open
    assert breaker.state == "half-open"  # no cool-down to wait for
    assert breaker.allow()  # the probe...
    assert not breaker.allow()  # ...goes alone
    breaker.abandoned()  # a cancelled probe frees the slot
    assert breaker.allow()
    assert breaker.succeeded()
    assert not breaker.failures and breaker.opened_at is None
    waiting = Breaker(threshold=1, cooldown=3600.0)
    waiting.failed()
    assert waiting.state == "open" and not waiting.allow()


@pytest.mark.parametrize("kind", ["stopped", "hung"])
async def test_with_redis_gone_calls_answer_from_the_loader_and_the_breaker_opens(
    redis_url: str, redis_server: EmbeddedRedis | None, kind: str
) -> None:
    server = ours(redis_server)
    table = Table(casper=1)
    async with (
        opened(redis_url, cache_breaker_cooldown=3600.0) as cache,
        asyncio.timeout(NO_HANG),
        fault(kind, server),
    ):
        for _ in range(10):
            body = await cache.get_or_load(CASPER, ttl=TTL_SHORT, load=table.loader("casper"))
            assert version(body) == 1
        assert table.loads == 10
        assert (cache.errors, cache.skipped, cache.bypassed) == (3, 7, 10)
        assert cache.breaker_state == "open"


async def test_the_breaker_half_opens_and_closes_once_redis_is_back(
    redis_url: str, redis_server: EmbeddedRedis | None
) -> None:
    server = ours(redis_server)
    table = Table(casper=1)
    load = table.loader("casper")
    async with opened(redis_url) as cache:
        async with stopped(server):
            for _ in range(3):
                await cache.get_or_load(CASPER, ttl=TTL_SHORT, load=load)
            assert cache.breaker_state in {"open", "half-open"}

        async def probe() -> bool:
            await cache.get_or_load(CASPER, ttl=TTL_SHORT, load=load)
            return cache.breaker_state == "closed"

        async with asyncio.timeout(NO_HANG):
            while True:
                if await probe():
                    break
                await asyncio.sleep(0.02)
        hits = cache.hits
        await cache.get_or_load(CASPER, ttl=TTL_SHORT, load=load)
        assert cache.hits == hits + 1


@pytest.mark.parametrize("kind", ["stopped", "hung"])
async def test_calls_ride_through_redis_going_away_and_never_serve_stale_data(
    redis_url: str, redis_server: EmbeddedRedis | None, kind: str
) -> None:
    server = ours(redis_server)
    slugs = ["casper", "slimer", "bloody-mary"]
    table = Table(**dict.fromkeys(slugs, 0))
    settled = dict(table.rows)  # the newest version of each row whose invalidation returned
    done = asyncio.Event()

    async with opened(redis_url, cache_lease_wait=0.2) as cache:

        async def reader() -> None:
            while not done.is_set():
                for slug in slugs:
                    floor = settled[slug]
                    key = Keys.ghost_by_slug(slug)
                    body = await cache.get_or_load(key, ttl=TTL_MEDIUM, load=table.loader(slug))
                    assert version(body) >= floor, f"{slug}: stale version served"
                await asyncio.sleep(0)

        async def writer() -> None:
            n = 0
            while not done.is_set():
                slug = slugs[n % len(slugs)]
                table.rows[slug] += 1  # commit...
                if n % 4 == 3:  # ...then invalidate, sometimes the whole namespace
                    await cache.invalidate(namespaces=["ghosts"])
                else:
                    await cache.invalidate(keys=[Keys.ghost_by_slug(slug)])
                settled[slug] = table.rows[slug]
                n += 1
                await asyncio.sleep(0.01)

        async def outage() -> None:
            await asyncio.sleep(0.3)
            bypassed = cache.bypassed
            async with fault(kind, server):
                await asyncio.sleep(0.5)
                assert cache.bypassed > bypassed  # the loader answered while Redis was gone
                assert cache.pending_invalidations > 0
            await eventually(
                lambda: cache.breaker_state == "closed" and cache.pending_invalidations == 0
            )
            hits = cache.hits
            await eventually(lambda: cache.hits > hits + 10)  # and the cache works again
            done.set()

        async with asyncio.timeout(NO_HANG):
            await asyncio.gather(reader(), reader(), writer(), outage())
        for slug in slugs:
            key = Keys.ghost_by_slug(slug)
            body = await cache.get_or_load(key, ttl=TTL_MEDIUM, load=table.loader(slug))
            assert version(body) == table.rows[slug]


async def test_an_invalidation_missed_while_redis_was_down_is_replayed_before_any_cached_read(
    redis_url: str, redis_server: EmbeddedRedis | None, raw: redis.Redis
) -> None:
    server = ours(redis_server)
    table = Table(casper=1)
    snapshot = server.data_dir / "dump.rdb"
    # No background retry and no open breaker: the next read itself must replay.
    async with opened(redis_url, cache_breaker_failures=100, cache_breaker_cooldown=3600.0) as c:
        old = await c.get_or_load(CASPER, ttl=TTL_MEDIUM, load=table.loader("casper"))
        entry = await entry_key(raw, CASPER)
        await raw.save()  # Redis will come back from this snapshot, old body included
        try:
            async with stopped(server):
                table.rows["casper"] = 2
                assert await c.invalidate(keys=[CASPER]) is False
                assert c.pending_invalidations == 1
                body = await c.get_or_load(CASPER, ttl=TTL_MEDIUM, load=table.loader("casper"))
                assert version(body) == 2
        finally:
            snapshot.unlink()  # later restarts in other tests must come back empty
        await raw.connection_pool.disconnect()  # its connections died with the old server
        assert await stored(raw, entry) == old
        body = await c.get_or_load(CASPER, ttl=TTL_MEDIUM, load=table.loader("casper"))
        assert version(body) == 2
        assert c.pending_invalidations == 0
        assert version(await stored(raw, entry)) == 2


async def skip_redis(cache: Cache, server: EmbeddedRedis) -> None:
    """Open the breaker of a cache made with CACHE_BREAKER_FAILURES=1 by one call to a hung
    Redis, so that what it misses next is never even sent (a hung Redis would run it late)."""
    with hung(server):
        assert await cache.get_or_load(CASPER, ttl=TTL_SHORT, load=Table().loader("casper")) is None
    assert cache.breaker_state != "closed"


async def test_missed_invalidations_reach_other_processes_without_further_traffic(
    redis_url: str, redis_server: EmbeddedRedis | None, raw: redis.Redis
) -> None:
    server = ours(redis_server)
    table = Table(casper=1)
    async with (
        opened(redis_url, cache_breaker_failures=1, cache_breaker_cooldown=0.3) as writer,
        opened(redis_url) as other,
    ):
        await other.get_or_load(CASPER, ttl=TTL_MEDIUM, load=table.loader("casper"))
        entry = await entry_key(raw, CASPER)
        await skip_redis(writer, server)
        table.rows["casper"] = 2
        assert await writer.invalidate(keys=[CASPER]) is False
        # Until the writer replays, the other process still sees the old body (documented).
        await eventually(lambda: writer.pending_invalidations == 0)  # retried in the background
        assert not await raw.exists(entry)
        body = await other.get_or_load(CASPER, ttl=TTL_MEDIUM, load=table.loader("casper"))
        assert version(body) == 2


async def test_closing_replays_missed_invalidations_even_during_the_cool_down(
    redis_url: str, redis_server: EmbeddedRedis | None, raw: redis.Redis
) -> None:
    server = ours(redis_server)
    table = Table(casper=1)
    async with opened(redis_url, cache_breaker_failures=1, cache_breaker_cooldown=3600.0) as c:
        await c.get_or_load(CASPER, ttl=TTL_MEDIUM, load=table.loader("casper"))
        entry = await entry_key(raw, CASPER)
        await skip_redis(c, server)
        assert await c.invalidate(keys=[CASPER]) is False
        assert await raw.exists(entry)
    assert not await raw.exists(entry)


async def test_too_many_missed_invalidations_bump_every_namespace_in_use(
    redis_url: str, redis_server: EmbeddedRedis | None, raw: redis.Redis
) -> None:
    server = ours(redis_server)
    table = Table(casper=1, bloody=1)
    story = Keys.story_by_slug("bloody")
    async with opened(redis_url, cache_max_pending=2, cache_breaker_failures=100) as cache:
        await cache.get_or_load(CASPER, ttl=TTL_MEDIUM, load=table.loader("casper"))
        await cache.get_or_load(story, ttl=TTL_MEDIUM, load=table.loader("bloody"))
        before = {ns: await generation(raw, ns) for ns in ("ghosts", "stories")}
        with hung(server):
            for slug in ("a", "b", "c"):
                assert await cache.invalidate(keys=[Keys.ghost_by_slug(slug)]) is False
            assert cache.overflows == 1 and cache.pending_invalidations == 1
        await eventually(lambda: cache.pending_invalidations == 0)
        after = {ns: await generation(raw, ns) for ns in ("ghosts", "stories")}
        assert after == {ns: before[ns] + 1 for ns in before}
