"""The aiohttp application factory, used by `python -m service run` and by the tests."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import AsyncIterator

import redis.asyncio as redis
from aiohttp import web

from service.cache.engine import CACHE, Cache
from service.config import SETTINGS, Settings
from service.handlers import (
    accounts,
    admin,
    bookmarks,
    comments,
    conversations,
    flags,
    ghosts,
    interactions,
    media,
    preferences,
    reading_progress,
    recommendations,
    search,
    statistics,
    stories,
)
from service.store.db import DATABASE, connect
from service.store.redis import REDIS, REDIS_HEALTH, RedisHealth
from service.store.schema_check import SCHEMA_CHECK, startup_check
from service.web import cors, health, metrics, openapi, quotas
from service.web.health import STARTED_AT
from service.web.metrics import METRICS
from service.web.problems import RECENT_ERRORS, RecentErrors, problem_middleware
from service.web.ratelimit import RATE_LIMITER, RateLimiter, ratelimit_middleware
from service.web.request import TRUSTED_PROXIES, parse_networks, request_id_middleware

log = logging.getLogger("service.app")


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the primary (and replica) pools for the app's lifetime; check the schema once."""
    settings = app[SETTINGS]
    async with asyncio.timeout(settings.db_connect_timeout):
        app[DATABASE] = await connect(
            settings.database_url,
            replica_dsn=settings.database_replica_url or None,
            min_size=settings.db_pool_min_size,
            max_size=settings.db_pool_max_size,
            statement_cache_size=settings.db_statement_cache_size,
            command_timeout=settings.db_command_timeout,
            acquire_timeout=settings.db_pool_timeout,
        )
    # Every generated query must prepare against the live schema, or /health/ready says 503.
    app[SCHEMA_CHECK] = await startup_check(
        settings.database_url, connect_timeout=settings.db_connect_timeout
    )
    yield
    await app[DATABASE].close()


async def redis_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the Redis client for the app's lifetime; it connects lazily, so Redis may be down."""
    settings = app[SETTINGS]
    client = redis.Redis.from_url(
        settings.redis_url,
        socket_timeout=settings.redis_socket_timeout,
        socket_connect_timeout=settings.redis_socket_timeout,
        health_check_interval=30,
    )
    app[REDIS] = client
    yield
    await client.aclose()


async def cache_ctx(app: web.Application) -> AsyncIterator[None]:
    """The Redis cache for the app's lifetime; on the way out it replays missed invalidations."""
    cache = Cache.from_settings(app[SETTINGS], health=app[REDIS_HEALTH])
    app[CACHE] = cache
    yield
    await cache.close()


def create_app(settings: Settings) -> web.Application:
    """Build the application; `settings` must already name the database and Redis URLs."""
    quotas.check_settings(settings)
    # Outermost first: metrics and rate limits see the final status of every response.
    app = web.Application(
        middlewares=[
            request_id_middleware,
            metrics.metrics_middleware,
            ratelimit_middleware,
            problem_middleware,
        ]
    )
    app[SETTINGS] = settings
    app[STARTED_AT] = time.monotonic()
    app[RECENT_ERRORS] = RecentErrors()
    app[TRUSTED_PROXIES] = tuple(parse_networks(settings.trusted_proxies))
    app[REDIS_HEALTH] = RedisHealth.from_settings(settings)  # one Redis policy for every caller
    app[RATE_LIMITER] = RateLimiter.from_settings(settings)
    app[METRICS] = metrics.Metrics(app)
    app.cleanup_ctx.append(database_ctx)
    app.cleanup_ctx.append(redis_ctx)
    app.cleanup_ctx.append(cache_ctx)
    resources = [
        health.routes,
        metrics.routes,
        accounts.routes,
        admin.routes,
        bookmarks.routes,
        comments.routes,
        conversations.routes,
        flags.routes,
        ghosts.routes,
        interactions.routes,
        media.routes,
        preferences.routes,
        reading_progress.routes,
        recommendations.routes,
        search.routes,
        stories.routes,
        statistics.routes,
    ]
    for resource in resources:
        resource.setup(app)
    openapi.setup(app, resources)
    metrics.document(app[openapi.DOCUMENT])
    health.document(app[openapi.DOCUMENT])
    cors.setup(app, settings.cors_origins)  # last: it covers every route added above
    return app
