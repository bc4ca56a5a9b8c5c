"""The aiohttp application factory, used by `python -m service run` and by the tests."""

from __future__ import annotations

import logging
import secrets
import time
from collections.abc import AsyncIterator

import redis.asyncio as redis
from aiohttp import web

from service import health, metrics, openapi, quotas
from service.appkeys import (
    CACHE,
    DATABASE,
    METRICS,
    RATE_LIMITER,
    RECENT_ERRORS,
    REDIS,
    REQUEST_ID,
    SETTINGS,
    STARTED_AT,
)
from service.cache import Cache
from service.config import Settings
from service.db import connect
from service.handlers import (
    accounts,
    bookmarks,
    comments,
    conversations,
    flags,
    ghosts,
    interactions,
    preferences,
    reading_progress,
    recommendations,
    search,
    stories,
    trending,
)
from service.problems import Handler, RecentErrors, problem_middleware
from service.ratelimit import RateLimiter, ratelimit_middleware

log = logging.getLogger("service.app")

REQUEST_ID_HEADER = "X-Request-ID"


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Accept a sane X-Request-ID or make one; echo it on the response."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    valid = 0 < len(incoming) <= 128 and incoming.isprintable() and incoming.isascii()
    request_id = incoming if valid else secrets.token_hex(16)
    request[REQUEST_ID] = request_id
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers[REQUEST_ID_HEADER] = request_id
        raise
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


async def database_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the primary (and replica) pools for the app's lifetime."""
    settings = app[SETTINGS]
    app[DATABASE] = await connect(
        settings.database_url,
        replica_dsn=settings.database_replica_url or None,
        min_size=settings.db_pool_min_size,
        max_size=settings.db_pool_max_size,
        statement_cache_size=settings.db_statement_cache_size,
        command_timeout=settings.db_command_timeout,
        acquire_timeout=settings.db_pool_timeout,
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
    cache = Cache.from_settings(app[SETTINGS])
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
    app[RATE_LIMITER] = RateLimiter.from_settings(settings)
    app[METRICS] = metrics.Metrics(app)
    app.cleanup_ctx.append(database_ctx)
    app.cleanup_ctx.append(redis_ctx)
    app.cleanup_ctx.append(cache_ctx)
    resources = [
        health.routes,
        metrics.routes,
        accounts.routes,
        bookmarks.routes,
        comments.routes,
        conversations.routes,
        flags.routes,
        ghosts.routes,
        interactions.routes,
        preferences.routes,
        reading_progress.routes,
        recommendations.routes,
        search.routes,
        stories.routes,
        trending.routes,
    ]
    for resource in resources:
        resource.setup(app)
    openapi.setup(app, resources)
    metrics.document(app[openapi.DOCUMENT])
    health.document(app[openapi.DOCUMENT])
    return app
