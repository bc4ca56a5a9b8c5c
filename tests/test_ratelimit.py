"""Rate limits: sliding windows in Redis per IP, per user and for sign-in, their headers and
429s, trusted proxies, and what happens while Redis is down."""

from __future__ import annotations

import asyncio
import dataclasses
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from typing import Any

import pytest
import redis.asyncio as redis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer, make_mocked_request
from apicheck import assert_rate_limited, bearer, internal_client, mint_session, remaining

from service.app import create_app
from service.config import Settings
from service.dev.embedded import EmbeddedRedis
from service.web.ratelimit import (
    Limit,
    LocalLimiter,
    LocalOnce,
    Policy,
    RateLimiter,
    client_ip,
)
from service.web.request import parse_networks

Client = TestClient[web.Request, web.Application]
ClientFactory = Callable[..., AbstractAsyncContextManager[Client]]

WRONG_LOGIN = {"login": "nobody", "password": "not the password at all"}


@pytest.fixture
def limited(settings: Settings) -> ClientFactory:
    """Clients for apps whose rate limits the test sets (the defaults limit only sign-in)."""

    @asynccontextmanager
    async def make(**overrides: Any) -> AsyncIterator[Client]:
        app = create_app(dataclasses.replace(settings, **overrides))
        async with TestClient(TestServer(app)) as client:
            yield client

    return make


# ---- headers and 429 -----------------------------------------------------------------------------


async def test_anonymous_requests_carry_ratelimit_headers_until_a_429(
    limited: ClientFactory,
) -> None:
    async with limited(rate_limit_anonymous="3/60") as client:
        for left in (2, 1, 0):
            response = await client.get("/openapi.json")
            assert response.status == 200
            assert response.headers["RateLimit-Policy"] == '"anonymous";q=3;w=60'
            r, t = remaining(response)["anonymous"]
            assert r == left
            assert 55 <= t <= 60  # the oldest request leaves the window a minute after it came
        over = await client.get("/openapi.json")
        await assert_rate_limited(over, "anonymous")
        assert 1 <= int(over.headers["Retry-After"]) <= 60


async def test_error_responses_carry_the_headers_too(limited: ClientFactory) -> None:
    async with limited(rate_limit_anonymous="5/60") as client:
        missing = await client.get("/v1/ghosts/no-such-ghost-anywhere")
        assert missing.status == 404
        assert remaining(missing)["anonymous"][0] == 4
        unknown = await client.get("/no/such/route")
        assert unknown.status == 404
        assert remaining(unknown)["anonymous"][0] == 3


async def test_health_and_metrics_are_never_limited(limited: ClientFactory) -> None:
    async with limited(rate_limit_anonymous="1/60") as client:
        for path in ["/health/live", "/health/ready"] * 3:
            response = await client.get(path)
            assert response.status == 200, path
            assert "RateLimit-Policy" not in response.headers
        async with internal_client(client.app) as internal:
            for path in ["/health", "/metrics"] * 3:
                response = await internal.get(path)
                assert response.status == 200, path
                assert "RateLimit-Policy" not in response.headers
        assert (await client.get("/openapi.json")).status == 200
        assert (await client.get("/openapi.json")).status == 429


async def test_reads_are_not_limited_by_default(limited: ClientFactory) -> None:
    async with limited() as client:
        for _ in range(30):
            response = await client.get("/openapi.json")
            assert response.status == 200
            assert "RateLimit-Policy" not in response.headers


async def test_limits_set_to_zero_limit_nothing(limited: ClientFactory) -> None:
    async with limited(rate_limit_auth="0", rate_limit_account="0") as client:
        for _ in range(12):
            response = await client.post("/v1/auth/login", json=WRONG_LOGIN)
            assert response.status == 401
            assert "RateLimit-Policy" not in response.headers


# ---- subjects ------------------------------------------------------------------------------------


