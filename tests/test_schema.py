"""Schema rules on a real, fully migrated PostgreSQL: constraints, triggers and cascades.

Rows are written as plain SQL. `:name` placeholders (`:user`, `:ghost`, `:story`, ...) stand for
parent rows that `make_parents` creates on demand; `run` binds them as query parameters.

Every test runs inside a transaction on one migrated database per module, rolled back afterwards:
a fresh database per test (the `conn` fixture) costs ~0.1-0.4 s, which over ~220 cases is most of
a minute. Nothing here needs to commit (constraints are not deferrable).
"""

from __future__ import annotations

import re
import secrets
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from itertools import count
from typing import Final
from uuid import UUID

import asyncpg
import pytest

Ids = dict[str, UUID | None]


@pytest.fixture(scope="module")
async def module_conn(
    pg_server_dsn: str, migrated_template: str
) -> AsyncIterator[asyncpg.Connection]:
    """A connection to a migrated database shared by this module's tests."""
    name = f"gp_schema_{secrets.token_hex(6)}"
    server = await asyncpg.connect(pg_server_dsn)
    try:
        await server.execute(f'CREATE DATABASE "{name}" TEMPLATE "{migrated_template}"')
        connection = await asyncpg.connect(pg_server_dsn, database=name)
        try:
            yield connection
        finally:
            await connection.close()
    finally:
        await server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        await server.close()


@pytest.fixture
async def db(module_conn: asyncpg.Connection) -> AsyncIterator[asyncpg.Connection]:
    """The module's connection inside a transaction that is rolled back after the test."""
    transaction = module_conn.transaction()
    await transaction.start()
    try:
        yield module_conn
    finally:
        await transaction.rollback()


# ---------------------------------------------------------------------------------------------
# Parent rows
# ---------------------------------------------------------------------------------------------

_serial = count(1)


async def _new_id(conn: asyncpg.Connection, sql: str, *args: object) -> UUID:
    value = await conn.fetchval(sql, *args)
    assert isinstance(value, UUID)
    return value


async def insert_user(conn: asyncpg.Connection) -> UUID:
    n = next(_serial)
    return await _new_id(
        conn,
        "INSERT INTO users (email, username, display_name, password_hash)"
        " VALUES ($1, $2, $3, 'stub') RETURNING id",
        f"reader{n}@example.com",
        f"reader_{n}",
        f"Reader {n}",
    )


async def insert_ghost(conn: asyncpg.Connection, author: UUID | None = None) -> UUID:
    n = next(_serial)
    return await _new_id(
        conn,
        "INSERT INTO ghost_entities (slug, name, entity_type, danger_level, author_id)"
        " VALUES ($1, $2, 'spirit', 3, $3) RETURNING id",
        f"ghost-{n}",
        f"Ghost {n}",
        author,
    )


async def insert_story(conn: asyncpg.Connection, author: UUID | None = None) -> UUID:
    n = next(_serial)
    return await _new_id(
        conn,
        "INSERT INTO stories (slug, title, author_id) VALUES ($1, $2, $3) RETURNING id",
        f"story-{n}",
        f"Story {n}",
        author,
    )


async def insert_comment(
    conn: asyncpg.Connection, story: UUID, parent: UUID | None = None, user: UUID | None = None
) -> UUID:
    return await _new_id(
        conn,
        "INSERT INTO comments (story_id, parent_id, user_id, body)"
        " VALUES ($1, $2, $3, 'Boo.') RETURNING id",
        story,
        parent,
        user,
    )


def _need(ids: Ids, name: str) -> UUID:
    value = ids[name]
    assert value is not None
    return value


async def _make_recommendation(conn: asyncpg.Connection, ids: Ids) -> UUID:
    return await _new_id(
        conn,
        "INSERT INTO recommendations (user_id, ghost_entity_id, score, algorithm, expires_at)"
        " VALUES ($1, $2, 0.5, 'content', now() + interval '1 day') RETURNING id",
        _need(ids, "user"),
        _need(ids, "ghost"),
    )


# name -> (parents it needs first, how to make it)
PARENTS: Final[
    dict[str, tuple[tuple[str, ...], Callable[[asyncpg.Connection, Ids], Awaitable[UUID]]]]
] = {
    "user": ((), lambda conn, ids: insert_user(conn)),
    "user2": ((), lambda conn, ids: insert_user(conn)),
    "ghost": ((), lambda conn, ids: insert_ghost(conn)),
    "ghost2": ((), lambda conn, ids: insert_ghost(conn)),
    "story": ((), lambda conn, ids: insert_story(conn)),
    "story2": ((), lambda conn, ids: insert_story(conn)),
    "comment": (("story",), lambda conn, ids: insert_comment(conn, _need(ids, "story"))),
    "reply": (
        ("comment",),
        lambda conn, ids: insert_comment(conn, _need(ids, "story"), _need(ids, "comment")),
    ),
    "recommendation": (("user", "ghost"), _make_recommendation),
}

_PLACEHOLDER = re.compile(r"(?<![:\w]):([a-z][a-z0-9_]*)")


def placeholders(*statements: str) -> list[str]:
    return [name for sql in statements for name in _PLACEHOLDER.findall(sql)]


async def make_parents(conn: asyncpg.Connection, *names: str, ids: Ids | None = None) -> Ids:
    """Create the named parent rows (and what they depend on) that `ids` does not have yet."""
    ids = {} if ids is None else ids
    for name in names:
        if name in ids:
            continue
        depends_on, make = PARENTS[name]
        await make_parents(conn, *depends_on, ids=ids)
        ids[name] = await make(conn, ids)
    return ids


async def run(conn: asyncpg.Connection, sql: str, ids: Ids) -> None:
    """Execute `sql`, binding each `:name` to `ids[name]`."""
    names: list[str] = []

    def positional(match: re.Match[str]) -> str:
        if match[1] not in names:
            names.append(match[1])
        return f"${names.index(match[1]) + 1}"

    query = _PLACEHOLDER.sub(positional, sql)
    await conn.execute(query, *(ids[name] for name in names))


