"""CORS: browser apps on the origins in CORS_ORIGINS may call the API with credentials and read
its rate-limit, ETag and Location headers; any other origin gets no CORS headers, and with no
origin listed the API stays same-origin."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator

import pytest
from aiohttp.test_utils import TestClient, TestServer
from apicheck import Client, sign_up

from service.app import create_app
from service.config import SettingError, Settings

ALLOWED = "https://app.example.org"
FOREIGN = "https://evil.example.net"


@pytest.fixture
async def cors_client(settings: Settings) -> AsyncIterator[Client]:
    """The app with one allowed origin (and a second, to show the list is a list)."""
    settings = dataclasses.replace(
        settings,
        cors_origins=f"{ALLOWED}, http://localhost:5173/",
        rate_limit_anonymous="100/60",
        rate_limit_user="100/60",
    )
    async with TestClient(TestServer(create_app(settings))) as test_client:
        yield test_client


def preflight(origin: str, method: str = "POST") -> dict[str, str]:
    return {
        "Origin": origin,
        "Access-Control-Request-Method": method,
        "Access-Control-Request-Headers": "authorization, content-type",
    }


async def test_preflight_from_an_allowed_origin_is_answered_with_credentials(
    cors_client: Client,
) -> None:
    for origin in (ALLOWED, "http://localhost:5173"):
        response = await cors_client.options("/v1/me/bookmarks", headers=preflight(origin))
        assert response.status == 200
        assert response.headers["Access-Control-Allow-Origin"] == origin
        assert response.headers["Access-Control-Allow-Credentials"] == "true"
        assert response.headers["Access-Control-Allow-Methods"] == "POST"
        allowed = {
            h.strip().lower() for h in response.headers["Access-Control-Allow-Headers"].split(",")
        }
        assert {"authorization", "content-type"} <= allowed
        assert int(response.headers["Access-Control-Max-Age"]) > 0


async def test_preflight_from_a_foreign_origin_is_refused(cors_client: Client) -> None:
    response = await cors_client.options("/v1/me/bookmarks", headers=preflight(FOREIGN))
    assert response.status == 403
    assert "Access-Control-Allow-Origin" not in response.headers
    assert "Access-Control-Allow-Credentials" not in response.headers


async def test_allowed_origin_reads_etag_rate_limits_and_location(cors_client: Client) -> None:
    response = await cors_client.get("/v1/ghosts", headers={"Origin": ALLOWED})
    assert response.status == 200
    assert response.headers["Access-Control-Allow-Origin"] == ALLOWED
    assert response.headers["Access-Control-Allow-Credentials"] == "true"
    assert "Origin" in response.headers.get("Vary", "")
    exposed = {h.strip() for h in response.headers["Access-Control-Expose-Headers"].split(",")}
    assert {"ETag", "Location", "RateLimit", "RateLimit-Policy", "Retry-After"} <= exposed
    assert "ETag" in response.headers and "RateLimit" in response.headers


async def test_allowed_origin_gets_cors_headers_on_signed_in_writes_and_problems(
    cors_client: Client,
) -> None:
    reader = await sign_up(cors_client, "corinne")
    headers = {**reader.headers, "Origin": ALLOWED}
    created = await cors_client.post(
        "/v1/stories/no-such-story/comments", json={"body": "hello"}, headers=headers
    )
    assert created.status == 404
    assert created.content_type == "application/problem+json"
    assert created.headers["Access-Control-Allow-Origin"] == ALLOWED
    me = await cors_client.get("/v1/me", headers=headers)
    assert me.status == 200
    assert me.headers["Access-Control-Allow-Origin"] == ALLOWED


async def test_foreign_origin_gets_no_cors_headers(cors_client: Client) -> None:
    response = await cors_client.get("/v1/ghosts", headers={"Origin": FOREIGN})
    assert response.status == 200  # the server answers; the browser withholds it from the page
    assert not [h for h in response.headers if h.lower().startswith("access-control-")]


async def test_without_cors_origins_the_api_is_same_origin_only(client: Client) -> None:
    response = await client.get("/v1/ghosts", headers={"Origin": ALLOWED})
    assert response.status == 200
    assert not [h for h in response.headers if h.lower().startswith("access-control-")]
    refused = await client.options("/v1/me/bookmarks", headers=preflight(ALLOWED))
    assert "Access-Control-Allow-Origin" not in refused.headers


@pytest.mark.parametrize(
    "value", ["app.example.org", "ftp://app.example.org", "https://app.example.org/path"]
)
def test_cors_origins_must_be_origins(value: str) -> None:
    with pytest.raises(SettingError, match="CORS_ORIGINS"):
        Settings(cors_origins=value).validate()
