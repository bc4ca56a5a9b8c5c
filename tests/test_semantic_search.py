"""Semantic and hybrid search, similar entities and the digital twin's retrieval over HTTP,
with embeddings made by the real model through the job queue."""

from __future__ import annotations

import dataclasses
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import asyncpg
import pytest
import redis.asyncio as redis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from apicheck import (
    ANONYMOUS,
    SignedIn,
    check_problem,
    get_json,
    internal_client,
    post,
    run_due_jobs,
)

from service.app import create_app
from service.config import Settings
from service.domain.embeddings import EMBEDDER
from service.jobs import queue as jobs
from service.store.db import Connection

Client = TestClient[web.Request, web.Application]

GHOSTS = [
    {
        "slug": "la-llorona",
        "name": "La Llorona",
        "entity_type": "spirit",
        "description": "She weeps by the river at night, mourning the children she drowned. "
        "Her wailing is heard along the riverbanks.\n\nThose who follow her cries vanish.",
    },
    {
        "slug": "rattling-pete",
        "name": "Rattling Pete",
        "entity_type": "poltergeist",
        "description": "He throws plates and slams the kitchen doors of the old inn.",
    },
    {
        "slug": "black-dog",
        "name": "Black Dog",
        "entity_type": "cryptid",
        "description": "A huge hound with burning eyes that haunts crossroads and churchyards.",
    },
]
STORY = {
    "slug": "the-weeping-bank",
    "title": "The Weeping Bank",
    "body": "We camped beside the water. At midnight a woman in white sobbed among the reeds."
    "\n\nBy morning the dog had gone.",
    "status": "published",
    "ghosts": [{"slug": "la-llorona"}],
}
PARAPHRASE = "woman who cries near water"


async def add_content(client: Client, editor: SignedIn) -> None:
    for ghost in GHOSTS:
        await post(
            client, "/v1/ghosts", editor.headers, ghost | {"danger_level": 2, "status": "published"}
        )
    await post(client, "/v1/stories", editor.headers, STORY)


@pytest.fixture
async def embedded(
    client: Client,
    editor: SignedIn,
    worker: jobs.Worker,
    wconn: Connection,
    pool: asyncpg.Pool,
) -> None:
    """The entities and the story, written through the API and embedded by the job queue."""
    await add_content(client, editor)
    await run_due_jobs(worker, wconn, pool)


async def search(client: Client, *, status: int = 200, **params: str) -> Any:
    return await get_json(client, "/v1/search", ANONYMOUS, status, **params)


def slugs(body: dict[str, Any]) -> list[str]:
    return [item["slug"] for item in body["items"]]


async def test_writes_queue_embed_jobs_and_search_is_keyword_until_they_run(
    client: Client,
    editor: SignedIn,
    worker: jobs.Worker,
    wconn: Connection,
    pool: asyncpg.Pool,
) -> None:
    await add_content(client, editor)
    kinds = await pool.fetch("SELECT kind, count(*) AS n FROM jobs GROUP BY kind ORDER BY kind")
    assert {row["kind"]: row["n"] for row in kinds} == {"embed.ghost": 3, "embed.story": 1}
    assert await pool.fetchval("SELECT count(*) FROM ghost_embeddings") == 0
    # No embedding yet: the default is keyword search, which finds rows by their words.
    body = await search(client, q="river")
    assert (body["mode"], slugs(body)) == ("keyword", ["la-llorona"])
    assert await run_due_jobs(worker, wconn, pool) == 4
    assert await pool.fetchval("SELECT count(*) FROM ghost_embeddings") == 3
    assert await pool.fetchval("SELECT count(*) FROM story_embeddings") == 1
    passages = await pool.fetch(
        "SELECT p.position, p.body FROM passages AS p JOIN stories AS s ON s.id = p.story_id "
        "ORDER BY p.position"
    )
    assert [row["body"] for row in passages] == [
        "We camped beside the water. At midnight a woman in white sobbed among the reeds.",
        "By morning the dog had gone.",
    ]
    # An edit that leaves the text alone queues nothing; one that changes it queues a job.
    response = await client.patch(
        "/v1/ghosts/black-dog", json={"danger_level": 4}, headers=editor.headers
    )
    assert response.status == 200
    assert await pool.fetchval("SELECT count(*) FROM jobs WHERE status = 'queued'") == 0
    response = await client.patch(
        "/v1/ghosts/black-dog", json={"name": "Black Shuck"}, headers=editor.headers
    )
    assert response.status == 200
    assert await pool.fetchval("SELECT count(*) FROM jobs WHERE status = 'queued'") == 1


