"""Accounts and sessions: register, login, logout, /v1/me, listing and revoking sessions, expiry."""

from __future__ import annotations

import datetime
import hashlib
import ssl
import subprocess
import uuid
from collections.abc import AsyncIterator
from http.cookies import SimpleCookie
from pathlib import Path
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from apicheck import PASSWORD, SignedIn, bearer, field_names, sign_up

from service.app import create_app
from service.cache.engine import CACHE
from service.config import Settings
from service.dev import seed
from service.domain.passwords import (
    COMMON_PASSWORDS_FILE,
    is_common,
    password_problems,
    token_hash,
)
from service.web.auth import CURRENT_USER, can_edit, current_user, forget_sessions, require_role

Client = TestClient[web.Request, web.Application]

DAY = 24 * 3600


async def login(client: Client, login: str, password: str = PASSWORD) -> dict[str, Any]:
    response = await client.post("/v1/auth/login", json={"login": login, "password": password})
    body: dict[str, Any] = await response.json()
    assert response.status == 200, body
    client.session.cookie_jar.clear()
    return body


def session_cookie(set_cookie: str) -> Any:
    cookie: SimpleCookie = SimpleCookie()
    cookie.load(set_cookie)
    return cookie["gp_session"]


async def session_status(client: Client, token: str) -> int:
    return (await client.get("/v1/me", headers=bearer(token))).status


# ---- register ------------------------------------------------------------------------------------


async def test_register_creates_a_reader_and_signs_it_in(client: Client) -> None:
    response = await client.post(
        "/v1/auth/register",
        json={
            "email": "Ada@Example.org",
            "username": "ada",
            "password": PASSWORD,
            "display_name": "Ada Lovelace",
        },
    )
    body = await response.json()
    assert response.status == 201, body
    assert response.headers["Cache-Control"] == "private, no-store"
    user = body["user"]
    assert (user["email"], user["username"], user["display_name"]) == (
        "Ada@Example.org",
        "ada",
        "Ada Lovelace",
    )
    assert (user["role"], user["tier"]) == ("reader", "free")
    assert "password" not in response.headers and "password_hash" not in user
    assert len(body["token"]) >= 43  # 256 random bits, url-safe base64
    now = datetime.datetime.now(datetime.UTC)
    expires_at = datetime.datetime.fromisoformat(body["expires_at"])
    idle_expires_at = datetime.datetime.fromisoformat(body["idle_expires_at"])
    assert abs((expires_at - now).total_seconds() - 30 * DAY) < 60
    assert abs((idle_expires_at - now).total_seconds() - 7 * DAY) < 60
    assert session_cookie(response.headers["Set-Cookie"]).value == body["token"]

    client.session.cookie_jar.clear()
    me = await client.get("/v1/me", headers=bearer(body["token"]))
    assert me.status == 200
    assert (await me.json())["id"] == user["id"]


@pytest.mark.parametrize(
    "email,username,field",
    [
        ("ADA@example.ORG", "someone_else", "email"),  # emails are unique case-insensitively
        ("other@example.org", "ada", "username"),
    ],
)
async def test_register_refuses_a_taken_email_or_username(
    client: Client, email: str, username: str, field: str
) -> None:
    await sign_up(client, "ada", email="ada@example.org")
    response = await client.post(
        "/v1/auth/register",
        json={"email": email, "username": username, "password": PASSWORD, "display_name": "X"},
    )
    body = await response.json()
    assert response.status == 409, body
    assert field_names(body) == {field}


@pytest.mark.parametrize(
    "password",
    [
        "short",  # under the minimum length
        "fourteen chars",  # one under NIST's 15 for a password that is the only factor
        "x" * 300,  # over the maximum length
        "aaaaaaaaaaaaaaaaaaaa",  # one character repeated
        "abababababababababab",  # fewer than 5 different characters
        "1qaz2wsx3edc4rfv",  # on the common-password list
        "QWERTYUIOP12345",  # on it, whatever the case
        "1qaz 2wsx 3edc 4rfv",  # on it, spaces aside
        "my name is ada_king ok",  # contains the username
        "ADA_KING@EXAMPLE.ORG!!",  # contains the email
        "ada_king_local_part",  # contains the email's local part (== username here)
    ],
)
async def test_register_rejects_a_weak_password_naming_the_field(
    client: Client, password: str
) -> None:
    response = await client.post(
        "/v1/auth/register",
        json={
            "email": "ada_king@example.org",
            "username": "ada_king",
            "password": password,
            "display_name": "Ada",
        },
    )
    body = await response.json()
    assert response.status == 422, body
    assert field_names(body) == {"password"}


