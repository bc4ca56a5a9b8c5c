"""Faults really caused (pool exhausted, PostgreSQL restarted, Redis stopped) and garbage input:
every failure is a 4xx or 503 application/problem+json, never a 500, a hang or a leak.

The operations come from the app's own OpenAPI document, so endpoints added later are covered.
"""

from __future__ import annotations

import asyncio
import dataclasses
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import msgspec
import pytest
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer
from apicheck import (
    Operation,
    bearer,
    check_problem,
    json_types,
    mint_session,
    operations,
    query_value,
)
from apicheck import wrong_value as wrong_value_for

from service.app import create_app
from service.config import Settings
from service.dev.embedded import EmbeddedPostgres, EmbeddedRedis
from service.dev.migrations import migrate
from service.store.db import DATABASE
from service.web.api import MAX_BODY_BYTES
from service.web.openapi import DOCUMENT

Client = TestClient[web.Request, web.Application]

# The document of the app as it is now; building the app opens no connection.
DOC = create_app(
    Settings(database_url="postgres://collect-only/", redis_url="redis://collect-only")
)[DOCUMENT]
OPERATIONS = operations(DOC)
BODY_OPS = [op for op in OPERATIONS if "requestBody" in op.spec]
QUERY_OPS = [op for op in OPERATIONS if op.query_params]
PATH_OPS = [op for op in OPERATIONS if op.path_params]
AUTH_OPS = [op for op in OPERATIONS if op.needs_auth]
PATHS = sorted({op.path for op in OPERATIONS})
# Generous: proves "answers, never hangs", not speed.
NO_HANG = 5.0


def label(op: Operation) -> str:
    return op.label


async def problem_of(response: ClientResponse, label: str) -> dict[str, Any]:
    return check_problem(response.status, response.content_type, await response.read(), label=label)


@pytest.fixture(scope="module")
async def admin_token(module_dsn: str) -> str:
    """An admin's token, so role checks pass and the body is what gets judged."""
    return await mint_session(module_dsn, role="admin")


async def send_body(
    api: Client, op: Operation, token: str, data: bytes, content_type: str
) -> ClientResponse:
    async with asyncio.timeout(NO_HANG):
        return await api.request(
            op.method,
            op.url(),
            data=data,
            headers={**bearer(token), "Content-Type": content_type},
        )


async def assert_body_rejected(
    api: Client, op: Operation, token: str, data: bytes, expected: int, *, ctype: str = ""
) -> dict[str, Any]:
    """The operation answers `expected` (or an earlier 404 for a made-up path id, or 429)."""
    response = await send_body(api, op, token, data, ctype or "application/json")
    problem = await problem_of(response, op.label)
    allowed = {expected, 429} | ({404} if op.path_params else set())
    assert response.status in allowed, f"{op.label}: {problem}"
    return problem


# ---- garbage bodies ----------------------------------------------------------------------------


@pytest.mark.parametrize("op", BODY_OPS, ids=label)
async def test_body_that_is_not_json_is_a_400_problem(
    api: Client, admin_token: str, op: Operation
) -> None:
    await assert_body_rejected(api, op, admin_token, b'{"not": json', 400)


@pytest.mark.parametrize("op", BODY_OPS, ids=label)
@pytest.mark.parametrize(
    "content_type", ["text/plain", "application/x-www-form-urlencoded", "application/xml"]
)
async def test_body_in_another_media_type_is_a_415_problem(
    api: Client, admin_token: str, op: Operation, content_type: str
) -> None:
    await assert_body_rejected(api, op, admin_token, b"{}", 415, ctype=content_type)


@pytest.mark.parametrize("op", BODY_OPS, ids=label)
async def test_body_over_the_size_limit_is_a_413_problem(
    api: Client, admin_token: str, op: Operation
) -> None:
    huge = b'{"x": "' + b"a" * MAX_BODY_BYTES + b'"}'
    await assert_body_rejected(api, op, admin_token, huge, 413)


