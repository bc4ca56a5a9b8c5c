"""Looking at what the cache stored, straight from Redis (the engine has no test-only reads)."""

from __future__ import annotations

import redis.asyncio as redis

from service.cache.engine import CacheKey, generation_key


async def peek(client: redis.Redis, key: CacheKey) -> bytes | None:
    """What Redis holds for `key` in its namespace's current generation, as stored."""
    generation = await client.get(generation_key(key.namespace))
    if generation is None:
        return None
    assert isinstance(generation, bytes)
    body = await client.get(key.entry(generation))
    assert body is None or isinstance(body, bytes)
    return body
