"""Secure by default, against the server as `python -m service run` serves it (service.runner):
the internal listener, security headers on every response, the session cookie behind a TLS
proxy, and aiohttp's protocol errors as problems."""

from __future__ import annotations

import asyncio
import dataclasses
import json
import logging
from collections.abc import AsyncIterator
from dataclasses import dataclass
from http.cookies import SimpleCookie
from typing import Any

import aiohttp
import pytest
from apicheck import PASSWORD, check_problem

from service.config import Settings
from service.dev.embedded import free_port
from service.runner import AppRunner, listen
from service.web.headers import DEFAULT_CSP, HSTS, SERVER
from service.web.openapi import DOCS_CSP

PROXY = "127.0.0.1"  # the tests' own address, trusted as a proxy where a test says so


@dataclass
class Served:
    public: str
    internal: str
    session: aiohttp.ClientSession

    async def get(self, url: str, **kwargs: Any) -> tuple[aiohttp.ClientResponse, bytes]:
        async with self.session.get(url, allow_redirects=False, **kwargs) as response:
            return response, await response.read()

    async def post(self, url: str, **kwargs: Any) -> tuple[aiohttp.ClientResponse, bytes]:
        async with self.session.post(url, **kwargs) as response:
            return response, await response.read()


async def serve(settings: Settings) -> tuple[AppRunner, AppRunner | None]:
    ports = dataclasses.replace(settings, port=free_port(), internal_port=free_port())
    return await listen(ports)


@pytest.fixture
async def served(settings: Settings) -> AsyncIterator[Served]:
    """The app on a public and an internal port, as the runner serves it."""
    async with served_with(settings) as server:
        yield server