@pytest.mark.parametrize(
    "password,message",
    [
        ("aaaaaaaaaa", "must be at least 15 characters"),  # the example
        ("aaaaaaaaaa", "must use at least 5 different characters"),
        ("123456789qwerty", "is too common: it is on a list of passwords attackers try first"),
    ],
)
def test_each_password_rule_says_what_it_wants(password: str, message: str) -> None:
    assert message in password_problems(password, email="ada@example.org", username="ada")


def test_the_common_password_list_names_its_origin_and_licence() -> None:
    header = [line for line in COMMON_PASSWORDS_FILE.read_text().splitlines() if line[:1] == "#"]
    text = "\n".join(header)
    assert "zxcvbn 4.5.0" in text and "MIT License" in text and "Copyright (c)" in text
    assert is_common("password1") and is_common("Trustno1") and not is_common(PASSWORD)
    # What the README promises: only a passphrase of unrelated words gets through every rule.
    assert password_problems(PASSWORD, email="ada@example.org", username="ada") == []


async def test_register_reports_every_invalid_field(client: Client) -> None:
    response = await client.post(
        "/v1/auth/register",
        json={"email": "not-an-email", "username": "Ada!", "display_name": "  ", "admin": True},
    )
    body = await response.json()
    assert response.status == 422, body
    assert field_names(body) == {"email", "username", "password", "display_name", "admin"}


@pytest.mark.parametrize("field", ["email", "username", "display_name"])
async def test_register_rejects_nul_characters_as_invalid_not_500(
    client: Client, field: str
) -> None:
    payload = {
        "email": "ada@example.org",
        "username": "ada",
        "password": PASSWORD,
        "display_name": "Ada",
    }
    payload[field] = "a\u0000" + payload[field]
    response = await client.post("/v1/auth/register", json=payload)
    assert response.status == 422
    assert field_names(await response.json()) == {field}


# ---- login ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("login_as", ["ada@example.org", "ADA@EXAMPLE.ORG", "ada", " Ada "])
async def test_login_by_email_or_username(client: Client, login_as: str) -> None:
    await sign_up(client, "ada")
    response = await client.post("/v1/auth/login", json={"login": login_as, "password": PASSWORD})
    body = await response.json()
    assert response.status == 200, body
    assert body["user"]["username"] == "ada"
    assert response.headers["Cache-Control"] == "private, no-store"
    client.session.cookie_jar.clear()
    assert await session_status(client, body["token"]) == 200


async def test_every_login_gets_a_new_token_and_earlier_ones_stay_valid(client: Client) -> None:
    registered = await sign_up(client, "ada")
    first = await login(client, "ada")
    second = await login(client, "ada")
    tokens = {registered.token, first["token"], second["token"]}
    assert len(tokens) == 3
    assert len({registered.session_id, first["session_id"], second["session_id"]}) == 3
    for token in tokens:
        assert await session_status(client, token) == 200


@pytest.mark.parametrize(
    "login_as,password",
    [("ada", "wrong password entirely"), ("nobody", PASSWORD), ("nobody@example.org", PASSWORD)],
)
async def test_login_failure_does_not_say_which_part_was_wrong(
    client: Client, login_as: str, password: str
) -> None:
    await sign_up(client, "ada")
    response = await client.post("/v1/auth/login", json={"login": login_as, "password": password})
    body = await response.json()
    assert response.status == 401
    assert body["detail"] == "the login or password is wrong"
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert "Set-Cookie" not in response.headers