# ---------------------------------------------------------------------------------------------
# One valid row per table; a test overrides the columns it wants to break.
# ---------------------------------------------------------------------------------------------

VALID: Final[dict[str, dict[str, str]]] = {
    "users": {
        "email": "'casper@example.com'",
        "username": "'casper'",
        "display_name": "'Casper'",
        "password_hash": "'stub'",
    },
    "sessions": {
        "user_id": ":user",
        "token_hash": "sha256(gen_random_uuid()::text::bytea)",
        "expires_at": "now() + interval '30 days'",
        "idle_expires_at": "now() + interval '1 day'",
    },
    "preference_profiles": {"user_id": ":user"},
    "ghost_entities": {
        "slug": "'grey-lady'",
        "name": "'Grey Lady'",
        "entity_type": "'apparition'",
        "danger_level": "2",
    },
    "stories": {"slug": "'the-knock'", "title": "'The Knock'"},
    "story_ghost_entities": {"story_id": ":story", "ghost_entity_id": ":ghost"},
    "ghost_entity_relationships": {
        "source_id": ":ghost",
        "target_id": ":ghost2",
        "relationship_type": "'related'",
    },
    "media": {
        "ghost_entity_id": ":ghost",
        "url": "'https://cdn.example.com/grey-lady.jpg'",
        "mime_type": "'image/jpeg'",
        "size_bytes": "1024",
    },
    "reading_progress": {"user_id": ":user", "story_id": ":story"},
    "bookmarks": {"user_id": ":user", "ghost_entity_id": ":ghost"},
    "interactions": {"user_id": ":user", "ghost_entity_id": ":ghost", "kind": "'view'"},
    "content_statistics": {"ghost_entity_id": ":ghost"},
    "content_statistics_deltas": {"ghost_entity_id": ":ghost", "view_count": "1"},
    "comments": {"story_id": ":story", "user_id": ":user", "body": "'Chilling.'"},
    "recommendations": {
        "user_id": ":user",
        "ghost_entity_id": ":ghost",
        "score": "0.5",
        "algorithm": "'content'",
        "expires_at": "now() + interval '1 day'",
    },
    "recommendation_feedback": {
        "user_id": ":user",
        "ghost_entity_id": ":ghost",
        "feedback": "'helpful'",
    },
    "conversation_messages": {
        "user_id": ":user",
        "ghost_entity_id": ":ghost",
        "role": "'user'",
        "body": "'Who walks these halls?'",
    },
    "jobs": {"kind": "'send_digest'"},
    "feature_flags": {"key": "'semantic_search'"},
    "audit_events": {"actor_id": ":user", "action": "'ghost.created'", "target_type": "'ghost'"},
    "job_schedules": {
        "name": "'retention.jobs'",
        "kind": "'retention.jobs'",
        "run_every": "interval '1 hour'",
    },
    "ghost_embeddings": {
        "ghost_entity_id": ":ghost",
        "content_hash": "sha256('x')",
        "embedding": "array_fill(0.05::real, ARRAY[384])::vector",
    },
    "story_embeddings": {
        "story_id": ":story",
        "content_hash": "sha256('x')",
        "embedding": "array_fill(0.05::real, ARRAY[384])::vector",
    },
    "passages": {
        "ghost_entity_id": ":ghost",
        "position": "0",
        "body": "'A grey lady walks the long gallery.'",
        "content_hash": "sha256('x')",
        "embedding": "array_fill(0.05::real, ARRAY[384])::vector",
    },
}

# Tables whose rows point at exactly one of a ghost entity or a story.
POLYMORPHIC: Final = (
    "bookmarks",
    "interactions",
    "media",
    "content_statistics",
    "recommendations",
    "recommendation_feedback",
)


def insert(table: str, **overrides: str | None) -> str:
    """INSERT of the valid row for `table` with some columns replaced (None leaves one out)."""
    values = {**VALID[table], **overrides}
    columns = {column: value for column, value in values.items() if value is not None}
    # Table and column names come from the constants above, never from input.
    if not columns:
        return f"INSERT INTO {table} DEFAULT VALUES"
    return f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join(columns.values())})"  # noqa: S608


async def count_rows(
    conn: asyncpg.Connection, table: str, where: str = "TRUE", *args: object
) -> int:
    total = await conn.fetchval(f"SELECT count(*) FROM {table} WHERE {where}", *args)  # noqa: S608
    assert isinstance(total, int)
    return total


# ---------------------------------------------------------------------------------------------
# 1. Every CHECK, UNIQUE and FOREIGN KEY rule rejects a bad row
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    description: str
    error: type[asyncpg.PostgresError]
    rule: str  # constraint or unique index name; "table.column" for NOT NULL
    bad: str
    first: str | None = None  # a valid statement that must succeed before `bad`


def table_of(description: str) -> str:
    """The table a case is about: its description starts with the table's name and a colon."""
    return description.partition(":")[0]


def check(description: str, rule: str, **overrides: str | None) -> Case:
    insert_sql = insert(table_of(description), **overrides)
    return Case(description, asyncpg.CheckViolationError, rule, insert_sql)


def foreign_key(description: str, rule: str, **overrides: str | None) -> Case:
    insert_sql = insert(table_of(description), **overrides)
    return Case(description, asyncpg.ForeignKeyViolationError, rule, insert_sql)


def not_null(table: str, column: str) -> Case:
    return Case(
        f"{table}: {column} is required",
        asyncpg.NotNullViolationError,
        f"{table}.{column}",
        insert(table, **{column: "NULL"}),
    )


def unique(
    description: str, rule: str, first: dict[str, str | None] | None = None, **second: str | None
) -> Case:
    """The second row collides with the first (an exact duplicate unless `first` is given)."""
    table = table_of(description)
    first_sql = insert(table, **(second if first is None else first))
    return Case(description, asyncpg.UniqueViolationError, rule, insert(table, **second), first_sql)


