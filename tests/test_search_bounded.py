"""Broad searches cost a bounded amount: counting stops at SEARCH_COUNT_CAP (the total becomes
a lower bound), ranking covers SEARCH_CANDIDATE_CAP matches of each kind, and cursors page
through exactly that bounded ranking. Small caps here stand for the production ones."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from service.app import create_app
from service.config import SettingError, Settings
from service.store.queries import search as search_queries

Client = TestClient[web.Request, web.Application]

COUNT_CAP = 50
CANDIDATE_CAP = 20


@pytest.fixture
async def catalogue(pool: asyncpg.Pool) -> None:
    """Published rows: "lantern" in 40 names and 80 descriptions, and in 30 story titles and
    50 story bodies; "cinder" in 35 descriptions; "ember" in 6 names and 3 story summaries."""
    await pool.execute(
        """
        INSERT INTO ghost_entities
            (slug, name, entity_type, description, danger_level, tags, status, published_at)
        SELECT
            'lantern-' || n,
            CASE WHEN n <= 40 THEN 'Lantern Wisp ' || n ELSE 'Marsh Light ' || n END,
            'apparition',
            'It carries a lantern' || repeat(' over the fen', n % 7) || '.',
            1 + n % 5,
            ARRAY['fog', CASE WHEN n % 2 = 0 THEN 'bog' ELSE 'moor' END],
            'published',
            now()
        FROM generate_series(1, 120) AS n;
        INSERT INTO ghost_entities
            (slug, name, entity_type, description, danger_level, status, published_at)
        SELECT 'cinder-' || n, 'Hearth Shade ' || n, 'spirit',
            'A cinder glows' || repeat(' in the grate', n % 5) || '.', 2, 'published', now()
        FROM generate_series(1, 35) AS n;
        INSERT INTO ghost_entities
            (slug, name, entity_type, description, danger_level, status, published_at)
        SELECT 'ember-' || n, 'Ember Child ' || n, 'folk_spirit',
            repeat('A warm glow. ', n), 1, 'published', now()
        FROM generate_series(1, 6) AS n;
        INSERT INTO stories (slug, title, summary, body, status, published_at)
        SELECT
            'lantern-tale-' || n,
            CASE WHEN n <= 30 THEN 'The Lantern Road ' || n ELSE 'Night Walk ' || n END,
            CASE WHEN n % 4 = 0 THEN 'An ember in the dark.' ELSE 'A walk at night.' END,
            'Someone lit a lantern' || repeat(' by the water', n % 9) || '.',
            'published',
            now()
        FROM generate_series(1, 80) AS n
        """
    )


@pytest.fixture
async def bounded(settings: Settings, catalogue: None) -> AsyncIterator[Client]:
    """The app with small caps over the catalogue."""
    small = dataclasses.replace(
        settings, search_count_cap=COUNT_CAP, search_candidate_cap=CANDIDATE_CAP
    )
    async with TestClient(TestServer(create_app(small))) as client:
        yield client


async def search(client: Client, **params: str) -> Any:
    response = await client.get(f"/v1/search?{urlencode(params)}")
    body = await response.json()
    assert response.status == 200, body
    return body


async def every_page(client: Client, **params: str) -> list[dict[str, Any]]:
    """All items, following next_cursor."""
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        page = await search(client, **params, **({"cursor": cursor} if cursor else {}))
        items += page["items"]
        if (cursor := page["next_cursor"]) is None:
            return items


async def test_past_the_count_cap_the_total_is_a_lower_bound(bounded: Client) -> None:
    results = await search(bounded, q="lantern")
    # 120 entities and 80 stories match: each kind is counted up to the cap
    assert results["total"] == {"value": 2 * COUNT_CAP, "relation": "gte"}
    assert results["facets"]["kinds"] == [
        {"value": "ghost", "count": COUNT_CAP},
        {"value": "story", "count": COUNT_CAP},
    ]
    assert results["facets"]["entity_types"] == [{"value": "apparition", "count": COUNT_CAP}]
    assert results["facets"]["tags"][0] == {"value": "fog", "count": COUNT_CAP}
    stories = await search(bounded, q="lantern", kind="story")
    assert stories["total"] == {"value": COUNT_CAP, "relation": "gte"}


async def test_within_the_count_cap_the_total_is_exact(bounded: Client) -> None:
    assert (await search(bounded, q="cinder"))["total"] == {"value": 35, "relation": "eq"}
    assert (await search(bounded, q="ember"))["total"] == {"value": 6 + 20, "relation": "eq"}
    nothing = await search(bounded, q="zzyzx")
    assert nothing["total"] == {"value": 0, "relation": "eq"} and nothing["items"] == []


async def test_pages_walk_the_bounded_ranking_without_repeats(bounded: Client) -> None:
    paged = await every_page(bounded, q="lantern", limit="7")
    # the candidates only: CANDIDATE_CAP of each kind, each once
    assert len(paged) == 2 * CANDIDATE_CAP
    assert len({(item["kind"], item["id"]) for item in paged}) == len(paged)
    assert sorted(item["kind"] for item in paged) == ["ghost"] * 20 + ["story"] * 20
    keys = [(item["title_match"], item["rank"], item["kind"], item["id"]) for item in paged]
    assert keys == sorted(keys, reverse=True)
    # one page holding them all lists the same ranking
    whole = await search(bounded, q="lantern", limit="100")
    assert [item["id"] for item in whole["items"]] == [item["id"] for item in paged]
    assert whole["next_cursor"] is None


async def test_between_the_caps_the_total_is_exact_but_only_candidates_are_ranked(
    bounded: Client,
) -> None:
    results = await search(bounded, q="cinder", limit="100")
    assert results["total"] == {"value": 35, "relation": "eq"}
    assert len(results["items"]) == CANDIDATE_CAP


async def test_up_to_the_candidate_cap_the_ranking_is_the_exact_one(
    bounded: Client, pool: asyncpg.Pool
) -> None:
    results = await search(bounded, q="ember", limit="100")
    exact = await search_queries.search_content_exact_reference(
        pool,
        query="ember",
        kind="all",
        tags=[],
        entity_type=None,
        after_id=None,
        after_title_match=None,
        after_rank=None,
        after_kind=None,
        max_rows=100,
    )
    assert len(exact) == 26
    assert [(item["kind"], item["slug"]) for item in results["items"]] == [
        (row.kind, row.slug) for row in exact
    ]
    assert [item["headline"] for item in results["items"]] == [row.headline for row in exact]
    assert [item["snippet"] for item in results["items"]] == [row.snippet for row in exact]


def test_the_candidate_cap_cannot_exceed_the_count_cap() -> None:
    with pytest.raises(SettingError, match="SEARCH_CANDIDATE_CAP"):
        Settings.from_env({"SEARCH_COUNT_CAP": "100", "SEARCH_CANDIDATE_CAP": "101"})
    with pytest.raises(SettingError, match="SEARCH_COUNT_CAP"):
        Settings.from_env({"SEARCH_COUNT_CAP": "0"})


async def test_the_entity_list_by_relevance_ranks_the_same_bounded_set(bounded: Client) -> None:
    items: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"q": "lantern", "limit": "7"} | ({"cursor": cursor} if cursor else {})
        response = await bounded.get(f"/v1/ghosts?{urlencode(params)}")
        page = await response.json()
        assert response.status == 200, page
        items += page["items"]
        if (cursor := page["next_cursor"]) is None:
            break
    # 120 entities match; the first CANDIDATE_CAP are ranked and paged, each once
    assert len(items) == len({item["id"] for item in items}) == CANDIDATE_CAP
    few = await bounded.get("/v1/ghosts?q=ember&limit=100")
    assert len((await few.json())["items"]) == 6  # under the cap: every match