@pytest.mark.parametrize(
    "username,password,role,tier",
    [
        ("admin", "admin-demo-password", "admin", "pro"),
        ("editor", "editor-demo-password", "editor", "premium"),
        ("reader", "reader-demo-password", "reader", "free"),
    ],
)
async def test_the_readme_demo_accounts_can_sign_in(
    client: Client, migrated_dsn: str, username: str, password: str, role: str, tier: str
) -> None:
    await seed.load(migrated_dsn)
    body = await login(client, username, password)
    assert (body["user"]["role"], body["user"]["tier"]) == (role, tier)


async def test_login_rejects_unknown_fields_and_missing_password(client: Client) -> None:
    response = await client.post("/v1/auth/login", json={"login": "ada", "remember": True})
    assert response.status == 422
    assert field_names(await response.json()) == {"password", "remember"}


async def test_login_with_a_nul_character_is_invalid_not_500(client: Client) -> None:
    response = await client.post(
        "/v1/auth/login", json={"login": "ada\u0000", "password": "x\u0000y"}
    )
    assert response.status == 422
    assert field_names(await response.json()) == {"login"}


# ---- cookies -------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/auth/register", "/v1/auth/login"])
async def test_session_cookie_is_httponly_lax_root_path_and_not_secure_over_http(
    client: Client, path: str
) -> None:
    if path == "/v1/auth/login":
        await sign_up(client, "ada")
        payload: dict[str, str] = {"login": "ada", "password": PASSWORD}
    else:
        payload = {
            "email": "ada@example.org",
            "username": "ada",
            "password": PASSWORD,
            "display_name": "Ada",
        }
    response = await client.post(path, json=payload)
    assert response.status in (200, 201)
    morsel = session_cookie(response.headers["Set-Cookie"])
    assert morsel.value == (await response.json())["token"]
    assert morsel["httponly"] is True
    assert morsel["samesite"] == "Lax"
    assert morsel["path"] == "/"
    assert morsel["max-age"] == str(30 * DAY)
    assert not morsel["secure"]


@pytest.fixture
def tls_context(tmp_path: Path) -> ssl.SSLContext:
    """A server TLS context with a throw-away self-signed certificate for 127.0.0.1."""
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        [
            *("openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-subj", "/CN=127.0.0.1", "-keyout", str(key), "-out", str(cert)),
        ],
        check=True,
        capture_output=True,
    )
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert, key)
    return context


@pytest.fixture
async def https_client(settings: Settings, tls_context: ssl.SSLContext) -> AsyncIterator[Client]:
    """A client for the app served over HTTPS."""
    server = TestServer(create_app(settings))
    await server.start_server(ssl=tls_context)
    async with TestClient(server) as test_client:
        yield test_client


async def test_session_cookie_is_secure_over_https(https_client: Client) -> None:
    response = await https_client.post(
        "/v1/auth/register",
        json={
            "email": "ada@example.org",
            "username": "ada",
            "password": PASSWORD,
            "display_name": "Ada",
        },
        ssl=False,
    )
    assert response.status == 201
    cookie: SimpleCookie = SimpleCookie()
    cookie.load(response.headers["Set-Cookie"])
    morsel = cookie["__Host-gp_session"]  # Secure, Path=/ and no Domain: a __Host- cookie
    assert morsel["secure"] is True
    assert morsel["httponly"] is True
    assert morsel["path"] == "/"
    assert not morsel["domain"]


async def test_the_session_cookie_alone_signs_requests_in(client: Client) -> None:
    token = (await sign_up(client, "ada")).token
    response = await client.get("/v1/me", headers={"Cookie": f"gp_session={token}"})
    assert response.status == 200
    assert (await response.json())["username"] == "ada"


async def test_a_bearer_header_wins_over_the_cookie(client: Client) -> None:
    ada = (await sign_up(client, "ada")).token
    bob = (await sign_up(client, "bob")).token
    response = await client.get(
        "/v1/me", headers={"Cookie": f"gp_session={ada}", "Authorization": f"Bearer {bob}"}
    )
    assert (await response.json())["username"] == "bob"
    # A bad Bearer token is not rescued by a good cookie: the client chose the header.
    response = await client.get(
        "/v1/me", headers={"Cookie": f"gp_session={ada}", "Authorization": "Bearer nope"}
    )
    assert response.status == 401


