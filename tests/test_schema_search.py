"""Search on a real PostgreSQL: full-text ranking weights, and the planner choosing GIN indexes."""

from __future__ import annotations

import json
import random
import secrets
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import asyncpg
import pytest

# ---------------------------------------------------------------------------------------------
# Ranking: where the word appears decides the order (weights A > B > C > D)
# ---------------------------------------------------------------------------------------------

RANKED_ENTITIES = """
    SELECT slug FROM ghost_entities
    WHERE status = 'published' AND search_vector @@ websearch_to_tsquery('english', $1)
    ORDER BY ts_rank_cd(search_vector, websearch_to_tsquery('english', $1)) DESC, slug
"""

RANKED_STORIES = """
    SELECT slug FROM stories
    WHERE status = 'published' AND search_vector @@ websearch_to_tsquery('english', $1)
    ORDER BY ts_rank_cd(search_vector, websearch_to_tsquery('english', $1)) DESC, slug
"""


async def publish_entity(conn: asyncpg.Connection, slug: str, name: str, **columns: Any) -> None:
    values = {"slug": slug, "name": name, "entity_type": "spirit", "danger_level": 2, **columns}
    await conn.copy_records_to_table(
        "ghost_entities",
        records=[(*values.values(), "published", datetime.now(UTC))],
        columns=[*values, "status", "published_at"],
    )


async def publish_story(conn: asyncpg.Connection, slug: str, title: str, **columns: Any) -> None:
    values = {"slug": slug, "title": title, **columns}
    await conn.copy_records_to_table(
        "stories",
        records=[(*values.values(), "published", datetime.now(UTC))],
        columns=[*values, "status", "published_at"],
    )


async def test_entity_name_match_ranks_above_description_match(conn: asyncpg.Connection) -> None:
    await publish_entity(
        conn, "hinkypunk", "Hinkypunk", description="A one-legged sprite that swings a lantern."
    )
    await publish_entity(conn, "lantern-man", "Lantern Man", description="Haunts the fens.")
    await publish_entity(conn, "grey-lady", "Grey Lady", description="Walks the gallery.")

    slugs = [row["slug"] for row in await conn.fetch(RANKED_ENTITIES, "lantern")]

    assert slugs == ["lantern-man", "hinkypunk"]


async def test_entity_rank_follows_name_tags_place_description(conn: asyncpg.Connection) -> None:
    await publish_entity(conn, "d-description", "Marsh Light", description="Carries a lantern.")
    await publish_entity(conn, "c-location", "Hill Ghost", location="Lantern Hill")
    await publish_entity(conn, "b-tags", "Fen Sprite", tags=["lantern", "marsh"])
    await publish_entity(conn, "a-name", "Jack of the Lantern")

    slugs = [row["slug"] for row in await conn.fetch(RANKED_ENTITIES, "lanterns")]

    assert slugs == ["a-name", "b-tags", "c-location", "d-description"]


async def test_story_title_match_ranks_above_body_match(conn: asyncpg.Connection) -> None:
    await publish_story(conn, "the-crossing", "The Crossing", body="She raised the lantern.")
    await publish_story(conn, "the-lantern", "The Lantern", body="Nobody came back.")
    await publish_story(conn, "the-knock", "The Knock", body="Three knocks at midnight.")

    slugs = [row["slug"] for row in await conn.fetch(RANKED_STORIES, "lantern")]

    assert slugs == ["the-lantern", "the-crossing"]


async def test_story_rank_follows_title_summary_body(conn: asyncpg.Connection) -> None:
    await publish_story(conn, "c-body", "The Crossing", body="She raised the lantern.")
    await publish_story(conn, "b-summary", "The Ferry", summary="A lantern on the water.")
    await publish_story(conn, "a-title", "The Lantern")

    slugs = [row["slug"] for row in await conn.fetch(RANKED_STORIES, "lantern")]

    assert slugs == ["a-title", "b-summary", "c-body"]


# ---------------------------------------------------------------------------------------------
# Index use on 10,000 synthetic entities (the planner decides; nothing is disabled)
# ---------------------------------------------------------------------------------------------

ADJECTIVES = (
    "Grey",
    "Weeping",
    "Headless",
    "Silent",
    "Pale",
    "Crimson",
    "Hollow",
    "Wailing",
    "Drowned",
    "Burning",
    "Howling",
    "Faceless",
    "Laughing",
    "Restless",
    "Shadow",
    "Frozen",
    "Hungry",
    "Veiled",
    "Rotting",
    "Whispering",
)
NOUNS = (
    "Lady",
    "Monk",
    "Piper",
    "Drummer",
    "Hound",
    "Bride",
    "Sailor",
    "Miner",
    "Child",
    "Knight",
    "Widow",
    "Soldier",
    "Ferryman",
    "Shepherd",
    "Nun",
    "Highwayman",
)
PLACES = (
    "Ashby",
    "Coldharbour",
    "Dunmore",
    "Eastwick",
    "Fenwick",
    "Glenrock",
    "Harrow",
    "Ingleby",
    "Kettering",
    "Lowther",
    "Marden",
    "Northam",
    "Oakridge",
    "Pendle",
    "Quarry",
    "Rookwood",
    "Stanton",
    "Thornbury",
    "Upton",
    "Wexcombe",
)
WORDS = (
    "haunts",
    "the",
    "old",
    "mill",
    "at",
    "night",
    "and",
    "is",
    "seen",
    "near",
    "the",
    "crossroads",
    "whenever",
    "fog",
    "rolls",
    "in",
    "from",
    "the",
    "moor",
    "carrying",
    "cold",
    "air",
    "footsteps",
    "echo",
    "through",
    "empty",
    "halls",
    "while",
    "candles",
    "gutter",
    "villagers",
    "leave",
    "bread",
    "on",
    "doorsteps",
    "to",
    "keep",
    "her",
    "away",
    "sailors",
    "speak",
    "of",
    "a",
    "pale",
    "shape",
    "on",
    "the",
    "cliffs",
    "before",
    "storms",
    "children",
    "hear",
    "singing",
    "from",
    "the",
    "well",
)
COMMON_TAGS = (
    "fog",
    "night",
    "moor",
    "castle",
    "church",
    "forest",
    "village",
    "road",
    "bridge",
    "well",
    "cliff",
    "mill",
    "inn",
    "graveyard",
    "battlefield",
    "manor",
    "crossroads",
    "cellar",
    "tower",
)
ROWS = 10_000
RARE_EVERY = 100  # 'water' tag and 'lantern' in the description: 1 % of rows


