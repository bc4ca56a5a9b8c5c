"""Stories over HTTP: search and filters, linked entities written with the story, drafts, writes."""

from __future__ import annotations

import itertools
from typing import Any

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from apicheck import (
    ANONYMOUS,
    Body,
    Headers,
    SignedIn,
    assert_cursors_keep_their_sort,
    at,
    get_json,
    page_while_adding,
)

Client = TestClient[web.Request, web.Application]


@pytest.fixture
async def ghosts(client: Client, editor: SignedIn) -> list[str]:
    """Three published entities and one draft, by slug."""
    made = []
    for slug, status in (
        ("grey-lady", "published"),
        ("black-dog", "published"),
        ("white-lady", "published"),
        ("secret-one", "draft"),
    ):
        body = {
            "slug": slug,
            "name": slug.replace("-", " ").title(),
            "entity_type": "spirit",
            "danger_level": 2,
            "status": status,
        }
        response = await client.post("/v1/ghosts", json=body, headers=editor.headers)
        assert response.status == 201, await response.json()
        made.append(slug)
    return made


def story(slug: str, **fields: Any) -> dict[str, Any]:
    """A valid, published POST /v1/stories body."""
    return {
        "slug": slug,
        "title": slug.replace("-", " ").title(),
        "body": "It was a dark and stormy night.",
        "status": "published",
    } | fields


