"""The committed query layer (service/store/queries/) against the real, migrated schema."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from service.dev.codegen import DEFAULT_OUT_DIR, DEFAULT_QUERIES_DIR, check
from service.store.db import Database, connect, create_pool, transaction
from service.store.queries import ghosts, stories, users

FIRST_PAGE = datetime.datetime.max.replace(tzinfo=datetime.UTC)
T0 = datetime.datetime(2024, 1, 1, tzinfo=datetime.UTC)


@pytest.fixture
async def db(migrated_dsn: str) -> AsyncIterator[Database]:
    database = await connect(migrated_dsn, min_size=1, max_size=4)
    try:
        yield database
    finally:
        await database.close()


def ghost_args(slug: str, **overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "slug": slug,
        "name": slug.replace("-", " ").title(),
        "entity_type": "apparition",
        "origin": None,
        "location": None,
        "era": None,
        "description": f"About the {slug}.",
        "danger_level": 2,
        "characteristics": ["cold spots"],
        "tags": ["uk"],
        "status": "published",
        "published_at": T0,
        "author_id": None,
    }
    args.update(overrides)
    return args


async def test_committed_generated_code_is_current(migrated_dsn: str) -> None:
    assert await check(migrated_dsn, DEFAULT_QUERIES_DIR, DEFAULT_OUT_DIR) == []


async def test_ghost_lifecycle(db: Database) -> None:
    made = await ghosts.create_ghost(db, **ghost_args("grey-lady", origin="York"))
    assert made is not None and made.status == "published" and made.origin == "York"
    by_slug = await ghosts.get_ghost_by_slug(db, slug="grey-lady")
    assert by_slug is not None and by_slug.id == made.id and by_slug.era is None
    assert await ghosts.get_ghost_by_slug(db, slug="nobody") is None

    updated = await ghosts.update_ghost(
        db,
        id=made.id,
        **{k: v for k, v in ghost_args("grey-lady").items() if k not in ("slug", "author_id")}
        | {"status": "draft"},
    )
    assert updated is not None and updated.status == "draft" and updated.origin is None
    assert await ghosts.get_ghost_by_slug(db, slug="grey-lady") is None  # drafts are hidden
    by_id = await ghosts.get_ghost_by_id(db, id=made.id)
    assert by_id is not None and by_id.status == "draft"
    missing = await ghosts.update_ghost(
        db,
        id=uuid.uuid4(),
        **{k: v for k, v in ghost_args("x").items() if k not in ("slug", "author_id")},
    )
    assert missing is None

    assert await ghosts.delete_ghost_by_slug(db, slug="grey-lady") == 1
    assert await ghosts.delete_ghost_by_slug(db, slug="grey-lady") == 0


async def test_keyset_pagination_walks_every_published_ghost_once(db: Database) -> None:
    rows = [
        ghosts.CopyGhostsParams(
            id=uuid.uuid4(),
            slug=f"ghost-{i}",
            name=f"Ghost {i}",
            entity_type="spirit",
            description="",
            danger_level=1 + i % 5,
            characteristics=[],
            tags=["odd"] if i % 2 else ["even"],
            status="published" if i % 5 else "draft",
            published_at=T0 + datetime.timedelta(hours=i // 3) if i % 5 else None,
        )
        for i in range(40)
    ]
    assert await ghosts.copy_ghosts(db, rows=rows) == 40
    seen: list[uuid.UUID] = []
    after, after_id = FIRST_PAGE, uuid.UUID(int=0)
    while page := await ghosts.list_published_ghosts_recent(
        db, after_published_at=after, after_id=after_id, max_rows=7
    ):
        seen.extend(r.id for r in page)
        after, after_id = page[-1].published_at, page[-1].id
    published = [r for r in rows if r.status == "published"]
    assert len(seen) == len(set(seen)) == len(published) == 32
    expected = sorted(published, key=lambda r: (r.published_at, r.id), reverse=True)
    assert seen == [r.id for r in expected]


async def test_search_tags_and_ids(db: Database) -> None:
    lady = await ghosts.create_ghost(db, **ghost_args("grey-lady", tags=["uk", "castle"]))
    await ghosts.create_ghost(db, **ghost_args("black-dog", entity_type="cryptid", tags=["uk"]))
    assert lady is not None
    found = await ghosts.search_ghosts(db, query='"grey lady" -dog', max_rows=5)
    assert [r.slug for r in found] == ["grey-lady"] and found[0].rank > 0
    assert {r.slug for r in await ghosts.list_ghosts_by_tags(db, tags=["uk"], max_rows=9)} == {
        "grey-lady",
        "black-dog",
    }
    tagged = await ghosts.list_ghosts_by_tags(db, tags=["uk", "castle"], max_rows=9)
    assert [r.slug for r in tagged] == ["grey-lady"]
    assert len(await ghosts.list_ghosts_by_tags(db, tags=[], max_rows=9)) == 2  # @> '{}' is true
    assert await ghosts.list_ghosts_by_ids(db, ids=[]) == []
    assert [r.slug for r in await ghosts.list_ghosts_by_ids(db, ids=[lady.id])] == ["grey-lady"]


async def test_iter_all_ghost_ids_from_a_pool_and_inside_a_transaction(db: Database) -> None:
    for i in range(25):
        await ghosts.create_ghost(db, **ghost_args(f"g-{i}", status="draft", published_at=None))
    ids = [r.id async for r in ghosts.iter_all_ghost_ids(db, prefetch=4)]
    assert len(ids) == 25 and ids == sorted(ids)
    async with transaction(db) as tx:
        await ghosts.create_ghost(tx, **ghost_args("late", status="draft", published_at=None))
        assert len([r async for r in ghosts.iter_all_ghost_ids(tx)]) == 26
        assert tx.is_in_transaction()


async def test_users_login_is_case_insensitive_on_email(db: Database) -> None:
    made = await users.create_user(
        db,
        email="Medium@Example.org",
        username="medium",
        display_name="The Medium",
        password_hash="$argon2id$v=19$stub",
        role="editor",
        tier="pro",
    )
    assert made is not None and made.role == "editor" and not hasattr(made, "password_hash")
    for login in ("medium@example.org", "MEDIUM@EXAMPLE.ORG", "medium"):
        row = await users.get_user_by_login(db, login=login)
        assert row is not None and row.id == made.id and row.password_hash.startswith("$argon2id")
    assert await users.get_user_by_login(db, login="Medium") is None  # usernames are exact
    assert (await users.get_user_by_id(db, id=made.id)) is not None
    with pytest.raises(asyncpg.UniqueViolationError):
        await users.create_user(
            db,
            email="medium@example.org",
            username="other",
            display_name="x",
            password_hash="h",
            role="reader",
            tier="free",
        )


async def test_story_entities_left_join_yields_none_for_unpublished(db: Database) -> None:
    shown = await ghosts.create_ghost(db, **ghost_args("shown"))
    hidden = await ghosts.create_ghost(
        db, **ghost_args("hidden", status="draft", published_at=None)
    )
    story = await stories.create_story(
        db,
        slug="night-walk",
        title="Night Walk",
        summary="",
        body="Once...",
        tags=[],
        reading_minutes=4,
        status="published",
        published_at=T0,
        author_id=None,
    )
    assert shown and hidden and story
    await stories.link_story_ghost(
        db, story_id=story.id, ghost_entity_id=shown.id, role="featured", position=0
    )
    await stories.link_story_ghost(
        db, story_id=story.id, ghost_entity_id=hidden.id, role="mentioned", position=1
    )
    rows = await stories.list_story_entities(db, story_id=story.id)
    assert [(r.role, r.ghost_slug) for r in rows] == [("featured", "shown"), ("mentioned", None)]
    assert rows[1].ghost_id is None and rows[1].ghost_entity_type is None
    linked = await stories.list_stories_for_ghost(db, ghost_entity_id=shown.id, max_rows=5)
    assert [(r.slug, r.role) for r in linked] == [("night-walk", "featured")]
    assert await stories.delete_story_by_slug(db, slug="night-walk") == 1


async def test_replica_pool_serves_reads_and_primary_serves_writes(migrated_dsn: str) -> None:
    primary = await create_pool(migrated_dsn, min_size=1, max_size=2)
    replica = await create_pool(migrated_dsn, min_size=1, max_size=2)
    db = Database(primary, replica)
    try:
        await ghosts.create_ghost(db, **ghost_args("routed"))
        await primary.close()  # from now on only the replica can answer
        assert await ghosts.get_ghost_by_slug(db, slug="routed") is not None
        assert len([r async for r in ghosts.iter_all_ghost_ids(db)]) == 1
        with pytest.raises(asyncpg.InterfaceError):
            await ghosts.delete_ghost_by_slug(db, slug="routed")
    finally:
        await db.close()
