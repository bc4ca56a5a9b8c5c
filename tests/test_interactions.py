"""POST /v1/interactions: views and shares from anyone, likes from signed-in users, once each."""

from __future__ import annotations

import asyncio
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from apicheck import bearer, sign_up

Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def content(conn: asyncpg.Connection) -> None:
    """A published ghost and story, and a draft of each."""
    for slug, status in (("black-shuck", "published"), ("draft-ghost", "draft")):
        await conn.execute(
            """
            INSERT INTO ghost_entities (slug, name, entity_type, danger_level, status, published_at)
            VALUES ($1, 'Ghost', 'cryptid', 3, $2, CASE WHEN $2 = 'published' THEN now() END)
            """,
            slug,
            status,
        )
    for slug, status in (("the-night-train", "published"), ("draft-story", "draft")):
        await conn.execute(
            """
            INSERT INTO stories (slug, title, status, published_at)
            VALUES ($1, 'Story', $2, CASE WHEN $2 = 'published' THEN now() END)
            """,
            slug,
            status,
        )


async def interact(
    client: Client, headers: dict[str, str] | None = None, **body: Any
) -> tuple[int, dict[str, Any]]:
    response = await client.post("/v1/interactions", json=body, headers=headers or {})
    return response.status, await response.json()


async def recorded(conn: asyncpg.Connection) -> list[tuple[Any, ...]]:
    rows = await conn.fetch(
        """
        SELECT i.kind, u.username, g.slug AS ghost, s.slug AS story
        FROM interactions AS i
        LEFT JOIN users AS u ON i.user_id = u.id
        LEFT JOIN ghost_entities AS g ON i.ghost_entity_id = g.id
        LEFT JOIN stories AS s ON i.story_id = s.id
        ORDER BY i.created_at, i.id
        """
    )
    return [tuple(row) for row in rows]


@pytest.mark.usefixtures("content")
@pytest.mark.parametrize("kind", ["view", "share"])
@pytest.mark.parametrize(
    "content_type,slug", [("ghost", "black-shuck"), ("story", "the-night-train")]
)
async def test_anyone_may_view_or_share(
    client: Client, conn: asyncpg.Connection, kind: str, content_type: str, slug: str
) -> None:
    status, body = await interact(client, kind=kind, content_type=content_type, slug=slug)
    assert status == 202, body
    assert (body["kind"], body["content_type"], body["slug"]) == (kind, content_type, slug)
    # Views and shares count every time.
    status, again = await interact(client, kind=kind, content_type=content_type, slug=slug)
    assert status == 202
    assert again["id"] != body["id"]
    target = (slug, None) if content_type == "ghost" else (None, slug)
    assert await recorded(conn) == [(kind, None, *target)] * 2


@pytest.mark.usefixtures("content")
async def test_a_signed_in_view_is_recorded_as_theirs(
    client: Client, conn: asyncpg.Connection
) -> None:
    token = (await sign_up(client, "alice")).token
    status, _ = await interact(
        client, bearer(token), kind="view", content_type="story", slug="the-night-train"
    )
    assert status == 202
    assert await recorded(conn) == [("view", "alice", None, "the-night-train")]


@pytest.mark.usefixtures("content")
@pytest.mark.parametrize("headers", [{}, bearer("not-a-live-token")])
async def test_liking_needs_a_live_session(
    client: Client, conn: asyncpg.Connection, headers: dict[str, str]
) -> None:
    status, problem = await interact(
        client, headers, kind="like", content_type="ghost", slug="black-shuck"
    )
    assert status == 401, problem
    assert await recorded(conn) == []


@pytest.mark.usefixtures("content")
async def test_a_like_counts_once_per_user(client: Client, conn: asyncpg.Connection) -> None:
    alice, bob = (await sign_up(client, "alice")).token, (await sign_up(client, "bob")).token
    like = {"kind": "like", "content_type": "ghost", "slug": "black-shuck"}
    status, first = await interact(client, bearer(alice), **like)
    assert status == 201, first
    status, again = await interact(client, bearer(alice), **like)
    assert status == 200, again
    assert again == first
    status, _ = await interact(client, bearer(bob), **like)
    assert status == 201
    assert sorted(await recorded(conn)) == [
        ("like", "alice", "black-shuck", None),
        ("like", "bob", "black-shuck", None),
    ]


@pytest.mark.usefixtures("content")
async def test_simultaneous_likes_record_one(client: Client, conn: asyncpg.Connection) -> None:
    alice = (await sign_up(client, "alice")).token
    like = {"kind": "like", "content_type": "story", "slug": "the-night-train"}
    results = await asyncio.gather(*(interact(client, bearer(alice), **like) for _ in range(30)))
    assert sorted(status for status, _ in results) == [200] * 29 + [201]
    assert len({body["id"] for _, body in results}) == 1
    assert await recorded(conn) == [("like", "alice", None, "the-night-train")]


@pytest.mark.usefixtures("content")
@pytest.mark.parametrize("kind", ["view", "like"])
@pytest.mark.parametrize(
    "content_type,slug",
    [
        ("ghost", "no-such-ghost"),
        ("ghost", "draft-ghost"),
        ("story", "draft-story"),
        ("story", "black-shuck"),  # a ghost's slug is not a story's
    ],
)
async def test_interacting_with_missing_or_draft_content_is_404(
    client: Client, conn: asyncpg.Connection, kind: str, content_type: str, slug: str
) -> None:
    token = (await sign_up(client, "alice")).token
    status, problem = await interact(
        client, bearer(token), kind=kind, content_type=content_type, slug=slug
    )
    assert status == 404, problem
    assert await recorded(conn) == []


@pytest.mark.parametrize(
    "body,field",
    [
        ({"kind": "read", "content_type": "story", "slug": "the-night-train"}, "kind"),
        ({"kind": "view", "content_type": "media", "slug": "the-night-train"}, "content_type"),
        ({"kind": "view", "content_type": "story", "slug": "The Night Train"}, "slug"),
        ({"kind": "view", "content_type": "story"}, "slug"),
        ({"kind": "view", "content_type": "story", "slug": "x", "weight": 2}, "weight"),
    ],
)
async def test_interaction_body_is_validated(
    client: Client, body: dict[str, Any], field: str
) -> None:
    status, problem = await interact(client, **body)
    assert status == 422, problem
    assert field in {error["field"] for error in problem["errors"]}