@pytest.mark.parametrize("op", BODY_OPS, ids=label)
async def test_body_that_is_not_utf8_is_a_400_problem(
    api: Client, admin_token: str, op: Operation
) -> None:
    await assert_body_rejected(api, op, admin_token, b'{"x": "\xff\xfe\xc3"}', 400)


@pytest.mark.parametrize("op", BODY_OPS, ids=label)
async def test_deeply_nested_body_is_a_400_problem(
    api: Client, admin_token: str, op: Operation
) -> None:
    depth = 50_000
    await assert_body_rejected(api, op, admin_token, b"[" * depth + b"]" * depth, 400)


@pytest.mark.parametrize("op", BODY_OPS, ids=label)
async def test_body_that_is_not_an_object_is_a_422_problem(
    api: Client, admin_token: str, op: Operation
) -> None:
    await assert_body_rejected(api, op, admin_token, b"[1, 2, 3]", 422)


@pytest.mark.parametrize("op", BODY_OPS, ids=label)
async def test_unknown_body_field_is_a_422_problem_naming_it(
    api: Client, admin_token: str, op: Operation
) -> None:
    problem = await assert_body_rejected(api, op, admin_token, b'{"no_such_field": 1}', 422)
    if problem["status"] == 422:
        assert "no_such_field" in {e["field"] for e in problem.get("errors", [])}, problem


@pytest.mark.parametrize("op", BODY_OPS, ids=label)
async def test_body_fields_of_the_wrong_type_are_a_422_problem_naming_each(
    api: Client, admin_token: str, op: Operation
) -> None:
    schema = op.body_schema(DOC)
    assert schema is not None
    body = {
        name: value
        for name, prop in schema.get("properties", {}).items()
        if (value := wrong_value_for(DOC, prop)) is not None
    }
    if not body:
        pytest.skip(f"{op.label}: no field has a type to get wrong")
    problem = await assert_body_rejected(api, op, admin_token, msgspec.json.encode(body), 422)
    if problem["status"] == 422:
        named = {e["field"] for e in problem.get("errors", [])}
        assert set(body) <= named, f"{op.label}: sent {body}, got {problem}"


# ---- garbage query strings and path parameters -----------------------------------------------


@pytest.mark.parametrize("op", QUERY_OPS, ids=label)
async def test_unknown_or_mistyped_query_parameters_are_a_422_problem(
    api: Client, admin_token: str, op: Operation
) -> None:
    # Valid values for the required parameters, so the wrong one is what gets judged.
    required = {p["name"]: query_value(DOC, p["schema"]) for p in op.query_params if p["required"]}
    cases: list[tuple[dict[str, str], str]] = [({"no_such_param": "1"}, "no_such_param")]
    for param in op.query_params:
        schema = param["schema"]
        kinds = json_types(DOC, schema)
        if schema.get("type") == "array":
            kinds = json_types(DOC, schema.get("items", {}))
        if not kinds & {"string", "any"}:  # query values are text: only non-text can be wrong
            cases.append(({param["name"]: "not-a-number"}, param["name"]))
        if param["name"] == "cursor":
            cases.append(({"cursor": "!!not a cursor!!"}, "cursor"))
    for query, field in cases:
        async with asyncio.timeout(NO_HANG):
            response = await api.request(
                op.method, op.url(), params={**required, **query}, headers=bearer(admin_token)
            )
        problem = await problem_of(response, f"{op.label} ?{query}")
        allowed = {422} | ({404} if op.path_params else set())
        assert response.status in allowed, f"{op.label} ?{query}: {problem}"
        if response.status == 422:
            assert field in {e["field"] for e in problem.get("errors", [])}, problem


