"""Redis memory is bounded where losing data is harmless: the cache has a Redis of its own with
a maxmemory and allkeys-lru, while the Redis of rate limits and quotas never evicts. Filling
the cache past its limit evicts cache entries only; signed-in users stay signed in, rate-limit
windows stay; pages keyed by text the client chose live TTL_QUERY."""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
from collections.abc import AsyncIterator, Iterator

import pytest
import redis.asyncio as redis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from apicheck import sign_up

from service.app import create_app
from service.cache.catalog import TTL_MEDIUM, TTL_QUERY
from service.cache.engine import CACHE
from service.config import Settings
from service.dev.embedded import EmbeddedRedis
from service.dev.servers import embedded_redis, embedded_redis_cache

Client = TestClient[web.Request, web.Application]

MAXMEMORY = "4mb"


@pytest.fixture
def embedded() -> Iterator[tuple[EmbeddedRedis, EmbeddedRedis]]:
    """The two embedded Redis servers as `make run` starts them: (main, cache)."""
    with tempfile.TemporaryDirectory(prefix="gp-test-redis-memory-") as tmp:
        settings = Settings(data_dir=tmp, redis_cache_maxmemory=MAXMEMORY)
        main, cache = embedded_redis(settings), embedded_redis_cache(settings)
        main.start()
        cache.start()
        try:
            yield main, cache
        finally:
            main.destroy()
            cache.destroy()


@pytest.fixture
async def clients(
    embedded: tuple[EmbeddedRedis, EmbeddedRedis],
) -> AsyncIterator[tuple[redis.Redis, redis.Redis]]:
    main, cache = (redis.Redis.from_url(server.url()) for server in embedded)
    try:
        yield main, cache
    finally:
        await main.aclose()
        await cache.aclose()


@pytest.fixture
def split_settings(migrated_dsn: str, embedded: tuple[EmbeddedRedis, EmbeddedRedis]) -> Settings:
    main, cache = embedded
    return Settings(
        database_url=migrated_dsn,
        redis_url=main.url(),
        redis_cache_url=cache.url(),
        db_pool_min_size=1,
        rate_limit_anonymous="1000/60",
        rate_limit_user="1000/60",
    )


async def keys(client: redis.Redis, pattern: str) -> set[bytes]:
    return {key async for key in client.scan_iter(match=pattern, count=1000)}


async def test_the_cache_redis_evicts_and_the_main_redis_never_does(
    clients: tuple[redis.Redis, redis.Redis],
) -> None:
    main, cache = clients
    assert (await main.config_get("maxmemory-policy"))["maxmemory-policy"] == "noeviction"
    assert (await cache.config_get("maxmemory-policy"))["maxmemory-policy"] == "allkeys-lru"
    assert int(str((await cache.config_get("maxmemory"))["maxmemory"])) == 4 * 1024 * 1024
    assert Settings().redis_cache_maxmemory == "64mb"


async def test_filling_the_cache_past_its_limit_keeps_sessions_and_rate_limits(
    split_settings: Settings, clients: tuple[redis.Redis, redis.Redis]
) -> None:
    main, cache = clients
    async with TestClient(TestServer(create_app(split_settings))) as client:
        reader = await sign_up(client, "rita")
        me = await client.get("/v1/me", headers=reader.headers)
        assert me.status == 200
        windows = await keys(main, "gp:v1:rl:*")
        assert windows, "the requests above are counted in the main Redis"
        assert await keys(cache, "gp:v1:sessions:*"), "the session's copy is in the cache"

        # Anonymous unique searches, then bodies the size of big pages, well past the limit.
        for n in range(50):
            assert (await client.get(f"/v1/search?q=lantern{n}")).status == 200
        page = b"x" * 64 * 1024
        for n in range(2 * 4 * 1024 * 1024 // len(page)):
            await cache.set(f"gp:v1:search:g1:page:filler{n}", page, px=TTL_QUERY * 1000)

        assert (await cache.info("stats"))["evicted_keys"] > 0
        assert (await main.info("stats"))["evicted_keys"] == 0
        assert all(await asyncio.gather(*(main.exists(key) for key in windows)))
        again = await client.get("/v1/me", headers=reader.headers)
        assert again.status == 200
        assert (await again.json())["username"] == "rita"
        assert (await client.get("/v1/search?q=lantern-again")).status == 200


async def test_pages_keyed_by_client_text_live_ttl_query(
    split_settings: Settings, clients: tuple[redis.Redis, redis.Redis]
) -> None:
    _, cache = clients
    async with TestClient(TestServer(create_app(split_settings))) as client:
        for path in (
            "/v1/search?q=lantern",
            "/v1/ghosts?q=lantern",
            "/v1/ghosts/suggest?prefix=la",
        ):
            assert (await client.get(path)).status == 200, path
        await client.app[CACHE].settled()
        texts = await keys(cache, "gp:v1:*:g[0-9]*")
        assert len(texts) == 3
        for key in texts:
            assert 0 < await cache.pttl(key) <= TTL_QUERY * 1000, key

        assert (await client.get("/v1/ghosts")).status == 200
        await client.app[CACHE].settled()
        [plain] = await keys(cache, "gp:v1:*:g[0-9]*") - texts
        assert TTL_QUERY * 1000 < await cache.pttl(plain) <= TTL_MEDIUM * 1000


async def test_each_redis_has_its_own_outage_handling_and_ready_reports_both(
    split_settings: Settings, embedded: tuple[EmbeddedRedis, EmbeddedRedis]
) -> None:
    main, cache = embedded
    reader_headers: dict[str, str] = {}
    async with TestClient(TestServer(create_app(split_settings))) as client:
        reader_headers = (await sign_up(client, "rita")).headers
        ready = await client.get("/health/ready")
        checks = (await ready.json())["checks"]
        assert (checks["redis"], checks["redis_cache"]) == (True, True)

        await asyncio.to_thread(cache.stop)
        for _ in range(3):  # the cache fails open; the session comes from PostgreSQL
            me = await client.get("/v1/me", headers=reader_headers)
            assert me.status == 200
            assert "RateLimit" in me.headers, "rate limits still counted in the main Redis"
        ready = await client.get("/health/ready")
        assert ready.status == 200, "the cache is not required"
        assert (await ready.json())["checks"]["redis_cache"] is False

        await asyncio.to_thread(cache.start)
        await asyncio.to_thread(main.stop)
        ready = await client.get("/health/ready")
        assert ready.status == 503
        assert (await ready.json())["checks"]["redis"] is False
        assert (await client.get("/v1/me", headers=reader_headers)).status == 200


def test_without_a_cache_url_the_cache_shares_redis_url() -> None:
    shared = Settings(redis_url="redis://main:6379/0")
    assert shared.cache_redis_url == "redis://main:6379/0"
    assert not shared.cache_redis_separate
    split = dataclasses.replace(shared, redis_cache_url="redis://cache:6379/0")
    assert split.cache_redis_url == "redis://cache:6379/0"
    assert split.cache_redis_separate
