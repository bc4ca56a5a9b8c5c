"""Health endpoints: liveness of the process, readiness of PostgreSQL, Redis and migrations."""

from __future__ import annotations

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient

from service.embedded import EmbeddedRedis
from service.migrations import dbmate

Client = TestClient[web.Request, web.Application]


async def test_live_answers_without_dependencies(client: Client) -> None:
    response = await client.get("/health/live")
    assert response.status == 200
    assert (await response.json())["status"] == "live"


async def test_ready_when_database_redis_and_migrations_are(client: Client) -> None:
    response = await client.get("/health/ready")
    body = await response.json()
    assert response.status == 200, body
    assert body["status"] == "ready"
    assert body["checks"]["migrations"]["pending"] == []


async def test_not_ready_while_a_migration_is_pending(client: Client, migrated_dsn: str) -> None:
    dbmate("rollback", url=migrated_dsn)
    response = await client.get("/health/ready")
    body = await response.json()
    assert response.status == 503
    assert response.headers["Retry-After"]
    assert len(body["checks"]["migrations"]["pending"]) == 1


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
        assert body["checks"]["redis"]["ok"] is False
        assert body["checks"]["database"]["ok"] is True
    finally:
        redis_server.start()


async def test_request_id_is_echoed_or_generated(client: Client) -> None:
    echoed = await client.get("/health/live", headers={"X-Request-ID": "abc-123"})
    assert echoed.headers["X-Request-ID"] == "abc-123"
    generated = await client.get("/health/live")
    assert len(generated.headers["X-Request-ID"]) == 32
