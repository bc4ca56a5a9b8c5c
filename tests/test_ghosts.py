"""Ghost entities over HTTP: search, filters, autocomplete, detail pages, drafts, writes."""

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


def ghost(slug: str, **fields: Any) -> dict[str, Any]:
    """A valid, published POST /v1/ghosts body."""
    return {
        "slug": slug,
        "name": slug.replace("-", " ").title(),
        "entity_type": "apparition",
        "danger_level": 2,
        "status": "published",
    } | fields


async def create(client: Client, headers: Headers, **body: Any) -> dict[str, Any]:
    response = await client.post("/v1/ghosts", json=body, headers=headers)
    created: dict[str, Any] = await response.json()
    assert response.status == 201, created
    return created


async def collect(
    client: Client, path: str, headers: Headers = ANONYMOUS, limit: int = 3, **params: str
) -> list[str]:
    """The slugs of every page of a list, following next_cursor; pages hold at most `limit`."""
    seen: list[str] = []
    cursor = None
    while True:
        query = params | {"limit": str(limit)} | ({"cursor": cursor} if cursor else {})
        page = await get_json(client, at(path, query), headers)
        assert len(page["items"]) <= limit
        seen += [item["slug"] for item in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            return seen


async def slugs(client: Client, headers: Headers = ANONYMOUS, **params: str) -> list[str]:
    page = await get_json(client, at("/v1/ghosts", params), headers)
    return [item["slug"] for item in page["items"]]


# ---- writes and their permissions ------------------------------------------------------------


async def test_editor_creates_a_published_ghost_readable_by_anyone(
    client: Client, editor: SignedIn
) -> None:
    response = await client.post(
        "/v1/ghosts",
        json=ghost("grey-lady", origin="York", tags=["uk", "castle"], characteristics=["cold"]),
        headers=editor.headers,
    )
    created = await response.json()
    assert response.status == 201, created
    assert response.headers["Location"] == "/v1/ghosts/grey-lady"
    assert response.headers["Cache-Control"] == "private, no-store"
    assert created["published_at"] is not None and created["status"] == "published"

    shown = await get_json(client, "/v1/ghosts/grey-lady")
    assert shown["origin"] == "York" and shown["tags"] == ["uk", "castle"]
    assert shown["counts"] == dict.fromkeys(
        [
            "view_count",
            "like_count",
            "share_count",
            "read_count",
            "bookmark_count",
            "comment_count",
        ],
        0,
    )
    assert shown["related"] == {"items": [], "next_cursor": None}
    assert shown["stories"] == {"items": [], "next_cursor": None}


@pytest.mark.parametrize(
    ("method", "path", "body"),
    [
        ("POST", "/v1/ghosts", ghost("new-one")),
        ("PATCH", "/v1/ghosts/grey-lady", {"name": "Renamed"}),
        ("DELETE", "/v1/ghosts/grey-lady", None),
    ],
)
async def test_writes_need_an_editor(
    client: Client, editor: SignedIn, reader: SignedIn, method: str, path: str, body: Body
) -> None:
    await create(client, editor.headers, **ghost("grey-lady"))
    anonymous = await client.request(method, path, json=body)
    assert anonymous.status == 401
    assert anonymous.headers["WWW-Authenticate"].startswith("Bearer")
    as_reader = await client.request(method, path, json=body, headers=reader.headers)
    assert as_reader.status == 403
    assert (await get_json(client, "/v1/ghosts/grey-lady"))["name"] == "Grey Lady"


async def test_admins_may_write_too(client: Client, admin: SignedIn) -> None:
    await create(client, admin.headers, **ghost("grey-lady"))


async def test_a_taken_slug_is_a_conflict(client: Client, editor: SignedIn) -> None:
    await create(client, editor.headers, **ghost("grey-lady"))
    await create(client, editor.headers, **ghost("black-dog"))
    again = await client.post("/v1/ghosts", json=ghost("grey-lady"), headers=editor.headers)
    assert again.status == 409
    renamed = await client.patch(
        "/v1/ghosts/black-dog", json={"slug": "grey-lady"}, headers=editor.headers
    )
    assert renamed.status == 409
    assert renamed.content_type == "application/problem+json"


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"colour": "grey"}, "colour"),
        ({"slug": "Grey Lady"}, "slug"),
        ({"slug": "grey--lady"}, "slug"),
        ({"name": ""}, "name"),
        ({"danger_level": 6}, "danger_level"),
        ({"danger_level": "2"}, "danger_level"),
        ({"entity_type": "vampire"}, "entity_type"),
        ({"status": "archived"}, "status"),
        ({"tags": ["Not A Tag"]}, "tags"),
        ({"tags": [f"t{i}" for i in range(33)]}, "tags"),
        ({"origin": "x" * 201}, "origin"),
    ],
)
async def test_invalid_create_bodies_name_the_field(
    client: Client, editor: SignedIn, change: dict[str, Any], field: str
) -> None:
    response = await client.post(
        "/v1/ghosts", json=ghost("grey-lady") | change, headers=editor.headers
    )
    problem = await response.json()
    assert response.status == 422, problem
    assert field in {error["field"] for error in problem["errors"]}
    assert (await client.get("/v1/ghosts/grey-lady", headers=editor.headers)).status == 404