async def test_the_cookie_jar_of_a_browser_like_client_keeps_it_signed_in(
    client: Client,
) -> None:
    response = await client.post(
        "/v1/auth/register",
        json={
            "email": "ada@example.org",
            "username": "ada",
            "password": PASSWORD,
            "display_name": "Ada",
        },
    )
    assert response.status == 201
    assert (await client.get("/v1/me")).status == 200
    logout = await client.post("/v1/auth/logout")
    assert logout.status == 204
    assert session_cookie(logout.headers["Set-Cookie"])["max-age"] == "0"
    assert (await client.get("/v1/me")).status == 401


# ---- not signed in -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method,path",
    [
        ("GET", "/v1/me"),
        ("PATCH", "/v1/me"),
        ("GET", "/v1/me/sessions"),
        ("DELETE", f"/v1/me/sessions/{uuid.UUID(int=1)}"),
        ("POST", "/v1/auth/logout"),
    ],
)
async def test_private_endpoints_answer_401_with_a_bearer_challenge(
    client: Client, method: str, path: str
) -> None:
    response = await client.request(method, path, json={"display_name": "x"})
    body = await response.json()
    assert response.status == 401, body
    assert response.content_type == "application/problem+json"
    assert response.headers["WWW-Authenticate"] == 'Bearer realm="ghostypedia"'


@pytest.mark.parametrize(
    "authorization",
    [
        "Bearer",
        "Bearer ",
        "Bearer    ",
        "bearer not-a-real-token",
        "Bearer two words",
        "Bearer " + "A" * 4000,  # over our token limit, under the header size limit
        "Bearer %00%ff",
        "Bearer \u00e9t\u00e9",
        "Bearer ===",
        "Basic YWRhOnBhc3N3b3Jk",
        "Token abc",
        "",
        "Bearer\tabc",
    ],
)
async def test_malformed_authorization_headers_are_401_not_500(
    client: Client, authorization: str
) -> None:
    response = await client.get("/v1/me", headers={"Authorization": authorization})
    assert response.status == 401
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


@pytest.mark.parametrize("cookie", ["gp_session=", "gp_session=a%20b", "gp_session=\u00e9", "x=1"])
async def test_malformed_session_cookies_are_401_not_500(client: Client, cookie: str) -> None:
    response = await client.get("/v1/me", headers={"Cookie": cookie})
    assert response.status == 401


async def test_an_invalid_token_gets_an_invalid_token_challenge(client: Client) -> None:
    response = await client.get("/v1/me", headers=bearer("A" * 43))
    assert response.status == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]


# ---- logout --------------------------------------------------------------------------------------


async def test_logout_revokes_only_the_current_session_at_once(client: Client) -> None:
    first = (await sign_up(client, "ada")).token
    second = (await login(client, "ada"))["token"]
    response = await client.post("/v1/auth/logout", headers=bearer(first))
    assert response.status == 204
    morsel = session_cookie(response.headers["Set-Cookie"])
    assert morsel.value == "" and morsel["max-age"] == "0"
    assert await session_status(client, first) == 401
    assert await session_status(client, second) == 200
    # Logging out twice: the session is gone, so it is a 401 like any dead token.
    assert (await client.post("/v1/auth/logout", headers=bearer(first))).status == 401


# ---- /v1/me --------------------------------------------------------------------------------------


async def test_me_is_private_and_not_stored(client: Client) -> None:
    token = (await sign_up(client, "ada")).token
    response = await client.get("/v1/me", headers=bearer(token))
    body = await response.json()
    assert response.status == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers
    assert set(body) == {
        "id",
        "email",
        "username",
        "display_name",
        "role",
        "tier",
        "created_at",
        "updated_at",
    }


