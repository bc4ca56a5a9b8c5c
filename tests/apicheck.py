"""Helpers shared by the tests: operations read from the OpenAPI document, problem+json checks,
signed-in users (`sign_up`; `mint_session` where no API client is at hand), and running the
background jobs a test queued (`run_due_jobs`)."""

from __future__ import annotations

import asyncio
import datetime
import itertools
import re
import secrets
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from typing import Any, Literal, TypeVar
from urllib.parse import urlencode

import asyncpg
import msgspec
from aiohttp import ClientResponse, web
from aiohttp.test_utils import TestClient, TestServer

from service.app import create_app, create_internal_app
from service.config import Settings
from service.dev.servers import create_database, drop_database
from service.domain.passwords import new_token, token_hash
from service.jobs import queue as jobs
from service.store.db import DATABASE, Connection
from service.store.queries import sessions as session_queries
from service.store.queries import users as user_queries
from service.web.problems import PROBLEM_TYPE_BASE

T = TypeVar("T")
Client = TestClient[web.Request, web.Application]
Headers = dict[str, str]
Body = dict[str, Any] | None  # a JSON request body, or none

ANONYMOUS: Headers = {}

PASSWORD = "correct horse battery staple"

PROBLEM_CONTENT_TYPE = "application/problem+json"
PROBLEM_FIELDS = frozenset({"type", "title", "status", "detail", "instance", "request_id"})
HTTP_METHODS = frozenset({"get", "put", "post", "delete", "patch", "options", "head", "trace"})
# What must never reach a client: stack traces, driver names, SQL text.
LEAKS = re.compile(
    r'Traceback \(most recent call last\)|File "[^"]+", line \d+|asyncpg|psycopg'
    r"|SELECT\b.+\bFROM\b|INSERT INTO|UPDATE \w+ SET|DELETE FROM|duplicate key value"
    r'|violates (?:unique|foreign key|check|not-null)|relation "',
    re.DOTALL,
)


@dataclass(frozen=True)
class Operation:
    """One operation of the OpenAPI document."""

    method: str  # upper case
    path: str  # OpenAPI template, e.g. /v1/ghosts/{slug}
    spec: dict[str, Any]

    @property
    def label(self) -> str:
        return f"{self.method} {self.path}"

    @property
    def path_params(self) -> list[str]:
        return re.findall(r"\{(\w+)\}", self.path)

    @property
    def needs_auth(self) -> bool:
        return bool(self.spec.get("security"))

    @property
    def query_params(self) -> list[dict[str, Any]]:
        return [p for p in self.spec.get("parameters", []) if p.get("in") == "query"]

    def body_schema(self, document: dict[str, Any]) -> dict[str, Any] | None:
        """The request body's JSON schema with its top-level $ref resolved, or None."""
        body = self.spec.get("requestBody")
        if body is None:
            return None
        schema: dict[str, Any] = body["content"]["application/json"]["schema"]
        return resolve(document, schema)

    def url(self, value: str = "no-such-thing") -> str:
        """The path with every parameter set to `value`."""
        return re.sub(r"\{\w+\}", value, self.path)


def operations(document: dict[str, Any]) -> list[Operation]:
    """Every operation in the document, in document order."""
    return [
        Operation(method.upper(), path, spec)
        for path, item in document["paths"].items()
        for method, spec in item.items()
        if method in HTTP_METHODS
    ]


def resolve(document: dict[str, Any], schema: dict[str, Any]) -> dict[str, Any]:
    """`schema` itself, or the component its `$ref` names."""
    while "$ref" in schema:
        name = schema["$ref"].removeprefix("#/components/schemas/")
        schema = document["components"]["schemas"][name]
    return schema