def synthetic_entities() -> Iterator[tuple[object, ...]]:
    rng = random.Random(20261122)
    published = datetime(2026, 1, 1, tzinfo=UTC)
    for i in range(ROWS):
        name = f"{rng.choice(ADJECTIVES)} {rng.choice(NOUNS)} of {rng.choice(PLACES)}"
        words = rng.sample(WORDS, 14)
        tags = rng.sample(COMMON_TAGS, rng.randint(1, 3))
        if i % RARE_EVERY == 0:
            words[5] = "lantern"
            tags.append("water")
        if i == ROWS // 2:
            name = "Bloody Mary"
        yield (
            f"entity-{i}",
            name,
            "apparition",
            " ".join(words).capitalize() + ".",
            1 + i % 5,
            tags,
            "published",
            published + timedelta(minutes=i),
        )


@pytest.fixture(scope="module")
async def many_entities(
    pg_server_dsn: str, migrated_template: str
) -> AsyncIterator[asyncpg.Connection]:
    """A migrated database holding 10,000 published entities, shared by the read-only tests."""
    name = f"gp_search_{secrets.token_hex(6)}"
    server = await asyncpg.connect(pg_server_dsn)
    try:
        await server.execute(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}"')
        conn = await asyncpg.connect(pg_server_dsn, database=name)
        try:
            await conn.copy_records_to_table(
                "ghost_entities",
                records=synthetic_entities(),
                columns=[
                    "slug",
                    "name",
                    "entity_type",
                    "description",
                    "danger_level",
                    "tags",
                    "status",
                    "published_at",
                ],
            )
            # VACUUM as well: right after a bulk load the GIN indexes hold every new entry in
            # their pending list, which the planner prices in (search_vector: 1,548 for the
            # bitmap scan vs 765 for a seq scan), so it would not use them until (auto)vacuum
            # flushes the list.
            await conn.execute("VACUUM ANALYZE ghost_entities")
            yield conn
        finally:
            await conn.close()
    finally:
        await server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await server.close()


def plan_nodes(plan: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield plan
    for child in plan.get("Plans", []):
        yield from plan_nodes(child)


@pytest.mark.parametrize(
    ("query", "index", "rows"),
    [
        pytest.param(
            "SELECT id FROM ghost_entities WHERE tags @> ARRAY['water']",
            "ghost_entities_tags_idx",
            ROWS // RARE_EVERY,
            id="tags",
        ),
        pytest.param(
            """
            SELECT id FROM ghost_entities
            WHERE status = 'published' AND tags @> ARRAY['water']
            ORDER BY published_at DESC, id DESC LIMIT 20
            """,
            "ghost_entities_tags_idx",
            20,
            id="tags-newest-page",
        ),
        pytest.param(
            "SELECT id FROM ghost_entities"
            " WHERE search_vector @@ websearch_to_tsquery('english', 'lantern')",
            "ghost_entities_search_vector_idx",
            ROWS // RARE_EVERY,
            id="full-text",
        ),
        pytest.param(
            """
            SELECT id FROM ghost_entities
            WHERE status = 'published'
              AND search_vector @@ websearch_to_tsquery('english', 'lanterns')
            ORDER BY ts_rank_cd(search_vector, websearch_to_tsquery('english', 'lanterns')) DESC
            LIMIT 20
            """,
            "ghost_entities_search_vector_idx",
            20,
            id="full-text-ranked-page",
        ),
        pytest.param(
            "SELECT id FROM ghost_entities WHERE name % 'Bloody Mery'",
            "ghost_entities_name_trgm_idx",
            1,
            id="trigram-similar",
        ),
        pytest.param(
            "SELECT id FROM ghost_entities WHERE name ILIKE 'blo%'",
            "ghost_entities_name_trgm_idx",
            1,
            id="trigram-prefix",
        ),
    ],
)
async def test_planner_chooses_the_index(
    many_entities: asyncpg.Connection, query: str, index: str, rows: int
) -> None:
    explained = await many_entities.fetchval(f"EXPLAIN (FORMAT JSON) {query}")
    plan = json.loads(explained)[0]["Plan"]
    nodes = list(plan_nodes(plan))
    indexes = {node["Index Name"] for node in nodes if "Index Name" in node}
    seq_scans = [node for node in nodes if node["Node Type"] == "Seq Scan"]
    assert (indexes, seq_scans) == ({index}, []), json.dumps(plan, indent=1)
    assert len(await many_entities.fetch(query)) == rows
