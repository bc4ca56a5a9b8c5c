"""GET /v1/me/recommendations, feedback on them, and the recommendations.refresh job."""

from __future__ import annotations

import asyncio
import datetime
import uuid
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from apicheck import bearer, run_due_jobs, sign_up

from service.domain import recommendations as recommend
from service.jobs import queue as jobs
from service.store.db import Connection

Client = TestClient[web.Request, web.Application]

PATH = "/v1/me/recommendations"

# slug: (entity type, danger level, tags); all published.
GHOSTS = {
    "grey-lady": ("apparition", 2, ["haunted-house", "victorian"]),
    "bell-witch": ("poltergeist", 3, ["haunted-house", "tennessee"]),
    "enfield-poltergeist": ("poltergeist", 2, ["haunted-house", "london"]),
    "black-shuck": ("cryptid", 4, ["moors", "hound"]),
    "la-llorona": ("spirit", 5, ["river", "weeping"]),
}
# slug: tags; all published.
STORIES = {
    "the-night-train": ["railway", "victorian"],
    "the-knock": ["haunted-house", "london"],
    "moor-walk": ["moors", "hound"],
    "river-song": ["river"],
}
PUBLISHED = set(GHOSTS) | set(STORIES)


def title(slug: str) -> str:
    return slug.replace("-", " ").title()


@pytest.fixture
async def content(conn: asyncpg.Connection) -> None:
    """The GHOSTS and STORIES above, published, plus a draft of each that never shows."""
    for slug, (entity_type, danger, tags) in GHOSTS.items():
        await conn.execute(
            "INSERT INTO ghost_entities (slug, name, entity_type, danger_level, tags, status,"
            " published_at) VALUES ($1, $2, $3, $4, $5, 'published', now())",
            slug,
            title(slug),
            entity_type,
            danger,
            tags,
        )
    for slug, tags in STORIES.items():
        await conn.execute(
            "INSERT INTO stories (slug, title, tags, status, published_at)"
            " VALUES ($1, $2, $3, 'published', now())",
            slug,
            title(slug),
            tags,
        )
    await conn.execute(
        "INSERT INTO ghost_entities (slug, name, entity_type, danger_level, tags)"
        " VALUES ('draft-ghost', 'Draft', 'poltergeist', 1, '{haunted-house}')"
    )
    await conn.execute(
        "INSERT INTO stories (slug, title, tags) VALUES ('draft-story', 'Draft', '{river}')"
    )


async def recommendations(
    client: Client, token: str, **params: str
) -> tuple[list[dict[str, Any]], dict[str, Any]]:
    response = await client.get(PATH, headers=bearer(token), params=params)
    body: dict[str, Any] = await response.json()
    assert response.status == 200, body
    assert response.headers["Cache-Control"] == "private, no-store"
    return body["items"], body