async def test_missing_required_fields_are_listed(client: Client, editor: SignedIn) -> None:
    response = await client.post("/v1/ghosts", json={"slug": "grey-lady"}, headers=editor.headers)
    problem = await response.json()
    assert response.status == 422
    assert {"name", "entity_type", "danger_level"} <= {e["field"] for e in problem["errors"]}


async def test_patch_changes_only_the_fields_given(client: Client, editor: SignedIn) -> None:
    await create(
        client, editor.headers, **ghost("grey-lady", origin="York", era="Tudor", tags=["uk"])
    )
    response = await client.patch(
        "/v1/ghosts/grey-lady", json={"danger_level": 4, "origin": None}, headers=editor.headers
    )
    patched = await response.json()
    assert response.status == 200, patched
    assert response.headers["Cache-Control"] == "private, no-store"
    assert (patched["danger_level"], patched["origin"], patched["era"]) == (4, None, "Tudor")
    assert patched["tags"] == ["uk"] and patched["name"] == "Grey Lady"


async def test_published_at_is_set_on_publishing_and_cleared_on_unpublishing(
    client: Client, editor: SignedIn
) -> None:
    draft = await create(client, editor.headers, **ghost("grey-lady", status="draft"))
    assert draft["published_at"] is None

    async def patch(change: dict[str, Any]) -> dict[str, Any]:
        response = await client.patch("/v1/ghosts/grey-lady", json=change, headers=editor.headers)
        body: dict[str, Any] = await response.json()
        assert response.status == 200, body
        return body

    published = await patch({"status": "published"})
    assert published["published_at"] is not None
    renamed = await patch({"name": "The Grey Lady"})
    assert renamed["published_at"] == published["published_at"]  # still the first publication
    unpublished = await patch({"status": "draft"})
    assert unpublished["published_at"] is None


async def test_patch_can_move_a_ghost_to_a_new_slug(client: Client, editor: SignedIn) -> None:
    await create(client, editor.headers, **ghost("grey-lady"))
    response = await client.patch(
        "/v1/ghosts/grey-lady", json={"slug": "gray-lady"}, headers=editor.headers
    )
    assert response.status == 200
    await get_json(client, "/v1/ghosts/grey-lady", status=404)
    assert (await get_json(client, "/v1/ghosts/gray-lady"))["name"] == "Grey Lady"


@pytest.mark.parametrize(
    "body", [{"nickname": "x"}, {"danger_level": 0}, {"name": None}, {"status": "gone"}, []]
)
async def test_invalid_patch_bodies_are_422_and_change_nothing(
    client: Client, editor: SignedIn, body: Any
) -> None:
    await create(client, editor.headers, **ghost("grey-lady"))
    response = await client.patch("/v1/ghosts/grey-lady", json=body, headers=editor.headers)
    assert response.status == 422
    unchanged = await get_json(client, "/v1/ghosts/grey-lady")
    assert (unchanged["danger_level"], unchanged["status"]) == (2, "published")


