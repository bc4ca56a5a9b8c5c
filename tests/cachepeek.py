"""Looking at what the cache stored, straight from Redis (the engine has no test-only reads)."""

from __future__ import annotations

from service.cache.engine import CacheKey, generation_key
from service.store.redis import RedisClient


async def peek(client: RedisClient, key: CacheKey) -> bytes | None:
    """What Redis holds for `key` in its namespace's current generation, as stored."""
    generation = await client.get(generation_key(key.namespace))
    if generation is None:
        return None
    assert isinstance(generation, bytes)
    body = await client.get(key.entry(generation))
    assert body is None or isinstance(body, bytes)
    return body
