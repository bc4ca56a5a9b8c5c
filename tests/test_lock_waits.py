"""Lock waits are bounded: a write that meets a row lock held elsewhere answers 503 "busy" with
Retry-After after DB_LOCK_TIMEOUT rather than the command timeout, while reads keep their pool
connections; a PostgreSQL fast shutdown under load answers 503s, never a 500."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import itertools
from collections import Counter
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from apicheck import SignedIn, check_problem, sign_up

from service.app import create_app
from service.config import Settings
from service.dev.embedded import EmbeddedPostgres
from service.dev.migrations import migrate
from service.jobs.queue import Worker
from service.store.db import DATABASE, WritersBusy, lock_timeout_settings
from service.web.problems import problem_for

Client = TestClient[web.Request, web.Application]

# These tests send many requests from one client: limits are not what they are about.
LIMITS_OFF: dict[str, Any] = {
    f.name: "0" for f in dataclasses.fields(Settings) if f.name.startswith("rate_limit_")
}
# Upper bound on how long the row lock is held; every request must be answered before it ends.
HOLD = 15.0


def ghost(slug: str) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": slug.replace("-", " ").title(),
        "entity_type": "apparition",
        "danger_level": 2,
        "status": "published",
    }


async def create_ghosts(client: Client, editor: SignedIn, *slugs: str) -> None:
    for slug in slugs:
        response = await client.post("/v1/ghosts", json=ghost(slug), headers=editor.headers)
        assert response.status == 201, await response.text()


@pytest.mark.parametrize(
    "exc",
    [
        asyncpg.exceptions.InternalClientError("cannot switch to state 12; previous state 1"),
        asyncpg.exceptions.ConnectionDoesNotExistError("connection was closed in the middle"),
        asyncpg.exceptions.InterfaceError("connection is closed"),
        asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator"),
        asyncpg.exceptions.CannotConnectNowError("the database system is shutting down"),
        asyncpg.exceptions.ConnectionFailureError("server closed the connection"),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_connection_state_errors_of_a_shutdown_are_503_unavailable(exc: Exception) -> None:
    problem = problem_for(exc)
    assert problem is not None
    assert (problem.status, problem.type) == (503, "unavailable")
    assert int(problem.headers["Retry-After"]) > 0


@pytest.mark.parametrize(
    "exc",
    [
        asyncpg.exceptions.LockNotAvailableError("canceling statement due to lock timeout"),
        asyncpg.exceptions.DeadlockDetectedError("deadlock detected"),
        WritersBusy("every write slot is taken"),
    ],
    ids=lambda exc: type(exc).__name__,
)
def test_lock_conflicts_are_503_busy_with_retry_after(exc: Exception) -> None:
    problem = problem_for(exc)
    assert problem is not None
    assert (problem.status, problem.type) == (503, "busy")
    assert int(problem.headers["Retry-After"]) > 0


async def test_request_and_job_connections_carry_their_lock_timeouts(
    client: Client, migrated_dsn: str
) -> None:
    assert Settings().db_lock_timeout == 2.0
    assert await client.app[DATABASE].primary.fetchval("SHOW lock_timeout") == "2s"

    worker = Worker.from_settings(Settings(database_url=migrated_dsn, job_db_lock_timeout=30.0))
    connection = await asyncpg.connect(
        migrated_dsn, server_settings=lock_timeout_settings(worker.db_lock_timeout)
    )
    try:
        assert await connection.fetchval("SHOW lock_timeout") == "30s"
    finally:
        await connection.close()
    assert lock_timeout_settings(0) is None  # 0: nothing sent (PgBouncer: set it on the role)


async def test_writers_blocked_by_a_row_lock_answer_busy_while_reads_keep_working(
    settings: Settings, migrated_dsn: str
) -> None:
    # The production pool size, opened up front: connecting is not what this test measures.
    size = Settings().db_pool_max_size
    settings = dataclasses.replace(settings, db_pool_min_size=size, **LIMITS_OFF)
    unlimited = aiohttp.TCPConnector(limit=0)  # every request in flight at once
    async with TestClient(TestServer(create_app(settings)), connector=unlimited) as client:
        editor = await sign_up(client, "eddie", role="editor")
        reader = await sign_up(client, "rita")
        others = [f"other-{n}" for n in range(3)]
        await create_ghosts(client, editor, "held", *others)
        response = await client.post(
            "/v1/me/bookmarks",
            json={"content_type": "ghost", "slug": others[0]},
            headers=reader.headers,
        )
        assert response.status == 201, await response.text()

        holder = await asyncpg.connect(migrated_dsn)
        locked, done = asyncio.Event(), asyncio.Event()
        held = True

        async def hold() -> None:
            nonlocal held
            async with holder.transaction():
                await holder.execute("SELECT 1 FROM ghost_entities WHERE slug = 'held' FOR UPDATE")
                locked.set()
                with contextlib.suppress(TimeoutError):
                    async with asyncio.timeout(HOLD):
                        await done.wait()
                held = False

        async def send(
            method: str, path: str, headers: dict[str, str], **kw: Any
        ) -> tuple[Any, ...]:
            response = await client.request(method, path, headers=headers, **kw)
            body = await response.read()
            return method, path, response.status, response, body, held

        # Editors' reads bypass the cache, every search is a new query, bookmarks are
        # private: each of these reads is answered by PostgreSQL.
        paths = itertools.cycle(
            [
                *[(f"/v1/ghosts/{slug}", editor.headers) for slug in others],
                ("/v1/me/bookmarks", reader.headers),
                ("/v1/search?q=", {}),
            ]
        )
        reads = []
        for n in range(100):
            path, headers = next(paths)
            reads.append(("GET", path + (f"lantern{n}" if path.endswith("=") else ""), headers))
        patches = [
            ("PATCH", "/v1/ghosts/held", editor.headers, {"description": f"edit {n}"})
            for n in range(30)
        ]

        holding = asyncio.create_task(hold())
        try:
            waiting = asyncio.create_task(locked.wait())
            await asyncio.wait([holding, waiting], return_when=asyncio.FIRST_COMPLETED)
            if holding.done():
                holding.result()  # the lock could not be taken: say why
            calls = [send(m, p, h) for m, p, h in reads]
            calls += [send(m, p, h, json=body) for m, p, h, body in patches]
            results = await asyncio.gather(*calls)
        finally:
            done.set()
            await holding
            await holder.close()

    statuses = Counter((method, status) for method, _, status, *_ in results)
    assert statuses == {("GET", 200): 100, ("PATCH", 503): 30}, statuses
    for method, path, status, response, body, still_held in results:
        assert still_held, f"{method} {path} waited for the lock to be released"
        if method == "PATCH":
            problem = check_problem(status, response.content_type, body, label=path)
            assert problem["type"].endswith("/busy"), problem
            assert int(response.headers["Retry-After"]) > 0


async def test_a_fast_shutdown_under_load_answers_503_never_500(
    throwaway_postgres: EmbeddedPostgres, redis_url: str
) -> None:
    url = await asyncio.to_thread(throwaway_postgres.start)
    await asyncio.to_thread(migrate, url)
    settings = Settings(database_url=url, redis_url=redis_url, db_pool_min_size=4, **LIMITS_OFF)
    statuses: Counter[int] = Counter()
    async with TestClient(TestServer(create_app(settings))) as client:
        editor = await sign_up(client, "eddie", role="editor")
        slugs = [f"ghost-{n}" for n in range(8)]
        await create_ghosts(client, editor, *slugs)
        stopped = asyncio.Event()

        async def load(n: int) -> None:
            requests = itertools.cycle(
                [
                    ("GET", f"/v1/ghosts/{slugs[n]}", None),
                    ("PATCH", f"/v1/ghosts/{slugs[n]}", {"description": "x"}),
                    ("GET", "/v1/search?q=ghost", None),
                    ("GET", "/v1/me", None),
                ]
            )
            after_stop = 0
            while after_stop < 8:  # keep going until well after the server is gone
                method, path, body = next(requests)
                response = await client.request(method, path, json=body, headers=editor.headers)
                payload = await response.read()
                statuses[response.status] += 1
                if response.status >= 500:
                    problem = check_problem(
                        response.status, response.content_type, payload, label=path
                    )
                    assert response.status == 503, problem
                    assert int(response.headers["Retry-After"]) > 0
                after_stop += stopped.is_set()

        loads = [asyncio.create_task(load(n)) for n in range(len(slugs))]
        await asyncio.sleep(0.3)  # requests in flight on every pooled connection
        await asyncio.to_thread(throwaway_postgres.stop)
        stopped.set()
        await asyncio.gather(*loads)
    assert statuses[500] == 0, statuses
    assert statuses[503] > 0, statuses