@pytest.mark.parametrize("method", ["PATCH", "DELETE"])
@pytest.mark.parametrize("slug", ["nobody", "Not_A_Slug"])
async def test_writes_to_a_missing_ghost_are_404(
    client: Client, editor: SignedIn, method: str, slug: str
) -> None:
    response = await client.request(method, f"/v1/ghosts/{slug}", json={}, headers=editor.headers)
    assert response.status == 404


async def test_delete_removes_the_ghost(client: Client, editor: SignedIn) -> None:
    await create(client, editor.headers, **ghost("grey-lady"))
    response = await client.delete("/v1/ghosts/grey-lady", headers=editor.headers)
    assert response.status == 204
    await get_json(client, "/v1/ghosts/grey-lady", status=404)
    assert await slugs(client) == []
    assert (await client.delete("/v1/ghosts/grey-lady", headers=editor.headers)).status == 404


# ---- drafts --------------------------------------------------------------------------------------


async def test_drafts_are_visible_to_editors_only(
    client: Client, editor: SignedIn, reader: SignedIn
) -> None:
    await create(client, editor.headers, **ghost("grey-lady"))
    await create(client, editor.headers, **ghost("hidden-one", status="draft"))
    for viewer in (ANONYMOUS, reader.headers):
        await get_json(client, "/v1/ghosts/hidden-one", viewer, status=404)
        await get_json(client, "/v1/ghosts/hidden-one/related", viewer, status=404)
        await get_json(client, "/v1/ghosts/hidden-one/stories", viewer, status=404)
        assert await slugs(client, viewer) == ["grey-lady"]
        assert await slugs(client, viewer, sort="name") == ["grey-lady"]
        assert await slugs(client, viewer, q="hidden") == []

    response = await client.get("/v1/ghosts/hidden-one", headers=editor.headers)
    assert response.status == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers
    assert (await response.json())["status"] == "draft"
    listed = await client.get("/v1/ghosts", headers=editor.headers)
    assert listed.headers["Cache-Control"] == "private, no-store"
    # newest first puts drafts, which have no publication date yet, ahead of published entities
    assert [item["slug"] for item in (await listed.json())["items"]] == ["hidden-one", "grey-lady"]
    assert await slugs(client, editor.headers, q="hidden") == ["hidden-one"]


async def test_editors_page_through_drafts_then_published_ghosts(
    client: Client, editor: SignedIn
) -> None:
    for i in range(5):
        await create(client, editor.headers, **ghost(f"draft-{i}", status="draft"))
        await create(client, editor.headers, **ghost(f"published-{i}"))
    seen = await collect(client, "/v1/ghosts", editor.headers)
    assert {s for s in seen[:5]} == {f"draft-{i}" for i in range(5)}
    assert seen[5:] == [f"published-{i}" for i in reversed(range(5))]


# ---- detail pages --------------------------------------------------------------------------------


async def test_detail_counts_come_from_content_statistics(
    client: Client, editor: SignedIn, conn: asyncpg.Connection
) -> None:
    made = await create(client, editor.headers, **ghost("grey-lady"))
    await conn.execute(
        "INSERT INTO content_statistics (ghost_entity_id, view_count, like_count, comment_count)"
        " VALUES ($1, 120, 7, 3)",
        made["id"],
    )
    counts = (await get_json(client, "/v1/ghosts/grey-lady"))["counts"]
    assert counts == {
        "view_count": 120,
        "like_count": 7,
        "share_count": 0,
        "read_count": 0,
        "bookmark_count": 0,
        "comment_count": 3,
    }


async def relate(conn: asyncpg.Connection, source: str, target: str, kind: str) -> None:
    await conn.execute(
        "INSERT INTO ghost_entity_relationships (source_id, target_id, relationship_type)"
        " SELECT s.id, t.id, $3 FROM ghost_entities s, ghost_entities t"
        " WHERE s.slug = $1 AND t.slug = $2",
        source,
        target,
        kind,
    )