@pytest.mark.usefixtures("embedded")
async def test_semantic_search_finds_a_paraphrase_that_shares_no_words(client: Client) -> None:
    keyword = await search(client, q=PARAPHRASE, mode="keyword")
    assert keyword["items"] == []
    semantic = await search(client, q=PARAPHRASE, mode="semantic")
    assert semantic["mode"] == "semantic"
    assert slugs(semantic)[:2] == ["the-weeping-bank", "la-llorona"] or slugs(semantic)[:2] == [
        "la-llorona",
        "the-weeping-bank",
    ]
    similarities = [item["similarity"] for item in semantic["items"]]
    assert similarities == sorted(similarities, reverse=True)
    scores = [item["rank"] for item in semantic["items"]]
    assert scores[0] == pytest.approx(1 / 61)
    assert semantic["total"] == {"value": 4, "relation": "eq"}
    assert {f["value"]: f["count"] for f in semantic["facets"]["kinds"]} == {
        "ghost": 3,
        "story": 1,
    }


@pytest.mark.usefixtures("embedded")
async def test_hybrid_is_the_default_once_embeddings_exist_and_fuses_both_rankings(
    client: Client,
) -> None:
    body = await search(client, q="hound")
    assert body["mode"] == "hybrid"
    assert slugs(body)[0] == "black-dog"
    top = body["items"][0]
    # in both rankings, first in each: 1/61 + 1/61
    assert top["rank"] == pytest.approx(2 / 61)
    assert top["headline"] == "Black Dog"
    assert "<mark>hound</mark>" in top["snippet"]
    # Filters apply to both sides.
    stories = await search(client, q="hound", kind="story")
    assert {item["kind"] for item in stories["items"]} == {"story"}
    spirits = await search(client, q=PARAPHRASE, type="spirit")
    assert slugs(spirits) == ["la-llorona"]


@pytest.mark.usefixtures("embedded")
async def test_semantic_pages_follow_the_cursor_without_repeats(client: Client) -> None:
    seen: list[str] = []
    cursors: list[str] = []
    params = {"q": PARAPHRASE, "mode": "semantic", "limit": "1"}
    while True:
        body = await get_json(client, "/v1/search", ANONYMOUS, 200, **params)
        seen += slugs(body)
        if body["next_cursor"] is None:
            break
        params["cursor"] = body["next_cursor"]
        cursors.append(body["next_cursor"])
    everything = await search(client, q=PARAPHRASE, mode="semantic")
    assert seen == slugs(everything) and len(seen) == 4
    # A semantic cursor is no keyword cursor.
    problem = await search(client, status=422, q="river", mode="keyword", cursor=cursors[0])
    assert problem["errors"][0]["field"] == "cursor"


@pytest.mark.usefixtures("embedded")
async def test_the_query_embedding_is_cached_in_process_and_in_redis(
    client: Client, redis_url: str
) -> None:
    await search(client, q="  Woman who CRIES near water ", mode="semantic")
    embedder = client.app[EMBEDDER]
    assert PARAPHRASE in embedder._queries
    server = redis.Redis.from_url(redis_url)
    try:
        keys = [key async for key in server.scan_iter("gp:v1:embeddings:*")]
        assert len(keys) == 1
        stored = await server.get(keys[0])
        assert stored is not None and len(stored) >= 384 * 4
    finally:
        await server.aclose()