TOO_MANY_TAGS = "array_fill('tag'::text, ARRAY[33])"
NO_TARGET: Final[dict[str, str | None]] = {"ghost_entity_id": None}
BOTH_TARGETS: Final[dict[str, str | None]] = {"story_id": ":story"}
MISSING = "gen_random_uuid()"
SHORT = "'\\x00'::bytea"  # a digest that is not 32 bytes

CASES: Final[list[Case]] = [
    # users
    check("users: email without a domain", "users_email_check", email="'casper'"),
    check("users: email with a space", "users_email_check", email="'cas per@example.com'"),
    check(
        "users: email longer than 254",
        "users_email_check",
        email="repeat('a', 250) || '@example.com'",
    ),
    check("users: username with capitals", "users_username_check", username="'Casper'"),
    check("users: username too short", "users_username_check", username="'cp'"),
    check("users: empty display name", "users_display_name_check", display_name="''"),
    check("users: unknown role", "users_role_check", role="'superuser'"),
    check("users: unknown tier", "users_tier_check", tier="'gold'"),
    unique(
        "users: email differing only in case",
        "users_email_lower_key",
        first={},
        email="'CASPER@Example.com'",
        username="'casper_two'",
    ),
    unique("users: username taken", "users_username_key", first={}, email="'other@example.com'"),
    not_null("users", "password_hash"),
    # sessions
    check(
        "sessions: token hash not 32 bytes",
        "sessions_token_hash_check",
        token_hash="decode('abcd', 'hex')",
    ),
    check(
        "sessions: user agent over 512 chars",
        "sessions_user_agent_check",
        user_agent="repeat('x', 513)",
    ),
    unique(
        "sessions: token hash reused",
        "sessions_token_hash_key",
        token_hash="sha256('token'::bytea)",
    ),
    foreign_key("sessions: missing user", "sessions_user_id_fkey", user_id=MISSING),
    not_null("sessions", "token_hash"),
    # preference_profiles
    check(
        "preference_profiles: min danger above max",
        "preference_profiles_danger_range_check",
        min_danger="4",
        max_danger="2",
    ),
    check(
        "preference_profiles: unknown entity type",
        "preference_profiles_favorite_entity_types_check",
        favorite_entity_types="ARRAY['vampire']",
    ),
    check(
        "preference_profiles: NULL entity type",
        "preference_profiles_favorite_entity_types_check",
        favorite_entity_types="ARRAY[NULL]::text[]",
    ),
    check(
        "preference_profiles: 33 favorite tags",
        "preference_profiles_favorite_tags_check",
        favorite_tags=TOO_MANY_TAGS,
    ),
    check(
        "preference_profiles: max danger 6", "preference_profiles_max_danger_check", max_danger="6"
    ),
    check(
        "preference_profiles: min danger 0", "preference_profiles_min_danger_check", min_danger="0"
    ),
    unique("preference_profiles: second profile for a user", "preference_profiles_user_id_key"),
    foreign_key(
        "preference_profiles: missing user", "preference_profiles_user_id_fkey", user_id=MISSING
    ),
    # ghost_entities
    check("ghost_entities: danger level 0", "ghost_entities_danger_level_check", danger_level="0"),
    check("ghost_entities: danger level 6", "ghost_entities_danger_level_check", danger_level="6"),
    check(
        "ghost_entities: unknown entity type",
        "ghost_entities_entity_type_check",
        entity_type="'vampire'",
    ),
    check("ghost_entities: empty name", "ghost_entities_name_check", name="''"),
    check(
        "ghost_entities: name over 200 chars", "ghost_entities_name_check", name="repeat('n', 201)"
    ),
    check(
        "ghost_entities: published without published_at",
        "ghost_entities_published_at_check",
        status="'published'",
    ),
    check("ghost_entities: slug with spaces", "ghost_entities_slug_check", slug="'Grey Lady'"),
    check(
        "ghost_entities: slug with a trailing hyphen",
        "ghost_entities_slug_check",
        slug="'grey-lady-'",
    ),
    check(
        "ghost_entities: slug over 120 chars", "ghost_entities_slug_check", slug="repeat('s', 121)"
    ),
    check("ghost_entities: unknown status", "ghost_entities_status_check", status="'archived'"),
    check("ghost_entities: tag with capitals", "ghost_entities_tags_check", tags="ARRAY['Water']"),
    check(
        "ghost_entities: tag with a space", "ghost_entities_tags_check", tags="ARRAY['deep water']"
    ),
    check("ghost_entities: empty tag", "ghost_entities_tags_check", tags="ARRAY['']"),
    check("ghost_entities: NULL tag", "ghost_entities_tags_check", tags="ARRAY['water', NULL]"),
    check(
        "ghost_entities: two-dimensional tags",
        "ghost_entities_tags_check",
        tags="ARRAY[ARRAY['water', 'fog']]",
    ),
    check("ghost_entities: 33 tags", "ghost_entities_tags_check", tags=TOO_MANY_TAGS),
    unique("ghost_entities: slug taken", "ghost_entities_slug_key"),
    foreign_key(
        "ghost_entities: missing author", "ghost_entities_author_id_fkey", author_id=MISSING
    ),
    not_null("ghost_entities", "danger_level"),
    # stories
    check(
        "stories: published without published_at",
        "stories_published_at_check",
        status="'published'",
    ),
    check("stories: zero reading minutes", "stories_reading_minutes_check", reading_minutes="0"),
    check("stories: slug with capitals", "stories_slug_check", slug="'The-Knock'"),
    check("stories: unknown status", "stories_status_check", status="'archived'"),
    check("stories: summary over 1000 chars", "stories_summary_check", summary="repeat('s', 1001)"),
    check("stories: tag with capitals", "stories_tags_check", tags="ARRAY['Haunted']"),
    check("stories: 33 tags", "stories_tags_check", tags=TOO_MANY_TAGS),
    check("stories: empty title", "stories_title_check", title="''"),
    unique("stories: slug taken", "stories_slug_key"),
    foreign_key("stories: missing author", "stories_author_id_fkey", author_id=MISSING),
    # story_ghost_entities
    check(
        "story_ghost_entities: negative position",
        "story_ghost_entities_position_check",
        position="-1",
    ),
    check(
        "story_ghost_entities: unknown role", "story_ghost_entities_role_check", role="'villain'"
    ),
    unique(
        "story_ghost_entities: entity linked twice to a story",
        "story_ghost_entities_pkey",
        first={},
        role="'mentioned'",
    ),
    foreign_key(
        "story_ghost_entities: missing story",
        "story_ghost_entities_story_id_fkey",
        story_id=MISSING,
    ),
    foreign_key(
        "story_ghost_entities: missing entity",
        "story_ghost_entities_ghost_entity_id_fkey",
        ghost_entity_id=MISSING,
    ),
    # ghost_entity_relationships
    check(
        "ghost_entity_relationships: entity related to itself",
        "ghost_entity_relationships_no_self_check",
        target_id=":ghost",
    ),
    check(
        "ghost_entity_relationships: unknown type",
        "ghost_entity_relationships_relationship_type_check",
        relationship_type="'married_to'",
    ),
    unique(
        "ghost_entity_relationships: same pair, same direction",
        "ghost_entity_relationships_pair_key",
        first={},
        relationship_type="'ally_of'",
    ),
    unique(
        "ghost_entity_relationships: same pair, reversed",
        "ghost_entity_relationships_pair_key",
        first={},
        source_id=":ghost2",
        target_id=":ghost",
    ),
    foreign_key(
        "ghost_entity_relationships: missing source",
        "ghost_entity_relationships_source_id_fkey",
        source_id=MISSING,
    ),
    foreign_key(
        "ghost_entity_relationships: missing target",
        "ghost_entity_relationships_target_id_fkey",
        target_id=MISSING,
    ),
    # media
    check("media: alt text over 500 chars", "media_alt_text_check", alt_text="repeat('a', 501)"),
    check("media: zero height", "media_height_check", height="0"),
    check("media: zero width", "media_width_check", width="0"),
    check("media: not image/video/audio", "media_mime_type_check", mime_type="'text/html'"),
    check("media: no target", "media_one_target_check", **NO_TARGET),
    check("media: negative position", "media_position_check", position="-1"),
    check("media: negative size", "media_size_bytes_check", size_bytes="-1"),
    check("media: ftp url", "media_url_check", url="'ftp://cdn.example.com/a.jpg'"),
    check("media: url over 2048 chars", "media_url_check", url="'https://' || repeat('a', 2041)"),
    foreign_key("media: missing entity", "media_ghost_entity_id_fkey", ghost_entity_id=MISSING),
    foreign_key(
        "media: missing story", "media_story_id_fkey", ghost_entity_id=None, story_id=MISSING
    ),
    # reading_progress
    check(
        "reading_progress: completed below 100 percent",
        "reading_progress_completed_at_check",
        percent="50",
        completed_at="now()",
    ),
    check("reading_progress: 101 percent", "reading_progress_percent_check", percent="101"),
    check("reading_progress: negative position", "reading_progress_position_check", position="-1"),
    unique(
        "reading_progress: second row for a user and story",
        "reading_progress_user_id_story_id_key",
        first={},
        percent="10",
    ),
    foreign_key("reading_progress: missing user", "reading_progress_user_id_fkey", user_id=MISSING),
    foreign_key(
        "reading_progress: missing story", "reading_progress_story_id_fkey", story_id=MISSING
    ),
    not_null("reading_progress", "story_id"),
    # bookmarks
    check("bookmarks: note over 1000 chars", "bookmarks_note_check", note="repeat('n', 1001)"),
    check("bookmarks: no target", "bookmarks_one_target_check", **NO_TARGET),
    check("bookmarks: both targets", "bookmarks_one_target_check", **BOTH_TARGETS),
    unique("bookmarks: entity bookmarked twice", "bookmarks_user_ghost_key"),
    unique(
        "bookmarks: story bookmarked twice",
        "bookmarks_user_story_key",
        ghost_entity_id=None,
        story_id=":story",
    ),
    foreign_key("bookmarks: missing user", "bookmarks_user_id_fkey", user_id=MISSING),
    foreign_key(
        "bookmarks: missing entity", "bookmarks_ghost_entity_id_fkey", ghost_entity_id=MISSING
    ),
    foreign_key(
        "bookmarks: missing story",
        "bookmarks_story_id_fkey",
        ghost_entity_id=None,
        story_id=MISSING,
    ),
    not_null("bookmarks", "user_id"),
    # interactions
    check("interactions: unknown kind", "interactions_kind_check", kind="'poke'"),
    check("interactions: no target", "interactions_one_target_check", **NO_TARGET),
    foreign_key("interactions: missing user", "interactions_user_id_fkey", user_id=MISSING),
    foreign_key(
        "interactions: missing entity", "interactions_ghost_entity_id_fkey", ghost_entity_id=MISSING
    ),
    foreign_key(
        "interactions: missing story",
        "interactions_story_id_fkey",
        ghost_entity_id=None,
        story_id=MISSING,
    ),
    # content_statistics
    *(
        check(
            f"content_statistics: negative {counter}",
            f"content_statistics_{counter}_check",
            **{counter: "-1"},
        )
        for counter in (
            "view_count",
            "like_count",
            "share_count",
            "read_count",
            "bookmark_count",
            "comment_count",
        )
    ),
    check("content_statistics: no target", "content_statistics_one_target_check", **NO_TARGET),
    unique(
        "content_statistics: second row for an entity", "content_statistics_ghost_entity_id_key"
    ),
    unique(
        "content_statistics: second row for a story",
        "content_statistics_story_id_key",
        ghost_entity_id=None,
        story_id=":story",
    ),
    foreign_key(
        "content_statistics: missing entity",
        "content_statistics_ghost_entity_id_fkey",
        ghost_entity_id=MISSING,
    ),
    foreign_key(
        "content_statistics: missing story",
        "content_statistics_story_id_fkey",
        ghost_entity_id=None,
        story_id=MISSING,
    ),
    # content_statistics_deltas (counters may go down: no sign checks)
    check(
        "content_statistics_deltas: no target",
        "content_statistics_deltas_one_target_check",
        **NO_TARGET,
    ),
    foreign_key(
        "content_statistics_deltas: missing entity",
        "content_statistics_deltas_ghost_entity_id_fkey",
        ghost_entity_id=MISSING,
    ),
    foreign_key(
        "content_statistics_deltas: missing story",
        "content_statistics_deltas_story_id_fkey",
        ghost_entity_id=None,
        story_id=MISSING,
    ),
    # comments
    check("comments: empty body", "comments_body_check", body="''"),
    check("comments: body over 5000 chars", "comments_body_check", body="repeat('b', 5001)"),
    Case(
        "comments: comment replying to itself",
        asyncpg.CheckViolationError,
        "comments_parent_id_check",
        "UPDATE comments SET parent_id = id WHERE id = :comment",
    ),
    foreign_key(
        "comments: reply to a comment in another story",
        "comments_parent_id_fkey",
        story_id=":story2",
        parent_id=":comment",
    ),
    Case(
        "comments: reply moved to another story",
        asyncpg.ForeignKeyViolationError,
        "comments_parent_id_fkey",
        "UPDATE comments SET story_id = :story2 WHERE id = :reply",
    ),
    foreign_key(
        "comments: reply to a missing comment", "comments_parent_id_fkey", parent_id=MISSING
    ),
    foreign_key("comments: missing story", "comments_story_id_fkey", story_id=MISSING),
    foreign_key("comments: missing user", "comments_user_id_fkey", user_id=MISSING),
    not_null("comments", "story_id"),
    # recommendations
    check(
        "recommendations: unknown algorithm", "recommendations_algorithm_check", algorithm="'magic'"
    ),
    check("recommendations: no target", "recommendations_one_target_check", **NO_TARGET),
    check(
        "recommendations: reason over 500 chars",
        "recommendations_reason_check",
        reason="repeat('r', 501)",
    ),
    check("recommendations: negative score", "recommendations_score_check", score="-0.1"),
    check("recommendations: infinite score", "recommendations_score_check", score="'Infinity'"),
    check("recommendations: NaN score", "recommendations_score_check", score="'NaN'"),
    unique(
        "recommendations: entity recommended twice",
        "recommendations_user_ghost_key",
        first={},
        score="0.9",
    ),
    unique(
        "recommendations: story recommended twice",
        "recommendations_user_story_key",
        ghost_entity_id=None,
        story_id=":story",
    ),
    foreign_key("recommendations: missing user", "recommendations_user_id_fkey", user_id=MISSING),
    foreign_key(
        "recommendations: missing entity",
        "recommendations_ghost_entity_id_fkey",
        ghost_entity_id=MISSING,
    ),
    foreign_key(
        "recommendations: missing story",
        "recommendations_story_id_fkey",
        ghost_entity_id=None,
        story_id=MISSING,
    ),
    # recommendation_feedback
    check(
        "recommendation_feedback: unknown feedback",
        "recommendation_feedback_feedback_check",
        feedback="'meh'",
    ),
    check(
        "recommendation_feedback: no target",
        "recommendation_feedback_one_target_check",
        **NO_TARGET,
    ),
    unique(
        "recommendation_feedback: second feedback on an entity",
        "recommendation_feedback_user_ghost_key",
        first={},
        feedback="'dismissed'",
    ),
    unique(
        "recommendation_feedback: second feedback on a story",
        "recommendation_feedback_user_story_key",
        ghost_entity_id=None,
        story_id=":story",
    ),
    foreign_key(
        "recommendation_feedback: missing user",
        "recommendation_feedback_user_id_fkey",
        user_id=MISSING,
    ),
    foreign_key(
        "recommendation_feedback: missing recommendation",
        "recommendation_feedback_recommendation_id_fkey",
        recommendation_id=MISSING,
    ),
    foreign_key(
        "recommendation_feedback: missing entity",
        "recommendation_feedback_ghost_entity_id_fkey",
        ghost_entity_id=MISSING,
    ),
    foreign_key(
        "recommendation_feedback: missing story",
        "recommendation_feedback_story_id_fkey",
        ghost_entity_id=None,
        story_id=MISSING,
    ),
    # conversation_messages
    check("conversation_messages: empty body", "conversation_messages_body_check", body="''"),
    check(
        "conversation_messages: body over 8000 chars",
        "conversation_messages_body_check",
        body="repeat('b', 8001)",
    ),
    check(
        "conversation_messages: citations not an array",
        "conversation_messages_citations_check",
        citations="'{}'::jsonb",
    ),
    check(
        "conversation_messages: unknown role", "conversation_messages_role_check", role="'system'"
    ),
    foreign_key(
        "conversation_messages: missing user", "conversation_messages_user_id_fkey", user_id=MISSING
    ),
    foreign_key(
        "conversation_messages: missing entity",
        "conversation_messages_ghost_entity_id_fkey",
        ghost_entity_id=MISSING,
    ),
    not_null("conversation_messages", "ghost_entity_id"),
    # jobs
    check("jobs: negative attempts", "jobs_attempts_check", attempts="-1"),
    check("jobs: kind with capitals", "jobs_kind_check", kind="'SendDigest'"),
    check("jobs: zero max attempts", "jobs_max_attempts_check", max_attempts="0"),
    check("jobs: 101 max attempts", "jobs_max_attempts_check", max_attempts="101"),
    check("jobs: payload not an object", "jobs_payload_check", payload="'[]'::jsonb"),
    check("jobs: priority 101", "jobs_priority_check", priority="101"),
    check("jobs: priority -101", "jobs_priority_check", priority="-101"),
    check("jobs: unknown status", "jobs_status_check", status="'paused'"),
    # feature_flags
    check("feature_flags: key with spaces", "feature_flags_key_check", key="'New Search'"),
    check("feature_flags: key over 64 chars", "feature_flags_key_check", key="repeat('k', 65)"),
    check(
        "feature_flags: rollout 101 percent",
        "feature_flags_rollout_percent_check",
        rollout_percent="101",
    ),
    check(
        "feature_flags: negative rollout",
        "feature_flags_rollout_percent_check",
        rollout_percent="-1",
    ),
    unique("feature_flags: key taken", "feature_flags_key_key", first={}, enabled="true"),
    # audit_events
    foreign_key("audit_events: missing actor", "audit_events_actor_id_fkey", actor_id=MISSING),
    check("audit_events: action without a dot", "audit_events_action_check", action="'created'"),
    check("audit_events: unknown target", "audit_events_target_type_check", target_type="'x'"),
    check("audit_events: details not an object", "audit_events_details_check", details="'1'"),
    # media stored by content
    check("media: short digest", "media_sha256_check", url=None, sha256="'\\x00'::bytea"),
    check("media: url and digest", "media_source_check", sha256="sha256('x')"),
    check("media: neither url nor digest", "media_source_check", url=None),
    # job_schedules
    check("job_schedules: name with capitals", "job_schedules_name_check", name="'Purge'"),
    check("job_schedules: kind with capitals", "job_schedules_kind_check", kind="'Purge'"),
    check("job_schedules: zero interval", "job_schedules_run_every_check", run_every="'0'"),
    check("job_schedules: payload not an object", "job_schedules_payload_check", payload="'[]'"),
    unique("job_schedules: name taken", "job_schedules_name_key", first={}, kind="'other'"),
    # embeddings and passages
    check(
        "ghost_embeddings: short hash", "ghost_embeddings_content_hash_check", content_hash=SHORT
    ),
    foreign_key(
        "ghost_embeddings: missing entity",
        "ghost_embeddings_ghost_entity_id_fkey",
        ghost_entity_id=MISSING,
    ),
    check(
        "story_embeddings: short hash", "story_embeddings_content_hash_check", content_hash=SHORT
    ),
    foreign_key(
        "story_embeddings: missing story", "story_embeddings_story_id_fkey", story_id=MISSING
    ),
    check("passages: no owner", "passages_owner_check", ghost_entity_id=None),
    check("passages: two owners", "passages_owner_check", story_id=":story"),
    check("passages: negative position", "passages_position_check", position="-1"),
    check("passages: empty body", "passages_body_check", body="''"),
    check("passages: short hash", "passages_content_hash_check", content_hash=SHORT),
    foreign_key(
        "passages: missing entity", "passages_ghost_entity_id_fkey", ghost_entity_id=MISSING
    ),
    foreign_key(
        "passages: missing story", "passages_story_id_fkey", ghost_entity_id=None, story_id=MISSING
    ),
    unique("passages: entity position taken", "passages_ghost_entity_id_position_key"),
    unique(
        "passages: story position taken",
        "passages_story_id_position_key",
        ghost_entity_id=None,
        story_id=":story",
    ),
]