async def test_detail_lists_related_ghosts_both_ways_and_linked_stories(
    client: Client, editor: SignedIn, conn: asyncpg.Connection
) -> None:
    for slug in ("grey-lady", "white-lady", "black-dog"):
        await create(client, editor.headers, **ghost(slug))
    await create(client, editor.headers, **ghost("secret-lady", status="draft"))
    await relate(conn, "grey-lady", "white-lady", "variant_of")
    await relate(conn, "black-dog", "grey-lady", "enemy_of")
    await relate(conn, "grey-lady", "secret-lady", "related")
    for slug, status in (("night-walk", "published"), ("unfinished", "draft")):
        response = await client.post(
            "/v1/stories",
            json={"slug": slug, "title": slug, "status": status, "ghosts": [{"slug": "grey-lady"}]},
            headers=editor.headers,
        )
        assert response.status == 201, await response.json()

    shown = await get_json(client, "/v1/ghosts/grey-lady")
    related = [
        (r["slug"], r["relationship_type"], r["direction"]) for r in shown["related"]["items"]
    ]
    assert related == [
        ("black-dog", "enemy_of", "incoming"),
        ("white-lady", "variant_of", "outgoing"),
    ]
    assert [(s["slug"], s["role"]) for s in shown["stories"]["items"]] == [
        ("night-walk", "featured")
    ]

    as_editor = await get_json(client, "/v1/ghosts/grey-lady", editor.headers)
    assert [r["slug"] for r in as_editor["related"]["items"]] == [
        "black-dog",
        "secret-lady",
        "white-lady",
    ]
    assert {s["slug"] for s in as_editor["stories"]["items"]} == {"night-walk", "unfinished"}


async def test_related_and_story_lists_paginate(
    client: Client, editor: SignedIn, conn: asyncpg.Connection
) -> None:
    await create(client, editor.headers, **ghost("grey-lady"))
    for i in range(7):
        await create(client, editor.headers, **ghost(f"friend-{i}"))
        await relate(conn, "grey-lady", f"friend-{i}", "related")
        tale = {
            "slug": f"tale-{i}",
            "title": f"Tale {i}",
            "status": "published",
            "ghosts": [{"slug": "grey-lady", "role": "mentioned"}],
        }
        response = await client.post("/v1/stories", json=tale, headers=editor.headers)
        assert response.status == 201
    assert await collect(client, "/v1/ghosts/grey-lady/related") == [
        f"friend-{i}" for i in range(7)
    ]
    assert await collect(client, "/v1/ghosts/grey-lady/stories") == [
        f"tale-{i}" for i in reversed(range(7))
    ]
    await get_json(client, "/v1/ghosts/nobody/related", status=404)
    await get_json(client, "/v1/ghosts/nobody/stories", status=404)
    name_cursor = (await get_json(client, "/v1/ghosts", sort="name", limit="1"))["next_cursor"]
    await get_json(client, "/v1/ghosts/grey-lady/stories", status=422, cursor=name_cursor)


@pytest.mark.parametrize("slug", ["nobody", "Grey_Lady", "a" * 121])
async def test_unknown_or_impossible_slugs_are_404(client: Client, slug: str) -> None:
    problem = await get_json(client, f"/v1/ghosts/{slug}", status=404)
    assert problem["detail"] == "ghost not found"


# ---- lists: validation ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"limit": "0"}, "limit"),
        ({"limit": "101"}, "limit"),
        ({"limit": "many"}, "limit"),
        ({"cursor": "not-a-cursor"}, "cursor"),
        ({"cursor": "WyJyZWNlbnQiXQ"}, "cursor"),  # ["recent"]: a cursor, but not a position
        ({"sort": "danger"}, "sort"),
        ({"sort": "relevance"}, "sort"),
        ({"type": "vampire"}, "type"),
        ({"min_danger": "0"}, "min_danger"),
        ({"max_danger": "6"}, "max_danger"),
        ({"min_danger": "4", "max_danger": "2"}, "min_danger"),
        ({"tags": "uk,,castle"}, "tags"),
        ({"tags": "UK"}, "tags"),
        ({"q": ""}, "q"),
        ({"colour": "grey"}, "colour"),
    ],
)
async def test_bad_list_parameters_are_422(
    client: Client, params: dict[str, str], field: str
) -> None:
    problem = await get_json(client, at("/v1/ghosts", params), status=422)
    assert field in {error["field"] for error in problem["errors"]}


