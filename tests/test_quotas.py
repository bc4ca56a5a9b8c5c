"""Tier quotas: daily allowances per tier counted in Redis, reset at 00:00 UTC, 429 when used up."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import uuid
from collections.abc import AsyncIterator
from typing import Literal

import msgspec
import pytest
import redis.asyncio as redis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from apicheck import bearer, check_problem, internal_client, mint_session

from service.app import create_app
from service.config import Settings
from service.dev.embedded import EmbeddedRedis
from service.web import quotas
from service.web.api import respond
from service.web.auth import require_user
from service.web.problems import PROBLEM_TYPE_BASE, Problem

Client = TestClient[web.Request, web.Application]
Tier = Literal["free", "premium", "pro"]
ACTION = "conversation_messages"
ALLOWANCES = {"free": 2, "premium": 3, "pro": 5}


@dataclasses.dataclass(frozen=True)
class User:
    """Whose quota is counted: anything with an id and a tier."""

    tier: Tier
    id: uuid.UUID = dataclasses.field(default_factory=uuid.uuid4)


@pytest.fixture
def quota_settings(settings: Settings) -> Settings:
    return dataclasses.replace(settings, quota_conversation_messages="2,3,5")


@pytest.fixture
async def store(redis_url: str) -> AsyncIterator[redis.Redis]:
    client = redis.Redis.from_url(redis_url)
    try:
        yield client
    finally:
        await client.aclose()


async def next_utc_midnight(store: redis.Redis) -> datetime.datetime:
    """The next 00:00 UTC by the Redis server's clock."""
    seconds, _ = await store.time()
    today = datetime.datetime.fromtimestamp(seconds, datetime.UTC).date()
    return datetime.datetime.combine(
        today + datetime.timedelta(days=1), datetime.time(), datetime.UTC
    )


@pytest.mark.parametrize("tier", ["free", "premium", "pro"])
async def test_each_tier_gets_its_daily_allowance_then_a_429(
    store: redis.Redis, quota_settings: Settings, tier: Tier
) -> None:
    user = User(tier)
    allowance = ALLOWANCES[tier]
    midnight = await next_utc_midnight(store)
    for used in range(1, allowance + 1):
        state = await quotas.consume(store, user, ACTION, settings=quota_settings)
        assert (state.quota, state.tier, state.limit) == (ACTION, tier, allowance)
        assert (state.used, state.remaining) == (used, allowance - used)
        assert state.resets_at == midnight

    with pytest.raises(Problem) as refused:
        await quotas.consume(store, user, ACTION, settings=quota_settings)
    problem = refused.value
    assert problem.status == 429
    assert problem.type == "quota-exceeded"
    assert ACTION.replace("_", " ") in problem.detail and tier in problem.detail
    assert problem.extra["quota"] == ACTION
    assert problem.extra["limit"] == allowance
    assert problem.extra["resets_at"] == midnight.isoformat().replace("+00:00", "Z")
    seconds, _ = await store.time()
    retry_after = int(problem.headers["Retry-After"])
    assert 0 < retry_after <= 86_400
    assert abs(retry_after - (midnight.timestamp() - seconds)) <= 2
    # A refused attempt uses nothing up.
    assert int(await store.get(f"gp:v1:quota:{ACTION}:{user.id}") or 0) == allowance


async def test_the_count_expires_at_the_next_utc_midnight(
    store: redis.Redis, quota_settings: Settings
) -> None:
    user = User("free")
    await quotas.consume(store, user, ACTION, settings=quota_settings)
    key = f"gp:v1:quota:{ACTION}:{user.id}"
    seconds, _ = await store.time()
    midnight = (await next_utc_midnight(store)).timestamp()
    assert abs(await store.ttl(key) - (midnight - seconds)) <= 2


async def test_a_new_day_starts_from_zero(store: redis.Redis, quota_settings: Settings) -> None:
    """Midnight simulated by making the count expire now: the allowance is whole again."""
    user = User("free")
    for _ in range(2):
        await quotas.consume(store, user, ACTION, settings=quota_settings)
    with pytest.raises(Problem):
        await quotas.consume(store, user, ACTION, settings=quota_settings)
    await store.pexpire(f"gp:v1:quota:{ACTION}:{user.id}", 1)
    await asyncio.sleep(0.05)
    state = await quotas.consume(store, user, ACTION, settings=quota_settings)
    assert (state.used, state.remaining) == (1, 1)