class served_with:
    """`async with served_with(settings) as server`: the runner's listeners for `settings`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    async def __aenter__(self) -> Served:
        self.runner, self.internal = await serve(self.settings)
        assert self.internal is not None
        self.session = aiohttp.ClientSession(cookie_jar=aiohttp.DummyCookieJar())
        host, port = self.runner.addresses[0][:2]
        ihost, iport = self.internal.addresses[0][:2]
        return Served(f"http://{host}:{port}", f"http://{ihost}:{iport}", self.session)

    async def __aexit__(self, *exc: object) -> None:
        await self.session.close()
        assert self.internal is not None
        await self.internal.cleanup()
        await self.runner.cleanup()


# ---- internal listener ---------------------------------------------------------------------------


async def test_metrics_and_health_details_are_on_the_internal_listener_only(
    served: Served,
) -> None:
    for path in ("/metrics", "/health"):
        response, body = await served.get(served.public + path)
        assert response.status == 404, path
        check_problem(404, response.content_type, body, label=path)
        assert b"gp_" not in body and b"pid" not in body

    response, body = await served.get(served.internal + "/metrics")
    assert response.status == 200
    assert b"gp_worker_info" in body and b"process_resident_memory_bytes" in body
    response, body = await served.get(served.internal + "/health")
    assert response.status == 200
    details = json.loads(body)
    assert {"pools", "cache", "recent_errors", "uptime_seconds"} <= set(details)


async def test_public_readiness_has_a_minimal_body(served: Served) -> None:
    response, body = await served.get(served.public + "/health/ready")
    assert response.status == 200
    assert json.loads(body) == {
        "status": "ready",
        "checks": {"database": True, "redis": True, "migrations": True, "queries": True},
    }
    for secret in (b"latency", b"pid", b"pool", b"error", b"memory"):
        assert secret not in body


async def test_the_internal_listener_binds_loopback_by_default(served: Served) -> None:
    assert Settings().internal_host == "127.0.0.1"
    assert served.internal.startswith("http://127.0.0.1:")


async def test_internal_port_0_turns_the_internal_listener_off(settings: Settings) -> None:
    runner, internal = await listen(
        dataclasses.replace(settings, port=free_port(), internal_port=0)
    )
    try:
        assert internal is None
        assert len(runner.addresses) == 1
    finally:
        await runner.cleanup()


async def test_the_internal_listener_counts_nothing_of_its_own(served: Served) -> None:
    for _ in range(3):
        await served.get(served.internal + "/health")
    await served.get(served.public + "/health/live")
    _, body = await served.get(served.internal + "/metrics")
    text = body.decode()
    assert 'route="/health/live"' in text
    assert 'route="/health"' not in text and 'route="/metrics"' not in text


# ---- headers -------------------------------------------------------------------------------------


def assert_security_headers(response: aiohttp.ClientResponse, *, csp: str = DEFAULT_CSP) -> None:
    headers = response.headers
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert headers["Referrer-Policy"] == "no-referrer"
    assert headers["X-Frame-Options"] == "DENY"
    assert headers.getall("Content-Security-Policy") == [csp]
    assert "frame-ancestors 'none'" in csp
    assert headers.getall("Server") == [SERVER]


@pytest.mark.parametrize(
    ("method", "path", "status"),
    [
        ("GET", "/health/live", 200),
        ("GET", "/openapi.json", 200),
        ("GET", "/v1/ghosts/no-such-ghost", 404),
        ("GET", "/no/such/route", 404),
        ("DELETE", "/openapi.json", 405),
        ("GET", "/v1/ghosts?limit=100000", 422),
        ("GET", "/v1/me", 401),
        ("GET", "/", 302),
        ("GET", "/docs/swagger-ui.css", 200),
        ("GET", "/docs/no-such-asset.js", 404),
    ],
)
async def test_every_response_carries_the_security_headers(
    served: Served, method: str, path: str, status: int
) -> None:
    for base in (served.public, served.internal if path == "/health/live" else served.public):
        async with served.session.request(method, base + path, allow_redirects=False) as response:
            assert response.status == status
            assert_security_headers(response)
            assert "Strict-Transport-Security" not in response.headers  # plain HTTP


async def test_a_not_modified_answer_carries_them_too(served: Served) -> None:
    first, _ = await served.get(served.public + "/openapi.json")
    again, _ = await served.get(
        served.public + "/openapi.json", headers={"If-None-Match": first.headers["ETag"]}
    )
    assert again.status == 304
    assert_security_headers(again)


async def test_the_docs_page_keeps_its_own_policy(served: Served) -> None:
    response, body = await served.get(served.public + "/docs")
    assert response.status == 200
    assert response.content_type == "text/html"
    assert_security_headers(response, csp=DOCS_CSP)
    assert b"<script" in body


async def test_hsts_only_over_https_as_a_trusted_proxy_reports_it(settings: Settings) -> None:
    https = {"X-Forwarded-Proto": "https"}
    async with served_with(settings) as untrusted:
        response, _ = await untrusted.get(untrusted.public + "/health/live", headers=https)
        assert "Strict-Transport-Security" not in response.headers
    async with served_with(dataclasses.replace(settings, trusted_proxies=PROXY)) as behind:
        response, _ = await behind.get(behind.public + "/health/live", headers=https)
        assert response.headers["Strict-Transport-Security"] == HSTS
        response, _ = await behind.get(behind.public + "/no/such/route", headers=https)
        assert response.headers["Strict-Transport-Security"] == HSTS
        # The nearest proxy's word counts: a client's own claim before it does not.
        response, _ = await behind.get(
            behind.public + "/health/live", headers={"X-Forwarded-Proto": "https, http"}
        )
        assert "Strict-Transport-Security" not in response.headers
        response, _ = await behind.get(behind.public + "/health/live")
        assert "Strict-Transport-Security" not in response.headers


# ---- cookies -------------------------------------------------------------------------------------


REGISTER = {
    "email": "ada@example.org",
    "username": "ada",
    "password": PASSWORD,
    "display_name": "Ada",
}


def cookie_of(response: aiohttp.ClientResponse) -> tuple[str, Any]:
    """(name, morsel) of the one cookie a response sets."""
    cookies: SimpleCookie = SimpleCookie()
    for header in response.headers.getall("Set-Cookie"):
        cookies.load(header)
    assert len(cookies) == 1, cookies
    name = next(iter(cookies))
    return name, cookies[name]


async def register(server: Served, headers: dict[str, str]) -> tuple[str, Any, str]:
    """Register Ada; (cookie name, morsel, token)."""
    response, body = await server.post(
        server.public + "/v1/auth/register", json=REGISTER, headers=headers
    )
    assert response.status == 201, body
    name, morsel = cookie_of(response)
    return name, morsel, json.loads(body)["token"]


async def test_behind_a_trusted_tls_proxy_the_cookie_is_secure_and_host_prefixed(
    settings: Settings,
) -> None:
    https = {"X-Forwarded-Proto": "https"}
    async with served_with(dataclasses.replace(settings, trusted_proxies=PROXY)) as server:
        name, morsel, token = await register(server, https)
        assert name == "__Host-gp_session"
        assert morsel.value == token
        assert morsel["secure"] is True
        assert morsel["path"] == "/"
        assert not morsel["domain"]
        assert morsel["httponly"] is True
        assert morsel["samesite"] == "Lax"

        me = server.public + "/v1/me"
        # A secure request reads the __Host- cookie, and only that one.
        response, _ = await server.get(me, headers={**https, "Cookie": f"{name}={token}"})
        assert response.status == 200
        response, _ = await server.get(me, headers={**https, "Cookie": f"gp_session={token}"})
        assert response.status == 401
        # Over plain HTTP the browser would not send it; if something does, it is ignored.
        response, _ = await server.get(me, headers={"Cookie": f"{name}={token}"})
        assert response.status == 401

        response, _ = await server.post(
            server.public + "/v1/auth/logout", headers={**https, "Cookie": f"{name}={token}"}
        )
        assert response.status == 204
        cleared_name, cleared = cookie_of(response)
        assert cleared_name == name
        assert cleared.value == ""
        assert cleared["secure"] is True


async def test_plain_http_and_untrusted_proxies_get_the_plain_cookie(settings: Settings) -> None:
    async with served_with(settings) as server:  # no TRUSTED_PROXIES: the header is a claim
        name, morsel, token = await register(server, {"X-Forwarded-Proto": "https"})
        assert name == "gp_session"
        assert not morsel["secure"]
        response, _ = await server.get(
            server.public + "/v1/me", headers={"Cookie": f"gp_session={token}"}
        )
        assert response.status == 200


@pytest.mark.parametrize(
    ("mode", "forwarded", "secure"),
    [("always", "http", True), ("never", "https", False), ("auto", "http", False)],
)
async def test_cookie_secure_always_or_never_overrides_the_request(
    settings: Settings, mode: str, forwarded: str, secure: bool
) -> None:
    behind = dataclasses.replace(settings, trusted_proxies=PROXY, cookie_secure=mode)
    async with served_with(behind) as server:
        name, morsel, _ = await register(server, {"X-Forwarded-Proto": forwarded})
        assert name == ("__Host-gp_session" if secure else "gp_session")
        assert bool(morsel["secure"]) is secure


def test_cookie_secure_is_auto_by_default_and_checked() -> None:
    assert Settings().cookie_secure == "auto"
    with pytest.raises(ValueError, match="COOKIE_SECURE"):
        Settings.from_env({"COOKIE_SECURE": "sometimes"})


# ---- protocol errors -----------------------------------------------------------------------------


MARKER = b"leak-me-not"
BAD_REQUESTS = {
    "long request line": b"GET /" + MARKER + b"x" * 9000 + b" HTTP/1.1\r\nHost: t\r\n\r\n",
    "long header": b"GET / HTTP/1.1\r\nHost: t\r\nX-Big: " + MARKER + b"x" * 9000 + b"\r\n\r\n",
    "many headers": b"GET / HTTP/1.1\r\nHost: t\r\n"
    + b"".join(b"X-%d: " % n + MARKER + b"y" * 200 + b"\r\n" for n in range(200))
    + b"\r\n",
    "garbage": b"\x16\x03\x01\x02\x00" + MARKER + b"\x00\xff\r\n\r\n",
    "bad header": b"GET / HTTP/1.1\r\nHost: t\r\n" + MARKER + b"\r\n\r\n",
    "bad method": b"G(E)T / HTTP/1.1\r\nHost: " + MARKER + b"\r\n\r\n",
}


async def exchange(url: str, raw: bytes) -> bytes:
    """Send `raw` on a fresh connection; all the server answers before it closes it."""
    host, port = url.removeprefix("http://").split(":")
    reader, writer = await asyncio.open_connection(host, int(port))
    try:
        writer.write(raw)
        await writer.drain()
        async with asyncio.timeout(10):
            return await reader.read(-1)
    finally:
        writer.close()


@pytest.mark.parametrize("kind", sorted(BAD_REQUESTS))
async def test_protocol_errors_are_problems_that_echo_nothing_and_log_one_warning(
    served: Served, kind: str, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.DEBUG):
        answer = await exchange(served.public, BAD_REQUESTS[kind])
        await asyncio.sleep(0.05)  # the access log line follows the response
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    assert lines[0] in ("HTTP/1.0 400 Bad Request", "HTTP/1.1 400 Bad Request"), answer[:300]
    headers = {k.lower(): v.strip() for k, _, v in (line.partition(":") for line in lines[1:])}
    assert headers["content-type"] == "application/problem+json"
    assert headers["server"] == SERVER
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["content-security-policy"] == DEFAULT_CSP
    problem = check_problem(400, "application/problem+json", body, label=kind)
    assert problem["title"] == "Bad Request"
    assert problem["request_id"] == headers["x-request-id"]
    assert MARKER not in answer
    warnings = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert [r.levelno for r in warnings] == [logging.WARNING], [r.getMessage() for r in warnings]
    assert warnings[0].exc_info is None
    assert problem["request_id"] in warnings[0].getMessage()
    assert MARKER.decode() not in caplog.text


async def test_the_connection_after_a_good_request_still_works(served: Served) -> None:
    """A well-formed request on the same server is unaffected by another's protocol error."""
    await exchange(served.public, BAD_REQUESTS["garbage"])
    response, _ = await served.get(served.public + "/health/live")
    assert response.status == 200