async def test_patch_me_changes_the_display_name_without_a_password(client: Client) -> None:
    token = (await sign_up(client, "ada")).token
    response = await client.patch(
        "/v1/me", json={"display_name": "Countess"}, headers=bearer(token)
    )
    body = await response.json()
    assert response.status == 200, body
    assert body["display_name"] == "Countess"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert (await (await client.get("/v1/me", headers=bearer(token))).json())[
        "display_name"
    ] == "Countess"


@pytest.mark.parametrize(
    "payload",
    [{}, {"current_password": PASSWORD}, {"display_name": None}, {"role": "admin"}],
    ids=["empty", "only-current-password", "null", "unknown-field"],
)
async def test_patch_me_without_a_valid_change_is_422(
    client: Client, payload: dict[str, Any]
) -> None:
    token = (await sign_up(client, "ada")).token
    response = await client.patch("/v1/me", json=payload, headers=bearer(token))
    assert response.status == 422
    me = await (await client.get("/v1/me", headers=bearer(token))).json()
    assert (me["display_name"], me["role"]) == ("Ada", "reader")


@pytest.mark.parametrize(
    "change",
    [{"email": "new@example.org"}, {"password": "an entirely new secret"}],
    ids=["email", "password"],
)
@pytest.mark.parametrize("current_password", [None, "not the password"], ids=["missing", "wrong"])
async def test_patch_me_needs_the_current_password_for_email_or_password(
    client: Client, change: dict[str, str], current_password: str | None
) -> None:
    token = (await sign_up(client, "ada")).token
    payload = dict(change)
    if current_password is not None:
        payload["current_password"] = current_password
    response = await client.patch("/v1/me", json=payload, headers=bearer(token))
    body = await response.json()
    assert response.status == 422, body
    assert field_names(body) == {"current_password"}
    me = await (await client.get("/v1/me", headers=bearer(token))).json()
    assert me["email"] == "ada@example.org"
    assert (await client.post("/v1/auth/login", json={"login": "ada", "password": PASSWORD})).ok


async def test_patch_me_changes_the_email(client: Client) -> None:
    token = (await sign_up(client, "ada")).token
    response = await client.patch(
        "/v1/me",
        json={"email": "lovelace@example.org", "current_password": PASSWORD},
        headers=bearer(token),
    )
    assert response.status == 200
    assert (await response.json())["email"] == "lovelace@example.org"
    await login(client, "lovelace@example.org")


async def test_patch_me_refuses_an_email_someone_else_has(client: Client) -> None:
    await sign_up(client, "bob", email="bob@example.org")
    token = (await sign_up(client, "ada")).token
    response = await client.patch(
        "/v1/me",
        json={"email": "BOB@example.org", "current_password": PASSWORD},
        headers=bearer(token),
    )
    body = await response.json()
    assert response.status == 409, body
    assert field_names(body) == {"email"}


async def test_patch_me_checks_the_new_password(client: Client) -> None:
    token = (await sign_up(client, "ada")).token
    response = await client.patch(
        "/v1/me",
        json={"password": "short", "current_password": PASSWORD},
        headers=bearer(token),
    )
    assert response.status == 422
    assert field_names(await response.json()) == {"password"}


async def test_password_change_signs_out_other_sessions_and_replaces_the_password(
    client: Client,
) -> None:
    current = (await sign_up(client, "ada")).token
    other = (await login(client, "ada"))["token"]
    new_password = "a brand new passphrase"
    response = await client.patch(
        "/v1/me",
        json={"password": new_password, "current_password": PASSWORD},
        headers=bearer(current),
    )
    assert response.status == 200, await response.json()
    assert await session_status(client, current) == 200
    assert await session_status(client, other) == 401
    old = await client.post("/v1/auth/login", json={"login": "ada", "password": PASSWORD})
    assert old.status == 401
    await login(client, "ada", new_password)


# ---- sessions ------------------------------------------------------------------------------------