# Rules no single bad row can reach, with the reason; each has its own test below.
UNREACHABLE: Final[dict[str, str]] = {
    "comments_id_story_key": "implied by comments_pkey; only the target of comments_parent_id_fkey",
}


def violated_rule(exc: asyncpg.PostgresError) -> str | None:
    if isinstance(exc, asyncpg.NotNullViolationError):
        return f"{exc.table_name}.{exc.column_name}"
    return exc.constraint_name


@pytest.mark.parametrize("case", [pytest.param(c, id=c.description) for c in CASES])
async def test_bad_row_is_rejected_by_its_rule(db: asyncpg.Connection, case: Case) -> None:
    statements = [case.bad] if case.first is None else [case.first, case.bad]
    ids = await make_parents(db, *placeholders(*statements))
    if case.first is not None:
        await run(db, case.first, ids)
    with pytest.raises(case.error) as caught:
        await run(db, case.bad, ids)
    assert violated_rule(caught.value) == case.rule


async def test_every_valid_row_is_accepted(db: asyncpg.Connection) -> None:
    """The baseline rows the cases break are themselves valid."""
    for table in VALID:
        ids = await make_parents(db, *placeholders(insert(table)))
        await run(db, insert(table), ids)
        assert await count_rows(db, table) >= 1


async def test_every_constraint_and_unique_index_has_a_case(db: asyncpg.Connection) -> None:
    """A new CHECK, UNIQUE, FOREIGN KEY or unique index without a case above fails here."""
    rows = await db.fetch(
        """
        SELECT conname AS name, contype IN ('c', 'u', 'f') AS needs_case
        FROM pg_constraint
        WHERE connamespace = 'public'::regnamespace
        UNION ALL
        SELECT i.relname, TRUE
        FROM pg_index AS x
        JOIN pg_class AS i ON i.oid = x.indexrelid
        WHERE i.relnamespace = 'public'::regnamespace
          AND x.indisunique
          AND NOT EXISTS (SELECT FROM pg_constraint AS c WHERE c.conindid = x.indexrelid)
        """
    )
    needs_case = {row["name"] for row in rows if row["needs_case"]}
    exists = {row["name"] for row in rows}
    covered = {case.rule for case in CASES if "." not in case.rule} | set(UNREACHABLE)
    assert sorted(needs_case - covered) == [], "rules without a case in CASES"
    assert sorted(covered - exists) == [], "cases for rules that do not exist"