def by_slug(items: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {item["slug"]: item for item in items}


async def feedback(
    client: Client, token: str, recommendation_id: str, kind: str
) -> tuple[int, dict[str, Any]]:
    response = await client.post(
        f"{PATH}/{recommendation_id}/feedback", json={"feedback": kind}, headers=bearer(token)
    )
    return response.status, await response.json()


async def act(client: Client, token: str, method: str, path: str, body: dict[str, Any]) -> None:
    response = await client.request(method, path, json=body, headers=bearer(token))
    assert response.status in (200, 201, 202), await response.text()


async def bookmark(client: Client, token: str, content_type: str, slug: str) -> None:
    await act(
        client, token, "POST", "/v1/me/bookmarks", {"content_type": content_type, "slug": slug}
    )


async def finish(client: Client, token: str, story: str) -> None:
    await act(client, token, "PUT", f"/v1/me/reading-progress/{story}", {"percent": 100})


async def prefer(client: Client, token: str, **preferences: Any) -> None:
    await act(client, token, "PUT", "/v1/me/preferences", preferences)


# ---- new users ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("content")
async def test_a_new_user_gets_popular_content_on_the_first_call(
    client: Client, conn: asyncpg.Connection, pool: asyncpg.Pool
) -> None:
    await conn.execute(
        "INSERT INTO content_statistics (story_id, view_count, like_count)"
        " SELECT id, 40, 5 FROM stories WHERE slug = 'river-song'"
    )
    await conn.execute(
        "INSERT INTO content_statistics (ghost_entity_id, view_count)"
        " SELECT id, 10 FROM ghost_entities WHERE slug = 'black-shuck'"
    )
    token = (await sign_up(client, "newcomer")).token
    items, body = await recommendations(client, token)
    # Computed at once, without waiting for a worker: every published item, nothing else.
    assert {item["slug"] for item in items} == PUBLISHED
    assert [item["slug"] for item in items[:2]] == ["river-song", "black-shuck"]
    assert {(item["algorithm"], item["reason"]) for item in items} == {
        ("popular", "Popular on Ghostypedia")
    }
    assert [item["score"] for item in items] == sorted(
        (item["score"] for item in items), reverse=True
    )
    assert body["next_cursor"] is None
    # Stored: the next call serves the same list (ids included) and queues nothing.
    again, _ = await recommendations(client, token)
    assert again == items
    assert await pool.fetchval("SELECT count(*) FROM jobs") == 0


@pytest.mark.usefixtures("content")
async def test_a_new_user_with_favourite_types_gets_popular_ones_of_those_first(
    client: Client,
) -> None:
    token = (await sign_up(client, "newcomer")).token
    await prefer(client, token, favorite_entity_types=["poltergeist"])
    items, _ = await recommendations(client, token)
    first = items[:2]
    assert {item["slug"] for item in first} == {"bell-witch", "enfield-poltergeist"}
    assert {item["reason"] for item in first} == {"Popular in poltergeist"}
    assert {item["reason"] for item in items[2:]} == {"Popular on Ghostypedia"}


@pytest.mark.usefixtures("content")
async def test_the_danger_range_of_the_profile_is_respected(client: Client) -> None:
    token = (await sign_up(client, "cautious")).token
    await prefer(client, token, max_danger=2, favorite_tags=["haunted-house"])
    items, _ = await recommendations(client, token)
    ghosts = {item["slug"] for item in items if item["content_type"] == "ghost"}
    assert ghosts == {slug for slug, (_, danger, _) in GHOSTS.items() if danger <= 2}
    # Favourite tags alone make a content signal.
    knock = by_slug(items)["the-knock"]
    assert (knock["algorithm"], knock["reason"]) == (
        "content",
        "Matches your interest in haunted-house",
    )


# ---- signals -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("content")
async def test_tag_affinity_recommends_what_shares_tags_with_what_you_read(
    client: Client,
) -> None:
    token = (await sign_up(client, "reader")).token
    await finish(client, token, "the-night-train")  # railway, victorian
    items, _ = await recommendations(client, token)
    lady = by_slug(items)["grey-lady"]  # victorian
    assert (lady["algorithm"], lady["reason"]) == ("content", "Because you read The Night Train")
    assert items[0]["slug"] == "grey-lady"
    assert "the-night-train" not in by_slug(items)


@pytest.mark.usefixtures("content")
async def test_people_who_bookmarked_or_finished_what_you_did_suggest_the_rest(
    client: Client, pool: asyncpg.Pool, worker: jobs.Worker, wconn: Connection
) -> None:
    peers = [(await sign_up(client, f"peer_{n}")).token for n in range(2)]
    for token in peers:
        await bookmark(client, token, "ghost", "black-shuck")
        await finish(client, token, "river-song")
    await act(
        client,
        peers[0],
        "POST",
        "/v1/interactions",
        {"kind": "like", "content_type": "story", "slug": "moor-walk"},
    )
    token = (await sign_up(client, "reader")).token
    await bookmark(client, token, "ghost", "black-shuck")  # moors, hound
    items, _ = await recommendations(client, token)
    found = by_slug(items)
    # Nothing in common with what the reader did but the people: collaborative only.
    song = found["river-song"]
    assert song["algorithm"] == "collaborative"
    assert song["reason"] == "People who enjoyed Black Shuck also liked this"
    # Shares tags with the bookmark and liked by a peer: both signals.
    walk = found["moor-walk"]
    assert walk["algorithm"] == "hybrid"
    assert walk["reason"] == "Because you bookmarked Black Shuck"
    assert [item["slug"] for item in items[:2]] == ["moor-walk", "river-song"]
    assert "black-shuck" not in found

    # The refresh job computes the same list through the worker.
    await pool.execute("UPDATE recommendations SET expires_at = now() - interval '1 minute'")
    await recommendations(client, token)
    await run_due_jobs(worker, wconn, pool)
    refreshed, _ = await recommendations(client, token)
    assert [(i["id"], i["slug"], i["algorithm"]) for i in refreshed] == [
        (i["id"], i["slug"], i["algorithm"]) for i in items
    ]


# ---- exclusions --------------------------------------------------------------------------------


@pytest.mark.usefixtures("content")
async def test_seen_started_and_bookmarked_content_is_left_out(
    client: Client, pool: asyncpg.Pool, worker: jobs.Worker, wconn: Connection
) -> None:
    token = (await sign_up(client, "reader")).token
    items, _ = await recommendations(client, token)
    assert {item["slug"] for item in items} == PUBLISHED
    await finish(client, token, "the-knock")
    await act(client, token, "PUT", "/v1/me/reading-progress/moor-walk", {"percent": 30})
    await bookmark(client, token, "ghost", "grey-lady")
    await act(
        client,
        token,
        "POST",
        "/v1/interactions",
        {"kind": "like", "content_type": "ghost", "slug": "bell-witch"},
    )
    await act(
        client,
        token,
        "POST",
        "/v1/interactions",
        {"kind": "view", "content_type": "ghost", "slug": "la-llorona"},
    )
    gone = {"the-knock", "moor-walk", "grey-lady", "bell-witch", "la-llorona"}
    # At once, from the stored list...
    items, _ = await recommendations(client, token)
    assert {item["slug"] for item in items} == PUBLISHED - gone
    # ...and after a refresh.
    await pool.execute("UPDATE recommendations SET expires_at = now()")
    await recommendations(client, token)
    await run_due_jobs(worker, wconn, pool)
    items, _ = await recommendations(client, token)
    assert {item["slug"] for item in items} == PUBLISHED - gone
    assert await pool.fetchval("SELECT count(*) FROM recommendations") == len(PUBLISHED - gone)


@pytest.mark.usefixtures("content")
async def test_dismissed_content_never_comes_back(
    client: Client, pool: asyncpg.Pool, worker: jobs.Worker, wconn: Connection
) -> None:
    token = (await sign_up(client, "reader")).token
    items, _ = await recommendations(client, token)
    dismissed, unhelpful, helpful = items[0], items[1], items[2]

    status, body = await feedback(client, token, dismissed["id"], "dismissed")
    assert status == 201, body
    assert (body["recommendation_id"], body["slug"], body["feedback"]) == (
        dismissed["id"],
        dismissed["slug"],
        "dismissed",
    )
    status, body = await feedback(client, token, unhelpful["id"], "not_helpful")
    assert status == 201
    status, body = await feedback(client, token, helpful["id"], "helpful")
    assert status == 201
    # The feedback queued one refresh, however many were given.
    queued = await pool.fetchval(
        "SELECT count(*) FROM jobs WHERE kind = 'recommendations.refresh' AND status = 'queued'"
    )
    assert queued == 1

    hidden = {dismissed["slug"], unhelpful["slug"]}
    items, _ = await recommendations(client, token)
    assert hidden.isdisjoint(by_slug(items))
    assert helpful["slug"] in by_slug(items)
    await run_due_jobs(worker, wconn, pool)
    for _ in range(2):  # ...and after every later refresh
        items, _ = await recommendations(client, token)
        assert hidden.isdisjoint(by_slug(items))
        assert {item["slug"] for item in items} == PUBLISHED - hidden
        await pool.execute("UPDATE recommendations SET expires_at = now()")
        await recommendations(client, token)
        await run_due_jobs(worker, wconn, pool)


@pytest.mark.usefixtures("content")
async def test_changing_feedback_answers_200_and_keeps_one_row(
    client: Client, pool: asyncpg.Pool
) -> None:
    token = (await sign_up(client, "reader")).token
    items, _ = await recommendations(client, token)
    first, _ = await feedback(client, token, items[0]["id"], "helpful")
    again, body = await feedback(client, token, items[0]["id"], "dismissed")
    assert (first, again) == (201, 200)
    assert body["feedback"] == "dismissed"
    rows = await pool.fetch("SELECT feedback FROM recommendation_feedback")
    assert [row["feedback"] for row in rows] == ["dismissed"]


# ---- access ------------------------------------------------------------------------------------


@pytest.mark.usefixtures("content")
async def test_feedback_on_someone_elses_or_no_recommendation_is_404(
    client: Client, pool: asyncpg.Pool
) -> None:
    alice, bob = (await sign_up(client, "alice")).token, (await sign_up(client, "bob")).token
    items, _ = await recommendations(client, alice)
    for recommendation_id in (items[0]["id"], str(uuid.uuid4()), "not-a-uuid"):
        status, problem = await feedback(client, bob, recommendation_id, "dismissed")
        assert status == 404, problem
    assert await pool.fetchval("SELECT count(*) FROM recommendation_feedback") == 0
    # Alice's list is untouched by Bob's attempt.
    assert (await recommendations(client, alice))[0] == items


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("GET", PATH, None),
        ("POST", f"{PATH}/{uuid.UUID(int=1)}/feedback", {"feedback": "helpful"}),
    ],
)
async def test_recommendations_need_a_signed_in_user(
    client: Client, method: str, path: str, body: dict[str, str] | None
) -> None:
    response = await client.request(method, path, json=body)
    assert response.status == 401


