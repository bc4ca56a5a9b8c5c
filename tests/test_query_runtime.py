"""The committed query layer (service/store/queries/) against the real, migrated schema.

Only the queries the API runs are here; generator features (:iter, :copyfrom, arrays, ...)
are exercised on a test-only schema in tests/test_codegen.py.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import pytest

from service.dev.codegen import DEFAULT_OUT_DIR, DEFAULT_QUERIES_DIR, check
from service.store.db import Database, connect, transaction
from service.store.queries import ghosts, stories, users

# The list queries' filters, all off.
NO_FILTERS: dict[str, Any] = {
    "query": None,
    "tags": [],
    "entity_type": None,
    "min_danger": None,
    "max_danger": None,
}


@pytest.fixture
async def db(migrated_dsn: str) -> AsyncIterator[Database]:
    database = await connect(migrated_dsn, min_size=1, max_size=4)
    try:
        yield database
    finally:
        await database.close()


def ghost_fields(slug: str, **overrides: Any) -> dict[str, Any]:
    """An entity's editable fields, as InsertGhost and EditGhost take them."""
    fields: dict[str, Any] = {
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
    }
    fields.update(overrides)
    return fields


async def insert(db: Database, slug: str, **overrides: Any) -> uuid.UUID:
    made = await ghosts.insert_ghost(db, **ghost_fields(slug, **overrides), author_id=None)
    assert made is not None and made.slug == slug
    return made.id


async def test_committed_generated_code_is_current(migrated_dsn: str) -> None:
    assert await check(migrated_dsn, DEFAULT_QUERIES_DIR, DEFAULT_OUT_DIR) == []


async def test_ghost_lifecycle(db: Database) -> None:
    ghost_id = await insert(db, "grey-lady", origin="York")
    shown = await ghosts.get_ghost_detail(db, slug="grey-lady", include_drafts=False)
    assert shown is not None and shown.id == ghost_id and shown.origin == "York"
    assert shown.era is None and shown.published_at is not None and shown.view_count == 0
    assert await ghosts.get_ghost_detail(db, slug="nobody", include_drafts=True) is None

    async with transaction(db) as tx:
        locked = await ghosts.get_ghost_for_edit(tx, slug="grey-lady")
        assert locked is not None and locked.id == ghost_id
        edited = await ghosts.edit_ghost(
            tx, id=ghost_id, **ghost_fields("grey-lady-of-york", status="draft")
        )
    assert edited is not None and edited.slug == "grey-lady-of-york"
    hidden = await ghosts.get_ghost_detail(db, slug="grey-lady-of-york", include_drafts=False)
    assert hidden is None  # drafts only in the editors' view
    draft = await ghosts.get_ghost_detail(db, slug="grey-lady-of-york", include_drafts=True)
    assert draft is not None and draft.status == "draft" and draft.published_at is None
    assert draft.origin is None  # every editable field is replaced
    assert await ghosts.edit_ghost(db, id=uuid.uuid4(), **ghost_fields("x")) is None

    assert await ghosts.delete_ghost_by_slug(db, slug="grey-lady-of-york") == 1
    assert await ghosts.delete_ghost_by_slug(db, slug="grey-lady-of-york") == 0


@pytest.mark.parametrize("drafts", [False, True])
async def test_keyset_pagination_walks_every_listed_ghost_once(db: Database, drafts: bool) -> None:
    for i in range(30):
        await insert(db, f"ghost-{i}", status="published" if i % 5 else "draft")
    seen: list[ghosts.ListGhostsRecentRow] = []
    after_id: uuid.UUID | None = None
    after_published_at: datetime.datetime | None = None
    while page := await ghosts.list_ghosts_recent(
        db,
        include_drafts=drafts,
        **NO_FILTERS,
        after_id=after_id,
        after_published_at=after_published_at,
        max_rows=7,
    ):
        seen.extend(page)
        after_id, after_published_at = page[-1].id, page[-1].published_at
    assert len({r.id for r in seen}) == len(seen) == (30 if drafts else 24)
    # drafts (no published_at) first, then newest first; ties broken by id
    oldest = datetime.datetime.min.replace(tzinfo=datetime.UTC)
    keys = [(r.published_at is None, r.published_at or oldest, r.id) for r in seen]
    assert keys == sorted(keys, reverse=True)


async def test_search_tags_and_slugs(db: Database) -> None:
    lady = await insert(db, "grey-lady", tags=["uk", "castle"])
    await insert(db, "black-dog", entity_type="cryptid", tags=["uk"])
    found = await ghosts.list_ghosts_by_relevance(
        db,
        query='"grey lady" -dog',
        candidate_cap=500,
        include_drafts=False,
        **{k: v for k, v in NO_FILTERS.items() if k != "query"},
        after_id=None,
        after_name_match=None,
        after_rank=None,
        max_rows=5,
    )
    assert [r.slug for r in found] == ["grey-lady"] and found[0].name_match and found[0].rank > 0

    async def by_name(**filters: Any) -> list[str]:
        rows = await ghosts.list_ghosts_by_name(
            db,
            include_drafts=False,
            **NO_FILTERS | filters,
            after_id=None,
            after_name=None,
            max_rows=9,
        )
        return [r.slug for r in rows]

    assert await by_name() == await by_name(tags=["uk"]) == ["black-dog", "grey-lady"]
    assert await by_name(tags=["uk", "castle"]) == ["grey-lady"]  # every tag must be present
    assert await by_name(entity_type="cryptid") == ["black-dog"]
    assert await ghosts.list_ghost_ids_by_slugs(db, slugs=[]) == []
    rows = await ghosts.list_ghost_ids_by_slugs(db, slugs=["grey-lady", "nobody"])
    assert [(r.id, r.slug) for r in rows] == [(lady, "grey-lady")]


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


async def test_story_ghost_links_hide_draft_entities_outside_the_editors_view(
    db: Database,
) -> None:
    shown = await insert(db, "shown")
    hidden = await insert(db, "hidden", status="draft")
    story = await stories.insert_story(
        db,
        slug="night-walk",
        title="Night Walk",
        summary="",
        body="Once...",
        tags=[],
        reading_minutes=4,
        status="published",
        author_id=None,
    )
    assert story is not None
    await stories.set_story_ghosts(
        db, story_id=story.id, ghost_ids=[hidden, shown], roles=["mentioned", "featured"]
    )
    public = await stories.list_story_ghosts(db, story_id=story.id, include_drafts=False)
    assert [(r.slug, r.role, r.position) for r in public] == [("shown", "featured", 1)]
    editors = await stories.list_story_ghosts(db, story_id=story.id, include_drafts=True)
    assert [(r.slug, r.role) for r in editors] == [("hidden", "mentioned"), ("shown", "featured")]
    await stories.set_story_ghosts(db, story_id=story.id, ghost_ids=[shown], roles=["mentioned"])
    again = await stories.list_story_ghosts(db, story_id=story.id, include_drafts=True)
    assert [(r.slug, r.role, r.position) for r in again] == [("shown", "mentioned", 0)]
    linked = await stories.list_ghost_stories(
        db,
        ghost_id=shown,
        include_drafts=False,
        after_id=None,
        after_published_at=None,
        max_rows=5,
    )
    assert [(r.slug, r.role) for r in linked] == [("night-walk", "mentioned")]
    assert await stories.delete_story_by_slug(db, slug="night-walk") == 1