async def test_comments_id_story_key_is_the_target_of_the_reply_foreign_key(
    db: asyncpg.Connection,
) -> None:
    target = await db.fetchval(
        """
        SELECT key.conname
        FROM pg_constraint AS fk
        JOIN pg_constraint AS key ON key.conindid = fk.conindid AND key.contype = 'u'
        WHERE fk.conname = 'comments_parent_id_fkey'
        """
    )
    assert target == "comments_id_story_key"


# ---------------------------------------------------------------------------------------------
# 2. updated_at triggers
# ---------------------------------------------------------------------------------------------


async def test_every_table_with_updated_at_has_the_trigger(db: asyncpg.Connection) -> None:
    with_column = {
        row["table_name"]
        for row in await db.fetch(
            "SELECT table_name FROM information_schema.columns"
            " WHERE table_schema = 'public' AND column_name = 'updated_at'"
        )
    }
    with_trigger = {
        row["table_name"]
        for row in await db.fetch(
            """
            SELECT t.tgrelid::regclass::text AS table_name
            FROM pg_trigger AS t
            WHERE t.tgfoid = 'set_updated_at'::regproc AND NOT t.tgisinternal
              AND t.tgenabled <> 'D'
              AND t.tgtype & 2 = 2        -- BEFORE
              AND t.tgtype & 1 = 1        -- FOR EACH ROW
              AND t.tgtype & 16 = 16      -- UPDATE
            """
        )
    }
    assert with_trigger == with_column
    assert set(VALID) == with_column, "add the new table to VALID"


