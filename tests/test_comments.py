"""Story comments: threads, replies, edits and soft deletes by authors or admins, paging, ETags."""

from __future__ import annotations

import uuid
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from apicheck import SignedIn, bearer, field_names, sign_up

Client = TestClient[web.Request, web.Application]

STORY = "the-night-train"
COMMENTS = f"/v1/stories/{STORY}/comments"


async def insert_story(conn: asyncpg.Connection, slug: str, *, status: str = "published") -> None:
    await conn.execute(
        """
        INSERT INTO stories (slug, title, status, published_at)
        VALUES ($1, 'A story', $2, CASE WHEN $2 = 'published' THEN now() END)
        """,
        slug,
        status,
    )


@pytest.fixture
async def story(conn: asyncpg.Connection) -> None:
    """The published story the comments go on, another one, and a draft."""
    await insert_story(conn, STORY)
    await insert_story(conn, "the-lighthouse")
    await insert_story(conn, "draft-story", status="draft")


@pytest.fixture
async def alice(client: Client, story: None) -> str:
    return (await sign_up(client, "alice")).token


@pytest.fixture
async def bob(client: Client, story: None) -> str:
    return (await sign_up(client, "bob")).token


async def post(
    client: Client, token: str, text: str, *, parent_id: str | None = None, path: str = COMMENTS
) -> tuple[int, dict[str, Any]]:
    body: dict[str, Any] = {"body": text}
    if parent_id is not None:
        body["parent_id"] = parent_id
    response = await client.post(path, json=body, headers=bearer(token))
    return response.status, await response.json()


async def comment(client: Client, token: str, text: str, parent_id: str | None = None) -> str:
    status, body = await post(client, token, text, parent_id=parent_id)
    assert status == 201, body
    comment_id: str = body["id"]
    return comment_id


async def threads(client: Client, **params: Any) -> dict[str, Any]:
    response = await client.get(COMMENTS, params=params)
    body: dict[str, Any] = await response.json()
    assert response.status == 200, body
    return body


def outline(items: list[dict[str, Any]]) -> list[tuple[str, list[str]]]:
    """Each thread's body with the bodies of its replies."""
    return [(t["body"], [r["body"] for r in t["replies"]]) for t in items]


# ---- reading and writing ------------------------------------------------------------------------


async def test_a_new_comment_names_its_author(client: Client, alice: str) -> None:
    response = await client.post(COMMENTS, json={"body": "I heard it too."}, headers=bearer(alice))
    body = await response.json()
    assert response.status == 201, body
    assert response.headers["Cache-Control"] == "private, no-store"
    assert body["body"] == "I heard it too."
    assert body["parent_id"] is None
    assert body["deleted"] is False
    assert (body["author"]["username"], body["author"]["display_name"]) == ("alice", "Alice")

    listed = await threads(client)
    assert listed["items"] == [{**body, "replies": []}]
    assert listed["next_cursor"] is None


async def test_threads_nest_every_reply_under_its_top_level_comment(
    client: Client, alice: str, bob: str
) -> None:
    first = await comment(client, alice, "first")
    second = await comment(client, bob, "second")
    reply = await comment(client, bob, "reply to first", first)
    deeper = await comment(client, alice, "reply to the reply", reply)
    await comment(client, alice, "reply to second", second)
    await comment(client, bob, "another reply to first", first)

    body = await threads(client)
    assert outline(body["items"]) == [
        ("first", ["reply to first", "reply to the reply", "another reply to first"]),
        ("second", ["reply to second"]),
    ]
    # Replies are flattened under their top-level comment; parent_id says whom they answer.
    replies = body["items"][0]["replies"]
    assert [r["parent_id"] for r in replies] == [first, reply, first]
    assert replies[1]["id"] == deeper