async def test_sessions_lists_live_sessions_and_marks_the_current_one(client: Client) -> None:
    first = await sign_up(client, "ada")
    second = await login(client, "ada")
    response = await client.get(
        "/v1/me/sessions", headers={**bearer(second["token"]), "User-Agent": "GhostReader/1.0"}
    )
    body = await response.json()
    assert response.status == 200, body
    assert response.headers["Cache-Control"] == "private, no-store"
    assert body["next_cursor"] is None
    items = body["items"]
    assert [item["id"] for item in items] == [second["session_id"], first.session_id]
    assert [item["current"] for item in items] == [True, False]
    assert set(items[0]) == {
        "id",
        "created_at",
        "last_seen_at",
        "expires_at",
        "idle_expires_at",
        "ip",
        "user_agent",
        "current",
    }
    assert items[0]["ip"] == "127.0.0.1"
    assert items[0]["user_agent"].startswith("Python/")  # the client that logged in
    assert "token" not in items[0]


async def test_a_long_user_agent_is_stored_truncated(
    client: Client, conn: asyncpg.Connection
) -> None:
    await sign_up(client, "ada")
    response = await client.post(
        "/v1/auth/login",
        json={"login": "ada", "password": PASSWORD},
        headers={"User-Agent": "Spirit/" + "x" * 2000},
    )
    assert response.status == 200
    session_id = uuid.UUID((await response.json())["session_id"])
    stored = await conn.fetchval("SELECT user_agent FROM sessions WHERE id = $1", session_id)
    assert stored == ("Spirit/" + "x" * 2000)[:512]


async def test_sessions_pages_through_every_session_once(client: Client) -> None:
    token = (await sign_up(client, "ada")).token
    for _ in range(4):
        await login(client, "ada")
    seen: list[str] = []
    cursor = None
    for _ in range(10):
        params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        response = await client.get("/v1/me/sessions", params=params, headers=bearer(token))
        body = await response.json()
        assert response.status == 200, body
        assert len(body["items"]) <= 2
        seen.extend(item["id"] for item in body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert len(seen) == 5 == len(set(seen))


@pytest.mark.parametrize("params", [{"limit": "0"}, {"limit": "101"}, {"cursor": "!!"}, {"x": "1"}])
async def test_sessions_rejects_bad_paging_parameters(
    client: Client, params: dict[str, str]
) -> None:
    token = (await sign_up(client, "ada")).token
    response = await client.get("/v1/me/sessions", params=params, headers=bearer(token))
    assert response.status == 422


async def test_revoking_one_of_my_sessions_ends_it_at_once(client: Client) -> None:
    mine = await sign_up(client, "ada")
    other = await login(client, "ada")
    response = await client.delete(f"/v1/me/sessions/{other['session_id']}", headers=mine.headers)
    assert response.status == 204
    assert "Set-Cookie" not in response.headers  # not the session making the request
    assert await session_status(client, other["token"]) == 401
    listed = await (await client.get("/v1/me/sessions", headers=mine.headers)).json()
    assert [item["id"] for item in listed["items"]] == [mine.session_id]
    again = await client.delete(f"/v1/me/sessions/{other['session_id']}", headers=mine.headers)
    assert again.status == 404


async def test_revoking_the_current_session_clears_the_cookie(client: Client) -> None:
    mine = await sign_up(client, "ada")
    response = await client.delete(f"/v1/me/sessions/{mine.session_id}", headers=mine.headers)
    assert response.status == 204
    assert session_cookie(response.headers["Set-Cookie"])["max-age"] == "0"
    assert await session_status(client, mine.token) == 401


async def test_users_cannot_see_or_revoke_each_others_sessions(client: Client) -> None:
    ada = await sign_up(client, "ada")
    bob = await sign_up(client, "bob")
    response = await client.delete(f"/v1/me/sessions/{ada.session_id}", headers=bob.headers)
    unknown = await client.delete(f"/v1/me/sessions/{uuid.uuid4()}", headers=bob.headers)
    # Someone else's session and one that does not exist are indistinguishable.
    assert response.status == unknown.status == 404
    assert (await response.json())["detail"] == (await unknown.json())["detail"]
    assert await session_status(client, ada.token) == 200
    listed = await (await client.get("/v1/me/sessions", headers=bob.headers)).json()
    assert [item["id"] for item in listed["items"]] == [bob.session_id]


async def test_a_malformed_session_id_is_404(client: Client) -> None:
    token = (await sign_up(client, "ada")).token
    response = await client.delete("/v1/me/sessions/not-a-uuid", headers=bearer(token))
    assert response.status == 404


# ---- expiry and revocation in the database -------------------------------------------------------


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1",
        "UPDATE sessions SET idle_expires_at = now() - interval '1 second' WHERE id = $1",
        "UPDATE sessions SET revoked_at = now() WHERE id = $1",
    ],
    ids=["absolute-expiry", "idle-expiry", "revoked"],
)
async def test_expired_or_revoked_sessions_no_longer_sign_in(
    client: Client, conn: asyncpg.Connection, statement: str
) -> None:
    mine = await sign_up(client, "ada")
    other = await login(client, "ada")
    assert await session_status(client, mine.token) == 200
    await conn.execute(
        statement,
        uuid.UUID(mine.session_id),
    )
    # Changed in SQL, behind the API's back: the cached lookup would be believed for up to
    # SESSION_CACHE_TTL (tests/test_cached_reads.py), unless dropped as an operator would.
    await forget_sessions(client.app[CACHE], [token_hash(mine.token)])
    response = await client.get("/v1/me", headers=mine.headers)
    assert response.status == 401
    assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
    # It is not listed either, and cannot be revoked a second time.
    listed = await (await client.get("/v1/me/sessions", headers=bearer(other["token"]))).json()
    assert [item["id"] for item in listed["items"]] == [other["session_id"]]
    gone = await client.delete(f"/v1/me/sessions/{mine.session_id}", headers=bearer(other["token"]))
    assert gone.status == 404