@pytest.mark.parametrize("table", sorted(VALID))
async def test_update_moves_updated_at_forward_and_keeps_created_at(
    db: asyncpg.Connection, table: str
) -> None:
    """The row is inserted with old timestamps; any update stamps updated_at with now()."""
    old = "'2000-01-01 00:00:00+00'::timestamptz"
    sql = insert(table, created_at=old, updated_at=old)
    await run(db, sql, await make_parents(db, *placeholders(sql)))
    # Even an explicit stale value is overwritten by the trigger.
    await db.execute(f"UPDATE {table} SET updated_at = '1999-01-01 00:00:00+00'")  # noqa: S608
    row = await db.fetchrow(
        f"SELECT created_at, updated_at = now() AS stamped FROM {table}"  # noqa: S608
    )
    assert row is not None
    assert tuple(row) == (datetime(2000, 1, 1, tzinfo=UTC), True)


# ---------------------------------------------------------------------------------------------
# 3. Polymorphic rows: exactly one existing target, and they go with it
# ---------------------------------------------------------------------------------------------

TARGETS: Final[dict[str, dict[str, str | None]]] = {
    "ghost": {"ghost_entity_id": ":ghost", "story_id": None},
    "story": {"ghost_entity_id": None, "story_id": ":story"},
}


@pytest.mark.parametrize("table", POLYMORPHIC)
@pytest.mark.parametrize(
    ("targets", "error", "rule"),
    [
        pytest.param(
            {"ghost_entity_id": None, "story_id": None},
            asyncpg.CheckViolationError,
            "{table}_one_target_check",
            id="neither",
        ),
        pytest.param(
            {"ghost_entity_id": ":ghost", "story_id": ":story"},
            asyncpg.CheckViolationError,
            "{table}_one_target_check",
            id="both",
        ),
        pytest.param(
            {"ghost_entity_id": MISSING, "story_id": None},
            asyncpg.ForeignKeyViolationError,
            "{table}_ghost_entity_id_fkey",
            id="missing-ghost",
        ),
        pytest.param(
            {"ghost_entity_id": None, "story_id": MISSING},
            asyncpg.ForeignKeyViolationError,
            "{table}_story_id_fkey",
            id="missing-story",
        ),
    ],
)
async def test_polymorphic_row_needs_exactly_one_existing_target(
    db: asyncpg.Connection,
    table: str,
    targets: dict[str, str | None],
    error: type[asyncpg.PostgresError],
    rule: str,
) -> None:
    sql = insert(table, **targets)
    ids = await make_parents(db, *placeholders(sql))
    with pytest.raises(error) as caught:
        await run(db, sql, ids)
    assert caught.value.constraint_name == rule.format(table=table)