async def test_users_are_counted_apart(store: redis.Redis, quota_settings: Settings) -> None:
    ada, bob = User("free"), User("free")
    for _ in range(2):
        await quotas.consume(store, ada, ACTION, settings=quota_settings)
    state = await quotas.consume(store, bob, ACTION, settings=quota_settings)
    assert state.used == 1


async def test_concurrent_attempts_never_go_over_the_allowance(
    store: redis.Redis, quota_settings: Settings
) -> None:
    user = User("pro")

    async def attempt() -> bool:
        try:
            await quotas.consume(store, user, ACTION, settings=quota_settings)
        except Problem:
            return False
        return True

    results = await asyncio.gather(*(attempt() for _ in range(20)))
    assert sum(results) == ALLOWANCES["pro"]


async def test_without_redis_the_action_is_refused_with_503(
    redis_server: EmbeddedRedis | None, store: redis.Redis, quota_settings: Settings
) -> None:
    if redis_server is None:
        pytest.skip("an external Redis (TEST_REDIS_URL) is not ours to stop")
    redis_server.stop()
    try:
        with pytest.raises(Problem) as refused:
            await quotas.consume(store, User("pro"), ACTION, settings=quota_settings)
        assert refused.value.status == 503
        assert refused.value.headers["Retry-After"]
    finally:
        redis_server.start()


@pytest.mark.parametrize("value", ["20,200", "20,200,1000,5", "a,b,c", "-1,2,3", "200,20,1000"])
def test_a_malformed_quota_setting_is_refused_by_name(settings: Settings, value: str) -> None:
    bad = dataclasses.replace(settings, quota_conversation_messages=value)
    with pytest.raises(ValueError, match="QUOTA_CONVERSATION_MESSAGES"):
        quotas.allowances(bad, ACTION)
    with pytest.raises(ValueError, match="QUOTA_CONVERSATION_MESSAGES"):
        create_app(bad)


def test_an_unknown_action_is_an_error(settings: Settings) -> None:
    with pytest.raises(ValueError, match="no quota named"):
        quotas.allowances(settings, "teleportations")


# ---- through HTTP --------------------------------------------------------------------------------


async def spend(request: web.Request) -> web.Response:
    """A stand-in for a costly endpoint: count one conversation message."""
    user = await require_user(request)
    state = await quotas.consume(request.app, user, ACTION)
    return respond(request, state, private=True)


@pytest.fixture
async def quota_client(quota_settings: Settings) -> AsyncIterator[Client]:
    app = create_app(quota_settings)
    app.router.add_post("/test/spend", spend)
    async with TestClient(TestServer(app)) as client:
        yield client


async def test_a_used_up_quota_is_a_429_problem_over_http(
    quota_client: Client, migrated_dsn: str, store: redis.Redis
) -> None:
    token = await mint_session(migrated_dsn, role="reader", tier="free")
    headers = bearer(token)
    midnight = await next_utc_midnight(store)
    for used in (1, 2):
        response = await quota_client.post("/test/spend", headers=headers)
        assert response.status == 200
        state = msgspec.json.decode(await response.read(), type=quotas.QuotaState)
        assert (state.used, state.remaining, state.limit) == (used, 2 - used, 2)

    response = await quota_client.post("/test/spend", headers=headers)
    problem = check_problem(response.status, response.content_type, await response.read(), label="")
    assert response.status == 429
    assert problem["type"] == PROBLEM_TYPE_BASE + "quota-exceeded"
    assert problem["quota"] == ACTION
    assert problem["tier"] == "free"
    assert datetime.datetime.fromisoformat(problem["resets_at"]) == midnight
    assert 0 < int(response.headers["Retry-After"]) <= 86_400

    async with internal_client(quota_client.app) as internal:
        metrics = await (await internal.get("/metrics")).text()
    assert 'gp_quota_rejections_total{quota="conversation_messages",tier="free"} 1.0' in metrics

    # A pro user on the same app has the pro allowance.
    pro = bearer(await mint_session(migrated_dsn, tier="pro"))
    statuses = [(await quota_client.post("/test/spend", headers=pro)).status for _ in range(6)]
    assert statuses == [200] * 5 + [429]