@pytest.mark.parametrize("op", PATH_OPS, ids=label)
@pytest.mark.parametrize(
    "value",
    ["%00", "%FF%FE", "..%2F..%2Fetc", "'%3B%20DROP%20TABLE%20users%3B--", "x" * 3000, "-1"],
    ids=["nul", "bad-utf8", "traversal", "sql", "long", "negative"],
)
async def test_garbage_path_parameters_are_a_4xx_problem(
    api: Client, admin_token: str, op: Operation, value: str
) -> None:
    headers = {**bearer(admin_token), "Content-Type": "application/json"}
    async with asyncio.timeout(NO_HANG):
        response = await api.request(op.method, op.url(value), data=b"{}", headers=headers)
    problem = await problem_of(response, f"{op.label} with {value[:20]}")
    assert 400 <= response.status < 500, problem


# ---- routing and auth --------------------------------------------------------------------------


@pytest.mark.parametrize("path", ["/v1/no-such-route", "/nope", "/v1/ghosts/a/b/c/d/e"])
async def test_unknown_route_is_a_404_problem(api: Client, path: str) -> None:
    response = await api.get(path, headers={"X-Request-ID": "probe-404"})
    problem = check_problem(
        response.status,
        response.content_type,
        await response.read(),
        label=path,
        request_id="probe-404",
    )
    assert response.status == 404
    assert problem["instance"] == path


@pytest.mark.parametrize("path", PATHS)
async def test_wrong_method_is_a_405_problem_with_allow(api: Client, path: str) -> None:
    documented = {op.method for op in OPERATIONS if op.path == path}
    method = next(
        m for m in ("PUT", "PATCH", "DELETE", "POST", "GET", "TRACE") if m not in documented
    )
    url = Operation(method, path, {}).url("x")
    response = await api.request(method, url)
    await problem_of(response, f"{method} {path}")
    assert response.status == 405
    allowed = {m.strip() for m in response.headers["Allow"].split(",")}
    assert documented <= allowed


@pytest.mark.parametrize("op", AUTH_OPS, ids=label)
async def test_signed_in_operations_answer_401_problem_to_anonymous_callers(
    api: Client, op: Operation
) -> None:
    for headers in ({}, bearer("not-a-live-token"), {"Authorization": "Basic YTpi"}):
        response = await api.request(
            op.method,
            op.url(),
            data=b"{}",
            headers={**headers, "Content-Type": "application/json"},
        )
        await problem_of(response, f"{op.label} {headers}")
        assert response.status == 401, f"{op.label} with {headers}: {response.status}"


# ---- real faults -------------------------------------------------------------------------------


async def timed_get(client: Client, path: str, token: str) -> tuple[ClientResponse, float]:
    started = time.monotonic()
    async with asyncio.timeout(NO_HANG):
        response = await client.get(path, headers=bearer(token))
        await response.read()
    return response, time.monotonic() - started


def assert_unavailable(response: ClientResponse, body: bytes, label: str) -> None:
    check_problem(response.status, response.content_type, body, label=label)
    assert response.status == 503, body
    assert int(response.headers["Retry-After"]) > 0


async def test_exhausted_pool_answers_503_with_retry_after_then_recovers(
    settings: Settings, migrated_dsn: str
) -> None:
    settings = dataclasses.replace(
        settings, db_pool_min_size=1, db_pool_max_size=1, db_pool_timeout=0.2
    )
    token = await mint_session(migrated_dsn)
    async with TestClient(TestServer(create_app(settings))) as client:
        response, _ = await timed_get(client, "/v1/me", token)
        assert response.status == 200
        async with client.app[DATABASE].primary.acquire():
            response, seconds = await timed_get(client, "/v1/me", token)
            assert_unavailable(response, await response.read(), "/v1/me, pool held")
            assert seconds < NO_HANG
        response, _ = await timed_get(client, "/v1/me", token)
        assert response.status == 200


