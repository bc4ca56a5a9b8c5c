"""Counters and trending: writes append deltas, statistics.rollup adds them up exactly once."""

from __future__ import annotations

import asyncio
import dataclasses
import datetime
import time
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from apicheck import bearer, run_due_jobs, sign_up

from service.config import Settings
from service.domain import statistics
from service.jobs import queue as jobs
from service.store.db import Connection

Client = TestClient[web.Request, web.Application]

COUNTERS = ("view", "like", "share", "read", "bookmark", "comment")
# Generous bound that only catches hangs; nothing here measures speed.
NO_HANG = 60.0


@pytest.fixture
def settings(settings: Settings) -> Settings:
    """Every anonymous view and share counts: these tests post many from one address to see
    each counted once (the once-per-window rule has its own tests in test_interactions)."""
    return dataclasses.replace(settings, anonymous_interaction_window=0)


async def add_ghost(
    conn: asyncpg.Connection, slug: str, *, status: str = "published", tags: list[str] | None = None
) -> Any:
    return await conn.fetchval(
        """
        INSERT INTO ghost_entities (slug, name, entity_type, danger_level, status, tags,
                                    published_at)
        VALUES ($1, initcap(replace($1, '-', ' ')), 'spirit', 2, $2, $3,
                CASE WHEN $2 = 'published' THEN now() END)
        RETURNING id
        """,
        slug,
        status,
        tags or [],
    )


async def add_story(conn: asyncpg.Connection, slug: str, *, status: str = "published") -> Any:
    return await conn.fetchval(
        """
        INSERT INTO stories (slug, title, status, published_at)
        VALUES ($1, initcap(replace($1, '-', ' ')), $2, CASE WHEN $2 = 'published' THEN now() END)
        RETURNING id
        """,
        slug,
        status,
    )


@pytest.fixture
async def content(conn: asyncpg.Connection) -> None:
    """A published entity and story."""
    await add_ghost(conn, "black-shuck")
    await add_story(conn, "the-night-train")


async def counters(pool: asyncpg.Pool, slug: str) -> dict[str, int]:
    """The content_statistics row of the entity or story at `slug` (zeros when it has none)."""
    row = await pool.fetchrow(
        """
        SELECT cs.*
        FROM content_statistics AS cs
        LEFT JOIN ghost_entities AS g ON cs.ghost_entity_id = g.id
        LEFT JOIN stories AS s ON cs.story_id = s.id
        WHERE coalesce(g.slug, s.slug) = $1
        """,
        slug,
    )
    return {name: row[f"{name}_count"] if row else 0 for name in COUNTERS}


async def recount(pool: asyncpg.Pool, slug: str) -> dict[str, int]:
    """What the source tables say the counters of `slug` are."""
    row = await pool.fetchrow(
        """
        WITH target AS (
            SELECT id FROM ghost_entities WHERE slug = $1
            UNION ALL SELECT id FROM stories WHERE slug = $1
        )
        SELECT
            (SELECT count(*) FROM interactions, target WHERE kind = 'view'
                AND target.id IN (ghost_entity_id, story_id)) AS view,
            (SELECT count(*) FROM interactions, target WHERE kind = 'like'
                AND target.id IN (ghost_entity_id, story_id)) AS like,
            (SELECT count(*) FROM interactions, target WHERE kind = 'share'
                AND target.id IN (ghost_entity_id, story_id)) AS share,
            (SELECT count(*) FROM interactions, target WHERE kind = 'read'
                AND target.id IN (ghost_entity_id, story_id)) AS read,
            (SELECT count(*) FROM bookmarks, target
                WHERE target.id IN (ghost_entity_id, story_id)) AS bookmark,
            (SELECT count(*) FROM comments, target
                WHERE story_id = target.id AND deleted_at IS NULL) AS comment
        """,
        slug,
    )
    assert row is not None
    return dict(row)


async def interact(client: Client, headers: dict[str, str] | None = None, **body: Any) -> int:
    response = await client.post("/v1/interactions", json=body, headers=headers or {})
    assert response.status in (200, 201, 202), await response.text()
    return response.status


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    deadline = time.monotonic() + NO_HANG
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


