"""The Redis client the app shares, and the one policy for Redis being unreachable."""

from __future__ import annotations

from typing import Final

import redis.asyncio as redis
from aiohttp import web
from redis.exceptions import RedisError

REDIS = web.AppKey("redis", redis.Redis)

# What "Redis cannot answer now" looks like (TimeoutError is an OSError). Every caller that
# catches these degrades instead of failing the request: the cache fails open, rate limits
# let requests through (sign-in attempts fall back to a per-process limit), sessions are
# read from PostgreSQL, and only quotas refuse (503), since an uncounted action is worse.
REDIS_ERRORS: Final = (RedisError, OSError)