async def create(client: Client, headers: Headers, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/stories", json=body, headers=headers)
    created: dict[str, Any] = await response.json()
    assert response.status == 201, created
    return created


async def slugs(client: Client, headers: Headers = ANONYMOUS, **params: str) -> list[str]:
    page = await get_json(client, at("/v1/stories", params), headers)
    return [item["slug"] for item in page["items"]]


def links(detail: dict[str, Any]) -> list[tuple[str, str, int]]:
    return [(g["slug"], g["role"], g["position"]) for g in detail["ghosts"]]


# ---- writes and linked entities ------------------------------------------------------------------


async def test_a_story_is_created_with_its_ghosts_in_order(
    client: Client, editor: SignedIn, ghosts: list[str]
) -> None:
    response = await client.post(
        "/v1/stories",
        json=story(
            "night-walk",
            summary="A walk.",
            tags=["uk", "night"],
            reading_minutes=7,
            ghosts=[{"slug": "white-lady", "role": "mentioned"}, {"slug": "grey-lady"}],
        ),
        headers=editor.headers,
    )
    created = await response.json()
    assert response.status == 201, created
    assert response.headers["Location"] == "/v1/stories/night-walk"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert created["published_at"] is not None
    expected = [("white-lady", "mentioned", 0), ("grey-lady", "featured", 1)]
    assert links(created) == expected

    shown = await get_json(client, "/v1/stories/night-walk")
    assert links(shown) == expected
    assert (shown["body"], shown["reading_minutes"], shown["tags"]) == (
        "It was a dark and stormy night.",
        7,
        ["uk", "night"],
    )
    linked = await get_json(client, "/v1/ghosts/white-lady/stories")
    assert [(s["slug"], s["role"]) for s in linked["items"]] == [("night-walk", "mentioned")]


@pytest.mark.parametrize(
    "ghost_links",
    [
        [{"slug": "grey-lady"}, {"slug": "no-such-ghost"}],
        [{"slug": "grey-lady"}, {"slug": "grey-lady", "role": "mentioned"}],
    ],
    ids=["unknown", "repeated"],
)
async def test_bad_ghost_links_are_422_and_nothing_is_written(
    client: Client, editor: SignedIn, ghosts: list[str], ghost_links: list[dict[str, str]]
) -> None:
    response = await client.post(
        "/v1/stories", json=story("night-walk", ghosts=ghost_links), headers=editor.headers
    )
    problem = await response.json()
    assert response.status == 422, problem
    assert problem["errors"][0]["field"] == "ghosts"
    await get_json(client, "/v1/stories/night-walk", editor.headers, status=404)

    await create(client, editor.headers, **story("night-walk", ghosts=[{"slug": "black-dog"}]))
    response = await client.patch(
        "/v1/stories/night-walk",
        json={"title": "Renamed", "ghosts": ghost_links},
        headers=editor.headers,
    )
    assert response.status == 422
    unchanged = await get_json(client, "/v1/stories/night-walk")
    assert unchanged["title"] == "Night Walk"
    assert links(unchanged) == [("black-dog", "featured", 0)]


async def test_the_missing_slug_is_named(
    client: Client, editor: SignedIn, ghosts: list[str]
) -> None:
    response = await client.post(
        "/v1/stories",
        json=story("night-walk", ghosts=[{"slug": "nobody-here"}]),
        headers=editor.headers,
    )
    assert "nobody-here" in (await response.json())["errors"][0]["message"]


async def test_patch_replaces_links_only_when_ghosts_are_given(
    client: Client, editor: SignedIn, ghosts: list[str]
) -> None:
    await create(
        client,
        editor.headers,
        **story("night-walk", ghosts=[{"slug": "grey-lady"}, {"slug": "black-dog"}]),
    )

    async def patch(change: dict[str, Any]) -> dict[str, Any]:
        response = await client.patch("/v1/stories/night-walk", json=change, headers=editor.headers)
        body: dict[str, Any] = await response.json()
        assert response.status == 200, body
        return body

    retitled = await patch({"title": "A Night Walk"})
    assert links(retitled) == [("grey-lady", "featured", 0), ("black-dog", "featured", 1)]
    relinked = await patch(
        {"ghosts": [{"slug": "black-dog", "role": "mentioned"}, {"slug": "white-lady"}]}
    )
    assert links(relinked) == [("black-dog", "mentioned", 0), ("white-lady", "featured", 1)]
    assert relinked["title"] == "A Night Walk"
    assert links(await patch({"ghosts": []})) == []
    assert (await get_json(client, "/v1/ghosts/grey-lady/stories"))["items"] == []


async def test_published_at_follows_the_status(client: Client, editor: SignedIn) -> None:
    draft = await create(client, editor.headers, **story("night-walk", status="draft"))
    assert draft["published_at"] is None
    response = await client.patch(
        "/v1/stories/night-walk", json={"status": "published"}, headers=editor.headers
    )
    published = await response.json()
    assert published["published_at"] is not None
    response = await client.patch(
        "/v1/stories/night-walk", json={"summary": "x"}, headers=editor.headers
    )
    assert (await response.json())["published_at"] == published["published_at"]
    response = await client.patch(
        "/v1/stories/night-walk", json={"status": "draft"}, headers=editor.headers
    )
    assert (await response.json())["published_at"] is None


async def test_patch_can_move_a_story_to_a_new_slug(client: Client, editor: SignedIn) -> None:
    await create(client, editor.headers, **story("night-walk"))
    response = await client.patch(
        "/v1/stories/night-walk", json={"slug": "night-stroll"}, headers=editor.headers
    )
    assert response.status == 200
    await get_json(client, "/v1/stories/night-walk", status=404)
    await get_json(client, "/v1/stories/night-stroll")


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/stories", story("new-one")),
        ("PATCH", "/v1/stories/night-walk", {"title": "Renamed"}),
        ("DELETE", "/v1/stories/night-walk", None),
    ],
)
async def test_writes_need_an_editor(
    client: Client, editor: SignedIn, reader: SignedIn, method: str, path: str, body: Body
) -> None:
    await create(client, editor.headers, **story("night-walk"))
    assert (await client.request(method, path, json=body)).status == 401
    assert (await client.request(method, path, json=body, headers=reader.headers)).status == 403
    assert (await get_json(client, "/v1/stories/night-walk"))["title"] == "Night Walk"
    assert await slugs(client) == ["night-walk"]


async def test_a_taken_slug_is_a_conflict(client: Client, editor: SignedIn) -> None:
    await create(client, editor.headers, **story("night-walk"))
    await create(client, editor.headers, **story("day-trip"))
    assert (
        await client.post("/v1/stories", json=story("night-walk"), headers=editor.headers)
    ).status == 409
    response = await client.patch(
        "/v1/stories/day-trip", json={"slug": "night-walk"}, headers=editor.headers
    )
    assert response.status == 409


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"author": "me"}, "author"),
        ({"slug": "Night Walk"}, "slug"),
        ({"title": ""}, "title"),
        ({"title": " "}, "title"),
        ({"summary": "x" * 1001}, "summary"),
        ({"reading_minutes": 0}, "reading_minutes"),
        ({"reading_minutes": 601}, "reading_minutes"),
        ({"tags": ["Bad Tag"]}, "tags"),
        ({"status": "archived"}, "status"),
        ({"ghosts": [{"slug": "grey-lady", "role": "villain"}]}, "ghosts"),
        ({"ghosts": [{"slug": "grey-lady", "weight": 1}]}, "ghosts"),
        ({"ghosts": [{"slug": f"g-{i}"} for i in range(51)]}, "ghosts"),
        ({"ghosts": "grey-lady"}, "ghosts"),
    ],
)
async def test_invalid_bodies_name_the_field(
    client: Client, editor: SignedIn, change: dict[str, Any], field: str
) -> None:
    response = await client.post(
        "/v1/stories", json=story("night-walk") | change, headers=editor.headers
    )
    problem = await response.json()
    assert response.status == 422, problem
    assert field in {error["field"] for error in problem["errors"]}
    patch = await client.patch("/v1/stories/night-walk", json=change, headers=editor.headers)
    assert patch.status in (404, 422)  # the story does not exist, or the body is refused first