async def test_postgresql_restart_answers_503_then_the_app_recovers_without_restart(
    throwaway_postgres: EmbeddedPostgres, redis_url: str
) -> None:
    url = await asyncio.to_thread(throwaway_postgres.start)
    await asyncio.to_thread(migrate, url)
    token = await mint_session(url)
    settings = Settings(database_url=url, redis_url=redis_url, db_pool_min_size=2)
    async with TestClient(TestServer(create_app(settings))) as client:
        response, _ = await timed_get(client, "/v1/me", token)
        assert response.status == 200

        await asyncio.to_thread(throwaway_postgres.stop)
        for _ in range(3):  # stale pooled connections and fresh connects alike
            response, seconds = await timed_get(client, "/v1/me", token)
            assert_unavailable(response, await response.read(), "/v1/me, PostgreSQL down")
            assert seconds < NO_HANG

        assert await asyncio.to_thread(throwaway_postgres.start) == url
        statuses = []
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            response, _ = await timed_get(client, "/v1/me", token)
            statuses.append(response.status)
            if response.status == 200:
                break
            assert_unavailable(response, await response.read(), "/v1/me, PostgreSQL back")
            await asyncio.sleep(0.2)
        assert statuses[-1] == 200, statuses


@pytest.fixture
def throwaway_redis() -> Iterator[EmbeddedRedis]:
    with tempfile.TemporaryDirectory(prefix="gp-test-redis-fault-") as tmp:
        server = EmbeddedRedis(Path(tmp) / "redis")
        server.start()
        try:
            yield server
        finally:
            server.destroy()


async def test_redis_stopped_reads_are_served_from_postgresql_and_ready_says_503(
    throwaway_redis: EmbeddedRedis, migrated_dsn: str
) -> None:
    """Fail open: without Redis every public list and the signed-in user still answer."""
    token = await mint_session(migrated_dsn)
    settings = Settings(
        database_url=migrated_dsn, redis_url=throwaway_redis.url(), db_pool_min_size=1
    )
    readable = [
        op.path
        + "?"
        + urlencode(
            {p["name"]: query_value(DOC, p["schema"]) for p in op.query_params if p["required"]}
        )
        for op in OPERATIONS
        if op.method == "GET" and not op.path_params and not op.path.startswith("/health")
    ]
    async with TestClient(TestServer(create_app(settings))) as client:
        await asyncio.to_thread(throwaway_redis.stop)
        for path in readable:
            response, seconds = await timed_get(client, path, token)
            assert response.status < 500, f"{path} without Redis: {await response.text()}"
            assert seconds < NO_HANG
        response, _ = await timed_get(client, "/health/ready", token)
        assert response.status == 503
        assert (await response.json())["checks"]["redis"] is False

        await asyncio.to_thread(throwaway_redis.start)
        deadline = time.monotonic() + 10
        while (await timed_get(client, "/health/ready", token))[0].status != 200:
            assert time.monotonic() < deadline, "still not ready after Redis came back"
            await asyncio.sleep(0.2)


@pytest.mark.parametrize("op", OPERATIONS, ids=label)
async def test_dead_or_malformed_credentials_get_a_documented_answer(
    api: Client, op: Operation
) -> None:
    """Public operations may ignore a bad token or refuse it, but never with a 5xx or a
    status their description does not list."""
    required = {p["name"]: query_value(DOC, p["schema"]) for p in op.query_params if p["required"]}
    for authorization in (
        "Bearer " + "A" * 43,  # well-formed, nobody's
        "Bearer",
        "Bearer !!!",
        "Bearer " + "x" * 5000,
        "Basic Zm9vOmJhcg==",
        "bearer  a b c",
    ):
        headers = {"Authorization": authorization, "Content-Type": "application/json"}
        async with asyncio.timeout(NO_HANG):
            response = await api.request(
                op.method,
                op.url(),
                params=required,
                headers=headers,
                data=b"{}",
                allow_redirects=False,  # the answer documented is the redirect itself
            )
        body = await response.read()
        where = f"{op.label} with {authorization[:24]!r}"
        assert str(response.status) in op.spec["responses"], f"{where}: {response.status} {body!r}"
        if response.status >= 400:
            check_problem(response.status, response.content_type, body, label=where)