async def use_changed_session(
    client: Client, conn: asyncpg.Connection, mine: SignedIn, update: str
) -> asyncpg.Record:
    """Change `mine`'s session in SQL (`update`, with the session's id as $1), use it once (it
    still signs in) and return its row as that use left it, with since_seen and idle_left."""
    session_id = uuid.UUID(mine.session_id)
    await conn.execute(update, session_id)
    assert await session_status(client, mine.token) == 200
    row = await conn.fetchrow(
        "SELECT *, now() - last_seen_at AS since_seen, idle_expires_at - now() AS idle_left"
        " FROM sessions WHERE id = $1",
        session_id,
    )
    assert row is not None
    return row


async def test_use_pushes_the_idle_expiry_forward_at_most_once_a_minute(
    client: Client, conn: asyncpg.Connection
) -> None:
    mine = await sign_up(client, "ada")
    # Last used two minutes ago and about to go idle: a request refreshes both.
    row = await use_changed_session(
        client,
        conn,
        mine,
        "UPDATE sessions SET last_seen_at = now() - interval '2 minutes',"
        " idle_expires_at = now() + interval '1 hour' WHERE id = $1",
    )
    assert row["since_seen"] < datetime.timedelta(seconds=10)
    assert row["idle_left"] > datetime.timedelta(days=6, hours=23)

    # Used 10 seconds ago: reads do not write again.
    row = await use_changed_session(
        client,
        conn,
        mine,
        "UPDATE sessions SET last_seen_at = now() - interval '10 seconds',"
        " idle_expires_at = now() + interval '1 hour' WHERE id = $1",
    )
    assert row["idle_left"] < datetime.timedelta(hours=1)


async def test_the_idle_expiry_never_outlives_the_absolute_one(
    client: Client, conn: asyncpg.Connection
) -> None:
    row = await use_changed_session(
        client,
        conn,
        await sign_up(client, "ada"),
        "UPDATE sessions SET last_seen_at = now() - interval '2 minutes',"
        " expires_at = now() + interval '1 hour' WHERE id = $1",
    )
    assert row["idle_expires_at"] == row["expires_at"]