@pytest.mark.parametrize("table", POLYMORPHIC)
@pytest.mark.parametrize("target", sorted(TARGETS))
async def test_deleting_the_target_deletes_the_polymorphic_row(
    db: asyncpg.Connection, table: str, target: str
) -> None:
    ids = await make_parents(db, "user", "ghost", "story")
    await run(db, insert(table, **TARGETS[target]), ids)
    target_table = {"ghost": "ghost_entities", "story": "stories"}[target]
    await db.execute(f"DELETE FROM {target_table} WHERE id = $1", ids[target])  # noqa: S608
    assert await count_rows(db, table) == 0


async def test_bookmark_content_type_follows_its_target(db: asyncpg.Connection) -> None:
    ids = await make_parents(db, "user", "ghost", "story")
    for target in TARGETS:
        await run(db, insert("bookmarks", **TARGETS[target]), ids)
    rows = await db.fetch(
        "SELECT content_type, ghost_entity_id, story_id FROM bookmarks ORDER BY content_type"
    )
    assert [tuple(row) for row in rows] == [
        ("ghost", ids["ghost"], None),
        ("story", None, ids["story"]),
    ]


async def test_bookmark_content_type_cannot_be_written(db: asyncpg.Connection) -> None:
    ids = await make_parents(db, "user", "ghost")
    with pytest.raises(asyncpg.GeneratedAlwaysError):
        await run(db, insert("bookmarks", content_type="'story'"), ids)


async def test_retargeting_a_bookmark_updates_its_content_type(db: asyncpg.Connection) -> None:
    ids = await make_parents(db, "user", "ghost", "story")
    await run(db, insert("bookmarks"), ids)
    await run(db, "UPDATE bookmarks SET ghost_entity_id = NULL, story_id = :story", ids)
    assert await db.fetchval("SELECT content_type FROM bookmarks") == "story"


# ---------------------------------------------------------------------------------------------
# 4. Cascades
# ---------------------------------------------------------------------------------------------

