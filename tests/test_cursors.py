"""One cursor convention: every list's cursor names its list, so another list refuses it (422)."""

from __future__ import annotations

from typing import Any

import asyncpg
from aiohttp import web
from aiohttp.test_utils import TestClient
from apicheck import PASSWORD, SignedIn

import service.app  # noqa: F401  (imports every handler, so every position type is defined)
from service.web.paging import Position

Client = TestClient[web.Request, web.Application]

PROBLEM = "application/problem+json"
GHOST = "the-grey-lady"
STORY = "night-train"

# Every keyset list, with what it needs besides `?limit=&cursor=`.
LISTS: dict[str, tuple[str, dict[str, str]]] = {
    "bookmarks": ("/v1/me/bookmarks", {}),
    "reading progress": ("/v1/me/reading-progress", {}),
    "sessions": ("/v1/me/sessions", {}),
    "recommendations": ("/v1/me/recommendations", {}),
    "comments": (f"/v1/stories/{STORY}/comments", {}),
    "ghosts": ("/v1/ghosts", {}),
    "ghosts by name": ("/v1/ghosts", {"sort": "name"}),
    "ghosts by relevance": ("/v1/ghosts", {"q": "lady", "sort": "relevance"}),
    "stories": ("/v1/stories", {}),
    "stories by title": ("/v1/stories", {"sort": "title"}),
    "related ghosts": (f"/v1/ghosts/{GHOST}/related", {}),
    "ghost stories": (f"/v1/ghosts/{GHOST}/stories", {}),
    "search": ("/v1/search", {"q": "lady"}),
    "conversation": (f"/v1/ghosts/{GHOST}/conversation", {}),
}


async def publish(conn: asyncpg.Connection) -> None:
    """Three published entities (one of them `GHOST`) and two stories (one of them `STORY`)."""
    for slug in (GHOST, "white-lady", "lady-of-the-lake"):
        await conn.execute(
            """
            INSERT INTO ghost_entities (slug, name, entity_type, danger_level, status, published_at)
            VALUES ($1, $2, 'apparition', 2, 'published', now())
            """,
            slug,
            slug.replace("-", " ").title(),
        )
    for slug in (STORY, "lady-in-the-hall"):
        await conn.execute(
            """
            INSERT INTO stories (slug, title, status, published_at)
            VALUES ($1, $2, 'published', now())
            """,
            slug,
            slug.replace("-", " ").title(),
        )


async def next_cursor(client: Client, name: str, headers: dict[str, str]) -> str:
    """A real `next_cursor` of the list `name`, from its first page of one item."""
    path, params = LISTS[name]
    response = await client.get(path, params={**params, "limit": "1"}, headers=headers)
    body = await response.json()
    assert response.status == 200, (name, body)
    cursor = body["next_cursor"]
    assert isinstance(cursor, str), (name, body)
    return cursor


async def test_a_cursor_from_one_list_is_refused_by_every_other_list(
    client: Client, conn: asyncpg.Connection, reader: SignedIn
) -> None:
    await publish(conn)
    me = reader.headers
    for slug in (GHOST, "white-lady"):
        response = await client.post(
            "/v1/me/bookmarks", json={"content_type": "ghost", "slug": slug}, headers=me
        )
        assert response.status == 201, await response.text()
    for slug in (STORY, "lady-in-the-hall"):
        response = await client.put(
            f"/v1/me/reading-progress/{slug}", json={"percent": 10}, headers=me
        )
        assert response.status == 200, await response.text()
    for text in ("first", "second"):
        response = await client.post(
            f"/v1/stories/{STORY}/comments", json={"body": text}, headers=me
        )
        assert response.status == 201, await response.text()
    response = await client.post(
        "/v1/auth/login", json={"login": reader.username, "password": PASSWORD}
    )
    assert response.status == 200, await response.text()  # a second session to page through
    client.session.cookie_jar.clear()

    sources = ["bookmarks", "reading progress", "sessions", "comments", "ghosts"]
    sources += ["ghosts by name", "stories", "stories by title"]
    cursors = {name: await next_cursor(client, name, me) for name in sources}
    for source, cursor in cursors.items():
        for target, (path, params) in LISTS.items():
            response = await client.get(
                path, params={**params, "limit": "1", "cursor": cursor}, headers=me
            )
            body: dict[str, Any] = await response.json(content_type=None)
            if target == source:
                assert response.status == 200, (source, body)
                continue
            label = f"a {source} cursor sent to {target}"
            assert response.status == 422, (label, body)
            assert response.content_type == PROBLEM, label
            assert [error["field"] for error in body["errors"]] == ["cursor"], (label, body)


def test_every_list_has_a_cursor_tag_of_its_own() -> None:
    def descendants(kind: type[Position]) -> list[type[Position]]:
        return [d for sub in kind.__subclasses__() for d in (sub, *descendants(sub))]

    every = descendants(Position)
    # Shapes shared by several lists are subclassed; what a list encodes is a leaf.
    leaves = [kind for kind in every if not kind.__subclasses__()]
    untagged = [kind.__name__ for kind in leaves if kind.__struct_config__.tag is None]
    assert untagged == []
    tags = [kind.__struct_config__.tag for kind in every if kind.__struct_config__.tag]
    assert len(tags) == len(set(tags)), sorted(tags)
    assert len(tags) >= len(LISTS)