def json_types(document: dict[str, Any], schema: dict[str, Any]) -> set[str]:
    """JSON types a schema admits ("any" when it does not constrain the type)."""
    schema = resolve(document, schema)
    for key in ("anyOf", "oneOf"):
        if key in schema:
            return set().union(*(json_types(document, s) for s in schema[key]))
    if "enum" in schema or "const" in schema:
        values = schema.get("enum", [schema.get("const")])
        names = {bool: "boolean", int: "integer", float: "number", str: "string"}
        return {names.get(type(v), "null" if v is None else "object") for v in values}
    kind = schema.get("type")
    if kind is None:
        return {"object"} if "properties" in schema else {"any"}
    kinds = set(kind) if isinstance(kind, list) else {kind}
    if "integer" in kinds:
        kinds.add("number")
    return kinds


def wrong_value(document: dict[str, Any], schema: dict[str, Any]) -> Any:
    """A JSON value whose type `schema` rejects, or None when it accepts any type."""
    allowed = json_types(document, schema)
    if "any" in allowed:
        return None
    for kind, value in (("string", 12345), ("object", "x"), ("array", "x"), ("number", "x")):
        if kind in allowed:
            continue
        if _type_of(value) not in allowed:
            return value
    return [[{"wrong": True}]] if "array" not in allowed else True


def query_value(document: dict[str, Any], schema: dict[str, Any]) -> str:
    """A valid query-string value for `schema`, best effort (examples, enum, bounds)."""
    schema = resolve(document, schema)
    for key in ("examples", "enum"):
        if schema.get(key):
            return str(schema[key][0])
    if "default" in schema:
        return str(schema["default"])
    kinds = json_types(document, schema)
    if "integer" in kinds or "number" in kinds:
        return str(schema.get("minimum", 1))
    if "boolean" in kinds:
        return "true"
    return "ghost"


def _type_of(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int):
        return "integer"
    if isinstance(value, str):
        return "string"
    return "array" if isinstance(value, list) else "object"


def check_problem(
    status: int, content_type: str, body: bytes, *, label: str, request_id: str | None = None
) -> dict[str, Any]:
    """Assert an RFC 9457 problem body with every field, leaking nothing; return it."""
    assert content_type == PROBLEM_CONTENT_TYPE, f"{label}: {status} as {content_type}: {body!r}"
    problem: dict[str, Any] = msgspec.json.decode(body)
    missing = PROBLEM_FIELDS - problem.keys()
    assert not missing, f"{label}: problem without {sorted(missing)}: {problem}"
    assert problem["status"] == status, f"{label}: {problem}"
    assert all(isinstance(problem[key], str) for key in PROBLEM_FIELDS - {"status"}), problem
    assert problem["request_id"], f"{label}: empty request_id"
    if request_id is not None:
        assert problem["request_id"] == request_id, f"{label}: {problem}"
    text = body.decode()
    leak = LEAKS.search(text)
    assert leak is None, f"{label}: the problem leaks {leak.group(0)!r}: {text}"
    return problem


RATELIMIT = re.compile(r'"(?P<name>[a-z]+)";r=(?P<r>\d+);t=(?P<t>\d+)')


def remaining(response: ClientResponse) -> dict[str, tuple[int, int]]:
    """The RateLimit header as {policy: (r, t)}."""
    return {
        m["name"]: (int(m["r"]), int(m["t"]))
        for m in RATELIMIT.finditer(response.headers.get("RateLimit", ""))
    }


async def assert_rate_limited(response: ClientResponse, policy: str) -> dict[str, Any]:
    """A 429 problem naming `policy`, with Retry-After (also in the body) and both RateLimit
    headers, `policy` used up; return the problem."""
    problem: dict[str, Any] = check_problem(
        response.status, response.content_type, await response.read(), label="429"
    )
    assert response.status == 429
    assert problem["type"] == PROBLEM_TYPE_BASE + "rate-limited"
    assert problem["policy"] == policy
    retry_after = int(response.headers["Retry-After"])
    assert retry_after >= 1
    assert problem["retry_after"] == retry_after
    assert f'"{policy}";q=' in response.headers["RateLimit-Policy"]
    r, t = remaining(response)[policy]
    assert r == 0
    assert t == retry_after
    return problem