async def test_session_timeouts_come_from_the_settings(settings: Settings) -> None:
    short = Settings(
        database_url=settings.database_url,
        redis_url=settings.redis_url,
        db_pool_min_size=1,
        session_idle_timeout=120,
        session_max_age=3600,
    )
    async with TestClient(TestServer(create_app(short))) as client:
        body = await sign_up(client, "ada")
        now = datetime.datetime.now(datetime.UTC)
        expires_at = datetime.datetime.fromisoformat(body.response["expires_at"])
        idle_expires_at = datetime.datetime.fromisoformat(body.response["idle_expires_at"])
        assert abs((expires_at - now).total_seconds() - 3600) < 30
        assert abs((idle_expires_at - now).total_seconds() - 120) < 30


# ---- what is stored ------------------------------------------------------------------------------


async def test_only_the_sha256_of_a_token_is_stored(
    client: Client, conn: asyncpg.Connection
) -> None:
    tokens = [(await sign_up(client, "ada")).token, (await login(client, "ada"))["token"]]
    stored = await conn.fetch("SELECT token_hash, sessions::text AS whole_row FROM sessions")
    assert {bytes(row["token_hash"]) for row in stored} == {
        hashlib.sha256(token.encode()).digest() for token in tokens
    }
    for row in stored:
        for token in tokens:
            assert token not in row["whole_row"]


async def test_passwords_are_stored_as_argon2id_hashes(
    client: Client, conn: asyncpg.Connection
) -> None:
    await sign_up(client, "ada")
    stored = await conn.fetchval("SELECT password_hash FROM users WHERE username = 'ada'")
    assert stored.startswith("$argon2id$")
    assert PASSWORD not in stored


# ---- roles ---------------------------------------------------------------------------------------


@pytest.fixture
async def role_client(settings: Settings) -> AsyncIterator[Client]:
    """The app plus two probe routes that use the auth helpers as other handlers do."""
    app = create_app(settings)

    async def editors_only(request: web.Request) -> web.Response:
        user = await require_role(request, "editor", "admin")
        return web.json_response({"role": user.role})

    async def who(request: web.Request) -> web.Response:
        first = await current_user(request)
        second = await current_user(request)
        return web.json_response(
            {
                "same_object": first is second and request[CURRENT_USER] is first,
                "can_edit": can_edit(first),
                "username": first.username if first else None,
            }
        )

    app.router.add_get("/_test/editors", editors_only)
    app.router.add_get("/_test/who", who)
    async with TestClient(TestServer(app)) as test_client:
        yield test_client


@pytest.mark.parametrize(
    "role,status,editor",
    [("reader", 403, False), ("editor", 200, True), ("admin", 200, True)],
)
async def test_require_role_and_can_edit_follow_the_role(
    role_client: Client, role: str, status: int, editor: bool
) -> None:
    token = (await sign_up(role_client, "ada", role=role)).token
    response = await role_client.get("/_test/editors", headers=bearer(token))
    assert response.status == status
    if status == 403:
        assert (await response.json())["type"].endswith("/forbidden")
    who = await (await role_client.get("/_test/who", headers=bearer(token))).json()
    assert who == {"same_object": True, "can_edit": editor, "username": "ada"}


async def test_require_role_is_401_before_403_and_anonymous_cannot_edit(
    role_client: Client,
) -> None:
    assert (await role_client.get("/_test/editors")).status == 401
    who = await (await role_client.get("/_test/who")).json()
    assert who == {"same_object": True, "can_edit": False, "username": None}


# ---- documentation -------------------------------------------------------------------------------


async def test_openapi_documents_the_account_endpoints(client: Client) -> None:
    document = await (await client.get("/openapi.json")).json()
    paths = document["paths"]
    assert set(paths["/v1/auth/register"]) == {"post"}
    assert set(paths["/v1/auth/login"]) == {"post"}
    assert set(paths["/v1/auth/logout"]) == {"post"}
    assert set(paths["/v1/me"]) == {"get", "patch"}
    assert set(paths["/v1/me/sessions"]) == {"get"}
    assert set(paths["/v1/me/sessions/{id}"]) == {"delete"}
    assert "201" in paths["/v1/auth/register"]["post"]["responses"]
    assert "409" in paths["/v1/auth/register"]["post"]["responses"]
    assert paths["/v1/me"]["get"]["security"] == [{"bearer": []}, {"cookie": []}]
