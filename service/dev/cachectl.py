"""Operator commands on the cache: bump every namespace's generation, or flush the cache.

Both touch only cache keys (`gp:v1:<namespace>:g<generation>:...` entries, their leases and
the `gp:v1:gen:<namespace>` counters), never rate-limit windows or quota counters.
"""

from __future__ import annotations

import asyncio
import re
import sys

import redis.asyncio as redis

from service.cache.engine import PREFIX, generation_key
from service.config import Settings
from service.dev.servers import embedded_redis, embedded_redis_cache

_GENERATION = re.compile(rf"^{re.escape(PREFIX)}:gen:([a-z][a-z0-9_-]*)$")
_ENTRY = re.compile(rf"^{re.escape(PREFIX)}:([a-z][a-z0-9_-]*):g[0-9]+:")
# INCR only a counter that exists: a missing one already means "a new generation" (the engine
# starts it from the server clock), and INCR would start it at 1 instead.
_BUMP = "if redis.call('EXISTS', KEYS[1]) == 1 then return redis.call('INCR', KEYS[1]) end"
REDIS_ERRORS = (redis.RedisError, OSError, TimeoutError)


def redis_in_use(settings: Settings) -> str | None:
    """The cache's Redis: REDIS_CACHE_URL, REDIS_URL, or the embedded cache Redis (or, from
    before it existed, the embedded Redis) when it runs; None otherwise (never starts one)."""
    if settings.cache_redis_url:
        return settings.cache_redis_url
    for server in (embedded_redis_cache(settings), embedded_redis(settings)):
        if server.port() is not None:
            return server.url()
    return None


async def _keys(client: redis.Redis, pattern: str) -> list[str]:
    found = []
    async for key in client.scan_iter(match=pattern, count=1000):
        found.append(key.decode() if isinstance(key, bytes) else str(key))
    return found


async def bump_all(url: str) -> list[str]:
    """INCR the generation of every namespace that has one: all cached entries go; the names."""
    client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    try:
        namespaces = sorted(
            match[1]
            for key in await _keys(client, f"{PREFIX}:gen:*")
            if (match := _GENERATION.match(key))
        )
        async with client.pipeline(transaction=False) as pipe:
            for namespace in namespaces:
                pipe.eval(_BUMP, 1, generation_key(namespace))
            await pipe.execute()
    finally:
        await client.aclose()
    return namespaces


async def flush(url: str) -> int:
    """Delete every cache entry, lease and generation counter; the number of keys deleted."""
    client = redis.Redis.from_url(url, socket_timeout=5, socket_connect_timeout=5)
    try:
        keys = [
            key
            for key in await _keys(client, f"{PREFIX}:*")
            if _GENERATION.match(key) or _ENTRY.match(key)
        ]
        for start in range(0, len(keys), 1000):
            await client.unlink(*keys[start : start + 1000])
    finally:
        await client.aclose()
    return len(keys)


def bump_after(settings: Settings, what: str) -> None:
    """After `what` changed rows behind the API's back, bump the cache namespaces (if a Redis
    is in use); a Redis that cannot be reached is reported, not fatal: entries expire anyway."""
    url = redis_in_use(settings)
    if url is None:
        return
    try:
        namespaces = asyncio.run(bump_all(url))
    except REDIS_ERRORS as exc:
        print(
            f"warning: {what}: could not bump the cache namespaces ({type(exc).__name__}: "
            f"{exc}); cached pages show the old rows until their TTLs expire",
            file=sys.stderr,
        )
        return
    print(f"{what}: bumped {len(namespaces)} cache namespaces", file=sys.stderr)