async def test_signed_in_users_are_limited_per_user_apart_from_their_ip(
    limited: ClientFactory, migrated_dsn: str
) -> None:
    ada, bob = await mint_session(migrated_dsn), await mint_session(migrated_dsn)
    async with limited(rate_limit_anonymous="2/60", rate_limit_user="4/60") as client:
        for _ in range(2):
            assert (await client.get("/openapi.json")).status == 200
        await assert_rate_limited(await client.get("/openapi.json"), "anonymous")

        # Same IP, but signed in: the user's own allowance, not the exhausted IP's.
        for left in (3, 2, 1, 0):
            response = await client.get("/v1/me", headers=bearer(ada))
            assert response.status == 200
            assert response.headers["RateLimit-Policy"] == '"user";q=4;w=60'
            assert remaining(response) == {"user": (left, remaining(response)["user"][1])}
        await assert_rate_limited(await client.get("/v1/me", headers=bearer(ada)), "user")

        # Another user is untouched by Ada's use.
        response = await client.get("/v1/me", headers=bearer(bob))
        assert response.status == 200
        assert remaining(response)["user"][0] == 3


async def test_an_invalid_token_is_limited_by_ip(limited: ClientFactory) -> None:
    async with limited(rate_limit_anonymous="1/60", rate_limit_user="100/60") as client:
        assert (await client.get("/openapi.json", headers=bearer("not-a-session"))).status == 200
        over = await client.get("/openapi.json", headers=bearer("another-bad-token"))
        await assert_rate_limited(over, "anonymous")


async def test_sign_in_has_its_own_stricter_limit_shared_with_registration(
    limited: ClientFactory,
) -> None:
    async with limited(rate_limit_anonymous="100/60", rate_limit_auth="3/60") as client:
        for left in (2, 1):
            response = await client.post("/v1/auth/login", json=WRONG_LOGIN)
            assert response.status == 401
            assert response.headers["RateLimit-Policy"] == (
                '"anonymous";q=100;w=60, "auth";q=3;w=60'
            )
            assert remaining(response)["auth"][0] == left
        # Registration draws on the same allowance (a 422 for a weak body still counts).
        weak = await client.post("/v1/auth/register", json={"username": "x"})
        assert weak.status == 422
        assert remaining(weak)["auth"][0] == 0

        await assert_rate_limited(await client.post("/v1/auth/login", json=WRONG_LOGIN), "auth")
        # Everything else from the same address goes on.
        other = await client.get("/openapi.json")
        assert other.status == 200
        assert remaining(other) == {"anonymous": (96, remaining(other)["anonymous"][1])}


async def test_x_forwarded_for_counts_only_from_a_trusted_proxy(limited: ClientFactory) -> None:
    async def status(client: Client, forwarded_for: str) -> int:
        return (
            await client.get("/openapi.json", headers={"X-Forwarded-For": forwarded_for})
        ).status

    async with limited(rate_limit_anonymous="1/60") as client:
        assert await status(client, "203.0.113.1") == 200
        assert await status(client, "203.0.113.2") == 429  # the header is ignored: same peer
    async with limited(rate_limit_anonymous="1/60", trusted_proxies="127.0.0.1") as client:
        assert await status(client, "203.0.113.1") == 200
        assert await status(client, "203.0.113.1") == 429
        assert await status(client, "203.0.113.2") == 200
        # The nearest untrusted hop decides, not whatever the client put first.
        assert await status(client, "198.51.100.9, 203.0.113.3") == 200
        assert await status(client, "198.51.100.10, 203.0.113.3") == 429


