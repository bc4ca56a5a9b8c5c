"""Cross-content search over HTTP: ranking across kinds, snippets, facets, did-you-mean, caching."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from apicheck import SignedIn, post

Client = TestClient[web.Request, web.Application]
Headers = dict[str, str]


async def add_ghost(client: Client, editor: Headers, slug: str, **fields: Any) -> None:
    body = {
        "slug": slug,
        "name": slug.replace("-", " ").title(),
        "entity_type": "apparition",
        "danger_level": 2,
        "status": "published",
    }
    await post(client, "/v1/ghosts", editor, body | fields)


async def add_story(client: Client, editor: Headers, slug: str, **fields: Any) -> None:
    body = {"slug": slug, "title": slug.replace("-", " ").title(), "status": "published"}
    await post(client, "/v1/stories", editor, body | fields)


async def search(client: Client, status: int = 200, /, **params: str) -> Any:
    response = await client.get(f"/v1/search?{urlencode(params)}")
    body = await response.json()
    assert response.status == status, body
    return body


def found(results: dict[str, Any]) -> list[tuple[str, str]]:
    return [(item["kind"], item["slug"]) for item in results["items"]]


@pytest.fixture
async def library(client: Client, editor: SignedIn) -> None:
    """Entities and stories where "mirror" is in some names and titles and in other texts."""
    await add_ghost(
        client,
        editor.headers,
        "bloody-mary",
        description="Chant into the mirror. " * 12,
        tags=["mirror", "urban-legend"],
    )
    await add_ghost(
        client,
        editor.headers,
        "mirror-witch",
        entity_type="demon",
        description="She waits in old glass.",
        tags=["mirror"],
    )
    await add_ghost(client, editor.headers, "grey-lady", description="Walks the castle at night.")
    await add_ghost(
        client, editor.headers, "draft-mirror", description="A mirror draft.", status="draft"
    )
    await add_story(
        client,
        editor.headers,
        "the-mirror-in-the-hall",
        body="It hung there for a century.",
        tags=["mirror", "victorian"],
    )
    await add_story(
        client,
        editor.headers,
        "a-night-at-the-inn",
        body="A mirror, a mirror, a mirror on every wall of the mirror room.",
        tags=["inn"],
    )


@pytest.mark.usefixtures("library")
async def test_name_and_title_matches_rank_ahead_of_text_matches_across_kinds(
    client: Client,
) -> None:
    results = await search(client, q="mirror")
    hits = found(results)
    assert set(hits[:2]) == {("ghost", "mirror-witch"), ("story", "the-mirror-in-the-hall")}
    assert set(hits[2:]) == {("ghost", "bloody-mary"), ("story", "a-night-at-the-inn")}
    assert [item["title_match"] for item in results["items"]] == [True, True, False, False]
    ranks = [item["rank"] for item in results["items"][2:]]
    assert ranks == sorted(ranks, reverse=True)


@pytest.mark.usefixtures("library")
async def test_drafts_are_never_found_even_by_editors(client: Client, editor: SignedIn) -> None:
    response = await client.get("/v1/search?q=mirror", headers=editor.headers)
    assert ("ghost", "draft-mirror") not in found(await response.json())


@pytest.mark.usefixtures("library")
async def test_snippets_and_headlines_mark_the_matched_words(client: Client) -> None:
    items = {item["slug"]: item for item in (await search(client, q="mirrors"))["items"]}
    assert "<mark>mirror</mark>" in items["bloody-mary"]["snippet"]
    assert "<mark>mirror</mark>" in items["a-night-at-the-inn"]["snippet"]
    assert items["mirror-witch"]["headline"] == "<mark>Mirror</mark> Witch"
    assert items["bloody-mary"]["headline"] == "Bloody Mary"


async def test_snippets_escape_the_text_so_the_marks_are_the_only_markup(
    client: Client, editor: SignedIn
) -> None:
    await add_ghost(
        client,
        editor.headers,
        "script-kiddie",
        name="<b>Script</b> Kiddie",
        description='He types <script>alert("haunt")</script> & haunts the terminal.',
    )
    item = (await search(client, q="haunts"))["items"][0]
    assert "<script>" not in item["snippet"] and "<b>" not in item["headline"]
    assert "&lt;script&gt;alert(&quot;<mark>haunt</mark>&quot;)" in item["snippet"]
    assert "&amp; <mark>haunts</mark>" in item["snippet"]
    assert item["headline"] == "&lt;b&gt;Script&lt;/b&gt; Kiddie"
    assert item["title"] == "<b>Script</b> Kiddie"  # the plain field stays as written


@pytest.mark.usefixtures("library")
async def test_facets_count_the_whole_result_set_not_just_the_page(client: Client) -> None:
    results = await search(client, q="mirror", limit="1")
    assert len(results["items"]) == 1 and results["next_cursor"] is not None
    assert results["total"] == {"value": 4, "relation": "eq"}
    facets = results["facets"]
    assert facets["kinds"] == [{"value": "ghost", "count": 2}, {"value": "story", "count": 2}]
    assert facets["entity_types"] == [
        {"value": "apparition", "count": 1},
        {"value": "demon", "count": 1},
    ]
    assert facets["tags"] == [
        {"value": "mirror", "count": 3},
        {"value": "inn", "count": 1},
        {"value": "urban-legend", "count": 1},
        {"value": "victorian", "count": 1},
    ]
    assert results["did_you_mean"] == []


@pytest.mark.usefixtures("library")
async def test_filters_narrow_results_and_facets_alike(client: Client) -> None:
    stories = await search(client, q="mirror", kind="story")
    assert {kind for kind, _ in found(stories)} == {"story"}
    assert stories["total"]["value"] == 2 and stories["facets"]["entity_types"] == []
    demons = await search(client, q="mirror", type="demon")
    assert found(demons) == [("ghost", "mirror-witch")]
    assert demons["facets"]["kinds"] == [{"value": "ghost", "count": 1}]
    tagged = await search(client, q="mirror", tags="mirror,victorian")
    assert found(tagged) == [("story", "the-mirror-in-the-hall")]


@pytest.mark.usefixtures("library")
async def test_pages_follow_the_ranking_without_repeats_or_gaps(client: Client) -> None:
    everything = found(await search(client, q="mirror OR castle"))
    assert len(everything) == 5
    paged: list[tuple[str, str]] = []
    cursor = None
    while True:
        params = {"q": "mirror OR castle", "limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = await search(client, **params)
        paged += found(page)
        if (cursor := page["next_cursor"]) is None:
            break
    assert paged == everything


@pytest.mark.usefixtures("library")
async def test_a_typo_with_no_full_text_hits_suggests_close_spellings(
    client: Client, editor: SignedIn
) -> None:
    results = await search(client, q="Bloddy Marry")
    assert results["items"] == [] and results["total"] == {"value": 0, "relation": "eq"}
    best = results["did_you_mean"][0]
    assert (best["kind"], best["slug"], best["title"]) == ("ghost", "bloody-mary", "Bloody Mary")
    story = (await search(client, q="Mirrer in the Hal", kind="story"))["did_you_mean"]
    assert story[0]["slug"] == "the-mirror-in-the-hall"
    assert all(s["kind"] == "story" for s in story)
    assert (await search(client, q="xqzvw"))["did_you_mean"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({}, "q"),
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "mirror", "kind": "book"}, "kind"),
        ({"q": "mirror", "type": "vampire"}, "type"),
        ({"q": "mirror", "type": "demon", "kind": "story"}, "type"),
        ({"q": "mirror", "tags": "Not A Tag"}, "tags"),
        ({"q": "mirror", "limit": "0"}, "limit"),
        ({"q": "mirror", "limit": "101"}, "limit"),
        ({"q": "mirror", "cursor": "not-a-cursor"}, "cursor"),
        ({"q": "mirror", "colour": "grey"}, "colour"),
    ],
)
async def test_bad_parameters_are_422_naming_the_field(
    client: Client, params: dict[str, str], field: str
) -> None:
    problem = await search(client, 422, **params)
    assert field in {error["field"] for error in problem["errors"]}


async def test_a_cursor_from_another_list_is_422(client: Client, editor: SignedIn) -> None:
    for slug in ("grey-lady", "grey-man"):
        await add_ghost(client, editor.headers, slug)
    ghosts_page = await client.get("/v1/ghosts?limit=1")
    cursor = (await ghosts_page.json())["next_cursor"]
    problem = await search(client, 422, q="grey", cursor=cursor)
    assert problem["errors"][0]["field"] == "cursor"


@pytest.mark.usefixtures("library")
async def test_results_carry_an_etag_and_answer_304_until_content_changes(
    client: Client, editor: SignedIn
) -> None:
    path = "/v1/search?q=mirror"
    first = await client.get(path)
    assert first.status == 200
    etag = first.headers["ETag"]
    assert "private" not in first.headers["Cache-Control"]
    assert (await client.get(path, headers={"If-None-Match": etag})).status == 304
    # the editor who could see drafts elsewhere gets the same public answer here
    assert (await client.get(path, headers=editor.headers | {"If-None-Match": etag})).status == 304
    await add_ghost(client, editor.headers, "mirror-man")
    assert (await client.get(path, headers={"If-None-Match": etag})).status == 200