@pytest.mark.usefixtures("embedded")
async def test_similar_lists_the_nearest_published_entities(client: Client) -> None:
    body = await get_json(client, "/v1/ghosts/la-llorona/similar", limit="5")
    assert [item["slug"] for item in body["items"]] == ["black-dog", "rattling-pete"] or [
        item["slug"] for item in body["items"]
    ] == ["rattling-pete", "black-dog"]
    similarities = [item["similarity"] for item in body["items"]]
    assert similarities == sorted(similarities, reverse=True)
    assert all(-1 <= s <= 1 for s in similarities)
    await get_json(client, "/v1/ghosts/no-such-ghost/similar", status=404)
    problem = await get_json(client, "/v1/ghosts/la-llorona/similar", status=422, limit="0")
    assert problem["errors"][0]["field"] == "limit"


async def test_similar_is_empty_before_the_entity_is_embedded(
    client: Client, editor: SignedIn
) -> None:
    await add_content(client, editor)
    body = await get_json(client, "/v1/ghosts/la-llorona/similar")
    assert body == {"items": []}


@pytest.mark.parametrize(
    ("params", "field"),
    [
        ({"q": ""}, "q"),
        ({"q": "   "}, "q"),
        ({"q": "x" * 201}, "q"),
        ({"q": "ghost", "mode": "vector"}, "mode"),
        ({"mode": "semantic"}, "q"),
    ],
)
async def test_bad_search_input_is_a_422_problem(
    client: Client, params: dict[str, str], field: str
) -> None:
    response = await client.get("/v1/search", params=params)
    problem = check_problem(
        response.status, response.content_type, await response.read(), label=str(params)
    )
    assert problem["status"] == 422
    assert field in {error["field"] for error in problem["errors"]}


@pytest.mark.usefixtures("embedded")
async def test_the_twin_quotes_the_passages_closest_in_meaning(
    client: Client, reader: SignedIn
) -> None:
    response = await client.post(
        "/v1/ghosts/la-llorona/conversation",
        json={"message": "Who have people seen sobbing in the marsh grass?"},
        headers=reader.headers,
    )
    body = await response.json()
    assert response.status == 201, body
    first = body["reply"]["citations"][0]
    assert first == {
        "source": "story",
        "quote": "We camped beside the water. At midnight a woman in white sobbed among the reeds.",
        "story_slug": "the-weeping-bank",
        "story_title": "The Weeping Bank",
    }


@pytest.fixture
async def modelless(settings: Settings, tmp_path: Path) -> AsyncIterator[Client]:
    """The app with a model folder that holds no model: it cannot load."""
    broken = dataclasses.replace(settings, embedding_model_dir=str(tmp_path))
    async with TestClient(TestServer(create_app(broken))) as test_client:
        yield test_client


async def test_without_the_model_search_is_keyword_only_and_health_says_so(
    modelless: Client, editor: SignedIn, client: Client
) -> None:
    await add_content(client, editor)
    body = await search(modelless, q="river")
    assert (body["mode"], slugs(body)) == ("keyword", ["la-llorona"])
    response = await modelless.get("/v1/search", params={"q": "river", "mode": "hybrid"})
    problem = check_problem(
        response.status, response.content_type, await response.read(), label="hybrid"
    )
    assert problem["status"] == 503
    assert "semantic search is unavailable" in problem["detail"]
    assert response.headers["Retry-After"]
    async with internal_client(modelless.app) as internal:
        response = await internal.get("/health")
        health = await response.json()
    assert response.status == 200
    assert health["status"] == "degraded"
    assert health["checks"]["semantic_search"]["ok"] is False
    assert any("semantic search unavailable" in p for p in health["problems"])