# ---- counters ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("content")
async def test_parallel_interactions_lose_no_increment(
    client: Client, pool: asyncpg.Pool, worker: jobs.Worker, wconn: Connection
) -> None:
    tokens = [(await sign_up(client, f"reader_{n}")).token for n in range(8)]
    posts: list[Awaitable[int]] = []
    for _ in range(60):
        posts.append(interact(client, kind="view", content_type="ghost", slug="black-shuck"))
        posts.append(interact(client, kind="view", content_type="story", slug="the-night-train"))
    for _ in range(15):
        posts.append(interact(client, kind="share", content_type="story", slug="the-night-train"))
    for token in tokens:  # three simultaneous likes each: one counts
        for _ in range(3):
            posts.append(
                interact(
                    client, bearer(token), kind="like", content_type="ghost", slug="black-shuck"
                )
            )
    await asyncio.gather(*posts)

    queued = await pool.fetchval(
        "SELECT count(*) FROM jobs WHERE kind = 'statistics.rollup' AND status = 'queued'"
    )
    # Coalesced: writes share a queued rollup (only writers racing on an empty queue add one).
    assert 1 <= queued <= 10
    assert await run_due_jobs(worker, wconn, pool) >= 1

    assert await counters(pool, "black-shuck") == {
        **dict.fromkeys(COUNTERS, 0),
        "view": 60,
        "like": 8,
    }
    assert await counters(pool, "the-night-train") == {
        **dict.fromkeys(COUNTERS, 0),
        "view": 60,
        "share": 15,
    }
    assert await pool.fetchval("SELECT count(*) FROM content_statistics_deltas") == 0


@pytest.mark.usefixtures("content")
async def test_rollups_running_during_the_writes_count_everything_once(
    client: Client, pool: asyncpg.Pool, migrated_dsn: str
) -> None:
    jobs.load_handlers()
    racing = [
        jobs.Worker(migrated_dsn, {statistics.KIND: statistics.roll_up}, poll_interval=0.1)
        for _ in range(2)
    ]
    tasks = [asyncio.create_task(w.run()) for w in racing]
    try:
        for _ in range(5):  # waves of writes, with rollups draining in between and during
            await asyncio.gather(
                *(
                    interact(client, kind=kind, content_type="ghost", slug="black-shuck")
                    for kind in ["view"] * 30 + ["share"] * 10
                )
            )

        async def settled() -> bool:
            return await counters(pool, "black-shuck") == {
                **dict.fromkeys(COUNTERS, 0),
                "view": 150,
                "share": 50,
            }

        await eventually(settled, "the counters to reach the number of writes")
    finally:
        for w in racing:
            w.stop()
        await asyncio.wait_for(asyncio.gather(*tasks), NO_HANG)
    assert await pool.fetchval("SELECT count(*) FROM content_statistics_deltas") == 0
    assert await counters(pool, "black-shuck") == await recount(pool, "black-shuck")


