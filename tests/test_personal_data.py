"""The signed-in user's own data: preferences, bookmarks and reading progress under /v1/me."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from apicheck import bearer, field_names, sign_up

Client = TestClient[web.Request, web.Application]

PRIVATE = "private, no-store"


async def insert_ghost(conn: asyncpg.Connection, slug: str, *, status: str = "published") -> str:
    ghost_id = await conn.fetchval(
        """
        INSERT INTO ghost_entities (slug, name, entity_type, danger_level, status, published_at)
        VALUES ($1, $2, 'apparition', 2, $3, CASE WHEN $3 = 'published' THEN now() END)
        RETURNING id
        """,
        slug,
        slug.replace("-", " ").title(),
        status,
    )
    return str(ghost_id)


async def insert_story(conn: asyncpg.Connection, slug: str, *, status: str = "published") -> str:
    story_id = await conn.fetchval(
        """
        INSERT INTO stories (slug, title, status, published_at)
        VALUES ($1, $2, $3, CASE WHEN $3 = 'published' THEN now() END)
        RETURNING id
        """,
        slug,
        slug.replace("-", " ").title(),
        status,
    )
    return str(story_id)


async def pages(client: Client, path: str, token: str, limit: int) -> list[list[dict[str, Any]]]:
    """Every page of a list, following next_cursor."""
    result = []
    cursor = None
    while True:
        params: dict[str, str | int] = {"limit": limit}
        if cursor:
            params["cursor"] = cursor
        response = await client.get(path, params=params, headers=bearer(token))
        body = await response.json()
        assert response.status == 200, body
        result.append(body["items"])
        cursor = body["next_cursor"]
        if cursor is None:
            return result


@pytest.fixture
async def alice(client: Client) -> str:
    return (await sign_up(client, "alice")).token


@pytest.fixture
async def bob(client: Client) -> str:
    return (await sign_up(client, "bob")).token


# ---- signed in only -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "method,path,body",
    [
        ("GET", "/v1/me/preferences", None),
        ("PUT", "/v1/me/preferences", {}),
        ("GET", "/v1/me/bookmarks", None),
        ("POST", "/v1/me/bookmarks", {"content_type": "ghost", "slug": "the-grey-lady"}),
        ("DELETE", f"/v1/me/bookmarks/{uuid.UUID(int=1)}", None),
        ("GET", "/v1/me/reading-progress", None),
        ("PUT", "/v1/me/reading-progress/night-train", {"percent": 10}),
    ],
)
@pytest.mark.parametrize("token", [None, "not-a-live-token"])
async def test_personal_routes_need_a_live_session(
    client: Client, method: str, path: str, body: Any, token: str | None
) -> None:
    headers = bearer(token) if token else {}
    response = await client.request(method, path, json=body, headers=headers)
    problem = await response.json()
    assert response.status == 401, problem
    assert response.headers["WWW-Authenticate"].startswith("Bearer")


# ---- preferences --------------------------------------------------------------------------------

DEFAULTS = {
    "favorite_entity_types": [],
    "favorite_tags": [],
    "min_danger": 1,
    "max_danger": 5,
    "show_spoilers": False,
    "email_digest": False,
}


async def test_preferences_are_the_defaults_until_saved(client: Client, alice: str) -> None:
    response = await client.get("/v1/me/preferences", headers=bearer(alice))
    assert response.status == 200
    assert response.headers["Cache-Control"] == PRIVATE
    assert await response.json() == DEFAULTS


async def test_put_preferences_replaces_the_whole_profile(client: Client, alice: str) -> None:
    saved = {
        "favorite_entity_types": ["banshee", "wraith", "banshee"],
        "favorite_tags": ["victorian", "coastal"],
        "min_danger": 2,
        "max_danger": 4,
        "show_spoilers": True,
        "email_digest": True,
    }
    response = await client.put("/v1/me/preferences", json=saved, headers=bearer(alice))
    body = await response.json()
    assert response.status == 200, body
    assert response.headers["Cache-Control"] == PRIVATE
    expected = {**saved, "favorite_entity_types": ["banshee", "wraith"]}  # repeats dropped
    assert body == expected
    assert await (await client.get("/v1/me/preferences", headers=bearer(alice))).json() == expected

    # PUT replaces: what is left out goes back to its default.
    response = await client.put("/v1/me/preferences", json={"max_danger": 3}, headers=bearer(alice))
    assert await response.json() == {**DEFAULTS, "max_danger": 3}
    assert await (await client.get("/v1/me/preferences", headers=bearer(alice))).json() == {
        **DEFAULTS,
        "max_danger": 3,
    }


@pytest.mark.parametrize(
    "body,field",
    [
        ({"min_danger": 4, "max_danger": 2}, "min_danger"),
        ({"min_danger": 0}, "min_danger"),
        ({"max_danger": 6}, "max_danger"),
        ({"favorite_entity_types": ["vampire"]}, "favorite_entity_types"),
        ({"favorite_tags": ["Not A Tag"]}, "favorite_tags"),
        ({"favorite_tags": [f"tag-{n}" for n in range(33)]}, "favorite_tags"),
        ({"show_spoilers": "yes"}, "show_spoilers"),
        ({"favourite_tags": []}, "favourite_tags"),
    ],
)
async def test_put_preferences_rejects_bad_values(
    client: Client, alice: str, body: dict[str, Any], field: str
) -> None:
    response = await client.put("/v1/me/preferences", json=body, headers=bearer(alice))
    problem = await response.json()
    assert response.status == 422, problem
    assert field in field_names(problem)
    assert await (await client.get("/v1/me/preferences", headers=bearer(alice))).json() == DEFAULTS


async def test_preferences_are_each_users_own(client: Client, alice: str, bob: str) -> None:
    await client.put("/v1/me/preferences", json={"email_digest": True}, headers=bearer(alice))
    assert await (await client.get("/v1/me/preferences", headers=bearer(bob))).json() == DEFAULTS
    await client.put("/v1/me/preferences", json={"min_danger": 5}, headers=bearer(bob))
    mine = await (await client.get("/v1/me/preferences", headers=bearer(alice))).json()
    assert mine == {**DEFAULTS, "email_digest": True}


# ---- bookmarks ----------------------------------------------------------------------------------


async def bookmark(client: Client, token: str, **body: Any) -> tuple[int, dict[str, Any]]:
    response = await client.post("/v1/me/bookmarks", json=body, headers=bearer(token))
    if response.status < 300:
        assert response.headers["Cache-Control"] == PRIVATE
    return response.status, await response.json()


async def test_bookmarking_twice_returns_the_first_bookmark(
    client: Client, conn: asyncpg.Connection, alice: str
) -> None:
    ghost_id = await insert_ghost(conn, "the-grey-lady")
    status, first = await bookmark(
        client, alice, content_type="ghost", slug="the-grey-lady", note="read at night"
    )
    assert status == 201, first
    assert first["content_type"] == "ghost"
    assert (first["slug"], first["title"], first["note"]) == (
        "the-grey-lady",
        "The Grey Lady",
        "read at night",
    )

    # The same target again, this time by id and with another note: the existing bookmark.
    status, again = await bookmark(client, alice, content_type="ghost", id=ghost_id, note="x")
    assert status == 200, again
    assert again == first
    rows = await conn.fetchval("SELECT count(*) FROM bookmarks")
    assert rows == 1


async def test_bookmarks_list_newest_first_with_slug_and_title(
    client: Client, conn: asyncpg.Connection, alice: str
) -> None:
    await insert_ghost(conn, "black-shuck")
    await insert_story(conn, "the-night-train")
    _, ghost = await bookmark(client, alice, content_type="ghost", slug="black-shuck")
    _, story = await bookmark(client, alice, content_type="story", slug="the-night-train")

    response = await client.get("/v1/me/bookmarks", headers=bearer(alice))
    body = await response.json()
    assert response.status == 200, body
    assert response.headers["Cache-Control"] == PRIVATE
    assert body["next_cursor"] is None
    assert body["items"] == [story, ghost]
    assert [(b["content_type"], b["slug"], b["title"]) for b in body["items"]] == [
        ("story", "the-night-train", "The Night Train"),
        ("ghost", "black-shuck", "Black Shuck"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        {"content_type": "ghost", "slug": "nobody-here"},
        {"content_type": "ghost", "slug": "draft-ghost"},
        {"content_type": "story", "slug": "draft-story"},
        {"content_type": "story", "slug": "black-shuck"},  # a ghost's slug is not a story's
        {"content_type": "story", "id": str(uuid.uuid4())},
    ],
)
async def test_bookmarking_missing_or_draft_content_is_404(
    client: Client, conn: asyncpg.Connection, alice: str, body: dict[str, Any]
) -> None:
    await insert_ghost(conn, "draft-ghost", status="draft")
    await insert_story(conn, "draft-story", status="draft")
    await insert_ghost(conn, "black-shuck")
    status, problem = await bookmark(client, alice, **body)
    assert status == 404, problem


@pytest.mark.parametrize(
    "body,field",
    [
        ({"content_type": "ghost"}, "slug"),  # neither slug nor id
        ({"content_type": "ghost", "slug": "black-shuck", "id": str(uuid.uuid4())}, "slug"),
        ({"content_type": "media", "slug": "black-shuck"}, "content_type"),
        ({"content_type": "ghost", "slug": "Black Shuck"}, "slug"),
        ({"content_type": "ghost", "id": "not-a-uuid"}, "id"),
        ({"content_type": "ghost", "slug": "black-shuck", "note": "n" * 1001}, "note"),
        ({"content_type": "ghost", "slug": "black-shuck", "folder": "x"}, "folder"),
    ],
)
async def test_bookmark_body_is_validated(
    client: Client, conn: asyncpg.Connection, alice: str, body: dict[str, Any], field: str
) -> None:
    await insert_ghost(conn, "black-shuck")
    status, problem = await bookmark(client, alice, **body)
    assert status == 422, problem
    assert field in field_names(problem)


async def test_deleting_a_bookmark(client: Client, conn: asyncpg.Connection, alice: str) -> None:
    await insert_ghost(conn, "black-shuck")
    _, created = await bookmark(client, alice, content_type="ghost", slug="black-shuck")
    path = f"/v1/me/bookmarks/{created['id']}"
    response = await client.delete(path, headers=bearer(alice))
    assert response.status == 204
    assert response.headers["Cache-Control"] == PRIVATE
    assert (await client.delete(path, headers=bearer(alice))).status == 404
    listed = await (await client.get("/v1/me/bookmarks", headers=bearer(alice))).json()
    assert listed["items"] == []
    assert (await client.delete("/v1/me/bookmarks/42", headers=bearer(alice))).status == 404


async def test_bookmarks_are_each_users_own(
    client: Client, conn: asyncpg.Connection, alice: str, bob: str
) -> None:
    await insert_ghost(conn, "black-shuck")
    _, created = await bookmark(client, alice, content_type="ghost", slug="black-shuck")

    listed = await (await client.get("/v1/me/bookmarks", headers=bearer(bob))).json()
    assert listed["items"] == []
    # Bob cannot delete Alice's bookmark by its id; it does not exist as far as he can tell.
    response = await client.delete(f"/v1/me/bookmarks/{created['id']}", headers=bearer(bob))
    assert response.status == 404
    listed = await (await client.get("/v1/me/bookmarks", headers=bearer(alice))).json()
    assert [b["id"] for b in listed["items"]] == [created["id"]]
    # Bob bookmarking the same ghost gets a bookmark of his own.
    status, his = await bookmark(client, bob, content_type="ghost", slug="black-shuck")
    assert status == 201
    assert his["id"] != created["id"]


@pytest.mark.parametrize(
    "change",
    [
        "DELETE FROM ghost_entities WHERE slug = 'black-shuck'",
        "UPDATE ghost_entities SET status = 'draft' WHERE slug = 'black-shuck'",
        "DELETE FROM stories WHERE slug = 'the-night-train'",
    ],
)
async def test_a_bookmark_disappears_with_its_target(
    client: Client, conn: asyncpg.Connection, alice: str, change: str
) -> None:
    await insert_ghost(conn, "black-shuck")
    await insert_story(conn, "the-night-train")
    await bookmark(client, alice, content_type="ghost", slug="black-shuck")
    await bookmark(client, alice, content_type="story", slug="the-night-train")
    await conn.execute(change)
    listed = await (await client.get("/v1/me/bookmarks", headers=bearer(alice))).json()
    gone = "black-shuck" if "ghost_entities" in change else "the-night-train"
    assert [b["slug"] for b in listed["items"]] == [
        slug for slug in ("the-night-train", "black-shuck") if slug != gone
    ]


async def test_bookmark_pages_are_stable_while_bookmarks_are_added(
    client: Client, conn: asyncpg.Connection, alice: str
) -> None:
    for n in range(7):
        await insert_ghost(conn, f"ghost-{n}")
    for n in range(5):
        await bookmark(client, alice, content_type="ghost", slug=f"ghost-{n}")

    first = await client.get("/v1/me/bookmarks", params={"limit": 2}, headers=bearer(alice))
    page = await first.json()
    seen = [b["slug"] for b in page["items"]]
    # New bookmarks arrive between pages: they are newer than the cursor, so they neither
    # shift the next pages nor repeat what was already listed.
    await bookmark(client, alice, content_type="ghost", slug="ghost-5")
    await bookmark(client, alice, content_type="ghost", slug="ghost-6")
    cursor = page["next_cursor"]
    while cursor:
        response = await client.get(
            "/v1/me/bookmarks", params={"limit": 2, "cursor": cursor}, headers=bearer(alice)
        )
        page = await response.json()
        seen += [b["slug"] for b in page["items"]]
        cursor = page["next_cursor"]
    assert seen == ["ghost-4", "ghost-3", "ghost-2", "ghost-1", "ghost-0"]

    everything = await pages(client, "/v1/me/bookmarks", alice, limit=3)
    assert [len(p) for p in everything] == [3, 3, 1]
    assert [b["slug"] for p in everything for b in p] == [f"ghost-{n}" for n in range(6, -1, -1)]


@pytest.mark.parametrize(
    "params,field",
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "not a cursor"}, "cursor"),
        ({"cursor": "WzFd"}, "cursor"),  # base64 of [1]: JSON, but not a position
    ],
)
@pytest.mark.parametrize("path", ["/v1/me/bookmarks", "/v1/me/reading-progress"])
async def test_list_paging_parameters_are_validated(
    client: Client, alice: str, path: str, params: dict[str, str], field: str
) -> None:
    response = await client.get(path, params=params, headers=bearer(alice))
    problem = await response.json()
    assert response.status == 422, problem
    assert field in field_names(problem)


# ---- reading progress ---------------------------------------------------------------------------


async def save_progress(
    client: Client, token: str, slug: str, **body: Any
) -> tuple[int, dict[str, Any]]:
    response = await client.put(f"/v1/me/reading-progress/{slug}", json=body, headers=bearer(token))
    if response.status < 300:
        assert response.headers["Cache-Control"] == PRIVATE
    return response.status, await response.json()


async def test_reading_progress_is_saved_and_listed_latest_first(
    client: Client, conn: asyncpg.Connection, alice: str
) -> None:
    await insert_story(conn, "the-night-train")
    await insert_story(conn, "the-lighthouse")
    status, saved = await save_progress(client, alice, "the-night-train", percent=10, position=300)
    assert status == 200, saved
    assert (saved["story_slug"], saved["story_title"]) == ("the-night-train", "The Night Train")
    assert (saved["percent"], saved["position"], saved["completed_at"]) == (10, 300, None)
    await save_progress(client, alice, "the-lighthouse", percent=5)
    status, updated = await save_progress(client, alice, "the-night-train", percent=40)
    assert (updated["id"], updated["percent"], updated["position"]) == (saved["id"], 40, 0)

    response = await client.get("/v1/me/reading-progress", headers=bearer(alice))
    body = await response.json()
    assert response.status == 200, body
    assert response.headers["Cache-Control"] == PRIVATE
    assert [(p["story_slug"], p["percent"]) for p in body["items"]] == [
        ("the-night-train", 40),
        ("the-lighthouse", 5),
    ]
    assert body["items"][0] == updated
    assert await conn.fetchval("SELECT count(*) FROM reading_progress") == 2


async def test_reaching_100_percent_completes_a_story_for_good(
    client: Client, conn: asyncpg.Connection, alice: str
) -> None:
    await insert_story(conn, "the-night-train")
    _, halfway = await save_progress(client, alice, "the-night-train", percent=50)
    assert halfway["completed_at"] is None

    _, finished = await save_progress(client, alice, "the-night-train", percent=100, position=9000)
    completed_at = finished["completed_at"]
    assert completed_at is not None

    # Finishing again keeps the first completion time.
    _, again = await save_progress(client, alice, "the-night-train", percent=100, position=9000)
    assert again["completed_at"] == completed_at

    # Rereading moves the position; the story stays completed.
    _, rereading = await save_progress(client, alice, "the-night-train", percent=20, position=40)
    assert (rereading["percent"], rereading["position"]) == (100, 40)
    assert rereading["completed_at"] == completed_at
    listed = await (await client.get("/v1/me/reading-progress", headers=bearer(alice))).json()
    assert listed["items"] == [rereading]


@pytest.mark.parametrize(
    "body,field",
    [
        ({"percent": 101}, "percent"),
        ({"percent": -1}, "percent"),
        ({"percent": 12.5}, "percent"),
        ({"position": 10}, "percent"),
        ({"percent": 10, "position": -1}, "position"),
        ({"percent": 10, "position": 2**31}, "position"),
        ({"percent": 10, "page": 3}, "page"),
    ],
)
async def test_reading_progress_body_is_validated(
    client: Client, conn: asyncpg.Connection, alice: str, body: dict[str, Any], field: str
) -> None:
    await insert_story(conn, "the-night-train")
    status, problem = await save_progress(client, alice, "the-night-train", **body)
    assert status == 422, problem
    assert field in field_names(problem)


@pytest.mark.parametrize("slug", ["no-such-story", "draft-story", "black-shuck"])
async def test_reading_progress_needs_a_published_story(
    client: Client, conn: asyncpg.Connection, alice: str, slug: str
) -> None:
    await insert_story(conn, "draft-story", status="draft")
    await insert_ghost(conn, "black-shuck")
    status, problem = await save_progress(client, alice, slug, percent=10)
    assert status == 404, problem


async def test_reading_progress_is_each_users_own(
    client: Client, conn: asyncpg.Connection, alice: str, bob: str
) -> None:
    await insert_story(conn, "the-night-train")
    await save_progress(client, alice, "the-night-train", percent=100)
    listed = await (await client.get("/v1/me/reading-progress", headers=bearer(bob))).json()
    assert listed["items"] == []
    # Bob's progress through the same story is his own and leaves Alice's completion alone.
    _, his = await save_progress(client, bob, "the-night-train", percent=10)
    assert (his["percent"], his["completed_at"]) == (10, None)
    mine = await (await client.get("/v1/me/reading-progress", headers=bearer(alice))).json()
    assert [(p["percent"], p["completed_at"] is not None) for p in mine["items"]] == [(100, True)]


async def test_reading_progress_pages_cover_every_story_once(
    client: Client, conn: asyncpg.Connection, alice: str
) -> None:
    for n in range(5):
        await insert_story(conn, f"story-{n}")
        await save_progress(client, alice, f"story-{n}", percent=n)
    everything = await pages(client, "/v1/me/reading-progress", alice, limit=2)
    assert [len(p) for p in everything] == [2, 2, 1]
    assert [p["story_slug"] for page in everything for p in page] == [
        f"story-{n}" for n in range(4, -1, -1)
    ]