@contextmanager
def scratch_database(pg_server_dsn: str, template: str, prefix: str) -> Iterator[str]:
    """A database copied from `template`, dropped afterwards; yields its URL."""
    name = f"{prefix}_{secrets.token_hex(5)}"
    url = create_database(pg_server_dsn, name, template=template)
    try:
        yield url
    finally:
        drop_database(pg_server_dsn, name)


async def mint_session(
    dsn: str,
    *,
    role: Literal["reader", "editor", "admin"] = "admin",
    tier: Literal["free", "premium", "pro"] = "pro",
) -> str:
    """A new user with a live session, written straight to the database; returns the token.

    Only for a user who must exist apart from any app: before the app under test is built
    (pool, restart and rate-limit tests), or for a client that is not an aiohttp TestClient
    (schemathesis). Everywhere else use `sign_up` or the reader/editor/admin fixtures.
    The user cannot sign in with a password (its hash is not an argon2 hash): the token is
    the only way in, which is all these tests need, without the cost of hashing.
    """
    name = f"probe_{secrets.token_hex(6)}"
    token = new_token()
    connection = await asyncpg.connect(dsn)
    try:
        user = await user_queries.create_user(
            connection,
            email=f"{name}@example.org",
            username=name,
            display_name="Probe",
            password_hash="!",
            role=role,
            tier=tier,
        )
        assert user is not None
        await session_queries.create_session(
            connection,
            user_id=user.id,
            token_hash=token_hash(token),
            max_age=datetime.timedelta(days=1),
            idle_timeout=datetime.timedelta(days=1),
            ip=None,
            user_agent="tests",
        )
    finally:
        await connection.close()
    return token


class ServedApp:
    """The app on a real port, served by an event loop in a thread of its own.

    Synchronous clients (schemathesis uses requests) can then call it from the test's thread,
    and `run` executes a coroutine on the server's loop (for database setup).
    """

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, name="served-app", daemon=True)
        self.runner: web.AppRunner | None = None
        self.url = ""

    def run(self, coro: Coroutine[Any, Any, T]) -> T:
        """Run `coro` on the server's loop and return its result."""
        return asyncio.run_coroutine_threadsafe(coro, self.loop).result(timeout=120)

    def __enter__(self) -> ServedApp:
        self.thread.start()
        self.url = self.run(self._start())
        return self

    async def _start(self) -> str:
        self.runner = web.AppRunner(create_app(self.settings), access_log=None)
        await self.runner.setup()
        site = web.TCPSite(self.runner, "127.0.0.1", 0)
        await site.start()
        host, port = self.runner.addresses[0][:2]
        return f"http://{host}:{port}"

    def __exit__(self, *exc: object) -> None:
        if self.runner is not None:
            self.run(self.runner.cleanup())
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join(timeout=10)
        self.loop.close()


@asynccontextmanager
async def internal_client(app: web.Application) -> AsyncIterator[Client]:
    """A client of `app`'s internal listener (/metrics, /health): the internal app on a port
    of its own, reading `app`'s state, as `python -m service run` serves it."""
    async with TestClient(TestServer(create_internal_app(app))) as client:
        yield client


def bearer(token: str) -> dict[str, str]:
    """The Authorization header for a session token."""
    return {"Authorization": f"Bearer {token}"}


@dataclass(frozen=True)
class SignedIn:
    """A user signed up through the API: who they are, their token and headers that say so."""

    user: dict[str, Any]  # as /v1/me shows it
    token: str
    session_id: str
    response: dict[str, Any]  # all that registering answered (expiry times too)

    @property
    def username(self) -> str:
        name: str = self.user["username"]
        return name

    @property
    def headers(self) -> dict[str, str]:
        """The Authorization header to act as this user."""
        return bearer(self.token)