async def test_a_deleted_comment_keeps_its_place_and_its_replies(
    client: Client, alice: str, bob: str
) -> None:
    parent = await comment(client, alice, "a secret I regret")
    reply = await comment(client, bob, "tell us more", parent)
    await comment(client, alice, "no", reply)
    reply_to_delete = await comment(client, alice, "also regretted", parent)
    assert (await client.delete(f"/v1/comments/{parent}", headers=bearer(alice))).status == 204
    response = await client.delete(f"/v1/comments/{reply_to_delete}", headers=bearer(alice))
    assert response.status == 204

    [thread] = (await threads(client))["items"]
    assert (thread["id"], thread["body"], thread["author"], thread["deleted"]) == (
        parent,
        "[deleted]",
        None,
        True,
    )
    assert [(r["body"], r["deleted"]) for r in thread["replies"]] == [
        ("tell us more", False),
        ("no", False),
        ("[deleted]", True),
    ]
    assert thread["replies"][2]["author"] is None
    assert thread["replies"][0]["author"]["username"] == "bob"


@pytest.mark.parametrize(
    "text,field",
    [("", "body"), ("   \n", "body"), ("x" * 5001, "body"), (None, "body")],
)
async def test_comment_body_is_validated(
    client: Client, alice: str, text: str | None, field: str
) -> None:
    response = await client.post(COMMENTS, json={"body": text}, headers=bearer(alice))
    problem = await response.json()
    assert response.status == 422, problem
    assert field in field_names(problem)


async def test_a_5000_character_comment_is_accepted(client: Client, alice: str) -> None:
    status, body = await post(client, alice, "x" * 5000)
    assert status == 201, body


async def test_a_reply_must_answer_a_live_comment_on_the_same_story(
    client: Client, alice: str
) -> None:
    elsewhere_status, elsewhere = await post(
        client, alice, "on another story", path="/v1/stories/the-lighthouse/comments"
    )
    assert elsewhere_status == 201
    deleted = await comment(client, alice, "soon gone")
    await client.delete(f"/v1/comments/{deleted}", headers=bearer(alice))

    for parent_id in (elsewhere["id"], str(uuid.uuid4()), deleted):
        status, problem = await post(client, alice, "a reply", parent_id=parent_id)
        assert status == 422, problem
        assert field_names(problem) == {"parent_id"}
    assert (await threads(client))["items"][0]["replies"] == []


@pytest.mark.parametrize("slug", ["no-such-story", "draft-story"])
async def test_only_published_stories_have_comments(client: Client, alice: str, slug: str) -> None:
    path = f"/v1/stories/{slug}/comments"
    assert (await client.get(path)).status == 404
    status, problem = await post(client, alice, "hello", path=path)
    assert status == 404, problem


@pytest.mark.usefixtures("story")
@pytest.mark.parametrize("token", [None, "not-a-live-token"])
@pytest.mark.parametrize(
    "method,path,body",
    [
        ("POST", COMMENTS, {"body": "hello"}),
        ("PATCH", f"/v1/comments/{uuid.UUID(int=1)}", {"body": "hello"}),
        ("DELETE", f"/v1/comments/{uuid.UUID(int=2)}", None),
    ],
)
async def test_writing_comments_needs_a_live_session(
    client: Client, token: str | None, method: str, path: str, body: Any
) -> None:
    headers = bearer(token) if token else {}
    response = await client.request(method, path, json=body, headers=headers)
    assert response.status == 401, await response.json()


# ---- editing and deleting -----------------------------------------------------------------------


