"""Health endpoints: liveness of the process, readiness of its dependencies, and the details.

On the public port (for load balancers and orchestrators), with minimal bodies:

- `/health/live`: the process answers (no dependency is asked).
- `/health/ready`: PostgreSQL reachable with every migration applied, every generated query
  prepared against it at start-up, and Redis reachable unless REDIS_REQUIRED=false; else 503.
  The body says which checks passed, with no latencies, error names or versions.

On the internal listener only (INTERNAL_HOST:INTERNAL_PORT, see service/runner.py), with those
two as well:

- `/health`: the details for people and dashboards. `healthy`; `degraded` (200) when the
  service answers but something is off (Redis unreachable, cache breaker open, migrations
  pending); `unhealthy` (503) when PostgreSQL cannot be reached. Also latencies, pool usage,
  cache figures, uptime, the start-up query check and the last unexpected errors (exception
  type, time, path and request id: other clients' data, so never on the public port).
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable
from dataclasses import dataclass, field
from typing import Any

import asyncpg
import msgspec
from aiohttp import web

from service.cache.engine import CACHE
from service.config import MIGRATIONS_DIR, SETTINGS
from service.domain.embeddings import EMBEDDER, model_name
from service.store.db import DATABASE
from service.store.queries import health as health_queries
from service.store.redis import REDIS
from service.store.schema_check import SCHEMA_CHECK
from service.web.api import Routes
from service.web.problems import RECENT_ERRORS

# A probe must answer quickly even when a dependency hangs.
CHECK_TIMEOUT = 2.0

routes = Routes(tag="operations")
# Served only by the internal listener's app (create_internal_app).
internal_routes = Routes(tag="operations")

# When this process started (monotonic clock), for uptime.
STARTED_AT = web.AppKey("started_at", float)
# In the internal listener's app: the app whose state it reports.
SERVED_APP = web.AppKey("served_app", web.Application)


def served(request: web.Request) -> web.Application:
    """The app a health or metrics request is about: its own, or the one the internal
    listener reports on."""
    return request.app.get(SERVED_APP, request.app)


def expected_migrations() -> list[str]:
    """Versions of the migration files shipped with this code."""
    return sorted(path.name.split("_", 1)[0] for path in MIGRATIONS_DIR.glob("*.sql"))


@dataclass(frozen=True, slots=True)
class Probe:
    """The outcome of one dependency check."""

    ok: bool
    seconds: float
    error: str

    def report(self) -> dict[str, Any]:
        """As reported in a health body."""
        return {"ok": self.ok, "latency_ms": round(self.seconds * 1000, 2), "error": self.error}


@dataclass(frozen=True, slots=True)
class Checks:
    """PostgreSQL, Redis and migrations, checked concurrently."""

    database: Probe
    redis: Probe
    applied: list[str] = field(default_factory=list)
    pending: list[str] = field(default_factory=list)
    # The cache's own Redis (REDIS_CACHE_URL), when it has one; the cache fails open without it.
    cache_redis: Probe | None = None

    @property
    def migrations_ok(self) -> bool:
        """PostgreSQL answered and no shipped migration is missing from it."""
        return self.database.ok and not self.pending


async def _timed(check: Awaitable[object]) -> Probe:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(check, CHECK_TIMEOUT)
    except Exception as exc:  # any failure means "not ok"; the reason is reported
        return Probe(False, time.perf_counter() - started, type(exc).__name__)
    return Probe(True, time.perf_counter() - started, "")


async def run_checks(app: web.Application) -> Checks:
    """Ask PostgreSQL (applied migrations) and Redis (PING) at the same time."""
    applied: list[str] = []

    async def database_check() -> None:
        rows = await health_queries.list_applied_migrations(app[DATABASE])
        applied.extend(row.version for row in rows)

    probes = [_timed(database_check()), _timed(app[REDIS].ping())]
    cache = app.get(CACHE)
    if cache is not None and app[SETTINGS].cache_redis_separate:
        probes.append(_timed(cache.ping()))
    database, redis, *cache_redis = await asyncio.gather(*probes)
    pending = sorted(set(expected_migrations()) - set(applied)) if database.ok else []
    return Checks(database, redis, applied, pending, cache_redis[0] if cache_redis else None)


def _json(body: Any, *, ok: bool) -> web.Response:
    return web.Response(
        status=200 if ok else 503,
        body=msgspec.json.encode(body) + b"\n",
        content_type="application/json",
        headers={"Cache-Control": "no-store", **({} if ok else {"Retry-After": "2"})},
    )


@routes.route("GET", "/health/live", response=dict[str, str])
async def live(request: web.Request) -> web.Response:
    """The process is up and its event loop answers."""
    return web.json_response({"status": "live"})


@routes.route("GET", "/health/ready", response=dict[str, Any], errors=[503])
async def ready(request: web.Request) -> web.Response:
    """PostgreSQL reachable with every migration applied, and Redis (if required); else 503."""
    app = served(request)
    checks = await run_checks(app)
    redis_required = app[SETTINGS].redis_required
    queries = _queries_ok(app)
    is_ready = (
        checks.database.ok
        and checks.migrations_ok
        and (checks.redis.ok or not redis_required)
        and queries
    )
    report = {
        "database": checks.database.ok,
        "redis": checks.redis.ok,
        "migrations": checks.migrations_ok,
        "queries": queries,
    }
    if checks.cache_redis is not None:  # reported, not required: the cache fails open
        report["redis_cache"] = checks.cache_redis.ok
    body = {"status": "ready" if is_ready else "not_ready", "checks": report}
    return _json(body, ok=is_ready)


def _queries_ok(app: web.Application) -> bool:
    schema = app.get(SCHEMA_CHECK)
    return schema is not None and schema.ok


@internal_routes.route("GET", "/health", response=dict[str, Any], errors=[503])
async def details(request: web.Request) -> web.Response:
    """Status (healthy, degraded, unhealthy: 503), latencies, pools, cache, uptime, errors."""
    app = served(request)
    checks = await run_checks(app)
    cache = _cache_report(app)
    schema = app.get(SCHEMA_CHECK)
    problems = []
    if not checks.database.ok:
        problems.append(f"PostgreSQL unreachable ({checks.database.error})")
    if not checks.redis.ok:
        problems.append(f"Redis unreachable ({checks.redis.error})")
    if checks.cache_redis is not None and not checks.cache_redis.ok:
        problems.append(f"cache Redis unreachable ({checks.cache_redis.error})")
    if checks.pending:
        problems.append(f"{len(checks.pending)} migrations pending")
    if not _queries_ok(app):
        problems.append("generated queries do not all prepare against the schema")
    if cache is not None and cache["breaker"] != "closed":
        problems.append(f"cache circuit breaker {cache['breaker']}")
    replica = _replica_report(app)
    if replica is not None and not replica["ok"]:
        problems.append(f"replica not used: {replica['error']}; reads go to the primary")
    semantic = _semantic_report(app)
    if not semantic["ok"]:
        problems.append(f"semantic search unavailable ({semantic['error']}); keyword search only")
    status = "healthy" if not problems else "degraded" if checks.database.ok else "unhealthy"
    recent = app.get(RECENT_ERRORS)
    body = {
        "status": status,
        "problems": problems,
        "uptime_seconds": round(time.monotonic() - app[STARTED_AT], 3),
        "checks": {
            "database": checks.database.report(),
            "redis": {**checks.redis.report(), "required": app[SETTINGS].redis_required},
            **(
                {}
                if checks.cache_redis is None
                else {"redis_cache": {**checks.cache_redis.report(), "required": False}}
            ),
            **({} if replica is None else {"replica": replica}),
            "migrations": {
                "ok": checks.migrations_ok,
                "applied": len(checks.applied),
                "pending": checks.pending,
            },
            "queries": {
                "ok": _queries_ok(app),
                "failures": [str(f) for f in schema.failures] if schema else [],
                "error": schema.error if schema else "not checked",
            },
            "semantic_search": semantic,
        },
        "pools": _pool_report(app),
        "cache": cache,
        "recent_errors": {
            "total": recent.total if recent else 0,
            "latest": recent.latest() if recent else [],
        },
    }
    return _json(body, ok=status != "unhealthy")


def _semantic_report(app: web.Application) -> dict[str, Any]:
    """Whether the embedding model loaded (without it, search is keyword-only)."""
    embedder = app.get(EMBEDDER)
    if embedder is None:
        return {"ok": False, "error": "not started"}
    return {"ok": embedder.available, "error": embedder.error, "model": model_name()}


def _pool_stats(pool: asyncpg.Pool[asyncpg.Record]) -> dict[str, int]:
    size, idle = pool.get_size(), pool.get_idle_size()
    return {
        "size": size,
        "in_use": size - idle,
        "idle": idle,
        "min": pool.get_min_size(),
        "max": pool.get_max_size(),
    }


def _replica_report(app: web.Application) -> dict[str, Any] | None:
    """The replica as last checked (service/store/replica.py); None without one."""
    database = app[DATABASE]
    if database.replica is None:
        return None
    status = database.status
    return {
        "ok": status.usable,
        "reachable": status.reachable,
        "lag_seconds": None if status.lag is None else round(status.lag, 3),
        "fallbacks": status.fallbacks,
        "error": status.error,
    }


def _pool_report(app: web.Application) -> dict[str, Any]:
    database = app[DATABASE]
    report = {"primary": _pool_stats(database.primary)}
    if database.replica is not None:
        report["replica"] = _pool_stats(database.replica)
    return report


def _cache_report(app: web.Application) -> dict[str, Any] | None:
    """The cache's counters and its hit ratio (None before any lookup); None without a cache."""
    cache = app.get(CACHE)
    if cache is None:
        return None
    stats: dict[str, Any] = dict(cache.stats())
    hits, misses = int(stats.get("hits", 0)), int(stats.get("misses", 0))
    lookups = hits + misses + int(stats.get("bypassed", 0))
    return {
        "hit_ratio": round(hits / lookups, 4) if lookups else None,
        "breaker": stats.get("breaker", "closed"),
        **stats,
    }


def document(openapi: dict[str, Any]) -> None:
    """Describe the readiness 503 as what it is: the same JSON report, not a problem body."""
    responses = openapi["paths"]["/health/ready"]["get"]["responses"]
    responses["503"] = {
        "description": "not ready: the same report, naming the failing checks",
        "headers": responses["503"].get("headers", {}),
        "content": {"application/json": {"schema": {"type": "object"}}},
    }
