"""The aiohttp application factory, used by `python -m service run` and by the tests."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import AsyncIterator

import redis.asyncio as redis
from aiohttp import web
from redis.asyncio.cluster import RedisCluster

from service.cache.engine import CACHE, Cache
from service.config import SETTINGS, Settings
from service.domain.embeddings import EMBEDDER, Embedder
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
from service.store import insight, replica
from service.store.db import DATABASE, connect
from service.store.redis import REDIS, REDIS_HEALTH, RedisClient, RedisHealth
from service.store.schema_check import SCHEMA_CHECK, startup_check
from service.web import cors, headers, health, metrics, openapi, quotas
from service.web.health import SERVED_APP, STARTED_AT
from service.web.metrics import METRICS
from service.web.problems import RECENT_ERRORS, RecentErrors, problem_middleware
from service.web.ratelimit import RATE_LIMITER, RateLimiter, ratelimit_middleware
from service.web.replica import replica_middleware
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
            lock_timeout=settings.db_lock_timeout,
        )
    # Every generated query must prepare against the live schema, or /health/ready says 503.
    app[SCHEMA_CHECK] = await startup_check(
        settings.database_url, connect_timeout=settings.db_connect_timeout
    )
    yield
    await app[DATABASE].close()


async def replica_ctx(app: web.Application) -> AsyncIterator[None]:
    """With DATABASE_REPLICA_URL: check the replica once, then keep its status current."""
    settings = app[SETTINGS]
    watch = replica.ReplicaWatch(
        app[DATABASE], settings.database_replica_url, max_lag=settings.replica_max_lag
    )
    await watch.check()
    watcher = asyncio.create_task(watch.run(settings.replica_check_interval))
    yield
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watcher
    await watch.close()


async def redis_ctx(app: web.Application) -> AsyncIterator[None]:
    """Open the Redis client for the app's lifetime; it connects lazily, so Redis may be down."""
    settings = app[SETTINGS]
    client: RedisClient
    if settings.redis_cluster:
        client = RedisCluster.from_url(
            settings.redis_url,
            socket_timeout=settings.redis_socket_timeout,
            socket_connect_timeout=settings.redis_socket_timeout,
        )
    else:
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
    """The Redis cache for the app's lifetime; on the way out it replays missed invalidations.

    On a Redis of its own (REDIS_CACHE_URL) the cache has its own outage policy: that Redis
    being down says nothing about the one holding rate limits and quotas, and the reverse."""
    settings = app[SETTINGS]
    health = RedisHealth.from_settings(settings) if settings.cache_redis_separate else None
    cache = Cache.from_settings(settings, health=health or app[REDIS_HEALTH])
    app[CACHE] = cache
    yield
    await cache.close()


async def embedder_ctx(app: web.Application) -> AsyncIterator[None]:
    """The embedding model (loaded once per process, off the loop); if it cannot load, search
    is keyword-only and /health says semantic search is unavailable."""
    embedder = Embedder(app[SETTINGS].embedding_model_dir)
    await embedder.load()
    app[EMBEDDER] = embedder
    yield
    embedder.close()


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
            # Innermost, and only with a replica: it re-runs a handler whose replica failed.
            *([replica_middleware] if settings.database_replica_url else []),
        ]
    )
    app[SETTINGS] = settings
    app[STARTED_AT] = time.monotonic()
    app[RECENT_ERRORS] = RecentErrors()
    app[TRUSTED_PROXIES] = tuple(parse_networks(settings.trusted_proxies))
    app[REDIS_HEALTH] = RedisHealth.from_settings(settings)  # one Redis policy for every caller
    app[RATE_LIMITER] = RateLimiter.from_settings(settings)
    app[METRICS] = metrics.Metrics(app)
    insight.log_queries_slower_than(settings.slow_query_ms)  # for the whole process
    app.cleanup_ctx.append(database_ctx)
    if settings.database_replica_url:
        app.cleanup_ctx.append(replica_ctx)
    app.cleanup_ctx.append(redis_ctx)
    app.cleanup_ctx.append(cache_ctx)
    app.cleanup_ctx.append(embedder_ctx)
    resources = [
        health.routes,
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
    health.document(app[openapi.DOCUMENT])
    cors.setup(app, settings.cors_origins)  # last: it covers every route added above
    headers.setup(app)
    return app


def create_internal_app(app: web.Application) -> web.Application:
    """The internal listener's app: `/metrics` and the detailed `/health` of `app`, read from
    its state (with `/health/live` and `/health/ready` too). `app` opens and closes that state,
    so serve this one only while `app` runs. Not counted in `app`'s metrics, never limited."""
    internal = web.Application(middlewares=[request_id_middleware, problem_middleware])
    internal[SERVED_APP] = app
    for resource in (health.routes, health.internal_routes, metrics.routes):
        resource.setup(internal)
    headers.setup(internal)
    return internal