async def test_a_cursor_from_another_sort_order_is_422(client: Client, editor: SignedIn) -> None:
    for slug in ("grey-lady", "grey-man"):
        await create(client, editor.headers, **ghost(slug))
    await assert_cursors_keep_their_sort(
        client,
        "/v1/ghosts",
        "grey",
        {"recent": {}, "name": {"sort": "name"}, "relevance": {"q": "grey"}},
    )


# ---- lists: search, filters, sorting -------------------------------------------------------------


async def test_search_puts_name_matches_ahead_of_better_ranked_text_matches(
    client: Client, editor: SignedIn, conn: asyncpg.Connection
) -> None:
    await create(
        client,
        editor.headers,
        **ghost("castle-haunt", description=" ".join(["The lantern ghost walks."] * 30)),
    )
    await create(
        client, editor.headers, **ghost("lantern-man", description="A light on the marsh.")
    )
    await create(client, editor.headers, **ghost("black-dog", description="No light at all."))
    # the premise: by rank alone the description-heavy entity would come first
    ranks = {
        row["slug"]: row["ts_rank_cd"]
        for row in await conn.fetch(
            "SELECT slug, ts_rank_cd(search_vector, websearch_to_tsquery('english', 'lantern'))"
            " FROM ghost_entities"
        )
    }
    assert ranks["castle-haunt"] > ranks["lantern-man"]

    assert await slugs(client, q="lantern") == ["lantern-man", "castle-haunt"]
    assert await slugs(client, q="lantern", sort="name") == ["castle-haunt", "lantern-man"]
    assert await slugs(client, q="lantern -castle") == ["lantern-man"]


async def test_tag_filter_needs_every_tag(client: Client, editor: SignedIn) -> None:
    await create(client, editor.headers, **ghost("grey-lady", tags=["uk", "castle", "tudor"]))
    await create(client, editor.headers, **ghost("black-dog", tags=["uk", "moor"]))
    await create(client, editor.headers, **ghost("white-lady", tags=["castle", "germany"]))
    assert set(await slugs(client, tags="uk")) == {"grey-lady", "black-dog"}
    assert await slugs(client, tags="uk,castle") == ["grey-lady"]
    assert await slugs(client, tags="castle,uk,tudor") == ["grey-lady"]
    assert await slugs(client, tags="uk,germany") == []


async def test_type_and_danger_filters(client: Client, editor: SignedIn) -> None:
    await create(client, editor.headers, **ghost("grey-lady", danger_level=1))
    await create(
        client, editor.headers, **ghost("black-dog", entity_type="cryptid", danger_level=3)
    )
    await create(
        client, editor.headers, **ghost("red-cap", entity_type="folk_spirit", danger_level=5)
    )
    assert await slugs(client, type="cryptid") == ["black-dog"]
    assert set(await slugs(client, min_danger="3")) == {"black-dog", "red-cap"}
    assert await slugs(client, min_danger="2", max_danger="4") == ["black-dog"]
    assert await slugs(client, type="cryptid", max_danger="2") == []


async def test_sort_orders(client: Client, editor: SignedIn) -> None:
    for slug in ("mothman", "banshee", "wendigo"):
        await create(client, editor.headers, **ghost(slug))
    assert await slugs(client) == ["wendigo", "banshee", "mothman"]  # newest first
    assert await slugs(client, sort="recent") == ["wendigo", "banshee", "mothman"]
    assert await slugs(client, sort="name") == ["banshee", "mothman", "wendigo"]


async def test_cursors_carry_the_longest_names(client: Client, editor: SignedIn) -> None:
    for i in range(3):
        await create(client, editor.headers, **ghost(f"long-{i}", name="\N{GHOST}" * 199 + str(i)))
    assert await collect(client, "/v1/ghosts", limit=1, sort="name") == [
        "long-0",
        "long-1",
        "long-2",
    ]