USER_OWNED: Final = (
    "sessions",
    "preference_profiles",
    "bookmarks",
    "reading_progress",
    "conversation_messages",
    "recommendations",
    "recommendation_feedback",
)


async def test_deleting_a_user_deletes_their_personal_data(db: asyncpg.Connection) -> None:
    ids = await make_parents(db, "user", "user2", "ghost", "story")
    for owner in ("user", "user2"):
        for table in USER_OWNED:
            await run(db, insert(table, user_id=f":{owner}"), ids)

    await db.execute("DELETE FROM users WHERE id = $1", ids["user"])

    left = {table: await count_rows(db, table, "user_id = $1", ids["user"]) for table in USER_OWNED}
    assert left == dict.fromkeys(USER_OWNED, 0)
    kept = {
        table: await count_rows(db, table, "user_id = $1", ids["user2"]) for table in USER_OWNED
    }
    assert kept == dict.fromkeys(USER_OWNED, 1)
    assert await count_rows(db, "ghost_entities") == 1
    assert await count_rows(db, "stories") == 1


async def test_deleting_a_user_keeps_their_contributions_without_an_author(
    db: asyncpg.Connection,
) -> None:
    user = await insert_user(db)
    ghost = await insert_ghost(db, author=user)
    story = await insert_story(db, author=user)
    ids: Ids = {"user": user, "ghost": ghost, "story": story}
    comment = await insert_comment(db, story, user=user)
    await run(db, insert("interactions"), ids)
    await run(db, insert("interactions", **TARGETS["story"]), ids)

    await db.execute("DELETE FROM users WHERE id = $1", user)

    assert await db.fetchval("SELECT author_id FROM ghost_entities WHERE id = $1", ghost) is None
    assert await db.fetchval("SELECT author_id FROM stories WHERE id = $1", story) is None
    assert await db.fetchval("SELECT user_id FROM comments WHERE id = $1", comment) is None
    assert [tuple(r) for r in await db.fetch("SELECT user_id FROM interactions")] == [
        (None,),
        (None,),
    ]


async def test_deleting_a_story_deletes_everything_attached_to_it(db: asyncpg.Connection) -> None:
    ids = await make_parents(db, "user", "ghost", "story", "story2")
    for story in ("story", "story2"):
        on_story = {"ghost_entity_id": None, "story_id": f":{story}"}
        for table in POLYMORPHIC:
            await run(db, insert(table, **on_story), ids)
        for table in ("story_ghost_entities", "reading_progress"):
            await run(db, insert(table, story_id=f":{story}"), ids)
    top = await insert_comment(db, _need(ids, "story"))
    reply = await insert_comment(db, _need(ids, "story"), parent=top)
    await insert_comment(db, _need(ids, "story"), parent=reply)
    await insert_comment(db, _need(ids, "story2"))

    await db.execute("DELETE FROM stories WHERE id = $1", ids["story"])

    attached = (*POLYMORPHIC, "story_ghost_entities", "reading_progress", "comments")
    left = {table: await count_rows(db, table, "story_id = $1", ids["story"]) for table in attached}
    assert left == dict.fromkeys(attached, 0)
    kept = {
        table: await count_rows(db, table, "story_id = $1", ids["story2"]) for table in attached
    }
    assert kept == dict.fromkeys(attached, 1)
    assert await count_rows(db, "ghost_entities") == 1


async def test_deleting_an_entity_deletes_everything_attached_to_it(
    db: asyncpg.Connection,
) -> None:
    ids = await make_parents(db, "user", "ghost", "ghost2", "story")
    ghost3 = await insert_ghost(db)
    for table in (*POLYMORPHIC, "story_ghost_entities", "conversation_messages"):
        await run(db, insert(table), ids)
    relationships = [(ids["ghost"], ids["ghost2"]), (ghost3, ids["ghost"]), (ids["ghost2"], ghost3)]
    await db.executemany(
        "INSERT INTO ghost_entity_relationships (source_id, target_id, relationship_type)"
        " VALUES ($1, $2, 'related')",
        relationships,
    )

    await db.execute("DELETE FROM ghost_entities WHERE id = $1", ids["ghost"])

    attached = (*POLYMORPHIC, "story_ghost_entities", "conversation_messages")
    left = {table: await count_rows(db, table) for table in attached}
    assert left == dict.fromkeys(attached, 0)
    left_pairs = await db.fetch("SELECT source_id, target_id FROM ghost_entity_relationships")
    assert [tuple(r) for r in left_pairs] == [(ids["ghost2"], ghost3)]
    assert await count_rows(db, "stories") == 1


async def test_deleting_a_comment_deletes_its_replies(db: asyncpg.Connection) -> None:
    story = await insert_story(db)
    top = await insert_comment(db, story)
    reply = await insert_comment(db, story, parent=top)
    await insert_comment(db, story, parent=reply)
    sibling = await insert_comment(db, story)

    await db.execute("DELETE FROM comments WHERE id = $1", top)

    assert [r["id"] for r in await db.fetch("SELECT id FROM comments")] == [sibling]


async def test_soft_deleting_a_comment_keeps_its_replies(db: asyncpg.Connection) -> None:
    story = await insert_story(db)
    top = await insert_comment(db, story)
    reply = await insert_comment(db, story, parent=top)

    await db.execute("UPDATE comments SET deleted_at = now() WHERE id = $1", top)

    assert await db.fetchval("SELECT parent_id FROM comments WHERE id = $1", reply) == top
    assert await count_rows(db, "comments", "deleted_at IS NOT NULL") == 1


async def test_deleting_a_recommendation_keeps_its_feedback(db: asyncpg.Connection) -> None:
    ids = await make_parents(db, "recommendation")
    await run(db, insert("recommendation_feedback", recommendation_id=":recommendation"), ids)

    await db.execute("DELETE FROM recommendations WHERE id = $1", ids["recommendation"])

    row = await db.fetchrow("SELECT recommendation_id, feedback FROM recommendation_feedback")
    assert row is not None and tuple(row) == (None, "helpful")