async def sign_up(
    client: Client,
    username: str,
    *,
    role: str = "reader",
    email: str | None = None,
    password: str = PASSWORD,
    display_name: str | None = None,
) -> SignedIn:
    """The way to a signed-in user in tests: register through the API, then (in SQL) give the
    account `role`; the token stays valid. The cookie jar is left empty: every request says
    explicitly who it is. (`mint_session` is only for tests that have no API client.)"""
    response = await client.post(
        "/v1/auth/register",
        json={
            "email": email or f"{username}@example.org",
            "username": username,
            "password": password,
            "display_name": display_name or username.title(),
        },
    )
    body: dict[str, Any] = await response.json()
    assert response.status == 201, body
    client.session.cookie_jar.clear()
    if role != "reader":
        await client.app[DATABASE].primary.execute(
            "UPDATE users SET role = $1 WHERE username = $2", role, username
        )
    return SignedIn(body["user"], body["token"], body["session_id"], body)


async def run_due_jobs(worker: jobs.Worker, wconn: Connection, pool: asyncpg.Pool) -> int:
    """Run queued jobs until none is left, follow-ups included; how many ran."""
    ran = 0
    while await pool.fetchval("SELECT count(*) FROM jobs WHERE status = 'queued'"):
        # Follow-ups are queued a little in the future: make them due instead of waiting.
        await pool.execute("UPDATE jobs SET run_at = now() WHERE status = 'queued'")
        while await worker.run_next(wconn):
            ran += 1
    failed = await pool.fetch("SELECT kind, last_error FROM jobs WHERE status <> 'succeeded'")
    assert failed == [], failed
    return ran


async def get_json(
    client: Client, path: str, headers: Headers = ANONYMOUS, status: int = 200, **params: str
) -> Any:
    """GET `path` (with `params`), assert the status and return the JSON body."""
    response = await client.get(path, params=params, headers=headers)
    body = await response.json()
    assert response.status == status, body
    return body


def at(path: str, params: dict[str, str]) -> str:
    """`path` with `params` as its query string."""
    return f"{path}?{urlencode(params)}" if params else path


async def assert_cursors_keep_their_sort(
    client: Client, path: str, q: str, made_by: dict[str, dict[str, str]]
) -> None:
    """A list's next_cursor, made under one sort order (`made_by`: order -> the query that
    makes it), is a 422 naming `cursor` under every other order (searching `q`)."""
    cursors = {
        order: (await get_json(client, at(path, params | {"limit": "1"})))["next_cursor"]
        for order, params in made_by.items()
    }
    for made, used in itertools.permutations(cursors, 2):
        problem = await get_json(client, path, status=422, sort=used, q=q, cursor=cursors[made])
        assert problem["errors"][0]["field"] == "cursor"


async def page_while_adding(
    client: Client, path: str, params: dict[str, str], add: Callable[[str], Awaitable[object]]
) -> list[str]:
    """The slugs of every page of a list, three to a page, following next_cursor, while
    `add(slug)` adds two new items (late-<page>-<n>) after each page is read."""
    seen: list[str] = []
    cursor = None
    for page_number in itertools.count():
        page = await get_json(
            client, at(path, params | {"limit": "3"} | ({"cursor": cursor} if cursor else {}))
        )
        seen += [item["slug"] for item in page["items"]]
        for j in range(2):
            await add(f"late-{page_number}-{j}")
        if (cursor := page["next_cursor"]) is None:
            return seen
    raise AssertionError("unreachable")


def field_names(problem: dict[str, Any]) -> set[str]:
    """The fields a 422 problem's errors name."""
    return {error["field"] for error in problem.get("errors", [])}


async def post(client: Client, path: str, headers: Headers, body: dict[str, Any]) -> None:
    """POST `body` to `path` and assert it was created (201)."""
    response = await client.post(path, json=body, headers=headers)
    assert response.status == 201, await response.json()
