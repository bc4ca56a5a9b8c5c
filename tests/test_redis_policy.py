"""One Redis-outage policy per process: what one caller learns, every caller acts on."""

from __future__ import annotations

import dataclasses
import uuid
from collections.abc import AsyncIterator
from typing import Literal

import pytest
import redis.asyncio as redis
from aiohttp import web
from aiohttp.test_utils import TestClient

from service.cache.engine import CACHE
from service.dev.embedded import free_port
from service.store.redis import REDIS, REDIS_HEALTH, RedisHealth, RedisUnavailable
from service.web import quotas
from service.web.problems import Problem

Client = TestClient[web.Request, web.Application]


@dataclasses.dataclass(frozen=True)
class User:
    tier: Literal["free", "premium", "pro"] = "pro"
    id: uuid.UUID = dataclasses.field(default_factory=uuid.uuid4)


@pytest.fixture
async def nowhere() -> AsyncIterator[redis.Redis]:
    """A client of a port nothing listens on: every call fails at once."""
    client = redis.Redis(port=free_port(), socket_connect_timeout=1.0)
    yield client
    await client.aclose()


async def test_the_breaker_opens_for_every_caller_after_consecutive_failures(
    nowhere: redis.Redis,
) -> None:
    health = RedisHealth(failures=2, cooldown=3600.0)
    for _ in range(2):
        with pytest.raises(RedisUnavailable) as failed:
            await health.call(nowhere, nowhere.ping, within=5.0)
        assert not failed.value.skipped
    assert health.state == "open" and health.unavailable_within(60.0)
    calls = 0

    async def counted() -> bool:
        nonlocal calls
        calls += 1
        return True

    for optional in (False, True):
        with pytest.raises(RedisUnavailable) as skipped:
            await health.call(nowhere, counted, within=5.0, optional=optional)
        assert skipped.value.skipped
    assert calls == 0


async def test_after_one_failure_only_optional_callers_stop_asking(nowhere: redis.Redis) -> None:
    health = RedisHealth(failures=5, cooldown=3600.0)
    with pytest.raises(RedisUnavailable):
        await health.call(nowhere, nowhere.ping, within=5.0)
    assert health.state == "closed"
    with pytest.raises(RedisUnavailable) as skipped:
        await health.call(nowhere, nowhere.ping, within=5.0, optional=True)
    assert skipped.value.skipped  # the rate limiter does not wait on a Redis that just failed
    with pytest.raises(RedisUnavailable) as failed:
        await health.call(nowhere, nowhere.ping, within=5.0)
    assert not failed.value.skipped  # the cache and quotas still try until the breaker opens


async def test_the_app_shares_one_policy_between_cache_quotas_and_sessions(
    client: Client,
) -> None:
    app = client.app
    health = app[REDIS_HEALTH]
    assert (await app[REDIS].ping()) is True  # Redis itself is fine...
    for _ in range(health.breaker.threshold):
        health.breaker.failed()  # ...but the policy has seen it fail
    assert app[CACHE].breaker_state == "open"

    skipped = app[CACHE].skipped
    response = await client.get("/v1/ghosts")
    assert response.status == 200  # the cache fails open: from PostgreSQL
    assert app[CACHE].skipped > skipped
    with pytest.raises(Problem) as refused:
        await quotas.consume(app, User(), "conversation_messages")
    assert refused.value.status == 503  # quotas refuse rather than count nothing
    assert health.unavailable_within(1.0)  # and sessions are read from PostgreSQL

    health.breaker.succeeded()
    state = await quotas.consume(app, User(), "conversation_messages")
    assert state.used == 1
