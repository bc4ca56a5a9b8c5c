"""Seed data: the demo dataset loads idempotently, cleans exactly, and synthetic data loads."""

from __future__ import annotations

import asyncpg
import pytest
from argon2 import PasswordHasher

from service.config import ROOT
from service.dev import seed

# Tables the demo dataset fills, and which of their ids mark demo rows.
SEEDED_TABLES = (
    "users", "preference_profiles", "ghost_entities", "stories", "ghost_entity_relationships",
    "media", "comments", "bookmarks", "reading_progress", "interactions", "feature_flags",
)  # fmt: skip
DEMO_PASSWORDS = {
    "admin": "admin-demo-password",
    "editor": "editor-demo-password",
    "reader": "reader-demo-password",
    "premium_reader": "premium-demo-password",
    "pro_reader": "pro-demo-password",
}


async def counts(conn: asyncpg.Connection) -> dict[str, int]:
    """Rows per seeded table (table names are ours, not input)."""
    return {
        table: await conn.fetchval(f"SELECT count(*) FROM {table}")  # noqa: S608
        for table in (*SEEDED_TABLES, "story_ghost_entities")
    }


async def test_demo_seed_is_idempotent_and_large_enough(
    migrated_dsn: str, conn: asyncpg.Connection
) -> None:
    await seed.load(migrated_dsn)
    first = await counts(conn)
    await seed.load(migrated_dsn)
    assert await counts(conn) == first
    assert first["ghost_entities"] >= 40
    assert first["stories"] >= 20
    published = await conn.fetchval("SELECT count(*) FROM stories WHERE status = 'published'")
    linked = await conn.fetchval("SELECT count(DISTINCT story_id) FROM story_ghost_entities")
    assert linked == first["stories"] and published >= 18
    roles = {r["role"] for r in await conn.fetch("SELECT role FROM users")}
    tiers = {r["tier"] for r in await conn.fetch("SELECT tier FROM users")}
    assert roles == {"reader", "editor", "admin"} and tiers == {"free", "premium", "pro"}
    assert await conn.fetchval("SELECT count(*) FROM comments WHERE parent_id IS NOT NULL") > 0


async def test_demo_passwords_in_readme_match_the_seed(
    migrated_dsn: str, conn: asyncpg.Connection
) -> None:
    await seed.load(migrated_dsn)
    hasher = PasswordHasher()
    readme = (ROOT / "README.md").read_text()
    for username, password in DEMO_PASSWORDS.items():
        stored = await conn.fetchval(
            "SELECT password_hash FROM users WHERE username = $1", username
        )
        assert stored.startswith("$argon2id$")
        assert hasher.verify(stored, password)
        assert f"`{password}`" in readme and f"`{username}`" in readme


async def test_clean_removes_exactly_the_demo_data(
    migrated_dsn: str, conn: asyncpg.Connection
) -> None:
    own_user = await conn.fetchval(
        "INSERT INTO users (email, username, display_name, password_hash)"
        " VALUES ('own@example.org', 'own_user', 'Own', 'x') RETURNING id"
    )
    await conn.execute(
        "INSERT INTO ghost_entities (slug, name, entity_type, danger_level)"
        " VALUES ('own-ghost', 'Own Ghost', 'spirit', 1)"
    )
    await seed.load(migrated_dsn)
    await seed.clean(migrated_dsn)
    after = await counts(conn)
    assert after["users"] == 1 and after["ghost_entities"] == 1
    assert await conn.fetchval("SELECT id FROM users") == own_user
    assert all(after[t] == 0 for t in SEEDED_TABLES if t not in ("users", "ghost_entities"))


@pytest.mark.parametrize("entities", [1, 250])
async def test_synthetic_seed_loads_proportional_data(
    migrated_dsn: str, conn: asyncpg.Connection, entities: int
) -> None:
    await seed.synthetic(migrated_dsn, entities)
    got = await counts(conn)
    assert got["ghost_entities"] == entities
    assert got["interactions"] == 2 * entities
    assert got["stories"] == got["story_ghost_entities"] == entities // 2
    assert got["users"] == max(1, entities // 20)


async def test_clean_synthetic_removes_only_synthetic_rows(
    migrated_dsn: str, conn: asyncpg.Connection
) -> None:
    await seed.load(migrated_dsn)
    demo = await counts(conn)
    await seed.synthetic(migrated_dsn, 40)
    await seed.clean(migrated_dsn, "synthetic")
    assert await counts(conn) == demo
    await seed.synthetic(migrated_dsn, 5)
    await seed.clean(migrated_dsn, "all")
    assert all(count == 0 for count in (await counts(conn)).values())


async def test_seeds_and_copy_columns_fit_the_schema(migrated_dsn: str) -> None:
    assert await seed.verify(migrated_dsn) == []


async def test_a_seed_that_no_longer_fits_is_named_with_its_line(
    migrated_dsn: str, conn: asyncpg.Connection
) -> None:
    await conn.execute("ALTER TABLE feature_flags RENAME COLUMN description TO summary")
    await conn.execute("ALTER TABLE stories RENAME COLUMN reading_minutes TO minutes")
    problems = await seed.verify(migrated_dsn)
    demo = (ROOT / "db" / "seeds" / "demo.sql").read_text().splitlines()
    seeded = [p for p in problems if p.startswith("db/seeds/demo.sql:")]
    assert len(seeded) == 1, problems
    line = int(seeded[0].split(":")[1])
    assert "description" in demo[line - 1] or "reading_minutes" in demo[line - 1], seeded
    copies = [p for p in problems if p.startswith("service/dev/seed.py:")]
    assert len(copies) == 1 and "COPY into stories" in copies[0], problems
    # Nothing stayed behind: each check ran in a transaction that was rolled back.
    assert await conn.fetchval("SELECT count(*) FROM users") == 0