@pytest.mark.parametrize(
    "params",
    [{}, {"sort": "name"}, {"q": "phantom"}, {"q": "phantom", "sort": "recent"}],
    ids=["recent", "name", "relevance", "search-by-recency"],
)
async def test_paging_neither_repeats_nor_skips_while_ghosts_are_added(
    client: Client, editor: SignedIn, params: dict[str, str]
) -> None:
    names = ["Alder", "Birch", "Cedar", "Elm", "Hazel", "Larch", "Maple", "Oak", "Rowan", "Yew"]
    for i, name in enumerate(names):
        description = "A phantom." if i % 2 else "A phantom phantom of the phantom wood."
        tree = ghost(f"tree-{i}", name=f"{name} Phantom", description=description)
        await create(client, editor.headers, **tree)
    originals = {f"tree-{i}" for i in range(len(names))}
    # New entities land before, among and after the ones already paged through.
    late_names = itertools.cycle(["Aaron Phantom", "Kestrel Phantom", "Zephyr Phantom"])

    async def add(slug: str) -> None:
        late = ghost(slug, name=next(late_names), description="A phantom.")
        await create(client, editor.headers, **late)

    seen = await page_while_adding(client, "/v1/ghosts", params, add)
    assert len(seen) == len(set(seen)), seen
    assert originals <= set(seen)


# ---- autocomplete --------------------------------------------------------------------------------


async def test_suggest_matches_prefixes_first_then_close_spellings(
    client: Client, editor: SignedIn
) -> None:
    for name in ("Bloody Mary", "Bloody Bones", "Black Shuck", "Mary Celeste"):
        await create(client, editor.headers, **ghost(name.lower().replace(" ", "-"), name=name))
    await create(
        client, editor.headers, **ghost("bloody-draft", name="Bloody Draft", status="draft")
    )

    async def suggest(prefix: str, **params: str) -> list[str]:
        path = at("/v1/ghosts/suggest", {"prefix": prefix} | params)
        body = await get_json(client, path, editor.headers)
        return [item["name"] for item in body["items"]]

    assert await suggest("blo") == ["Bloody Bones", "Bloody Mary"]
    assert await suggest("BLOODY M") == ["Bloody Mary", "Bloody Bones"]
    assert (await suggest("Bloody Mery"))[0] == "Bloody Mary"
    assert (await suggest("Blody Mary"))[0] == "Bloody Mary"
    assert await suggest("blo", limit="1") == ["Bloody Bones"]
    assert await suggest("%") == []  # LIKE wildcards typed by the user are literal
    assert await suggest("zzzz") == []


@pytest.mark.parametrize(
    ("params", "field"),
    [({}, "prefix"), ({"prefix": ""}, "prefix"), ({"prefix": "a", "limit": "21"}, "limit")],
)
async def test_suggest_rejects_bad_parameters(
    client: Client, params: dict[str, str], field: str
) -> None:
    problem = await get_json(client, at("/v1/ghosts/suggest", params), status=422)
    assert field in {error["field"] for error in problem["errors"]}


# ---- caching -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("path", "shows_the_name"),
    [
        ("/v1/ghosts", True),
        ("/v1/ghosts?q=grey&tags=uk", True),
        ("/v1/ghosts/suggest?prefix=gr", True),
        ("/v1/ghosts/grey-lady", True),
        ("/v1/ghosts/grey-lady/related", False),
        ("/v1/ghosts/grey-lady/stories", False),
    ],
)
async def test_public_reads_carry_an_etag_and_answer_304(
    client: Client, editor: SignedIn, reader: SignedIn, path: str, shows_the_name: bool
) -> None:
    await create(client, editor.headers, **ghost("grey-lady", tags=["uk"]))
    first = await client.get(path)
    assert first.status == 200
    etag = first.headers["ETag"]
    assert (await client.get(path, headers={"If-None-Match": etag})).status == 304
    # a signed-in reader sees what everyone sees, so the same tag holds
    assert (await client.get(path, headers=reader.headers | {"If-None-Match": etag})).status == 304

    await client.patch(
        "/v1/ghosts/grey-lady", json={"name": "Grey Lady of York"}, headers=editor.headers
    )
    after_edit = await client.get(path, headers={"If-None-Match": etag})
    assert after_edit.status == (200 if shows_the_name else 304)
