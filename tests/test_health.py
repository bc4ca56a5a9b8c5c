"""Health endpoints: liveness of the process, readiness of PostgreSQL, Redis and migrations
(public, minimal bodies), and the details of /health (status, latencies, pools, cache, uptime,
recent errors) on the internal listener only."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlsplit

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from apicheck import internal_client

from service.app import create_app
from service.cache.catalog import TTL_SHORT
from service.cache.engine import CACHE, CacheKey
from service.config import Settings
from service.dev.embedded import EmbeddedRedis
from service.dev.migrations import dbmate
from service.dev.servers import drop_database
from service.web.health import expected_migrations

Client = TestClient[web.Request, web.Application]


async def test_live_answers_without_dependencies(client: Client) -> None:
    response = await client.get("/health/live")
    assert response.status == 200
    assert (await response.json())["status"] == "live"


async def test_ready_when_database_redis_and_migrations_are(client: Client) -> None:
    response = await client.get("/health/ready")
    body = await response.json()
    assert response.status == 200, body
    assert body == {
        "status": "ready",
        "checks": {"database": True, "redis": True, "migrations": True, "queries": True},
    }


async def test_not_ready_while_a_migration_is_pending(client: Client, migrated_dsn: str) -> None:
    dbmate("rollback", url=migrated_dsn)
    response = await client.get("/health/ready")
    body = await response.json()
    assert response.status == 503
    assert response.headers["Retry-After"]
    assert body["checks"]["migrations"] is False


async def test_not_ready_while_redis_is_down(
    client: Client, redis_server: EmbeddedRedis | None
) -> None:
    if redis_server is None:
        pytest.skip("an external Redis (TEST_REDIS_URL) is not ours to stop")
    redis_server.stop()
    try:
        response = await client.get("/health/ready")
        body = await response.json()
        assert response.status == 503
        assert body["checks"]["redis"] is False
        assert body["checks"]["database"] is True
    finally:
        redis_server.start()


async def test_request_id_is_echoed_or_generated(client: Client) -> None:
    echoed = await client.get("/health/live", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["X-Request-ID"] == "abc-123"
    generated = await client.get("/health/live")
    assert len(generated.headers["X-Request-ID"]) == 32


async def test_ready_ignores_redis_when_it_is_not_required(
    settings: Settings, redis_server: EmbeddedRedis | None
) -> None:
    if redis_server is None:
        pytest.skip("an external Redis (TEST_REDIS_URL) is not ours to stop")
    optional = dataclasses.replace(settings, redis_required=False)
    async with TestClient(TestServer(create_app(optional))) as client:
        redis_server.stop()
        try:
            response = await client.get("/health/ready")
            body = await response.json()
            assert response.status == 200, body
            assert body["checks"]["redis"] is False
        finally:
            redis_server.start()


# ---- /health -------------------------------------------------------------------------------------


async def health(client: Client) -> tuple[int, dict[str, Any]]:
    response = await client.get("/health")
    assert response.content_type == "application/json"
    assert response.headers["Cache-Control"] == "no-store"
    body: dict[str, Any] = await response.json()
    if response.status == 503:
        assert response.headers["Retry-After"]
    return response.status, body


async def test_health_is_healthy_with_details(internal: Client, settings: Settings) -> None:
    status, body = await health(internal)
    assert status == 200, body
    assert body["status"] == "healthy"
    assert body["problems"] == []
    assert body["uptime_seconds"] >= 0
    checks = body["checks"]
    for name in ("database", "redis"):
        assert checks[name]["ok"] is True
        assert checks[name]["latency_ms"] >= 0
    assert checks["migrations"] == {
        "ok": True,
        "applied": len(expected_migrations()),
        "pending": [],
    }
    primary = body["pools"]["primary"]
    assert primary["size"] >= 1
    assert primary["in_use"] + primary["idle"] == primary["size"]
    assert (primary["min"], primary["max"]) == (
        settings.db_pool_min_size,
        settings.db_pool_max_size,
    )
    assert "replica" not in body["pools"]
    assert body["cache"]["hit_ratio"] is None  # no lookup yet
    assert body["cache"]["breaker"] == "closed"
    assert body["recent_errors"] == {"total": 0, "latest": []}


async def test_health_reports_the_cache_hit_ratio(client: Client, internal: Client) -> None:
    cache = client.app[CACHE]
    key = CacheKey.of("healthcheck", "ratio")

    async def load() -> bytes:
        return b'{"x": 1}'

    for _ in range(4):  # one miss, then three hits
        assert await cache.get_or_load(key, ttl=TTL_SHORT, load=load) == b'{"x": 1}'
    _, body = await health(internal)
    assert body["cache"]["hits"] == 3
    assert body["cache"]["misses"] == 1
    assert body["cache"]["hit_ratio"] == 0.75


async def test_health_is_degraded_while_redis_is_down(
    internal: Client, redis_server: EmbeddedRedis | None
) -> None:
    if redis_server is None:
        pytest.skip("an external Redis (TEST_REDIS_URL) is not ours to stop")
    redis_server.stop()
    try:
        status, body = await health(internal)
        assert status == 200, body
        assert body["status"] == "degraded"
        assert body["checks"]["redis"]["ok"] is False
        assert body["checks"]["redis"]["error"]
        assert body["checks"]["database"]["ok"] is True
        assert any("Redis" in problem for problem in body["problems"])
    finally:
        redis_server.start()


async def test_health_is_degraded_while_a_migration_is_pending(
    internal: Client, migrated_dsn: str
) -> None:
    dbmate("rollback", url=migrated_dsn)
    status, body = await health(internal)
    assert status == 200
    assert body["status"] == "degraded"
    assert len(body["checks"]["migrations"]["pending"]) == 1


async def test_health_is_unhealthy_and_503_without_postgresql(
    internal: Client, migrated_dsn: str, pg_server_dsn: str
) -> None:
    # The app's database vanishes: its connections are cut and new ones are refused.
    drop_database(pg_server_dsn, urlsplit(migrated_dsn).path.lstrip("/"))
    status, body = await health(internal)
    assert status == 503
    assert body["status"] == "unhealthy"
    assert body["checks"]["database"]["ok"] is False
    assert body["checks"]["redis"]["ok"] is True
    assert any("PostgreSQL" in problem for problem in body["problems"])


@pytest.fixture
async def failing_client(settings: Settings) -> AsyncIterator[Client]:
    """The app plus a test-only route that fails in an unexpected way."""

    async def broken(request: web.Request) -> web.Response:
        raise RuntimeError("secret detail that must not be shown")

    app = create_app(settings)
    app.router.add_get("/test/broken/{id}", broken)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


async def test_health_lists_the_latest_unexpected_errors_without_their_messages(
    failing_client: Client,
) -> None:
    for n in range(3):
        response = await failing_client.get(
            f"/test/broken/{n}", headers={"X-Request-ID": f"req-{n}"}
        )
        assert response.status == 500
    await failing_client.get("/v1/ghosts/no-such-ghost")  # a 404 is not unexpected
    # The public port shows none of it.
    for path in ("/health", "/health/ready", "/health/live"):
        public = await failing_client.get(path)
        assert "/test/broken" not in await public.text()
        assert "req-2" not in await public.text()
    async with internal_client(failing_client.app) as internal:
        response = await internal.get("/health")
        body = await response.json()
    assert body["recent_errors"]["total"] == 3
    latest = body["recent_errors"]["latest"]
    assert [e["path"] for e in latest] == ["/test/broken/2", "/test/broken/1", "/test/broken/0"]
    assert latest[0]["type"] == "builtins.RuntimeError"
    assert latest[0]["method"] == "GET"
    assert latest[0]["request_id"] == "req-2"
    assert latest[0]["time"].endswith("+00:00")
    assert "secret" not in await response.text()


async def test_the_public_port_has_live_and_ready_with_minimal_bodies(client: Client) -> None:
    """Details (latencies, pools, cache, uptime, errors) are for the internal listener."""
    assert (await client.get("/health")).status == 404
    assert await (await client.get("/health/live")).json() == {"status": "live"}
    ready = await (await client.get("/health/ready")).json()
    assert set(ready) == {"status", "checks"}
    assert all(isinstance(ok, bool) for ok in ready["checks"].values())


async def test_the_internal_listener_also_answers_live_and_ready(internal: Client) -> None:
    assert (await internal.get("/health/live")).status == 200
    ready = await internal.get("/health/ready")
    assert ready.status == 200, await ready.text()
    assert (await ready.json())["status"] == "ready"