async def test_the_author_edits_a_comment(client: Client, alice: str) -> None:
    comment_id = await comment(client, alice, "typo")
    response = await client.patch(
        f"/v1/comments/{comment_id}", json={"body": "fixed"}, headers=bearer(alice)
    )
    body = await response.json()
    assert response.status == 200, body
    assert response.headers["Cache-Control"] == "private, no-store"
    assert (body["id"], body["body"], body["author"]["username"]) == (comment_id, "fixed", "alice")
    assert body["updated_at"] > body["created_at"]
    assert outline((await threads(client))["items"]) == [("fixed", [])]


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_others_may_not_change_a_comment_but_an_admin_may(
    client: Client, alice: str, bob: str, admin: SignedIn, method: str
) -> None:
    comment_id = await comment(client, alice, "mine")
    path = f"/v1/comments/{comment_id}"
    body = {"body": "hijacked"} if method == "PATCH" else None

    response = await client.request(method, path, json=body, headers=bearer(bob))
    assert response.status == 403, await response.json()
    assert outline((await threads(client))["items"]) == [("mine", [])]

    response = await client.request(method, path, json=body, headers=admin.headers)
    assert response.status == (200 if method == "PATCH" else 204)
    [thread] = (await threads(client))["items"]
    if method == "PATCH":
        # A moderator's edit does not change who wrote it.
        assert (thread["body"], thread["author"]["username"]) == ("hijacked", "alice")
    else:
        assert (thread["body"], thread["author"]) == ("[deleted]", None)


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
async def test_changing_a_missing_or_deleted_comment_is_404(
    client: Client, alice: str, method: str
) -> None:
    deleted = await comment(client, alice, "gone")
    assert (await client.delete(f"/v1/comments/{deleted}", headers=bearer(alice))).status == 204
    body = {"body": "back"} if method == "PATCH" else None
    for comment_id in (deleted, str(uuid.uuid4()), "not-a-uuid"):
        response = await client.request(
            method, f"/v1/comments/{comment_id}", json=body, headers=bearer(alice)
        )
        assert response.status == 404, (comment_id, await response.json())


async def test_an_edit_is_validated(client: Client, alice: str) -> None:
    comment_id = await comment(client, alice, "fine")
    for body in ({"body": ""}, {"body": "x" * 5001}, {}, {"body": "ok", "parent_id": None}):
        response = await client.patch(
            f"/v1/comments/{comment_id}", json=body, headers=bearer(alice)
        )
        assert response.status == 422, body
    assert outline((await threads(client))["items"]) == [("fine", [])]


# ---- paging and caching -------------------------------------------------------------------------


async def test_thread_pages_are_stable_while_comments_are_added(
    client: Client, alice: str, bob: str
) -> None:
    for n in range(5):
        await comment(client, alice, f"comment {n}")
    first = await threads(client, limit=2)
    seen = outline(first["items"])
    # New comments and replies arrive between pages: the cursor is the last comment's
    # (created_at, id), so nothing is skipped or repeated and the new ones come last.
    await comment(client, bob, "comment 5")
    await comment(client, bob, "reply to comment 1", first["items"][1]["id"])  # already seen
    await comment(client, bob, "comment 6")
    cursor = first["next_cursor"]
    while cursor:
        page = await threads(client, limit=2, cursor=cursor)
        seen += outline(page["items"])
        cursor = page["next_cursor"]
    assert seen == [(f"comment {n}", []) for n in range(7)]


async def test_a_page_holds_limit_threads_with_all_their_replies(
    client: Client, alice: str
) -> None:
    top = [await comment(client, alice, f"comment {n}") for n in range(3)]
    for n in range(4):
        await comment(client, alice, f"reply {n}", top[0])
    page = await threads(client, limit=1)
    assert outline(page["items"]) == [("comment 0", [f"reply {n}" for n in range(4)])]
    page = await threads(client, limit=2, cursor=page["next_cursor"])
    assert outline(page["items"]) == [("comment 1", []), ("comment 2", [])]
    assert page["next_cursor"] is None


@pytest.mark.parametrize(
    "params", [{"limit": "0"}, {"limit": "101"}, {"cursor": "%%%"}, {"cursor": "WzFd"}]
)
@pytest.mark.usefixtures("story")
async def test_paging_parameters_are_validated(client: Client, params: dict[str, str]) -> None:
    response = await client.get(COMMENTS, params=params)
    assert response.status == 422, await response.json()


async def test_comment_lists_are_public_with_an_etag(client: Client, alice: str) -> None:
    await comment(client, alice, "hello")
    response = await client.get(COMMENTS)
    assert response.status == 200
    etag = response.headers["ETag"]
    assert "private" not in response.headers["Cache-Control"]

    unchanged = await client.get(COMMENTS, headers={"If-None-Match": etag})
    assert unchanged.status == 304

    await comment(client, alice, "hello again")
    changed = await client.get(COMMENTS, headers={"If-None-Match": etag})
    assert changed.status == 200
    assert changed.headers["ETag"] != etag
