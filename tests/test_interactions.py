"""POST /v1/interactions: views and shares from anyone, likes from signed-in users, once each."""

from __future__ import annotations

import asyncio
import dataclasses
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from apicheck import bearer, sign_up

from service.app import create_app
from service.config import Settings
from service.dev.embedded import EmbeddedRedis

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
async def test_anyone_may_view_or_share_once_per_window(
    client: Client, conn: asyncpg.Connection, kind: str, content_type: str, slug: str
) -> None:
    status, body = await interact(client, kind=kind, content_type=content_type, slug=slug)
    assert status == 202, body
    assert (body["kind"], body["content_type"], body["slug"]) == (kind, content_type, slug)
    # An anonymous client's repeat within the window is accepted and answered with the one
    # that counted; nothing more is recorded.
    status, again = await interact(client, kind=kind, content_type=content_type, slug=slug)
    assert status == 202
    assert again == body
    target = (slug, None) if content_type == "ghost" else (None, slug)
    assert await recorded(conn) == [(kind, None, *target)]


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


# ---- anonymous views and shares count once per client and item per window ----------------------


def from_client(n: int) -> dict[str, str]:
    """Headers of a request forwarded by the trusted proxy (127.0.0.1) for client `n`."""
    return {"X-Forwarded-For": f"203.0.113.{n}"}


async def trending(client: Client, limit: int) -> list[tuple[str, int]]:
    """(slug, shares) of /v1/trending, best first; each `limit` is a cache entry of its own."""
    response = await client.get("/v1/trending", params={"window": "1d", "limit": str(limit)})
    body = await response.json()
    assert response.status == 200, body
    return [(item["slug"], item["shares"]) for item in body["items"]]


@pytest.mark.usefixtures("content")
async def test_forty_anonymous_shares_from_one_client_cannot_move_trending(
    settings: Settings, conn: asyncpg.Connection
) -> None:
    # A generous Redis timeout: on a loaded test machine a slow answer would send the claim to
    # the per-process fallback, which is not what this test is about.
    app = create_app(
        dataclasses.replace(settings, trusted_proxies="127.0.0.1", redis_socket_timeout=5.0)
    )
    async with TestClient(TestServer(app)) as client:
        # The story leads: two shares by a signed-in reader (theirs count every time).
        reader = await sign_up(client, "rita")
        story: dict[str, Any] = {
            "kind": "share",
            "content_type": "story",
            "slug": "the-night-train",
        }
        for _ in range(2):
            assert (await interact(client, reader.headers, **story))[0] == 202

        # 40 anonymous shares of the ghost from one client, 20 at once and 20 one by one.
        ghost: dict[str, Any] = {"kind": "share", "content_type": "ghost", "slug": "black-shuck"}
        answers = await asyncio.gather(
            *(interact(client, from_client(1), **ghost) for _ in range(20))
        )
        for _ in range(20):
            answers.append(await interact(client, from_client(1), **ghost))
        assert {status for status, _ in answers} == {202}
        assert len({body["id"] for _, body in answers}) == 1  # all answered with the one counted
        assert await trending(client, 10) == [("the-night-train", 2), ("black-shuck", 1)]

        # Shares from different clients do count.
        for n in (2, 3, 4):
            assert (await interact(client, from_client(n), **ghost))[0] == 202
        assert await trending(client, 9) == [("black-shuck", 4), ("the-night-train", 2)]
    kinds = [row[0] for row in await recorded(conn)]
    assert kinds.count("share") == 2 + 1 + 3


@pytest.mark.usefixtures("content")
async def test_the_window_is_per_kind_and_item(client: Client, conn: asyncpg.Connection) -> None:
    for kind in ("view", "share"):
        for content_type, slug in (("ghost", "black-shuck"), ("story", "the-night-train")):
            for _ in range(3):
                status, _ = await interact(client, kind=kind, content_type=content_type, slug=slug)
                assert status == 202
    assert len(await recorded(conn)) == 4


@pytest.mark.usefixtures("content")
async def test_a_repeat_counts_again_once_the_window_has_passed(
    settings: Settings, conn: asyncpg.Connection
) -> None:
    view: dict[str, Any] = {"kind": "view", "content_type": "ghost", "slug": "black-shuck"}
    app = create_app(dataclasses.replace(settings, anonymous_interaction_window=1))
    async with TestClient(TestServer(app)) as client:
        _, first = await interact(client, **view)
        assert (await interact(client, **view))[1] == first
        await asyncio.sleep(1.1)
        _, later = await interact(client, **view)
        assert later["id"] != first["id"]
    assert len(await recorded(conn)) == 2


@pytest.mark.usefixtures("content")
async def test_a_missing_target_leaves_no_claim(client: Client, conn: asyncpg.Connection) -> None:
    """A 404 does not use up the window: the same client's next view of real content counts."""
    status, _ = await interact(client, kind="view", content_type="ghost", slug="draft-ghost")
    assert status == 404
    status, _ = await interact(client, kind="view", content_type="ghost", slug="draft-ghost")
    assert status == 404
    status, _ = await interact(client, kind="view", content_type="ghost", slug="black-shuck")
    assert status == 202
    assert len(await recorded(conn)) == 1


@pytest.mark.usefixtures("content")
async def test_with_redis_down_each_process_still_counts_a_client_once(
    client: Client, conn: asyncpg.Connection, redis_server: EmbeddedRedis | None
) -> None:
    if redis_server is None:
        pytest.skip("an external Redis (TEST_REDIS_URL) is not ours to stop")
    redis_server.stop()
    try:
        answers = [
            await interact(client, kind="share", content_type="ghost", slug="black-shuck")
            for _ in range(5)
        ]
    finally:
        redis_server.start()
    assert {status for status, _ in answers} == {202}
    assert len({body["id"] for _, body in answers}) == 1
    assert len(await recorded(conn)) == 1


@pytest.mark.usefixtures("content")
async def test_zero_counts_every_anonymous_view(
    settings: Settings, conn: asyncpg.Connection
) -> None:
    view: dict[str, Any] = {"kind": "view", "content_type": "story", "slug": "the-night-train"}
    app = create_app(dataclasses.replace(settings, anonymous_interaction_window=0))
    async with TestClient(TestServer(app)) as client:
        for _ in range(3):
            assert (await interact(client, **view))[0] == 202
    assert len(await recorded(conn)) == 3