@pytest.mark.usefixtures("content")
async def test_bookmarks_comments_and_finished_reads_are_counted(
    client: Client, pool: asyncpg.Pool, worker: jobs.Worker, wconn: Connection
) -> None:
    alice, bob = (await sign_up(client, "alice")).token, (await sign_up(client, "bob")).token
    bookmarks = []
    for token in (alice, bob):
        for content_type, slug in (("ghost", "black-shuck"), ("story", "the-night-train")):
            response = await client.post(
                "/v1/me/bookmarks",
                json={"content_type": content_type, "slug": slug},
                headers=bearer(token),
            )
            assert response.status == 201
            bookmarks.append((token, (await response.json())["id"]))
    removed_by, removed = bookmarks[0]  # alice's bookmark of the entity
    response = await client.delete(f"/v1/me/bookmarks/{removed}", headers=bearer(removed_by))
    assert response.status == 204

    comment_ids = []
    for token in (alice, bob, bob):
        response = await client.post(
            "/v1/stories/the-night-train/comments",
            json={"body": "Chilling."},
            headers=bearer(token),
        )
        assert response.status == 201
        comment_ids.append((await response.json())["id"])
    response = await client.delete(f"/v1/comments/{comment_ids[0]}", headers=bearer(alice))
    assert response.status == 204
    # Editing a comment changes no counter.
    response = await client.patch(
        f"/v1/comments/{comment_ids[1]}", json={"body": "Still chilling."}, headers=bearer(bob)
    )
    assert response.status == 200

    for percent in (40, 100, 100, 60):  # one finished read, however often 100 % is saved
        response = await client.put(
            "/v1/me/reading-progress/the-night-train",
            json={"percent": percent},
            headers=bearer(alice),
        )
        assert response.status == 200

    await run_due_jobs(worker, wconn, pool)
    assert await counters(pool, "black-shuck") == {**dict.fromkeys(COUNTERS, 0), "bookmark": 1}
    assert await counters(pool, "the-night-train") == {
        **dict.fromkeys(COUNTERS, 0),
        "bookmark": 2,
        "comment": 2,
        "read": 1,
    }
    for slug in ("black-shuck", "the-night-train"):
        assert await counters(pool, slug) == await recount(pool, slug)


@pytest.mark.usefixtures("content")
async def test_entity_and_story_pages_show_their_counters(
    client: Client, pool: asyncpg.Pool, worker: jobs.Worker, wconn: Connection
) -> None:
    for content_type, slug in (("ghost", "black-shuck"), ("story", "the-night-train")):
        for kind in ("view", "view", "share"):
            await interact(client, kind=kind, content_type=content_type, slug=slug)
    await run_due_jobs(worker, wconn, pool)
    expected = {f"{name}_count": 0 for name in COUNTERS} | {"view_count": 2, "share_count": 1}
    for path in ("/v1/ghosts/black-shuck", "/v1/stories/the-night-train"):
        response = await client.get(path)
        assert response.status == 200
        assert (await response.json())["counts"] == expected


async def test_a_writer_open_during_a_rollup_is_counted_by_its_follow_up(
    conn: asyncpg.Connection, pool: asyncpg.Pool, worker: jobs.Worker, wconn: Connection
) -> None:
    ghost = await add_ghost(conn, "grey-lady")
    await conn.execute(
        "INSERT INTO interactions (ghost_entity_id, kind) VALUES ($1, 'view')", ghost
    )
    [queued] = await pool.fetch("SELECT id FROM jobs WHERE status = 'queued'")

    # A writer that saw that rollup queued, and is still open when it runs.
    async with pool.acquire() as writer, writer.transaction():
        await writer.execute(
            "INSERT INTO interactions (ghost_entity_id, kind) VALUES ($1, 'like')", ghost
        )
        assert await pool.fetchval("SELECT count(*) FROM jobs WHERE status = 'queued'") == 1
        assert await worker.run_next(wconn)
        # The rollup could not tell that no writer was open: it queued a follow-up.
        follow_ups = await pool.fetch(
            "SELECT id FROM jobs WHERE status = 'queued' AND kind = 'statistics.rollup'"
        )
        assert [row["id"] for row in follow_ups] != [queued["id"]]
        assert len(follow_ups) == 1
    assert await counters(pool, "grey-lady") == {**dict.fromkeys(COUNTERS, 0), "view": 1}
    await run_due_jobs(worker, wconn, pool)
    assert await counters(pool, "grey-lady") == {**dict.fromkeys(COUNTERS, 0), "view": 1, "like": 1}


async def test_a_quiet_rollup_queues_no_follow_up(
    conn: asyncpg.Connection, pool: asyncpg.Pool, worker: jobs.Worker, wconn: Connection
) -> None:
    ghost = await add_ghost(conn, "grey-lady")
    await conn.execute(
        "INSERT INTO interactions (ghost_entity_id, kind) VALUES ($1, 'view')", ghost
    )
    assert await worker.run_next(wconn)
    assert not await worker.run_next(wconn)
    assert await pool.fetchval("SELECT count(*) FROM jobs WHERE status = 'queued'") == 0
    assert await pool.fetchval("SELECT count(*) FROM jobs") == 1