@pytest.mark.parametrize(
    "peer,forwarded,trusted,expected",
    [
        ("192.0.2.7", "203.0.113.1", "", "192.0.2.7"),
        ("192.0.2.7", "203.0.113.1", "10.0.0.0/8", "192.0.2.7"),
        ("10.1.2.3", "203.0.113.1", "10.0.0.0/8", "203.0.113.1"),
        ("10.1.2.3", "198.51.100.1, 203.0.113.1, 10.9.9.9", "10.0.0.0/8", "203.0.113.1"),
        ("10.1.2.3", "10.4.4.4, 10.5.5.5", "10.0.0.0/8", "10.4.4.4"),
        ("10.1.2.3", "198.51.100.1, garbage, 203.0.113.1", "10.0.0.0/8", "203.0.113.1"),
        ("10.1.2.3", "198.51.100.1, garbage", "10.0.0.0/8", "10.1.2.3"),
        ("10.1.2.3", "", "10.0.0.0/8", "10.1.2.3"),
        ("2001:db8:1:2:3:4:5:6", "", "", "2001:db8:1:2::/64"),
        ("::ffff:192.0.2.9", "", "", "192.0.2.9"),
    ],
)
def test_client_ip(peer: str, forwarded: str, trusted: str, expected: str) -> None:
    headers = {"X-Forwarded-For": forwarded} if forwarded else {}
    request = make_mocked_request("GET", "/", headers=headers)
    request = request.clone(remote=peer)
    assert client_ip(request, parse_networks(trusted)) == expected


# ---- sliding window ------------------------------------------------------------------------------


async def test_requests_free_up_one_by_one_as_the_window_slides(
    limited: ClientFactory, redis_url: str
) -> None:
    """Ageing only the oldest counted request frees exactly one unit: a sliding log, not a
    fixed window that resets all at once."""
    async with limited(rate_limit_anonymous="3/60") as client:
        for _ in range(3):
            assert (await client.get("/openapi.json")).status == 200
        await assert_rate_limited(await client.get("/openapi.json"), "anonymous")

        store = redis.Redis.from_url(redis_url)
        try:
            key = "gp:v1:rl:anonymous:{127.0.0.1}"
            oldest = (await store.zrange(key, 0, 0))[0]
            assert isinstance(oldest, bytes)
            await store.zincrby(key, -60_000_000, oldest)  # 60 s older: out of the window
            assert await store.zcard(key) == 3
        finally:
            await store.aclose()

        freed = await client.get("/openapi.json")
        assert freed.status == 200
        assert remaining(freed)["anonymous"][0] == 0
        await assert_rate_limited(await client.get("/openapi.json"), "anonymous")


async def test_a_short_window_lets_requests_through_again_after_it_passes(
    limited: ClientFactory,
) -> None:
    async with limited(rate_limit_anonymous="2/2") as client:
        for _ in range(2):
            assert (await client.get("/openapi.json")).status == 200
        over = await client.get("/openapi.json")
        await assert_rate_limited(over, "anonymous")
        assert int(over.headers["Retry-After"]) <= 2
        await asyncio.sleep(2.2)
        again = await client.get("/openapi.json")
        assert again.status == 200
        assert remaining(again)["anonymous"][0] == 1


def test_local_limiter_slides_too() -> None:
    limit = Limit(Policy("auth", 2, 10), "192.0.2.1")
    local = LocalLimiter()
    assert [d.allowed for t in (0.0, 4.0, 5.0) for d in local.hit([limit], now=t)] == [
        True,
        True,
        False,
    ]
    (denied,) = local.hit([limit], now=9.0)
    assert not denied.allowed and denied.reset == pytest.approx(1.0)
    assert local.hit([limit], now=10.5)[0].allowed  # the request at 0 left the window
    assert not local.hit([limit], now=11.0)[0].allowed  # the one at 4 has not


def test_local_once_claims_a_key_for_its_window_only() -> None:
    once = LocalOnce(max_keys=2)
    assert once.first("a", "first", 10, now=0.0) is None
    assert once.first("a", "second", 10, now=9.0) == "first"
    assert once.first("a", "third", 10, now=10.5) is None  # the window has passed
    once.set("a", "settled", 10, now=11.0)
    assert once.first("a", "fourth", 10, now=12.0) == "settled"
    once.first("b", "b", 10, now=12.0)
    once.first("c", "c", 10, now=12.0)  # past the bound: "a", the least recent, is forgotten
    assert once.first("a", "fifth", 10, now=12.0) is None