@pytest.mark.parametrize("method", ["GET", "PATCH", "DELETE"])
@pytest.mark.parametrize("slug", ["nobody", "Not_A_Slug"])
async def test_a_missing_story_is_404(
    client: Client, editor: SignedIn, method: str, slug: str
) -> None:
    body: dict[str, Any] | None = None if method == "GET" else {}
    response = await client.request(
        method, f"/v1/stories/{slug}", json=body, headers=editor.headers
    )
    assert response.status == 404
    assert (await response.json())["detail"] == "story not found"


async def test_delete_removes_the_story_and_its_links(
    client: Client, editor: SignedIn, ghosts: list[str]
) -> None:
    await create(client, editor.headers, **story("night-walk", ghosts=[{"slug": "grey-lady"}]))
    assert (await client.delete("/v1/stories/night-walk", headers=editor.headers)).status == 204
    await get_json(client, "/v1/stories/night-walk", status=404)
    assert (await get_json(client, "/v1/ghosts/grey-lady/stories"))["items"] == []
    assert (await client.delete("/v1/stories/night-walk", headers=editor.headers)).status == 404


# ---- drafts --------------------------------------------------------------------------------------


async def test_draft_stories_are_visible_to_editors_only(
    client: Client, editor: SignedIn, reader: SignedIn
) -> None:
    await create(client, editor.headers, **story("night-walk"))
    await create(client, editor.headers, **story("unfinished", status="draft"))
    for viewer in (ANONYMOUS, reader.headers):
        await get_json(client, "/v1/stories/unfinished", viewer, status=404)
        assert await slugs(client, viewer) == ["night-walk"]
        assert await slugs(client, viewer, sort="title") == ["night-walk"]
        assert await slugs(client, viewer, q="unfinished") == []
    response = await client.get("/v1/stories/unfinished", headers=editor.headers)
    assert response.status == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers
    assert await slugs(client, editor.headers) == ["unfinished", "night-walk"]


async def test_draft_ghosts_in_a_story_are_shown_to_editors_only(
    client: Client, editor: SignedIn, ghosts: list[str]
) -> None:
    await create(
        client,
        editor.headers,
        **story("night-walk", ghosts=[{"slug": "secret-one"}, {"slug": "grey-lady"}]),
    )
    assert links(await get_json(client, "/v1/stories/night-walk")) == [("grey-lady", "featured", 1)]
    assert [
        g["slug"]
        for g in (await get_json(client, "/v1/stories/night-walk", editor.headers))["ghosts"]
    ] == [
        "secret-one",
        "grey-lady",
    ]
    assert await slugs(client, ghost="secret-one") == []
    assert await slugs(client, editor.headers, ghost="secret-one") == ["night-walk"]


# ---- lists ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "ten"}, "limit"),
        ({"cursor": "%%%"}, "cursor"),
        ({"cursor": "WyJ0aXRsZSIsMV0"}, "cursor"),  # ["title",1]
        ({"sort": "name"}, "sort"),
        ({"sort": "relevance"}, "sort"),
        ({"ghost": "Grey Lady"}, "ghost"),
        ({"tags": "a,B"}, "tags"),
        ({"type": "spirit"}, "type"),
    ],
)
async def test_bad_list_parameters_are_422(
    client: Client, params: dict[str, str], field: str
) -> None:
    problem = await get_json(client, at("/v1/stories", params), status=422)
    assert field in {error["field"] for error in problem["errors"]}