async def test_a_full_batch_queues_the_next_rollup_at_once(
    conn: asyncpg.Connection,
    pool: asyncpg.Pool,
    worker: jobs.Worker,
    wconn: Connection,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(statistics, "BATCH_SIZE", 2)
    ghosts = [await add_ghost(conn, f"ghost-{n}") for n in range(5)]
    for ghost in ghosts:  # one statement each: one delta each
        await conn.execute(
            "INSERT INTO interactions (ghost_entity_id, kind) VALUES ($1, 'view')", ghost
        )
    runs = 0
    while await worker.run_next(wconn):  # no waiting: each follow-up is due at once
        runs += 1
    assert runs == 3
    assert await pool.fetchval("SELECT sum(view_count) FROM content_statistics") == 5


async def test_one_statement_of_many_rows_appends_one_delta_per_target(
    conn: asyncpg.Connection, pool: asyncpg.Pool, worker: jobs.Worker, wconn: Connection
) -> None:
    ghost = await add_ghost(conn, "grey-lady")
    await conn.execute(
        "INSERT INTO interactions (ghost_entity_id, kind)"
        " SELECT $1, (ARRAY['view', 'like', 'share', 'read'])[1 + n % 4]"
        " FROM generate_series(1, 400) AS n",
        ghost,
    )
    assert await pool.fetchval("SELECT count(*) FROM content_statistics_deltas") == 1
    await run_due_jobs(worker, wconn, pool)
    assert await counters(pool, "grey-lady") == {
        **dict.fromkeys(COUNTERS, 0),
        "view": 100,
        "like": 100,
        "share": 100,
        "read": 100,
    }


async def test_deleting_content_with_uncounted_writes_deletes_them_too(
    conn: asyncpg.Connection, pool: asyncpg.Pool, worker: jobs.Worker, wconn: Connection
) -> None:
    doomed, kept = await add_ghost(conn, "doomed"), await add_ghost(conn, "kept")
    user = await conn.fetchval(
        "INSERT INTO users (email, username, display_name, password_hash)"
        " VALUES ('u@example.org', 'reader_u', 'U', 'stub') RETURNING id"
    )
    for ghost in (doomed, kept):
        await conn.execute(
            "INSERT INTO interactions (ghost_entity_id, kind) VALUES ($1, 'view')", ghost
        )
        await conn.execute(
            "INSERT INTO bookmarks (user_id, ghost_entity_id) VALUES ($1, $2)", user, ghost
        )
    await conn.execute("DELETE FROM ghost_entities WHERE id = $1", doomed)
    # A user who leaves takes their bookmarks, and the counters follow.
    await run_due_jobs(worker, wconn, pool)
    assert await counters(pool, "kept") == {**dict.fromkeys(COUNTERS, 0), "view": 1, "bookmark": 1}
    await conn.execute("DELETE FROM users WHERE id = $1", user)
    await run_due_jobs(worker, wconn, pool)
    assert await counters(pool, "kept") == {**dict.fromkeys(COUNTERS, 0), "view": 1}
    assert await pool.fetchval("SELECT count(*) FROM content_statistics") == 1


async def test_counting_handlers_are_registered_for_the_worker_command() -> None:
    jobs.load_handlers()
    assert jobs.HANDLERS[statistics.KIND] is statistics.roll_up
    assert "service.domain.statistics" in jobs.HANDLER_MODULES


# ---- trending ----------------------------------------------------------------------------------


@pytest.fixture
async def trending_content(conn: asyncpg.Connection) -> None:
    """Interactions of several ages: see the scores in the comments."""
    ids = {slug: await add_ghost(conn, slug) for slug in ("rising", "steady", "fading", "old")}
    ids["draft"] = await add_ghost(conn, "draft", status="draft")
    ids["tale"] = await add_story(conn, "tale")
    now = datetime.datetime.now(datetime.UTC)
    day = datetime.timedelta(days=1)
    rows: list[tuple[Any, Any, str, datetime.datetime]] = []

    def add(slug: str, kind: str, times: int, age: datetime.timedelta) -> None:
        target = (None, ids[slug]) if slug == "tale" else (ids[slug], None)
        rows.extend((*target, kind, now - age) for _ in range(times))

    add("rising", "share", 3, datetime.timedelta(minutes=5))  # 15
    add("steady", "view", 10, datetime.timedelta(minutes=5))  # 10
    add("tale", "read", 2, datetime.timedelta(minutes=5))  # 8
    add("fading", "view", 20, 6 * day)  # ~1.9 over 7 days (half-life 42 h), ~11.5 over 30
    add("old", "view", 100, 8 * day)  # outside 7 days; ~48 over 30 days
    add("draft", "like", 50, datetime.timedelta(minutes=5))  # a draft never trends
    await conn.executemany(
        "INSERT INTO interactions (ghost_entity_id, story_id, kind, created_at)"
        " VALUES ($1, $2, $3, $4)",
        rows,
    )


async def trending(client: Client, **params: str) -> tuple[list[str], dict[str, Any]]:
    response = await client.get("/v1/trending", params=params)
    body: dict[str, Any] = await response.json()
    assert response.status == 200, body
    return [item["slug"] for item in body["items"]], body


@pytest.mark.usefixtures("trending_content")
@pytest.mark.parametrize(
    ("params", "expected"),
    [
        ({}, ["rising", "steady", "tale", "fading"]),
        ({"window": "7d", "kind": "all"}, ["rising", "steady", "tale", "fading"]),
        ({"window": "1d"}, ["rising", "steady", "tale"]),
        ({"window": "30d"}, ["old", "rising", "fading", "steady", "tale"]),
        ({"kind": "ghost"}, ["rising", "steady", "fading"]),
        ({"kind": "story"}, ["tale"]),
        ({"window": "30d", "limit": "2"}, ["old", "rising"]),
    ],
)
async def test_trending_ranks_recent_weighted_interactions(
    client: Client, params: dict[str, str], expected: list[str]
) -> None:
    slugs, body = await trending(client, **params)
    assert slugs == expected
    assert (body["window"], body["kind"]) == (params.get("window", "7d"), params.get("kind", "all"))


@pytest.mark.usefixtures("trending_content")
async def test_trending_items_carry_their_window_counts(client: Client) -> None:
    _, body = await trending(client, window="7d")
    items = {item["slug"]: item for item in body["items"]}
    assert items["rising"]["score"] == pytest.approx(15, rel=1e-2)
    assert (items["rising"]["shares"], items["rising"]["views"]) == (3, 0)
    assert items["tale"]["content_type"] == "story" and items["tale"]["reads"] == 2
    assert items["steady"]["entity_type"] == "spirit"
    assert items["fading"]["score"] == pytest.approx(20 * 0.5 ** (144 / 42), rel=1e-2)


@pytest.mark.usefixtures("trending_content")
async def test_trending_is_public_and_revalidated_with_its_etag(client: Client) -> None:
    response = await client.get("/v1/trending")
    assert response.status == 200
    etag = response.headers["ETag"]
    assert response.headers["Cache-Control"].startswith("public")
    again = await client.get("/v1/trending", headers={"If-None-Match": etag})
    assert again.status == 304


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"window": "2d"}, "window"),
        ({"kind": "media"}, "kind"),
        ({"limit": "0"}, "limit"),
        ({"limit": "51"}, "limit"),
        ({"since": "yesterday"}, "since"),
    ],
)
async def test_trending_parameters_are_validated(
    client: Client, params: dict[str, str], field: str
) -> None:
    response = await client.get("/v1/trending", params=params)
    problem = await response.json()
    assert response.status == 422, problem
    assert field in {error["field"] for error in problem["errors"]}


async def test_trending_with_no_interactions_is_empty(client: Client) -> None:
    slugs, _ = await trending(client)
    assert slugs == []