@pytest.mark.usefixtures("content")
@pytest.mark.parametrize(
    "body",
    [{"feedback": "love-it"}, {}, {"feedback": "helpful", "note": "great"}],
)
async def test_feedback_body_is_validated(client: Client, body: dict[str, str]) -> None:
    token = (await sign_up(client, "reader")).token
    items, _ = await recommendations(client, token)
    response = await client.post(
        f"{PATH}/{items[0]['id']}/feedback", json=body, headers=bearer(token)
    )
    assert response.status == 422, await response.text()


@pytest.mark.usefixtures("content")
async def test_recommendations_are_paged_best_first(client: Client) -> None:
    token = (await sign_up(client, "reader")).token
    everything, _ = await recommendations(client, token)
    seen: list[dict[str, Any]] = []
    cursor: str | None = None
    while True:
        params = {"limit": "4"} | ({"cursor": cursor} if cursor else {})
        page, body = await recommendations(client, token, **params)
        assert len(page) <= 4
        seen.extend(page)
        cursor = body["next_cursor"]
        if cursor is None:
            break
    assert seen == everything


# ---- staleness ---------------------------------------------------------------------------------


@pytest.mark.usefixtures("content")
async def test_an_expired_list_is_served_while_one_refresh_is_queued(
    client: Client, pool: asyncpg.Pool, worker: jobs.Worker, wconn: Connection
) -> None:
    token = (await sign_up(client, "reader")).token
    items, _ = await recommendations(client, token)
    await pool.execute("UPDATE recommendations SET expires_at = now() - interval '1 hour'")
    served = await asyncio.gather(*(recommendations(client, token) for _ in range(5)))
    assert all([i["id"] for i in page] == [i["id"] for i in items] for page, _ in served)
    refreshes = await pool.fetch(
        "SELECT payload FROM jobs WHERE kind = 'recommendations.refresh' AND status = 'queued'"
    )
    assert len(refreshes) == 1
    user_id = await pool.fetchval("SELECT id FROM users WHERE username = 'reader'")
    assert refreshes[0]["payload"] in ({"user_id": str(user_id)}, f'{{"user_id": "{user_id}"}}')

    before = datetime.datetime.now(datetime.UTC)
    await run_due_jobs(worker, wconn, pool)
    soonest = await pool.fetchval("SELECT min(expires_at) FROM recommendations")
    assert soonest > before + recommend.TTL - datetime.timedelta(minutes=1)