async def test_filters_by_ghost_and_by_every_tag(
    client: Client, editor: SignedIn, ghosts: list[str]
) -> None:
    grey, dog = {"slug": "grey-lady"}, {"slug": "black-dog"}
    await create(client, editor.headers, **story("a-tale", tags=["uk", "castle"], ghosts=[grey]))
    await create(client, editor.headers, **story("b-tale", tags=["uk"], ghosts=[grey, dog]))
    await create(client, editor.headers, **story("c-tale", tags=["castle"]))
    assert set(await slugs(client, ghost="grey-lady")) == {"a-tale", "b-tale"}
    assert await slugs(client, ghost="black-dog") == ["b-tale"]
    assert await slugs(client, ghost="no-such-ghost") == []
    assert await slugs(client, tags="uk,castle") == ["a-tale"]
    assert set(await slugs(client, tags="castle")) == {"a-tale", "c-tale"}
    assert await slugs(client, tags="uk", ghost="black-dog", sort="title") == ["b-tale"]


async def test_search_puts_title_matches_first(
    client: Client, editor: SignedIn, conn: asyncpg.Connection
) -> None:
    mill = story("the-mill", title="The Mill", body=" ".join(["The lantern swung."] * 30))
    await create(client, editor.headers, **mill)
    await create(
        client, editor.headers, **story("lantern-night", title="Lantern Night", body="Dark.")
    )
    await create(client, editor.headers, **story("other", title="Other", body="Nothing here."))
    ranks = {
        row["slug"]: row["ts_rank_cd"]
        for row in await conn.fetch(
            "SELECT slug, ts_rank_cd(search_vector, websearch_to_tsquery('english', 'lantern'))"
            " FROM stories"
        )
    }
    assert ranks["the-mill"] > ranks["lantern-night"]  # by rank alone the mill would lead
    assert await slugs(client, q="lantern") == ["lantern-night", "the-mill"]
    assert await slugs(client, q="lantern", sort="title") == ["lantern-night", "the-mill"]
    assert await slugs(client, q="lantern", sort="recent") == ["lantern-night", "the-mill"]


async def test_sort_orders(client: Client, editor: SignedIn) -> None:
    for slug in ("moth", "badger", "weasel"):
        await create(client, editor.headers, **story(slug))
    assert await slugs(client) == ["weasel", "badger", "moth"]
    assert await slugs(client, sort="title") == ["badger", "moth", "weasel"]


@pytest.mark.parametrize(
    "params",
    [{}, {"sort": "title"}, {"q": "haunting"}, {"q": "haunting", "sort": "title"}],
    ids=["recent", "title", "relevance", "search-by-title"],
)
async def test_paging_neither_repeats_nor_skips_while_stories_are_added(
    client: Client, editor: SignedIn, params: dict[str, str]
) -> None:
    titles = ["Ash", "Bell", "Crow", "Dusk", "Fog", "Grave", "Hollow", "Mire", "Quill", "Vale"]
    for i, title in enumerate(titles):
        body = "A haunting." if i % 2 else "A haunting, haunting haunting tale."
        await create(
            client, editor.headers, **story(f"tale-{i}", title=f"{title} Haunting", body=body)
        )
    originals = {f"tale-{i}" for i in range(len(titles))}
    late_titles = itertools.cycle(["Aardvark Haunting", "Kettle Haunting", "Zither Haunting"])

    async def add(slug: str) -> None:
        late = story(slug, title=next(late_titles), body="A haunting.")
        await create(client, editor.headers, **late)

    seen = await page_while_adding(client, "/v1/stories", params, add)
    assert len(seen) == len(set(seen)), seen
    assert originals <= set(seen)


async def test_a_cursor_from_another_sort_order_is_422(client: Client, editor: SignedIn) -> None:
    for slug in ("night-walk", "night-drive"):
        await create(client, editor.headers, **story(slug))
    await assert_cursors_keep_their_sort(
        client,
        "/v1/stories",
        "night",
        {"recent": {}, "title": {"sort": "title"}, "relevance": {"q": "night"}},
    )


@pytest.mark.parametrize(
    "path", ["/v1/stories", "/v1/stories?q=walk&ghost=grey-lady", "/v1/stories/night-walk"]
)
async def test_public_reads_carry_an_etag_and_answer_304(
    client: Client, editor: SignedIn, ghosts: list[str], path: str
) -> None:
    await create(client, editor.headers, **story("night-walk", ghosts=[{"slug": "grey-lady"}]))
    first = await client.get(path)
    assert first.status == 200
    etag = first.headers["ETag"]
    assert (await client.get(path, headers={"If-None-Match": etag})).status == 304
    await client.patch(
        "/v1/stories/night-walk", json={"title": "Night Walk II"}, headers=editor.headers
    )
    changed = await client.get(path, headers={"If-None-Match": etag})
    assert changed.status == 200 and changed.headers["ETag"] != etag
