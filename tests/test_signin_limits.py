"""Password guessing with the settings production gets by default: sign-in and registration
limited per client IP, failed password checks (sign-in and PATCH /v1/me) per account from any
address, a locked account audited, and reads left unlimited (no Redis round trip for them)."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer
from apicheck import PASSWORD, assert_rate_limited, sign_up

from service.app import create_app
from service.config import Settings
from service.dev.embedded import EmbeddedRedis
from service.domain.passwords import hash_password
from service.store.queries import users as user_queries
from service.web.ratelimit import RateLimiter

Client = TestClient[web.Request, web.Application]

WRONG = "not the password at all, sorry"


@pytest.fixture
async def ada(conn: asyncpg.Connection) -> str:
    """Ada's account, made in SQL so that no request from the test's address is counted yet;
    her id."""
    user = await user_queries.create_user(
        conn,
        email="ada@example.org",
        username="ada",
        display_name="Ada",
        password_hash=await hash_password(PASSWORD),
        role="reader",
        tier="free",
    )
    assert user is not None
    return str(user.id)


@pytest.fixture
async def proxied(settings: Settings) -> AsyncIterator[Client]:
    """The app with production defaults, behind a trusted proxy (127.0.0.1) that says which
    client each request comes from: many addresses from one test."""
    app = create_app(dataclasses.replace(settings, trusted_proxies="127.0.0.1"))
    async with TestClient(TestServer(app)) as client:
        yield client


def from_ip(n: int) -> dict[str, str]:
    """X-Forwarded-For naming client `n`."""
    return {"X-Forwarded-For": f"198.51.100.{n}"}


async def sign_in(
    client: Client, password: str, login: str = "ada", headers: dict[str, str] | None = None
) -> ClientResponse:
    return await client.post(
        "/v1/auth/login", json={"login": login, "password": password}, headers=headers or {}
    )


async def lock_events(conn: asyncpg.Connection) -> list[dict[str, Any]]:
    """The auth.account_locked audit events, oldest first, with `details` decoded."""
    rows = await conn.fetch(
        "SELECT target_id, actor_id, details FROM audit_events"
        " WHERE action = 'auth.account_locked' ORDER BY created_at"
    )
    return [dict(row) | {"details": json.loads(row["details"])} for row in rows]


# ---- the defaults --------------------------------------------------------------------------------


def test_production_defaults_limit_sign_in_and_leave_reads_alone() -> None:
    defaults = Settings()
    limiter = RateLimiter.from_settings(defaults)
    assert (limiter.auth.quota, limiter.auth.window) == (10, 60)  # type: ignore[union-attr]
    assert (limiter.account.quota, limiter.account.window) == (10, 900)  # type: ignore[union-attr]
    assert limiter.anonymous is None and limiter.user is None
    assert defaults.anonymous_interaction_window == 3600


async def test_reads_carry_no_rate_limit_by_default(client: Client) -> None:
    for _ in range(15):
        response = await client.get("/v1/ghosts")
        assert response.status == 200
        assert "RateLimit-Policy" not in response.headers


# ---- one address ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("ada")
async def test_the_eleventh_wrong_password_from_one_address_is_throttled(client: Client) -> None:
    for _ in range(10):
        response = await sign_in(client, WRONG)
        assert response.status == 401
        assert response.headers["RateLimit-Policy"] == '"auth";q=10;w=60'
    await assert_rate_limited(await sign_in(client, WRONG), "auth")
    # The right password does not get through either, nor does any other login.
    await assert_rate_limited(await sign_in(client, PASSWORD), "auth")
    await assert_rate_limited(await sign_in(client, PASSWORD, login="someone_else"), "auth")


async def test_registration_is_limited_per_address(client: Client) -> None:
    for _ in range(10):
        weak = await client.post("/v1/auth/register", json={"username": "x"})
        assert weak.status == 422  # refused bodies count too
    over = await client.post("/v1/auth/register", json={"username": "x"})
    await assert_rate_limited(over, "auth")


# ---- many addresses, one account -----------------------------------------------------------------


async def test_the_eleventh_wrong_password_from_many_addresses_locks_the_account(
    proxied: Client, conn: asyncpg.Connection, ada: str
) -> None:
    for n in range(10):
        response = await sign_in(proxied, WRONG, headers=from_ip(n))
        assert response.status == 401
    problem = await assert_rate_limited(
        await sign_in(proxied, WRONG, headers=from_ip(10)), "account"
    )
    assert "locked" in problem["detail"]
    assert 600 <= problem["retry_after"] <= 900  # until the oldest failure is 15 minutes old
    # Locked for the right password too, from yet another address, by email as by username.
    await assert_rate_limited(await sign_in(proxied, PASSWORD, headers=from_ip(11)), "account")
    await assert_rate_limited(
        await sign_in(proxied, PASSWORD, login="ADA@example.org", headers=from_ip(12)), "account"
    )
    # One audit event, when the tenth failure locked it.
    (event,) = await lock_events(conn)
    assert str(event["target_id"]) == ada
    assert event["actor_id"] is None
    details = event["details"]
    assert details["via"] == "login"
    assert (details["failures"], details["window_seconds"]) == (10, 900)
    assert 600 <= details["locked_seconds"] <= 900
    # Other accounts are untouched.
    other = await sign_up(proxied, "bob")
    ok = await sign_in(proxied, PASSWORD, login=other.username, headers=from_ip(14))
    assert ok.status == 200


async def test_an_unknown_login_is_locked_the_same_way(
    proxied: Client, conn: asyncpg.Connection
) -> None:
    """A lock says nothing about whether the account exists."""
    for n in range(10):
        assert (await sign_in(proxied, WRONG, login="nobody", headers=from_ip(n))).status == 401
    problem = await assert_rate_limited(
        await sign_in(proxied, WRONG, login="nobody", headers=from_ip(10)), "account"
    )
    assert "locked" in problem["detail"]
    (event,) = await lock_events(conn)
    assert event["target_id"] is None and event["details"]["login"] == "nobody"


@pytest.mark.usefixtures("ada")
async def test_a_right_password_forgives_earlier_failures(proxied: Client) -> None:
    for n in range(9):
        assert (await sign_in(proxied, WRONG, headers=from_ip(n))).status == 401
    assert (await sign_in(proxied, PASSWORD, headers=from_ip(9))).status == 200
    for n in range(10, 20):
        assert (await sign_in(proxied, WRONG, headers=from_ip(n))).status == 401
    await assert_rate_limited(await sign_in(proxied, WRONG, headers=from_ip(20)), "account")


# ---- PATCH /v1/me --------------------------------------------------------------------------------


async def test_current_password_checks_count_as_sign_in_attempts(
    client: Client, conn: asyncpg.Connection
) -> None:
    """A stolen token is no password oracle: wrong current_password answers lock the account,
    for PATCH /v1/me and for signing in."""
    ada = await sign_up(client, "ada")
    change = {"password": "a brand new passphrase", "current_password": WRONG}
    for _ in range(10):
        response = await client.patch("/v1/me", json=change, headers=ada.headers)
        assert response.status == 422
    over = await client.patch("/v1/me", json=change, headers=ada.headers)
    await assert_rate_limited(over, "account")
    right = change | {"current_password": PASSWORD}
    await assert_rate_limited(
        await client.patch("/v1/me", json=right, headers=ada.headers), "account"
    )
    await assert_rate_limited(await sign_in(client, PASSWORD), "account")
    (event,) = await lock_events(conn)
    assert str(event["target_id"]) == str(event["actor_id"]) == ada.user["id"]
    assert event["details"]["via"] == "password_change"
    # The session itself goes on: only password checks are refused.
    assert (await client.get("/v1/me", headers=ada.headers)).status == 200


async def test_failed_sign_ins_and_password_checks_share_the_count(proxied: Client) -> None:
    ada = await sign_up(proxied, "ada")
    change = {"email": "lovelace@example.org", "current_password": WRONG}
    for n in range(5):
        assert (await sign_in(proxied, WRONG, headers=from_ip(n))).status == 401
        response = await proxied.patch("/v1/me", json=change, headers=ada.headers)
        assert response.status == 422
    await assert_rate_limited(await sign_in(proxied, WRONG, headers=from_ip(50)), "account")


# ---- without Redis -------------------------------------------------------------------------------


@pytest.mark.usefixtures("ada")
async def test_with_redis_down_each_process_still_locks_the_account(
    proxied: Client, redis_server: EmbeddedRedis | None
) -> None:
    if redis_server is None:
        pytest.skip("an external Redis (TEST_REDIS_URL) is not ours to stop")
    redis_server.stop()
    try:
        for n in range(10):
            assert (await sign_in(proxied, WRONG, headers=from_ip(n))).status == 401
        await assert_rate_limited(await sign_in(proxied, PASSWORD, headers=from_ip(10)), "account")
    finally:
        redis_server.start()