async def test_refresh_handlers_are_registered_and_reject_a_bad_payload(
    pool: asyncpg.Pool, worker: jobs.Worker, wconn: Connection
) -> None:
    assert jobs.HANDLERS[recommend.KIND] is recommend.refresh_job
    assert "service.domain.recommendations" in jobs.HANDLER_MODULES
    bad = await jobs.enqueue(pool, recommend.KIND, {"user_id": "nobody"})
    gone = await jobs.enqueue(pool, recommend.KIND, {"user_id": str(uuid.uuid4())})
    while await worker.run_next(wconn):
        pass
    statuses = {row["id"]: row["status"] for row in await pool.fetch("SELECT id, status FROM jobs")}
    # A malformed payload fails at once; a user deleted since has nothing to refresh.
    assert (statuses[bad], statuses[gone]) == ("failed", "succeeded")


@pytest.mark.usefixtures("content")
async def test_with_nothing_left_to_recommend_the_list_is_empty(
    client: Client, pool: asyncpg.Pool
) -> None:
    token = (await sign_up(client, "completist")).token
    items, _ = await recommendations(client, token)
    for item in items:
        status, _ = await feedback(client, token, item["id"], "dismissed")
        assert status == 201
    items, body = await recommendations(client, token)
    assert (items, body["next_cursor"]) == ([], None)
