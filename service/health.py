"""Health endpoints: liveness of the process, readiness of what it depends on."""

from __future__ import annotations

import asyncio
import time
from typing import Any

import msgspec
from aiohttp import web

from service.api import Routes
from service.appkeys import DATABASE, REDIS
from service.migrations import MIGRATIONS_DIR
from service.queries import health as health_queries

# A readiness probe must answer quickly even when a dependency hangs.
CHECK_TIMEOUT = 2.0

routes = Routes(tag="operations")


def expected_migrations() -> list[str]:
    """Versions of the migration files shipped with this code."""
    return sorted(path.name.split("_", 1)[0] for path in MIGRATIONS_DIR.glob("*.sql"))


async def _timed(check: Any) -> tuple[bool, float, str]:
    started = time.perf_counter()
    try:
        await asyncio.wait_for(check, CHECK_TIMEOUT)
    except Exception as exc:  # any failure means "not ready"; the reason is reported
        return False, time.perf_counter() - started, type(exc).__name__
    return True, time.perf_counter() - started, ""


@routes.route("GET", "/health/live", response=dict[str, str])
async def live(request: web.Request) -> web.Response:
    """The process is up and its event loop answers."""
    return web.json_response({"status": "live"})


@routes.route("GET", "/health/ready", response=dict[str, Any], errors=[503])
async def ready(request: web.Request) -> web.Response:
    """PostgreSQL reachable with every migration applied, and Redis reachable; else 503."""
    app = request.app
    applied: list[str] = []

    async def database_check() -> None:
        rows = await health_queries.list_applied_migrations(app[DATABASE])
        applied.extend(row.version for row in rows)

    async def redis_check() -> None:
        await app[REDIS].ping()

    (db_ok, db_seconds, db_error), (redis_ok, redis_seconds, redis_error) = await asyncio.gather(
        _timed(database_check()), _timed(redis_check())
    )
    pending = sorted(set(expected_migrations()) - set(applied)) if db_ok else []
    checks = {
        "database": {"ok": db_ok, "latency_ms": round(db_seconds * 1000, 2), "error": db_error},
        "redis": {
            "ok": redis_ok,
            "latency_ms": round(redis_seconds * 1000, 2),
            "error": redis_error,
        },
        "migrations": {"ok": db_ok and not pending, "pending": pending},
    }
    is_ready = all(bool(check["ok"]) for check in checks.values())
    body = {"status": "ready" if is_ready else "not_ready", "checks": checks}
    headers = {} if is_ready else {"Retry-After": "2"}
    return web.Response(
        status=200 if is_ready else 503,
        body=msgspec.json.encode(body),
        content_type="application/json",
        headers=headers,
    )