def test_local_limiter_forgets_the_least_recent_subjects_past_its_bound() -> None:
    local = LocalLimiter(max_subjects=2)
    policy = Policy("auth", 1, 60)
    for subject in ("a", "b", "c"):
        assert local.hit([Limit(policy, subject)], now=0.0)[0].allowed
    assert local.hit([Limit(policy, "a")], now=1.0)[0].allowed  # "a" was forgotten
    assert not local.hit([Limit(policy, "c")], now=1.0)[0].allowed


# ---- Redis down ----------------------------------------------------------------------------------


async def test_with_redis_down_general_limits_fail_open_and_sign_in_is_limited_in_process(
    limited: ClientFactory, redis_server: EmbeddedRedis | None
) -> None:
    if redis_server is None:
        pytest.skip("an external Redis (TEST_REDIS_URL) is not ours to stop")
    async with limited(rate_limit_anonymous="2/60", rate_limit_auth="2/60") as client:
        redis_server.stop()
        try:
            for _ in range(6):
                response = await client.get("/openapi.json")
                assert response.status == 200
                # The policy is known; what is left of it is not.
                assert response.headers["RateLimit-Policy"] == '"anonymous";q=2;w=60'
                assert "RateLimit" not in response.headers

            for left in (1, 0):
                response = await client.post("/v1/auth/login", json=WRONG_LOGIN)
                assert response.status == 401
                assert remaining(response) == {"auth": (left, remaining(response)["auth"][1])}
            await assert_rate_limited(await client.post("/v1/auth/login", json=WRONG_LOGIN), "auth")

            async with internal_client(client.app) as internal:
                metrics = await (await internal.get("/metrics")).text()
            assert 'gp_rate_limit_fallbacks_total{mode="local",policy="auth"} 3.0' in metrics
            assert 'gp_rate_limit_rejections_total{policy="auth"} 1.0' in metrics
            assert "gp_rate_limit_redis_errors_total" in metrics
        finally:
            redis_server.start()


async def test_a_slow_redis_costs_at_most_the_socket_timeout(
    limited: ClientFactory, redis_url: str
) -> None:
    """A Redis that accepts connections but does not answer (CLIENT PAUSE) fails open within
    REDIS_SOCKET_TIMEOUT, and later requests skip it for a while instead of waiting."""
    async with limited(rate_limit_anonymous="5/60", redis_socket_timeout=0.2) as client:
        assert (await client.get("/openapi.json")).status == 200
        blocker = redis.Redis.from_url(redis_url)
        await blocker.client_pause(1000, all=True)
        try:
            loop = asyncio.get_running_loop()
            started = loop.time()
            for _ in range(5):
                response = await client.get("/openapi.json")
                assert response.status == 200
                assert "RateLimit" not in response.headers
            # Generous bound: well under five socket timeouts plus Redis's pause.
            assert loop.time() - started < 1.2
        finally:
            await blocker.ping()  # answers once the pause is over
            await blocker.aclose()


# ---- configuration -------------------------------------------------------------------------------


@pytest.mark.parametrize("value", ["0", "", " 0 "])
def test_zero_turns_a_policy_off(value: str) -> None:
    assert Policy.parse("anonymous", value, setting="RATE_LIMIT_ANONYMOUS") is None


@pytest.mark.parametrize("value", ["120", "120/", "/60", "0/60", "10/0", "-1/60", "ten/60"])
def test_a_malformed_policy_names_its_setting(value: str) -> None:
    with pytest.raises(ValueError, match="RATE_LIMIT_AUTH"):
        Policy.parse("auth", value, setting="RATE_LIMIT_AUTH")


def test_the_app_refuses_to_build_with_a_malformed_limit(settings: Settings) -> None:
    with pytest.raises(ValueError, match="RATE_LIMIT_USER"):
        create_app(dataclasses.replace(settings, rate_limit_user="lots"))
    with pytest.raises(ValueError, match="TRUSTED_PROXIES"):
        RateLimiter.from_settings(dataclasses.replace(settings, trusted_proxies="proxy.local"))
