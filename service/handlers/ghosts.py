"""Ghost entities: search, autocomplete, one entity with its relations, and editors' writes."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Literal

import msgspec
from aiohttp import web

from service.api import (
    Page,
    Routes,
    no_content,
    not_found,
    patched,
    read_body,
    read_query,
    respond,
)
from service.appkeys import DATABASE
from service.auth import require_role
from service.db import Executor, transaction
from service.handlers.content import (
    EDITORS,
    ListQuery,
    NamePosition,
    RecentPosition,
    RelevancePosition,
    SearchText,
    Slug,
    Status,
    TagList,
    Tags,
    field_problem,
    keyset_page,
    position,
    respond_content,
    sees_drafts,
    shaped,
    slug_param,
    tag_list,
)
from service.queries import ghosts as ghost_queries
from service.queries import stories as story_queries

routes = Routes(tag="ghosts")

# How many related entities and linked stories a ghost's page embeds; the rest are a cursor away.
EMBEDDED_ITEMS = 20
MAX_SUGGESTIONS = 20

EntityType = ghost_queries.GhostEntitiesEntityType
RelationshipType = ghost_queries.GhostEntityRelationshipsRelationshipType
Danger = Annotated[int, msgspec.Meta(ge=1, le=5, description="1 (harmless) to 5 (deadly)")]
Name = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]
ShortText = Annotated[str, msgspec.Meta(max_length=200)]
Description = Annotated[str, msgspec.Meta(max_length=20_000)]
Characteristics = Annotated[
    list[Annotated[str, msgspec.Meta(min_length=1, max_length=200)]], msgspec.Meta(max_length=50)
]


# ---- responses ---------------------------------------------------------------------------------


class GhostSummary(msgspec.Struct, frozen=True):
    """An entity as lists show it."""

    id: uuid.UUID
    slug: str
    name: str
    entity_type: EntityType
    danger_level: int
    tags: list[str]
    status: Status
    published_at: datetime.datetime | None
    updated_at: datetime.datetime


class GhostSuggestion(msgspec.Struct, frozen=True):
    """An autocomplete candidate."""

    slug: str
    name: str
    entity_type: EntityType


class GhostSuggestions(msgspec.Struct, frozen=True):
    """Autocomplete candidates, best first."""

    items: list[GhostSuggestion]


class RelatedGhost(msgspec.Struct, frozen=True):
    """An entity related to another; `direction` is outgoing when the other is the source."""

    id: uuid.UUID
    slug: str
    name: str
    entity_type: EntityType
    danger_level: int
    status: Status
    relationship_type: RelationshipType
    description: str
    direction: Literal["outgoing", "incoming"]


class GhostStory(msgspec.Struct, frozen=True):
    """A story linked to an entity, with the entity's role in it."""

    id: uuid.UUID
    slug: str
    title: str
    summary: str
    tags: list[str]
    reading_minutes: int
    status: Status
    published_at: datetime.datetime | None
    updated_at: datetime.datetime
    role: Literal["featured", "mentioned"]


class GhostCounts(msgspec.Struct, frozen=True):
    """Engagement counters (all zero until the statistics job has counted anything)."""

    view_count: int
    like_count: int
    share_count: int
    read_count: int
    bookmark_count: int
    comment_count: int


class GhostDetail(msgspec.Struct, frozen=True):
    """One entity with its counters and the first pages of its related entities and stories."""

    id: uuid.UUID
    slug: str
    name: str
    entity_type: EntityType
    origin: str | None
    location: str | None
    era: str | None
    description: str
    danger_level: int
    characteristics: list[str]
    tags: list[str]
    status: Status
    published_at: datetime.datetime | None
    author_id: uuid.UUID | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    counts: GhostCounts
    related: Page[RelatedGhost]
    stories: Page[GhostStory]


# ---- requests ----------------------------------------------------------------------------------


class GhostListQuery(ListQuery, frozen=True, forbid_unknown_fields=True):
    """Search and filters of the entity list."""

    q: SearchText | None = None
    tags: TagList | None = None
    entity_type: EntityType | None = msgspec.field(default=None, name="type")
    min_danger: Danger | None = None
    max_danger: Danger | None = None
    sort: Literal["relevance", "name", "recent"] | None = None


class SuggestQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What the user has typed so far."""

    prefix: Annotated[str, msgspec.Meta(min_length=1, max_length=100)]
    limit: Annotated[int, msgspec.Meta(ge=1, le=MAX_SUGGESTIONS)] = 10


class GhostCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new entity; it is a draft unless `status` is published."""

    slug: Slug
    name: Name
    entity_type: EntityType
    danger_level: Danger
    origin: ShortText | None = None
    location: ShortText | None = None
    era: ShortText | None = None
    description: Description = ""
    characteristics: Characteristics = []
    tags: Tags = []
    status: Status = "draft"


class GhostPatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Fields to change; absent fields keep their value, null clears origin, location or era."""

    slug: Slug | msgspec.UnsetType = msgspec.UNSET
    name: Name | msgspec.UnsetType = msgspec.UNSET
    entity_type: EntityType | msgspec.UnsetType = msgspec.UNSET
    danger_level: Danger | msgspec.UnsetType = msgspec.UNSET
    origin: ShortText | msgspec.UnsetType | None = msgspec.UNSET
    location: ShortText | msgspec.UnsetType | None = msgspec.UNSET
    era: ShortText | msgspec.UnsetType | None = msgspec.UNSET
    description: Description | msgspec.UnsetType = msgspec.UNSET
    characteristics: Characteristics | msgspec.UnsetType = msgspec.UNSET
    tags: Tags | msgspec.UnsetType = msgspec.UNSET
    status: Status | msgspec.UnsetType = msgspec.UNSET


# ---- reads -------------------------------------------------------------------------------------


async def ghost_detail(db: Executor, slug: str, *, drafts: bool) -> GhostDetail | None:
    """The entity page for `slug`; None when there is none (or a draft, unless `drafts`)."""
    row = await ghost_queries.get_ghost_detail(db, slug=slug, include_drafts=drafts)
    if row is None:
        return None
    related = await ghost_queries.list_related_ghosts(
        db,
        ghost_id=row.id,
        include_drafts=drafts,
        after_id=None,
        after_name=None,
        max_rows=EMBEDDED_ITEMS + 1,
    )
    stories = await story_queries.list_ghost_stories(
        db,
        ghost_id=row.id,
        include_drafts=drafts,
        after_id=None,
        after_published_at=None,
        max_rows=EMBEDDED_ITEMS + 1,
    )
    return msgspec.convert(
        msgspec.structs.asdict(row)
        | {
            "counts": msgspec.convert(row, GhostCounts, from_attributes=True),
            "related": keyset_page(related, EMBEDDED_ITEMS, _related_key, RelatedGhost),
            "stories": keyset_page(stories, EMBEDDED_ITEMS, _story_key, GhostStory),
        },
        GhostDetail,
    )


def _related_key(row: ghost_queries.ListRelatedGhostsRow) -> NamePosition:
    return NamePosition(row.name, row.id)


def _story_key(row: story_queries.ListGhostStoriesRow) -> RecentPosition:
    return RecentPosition(row.published_at, row.id)


async def _ghost_id(db: Executor, slug: str, *, drafts: bool) -> uuid.UUID:
    """The id of the entity the caller may see at `slug`; 404 otherwise."""
    row = await ghost_queries.get_ghost_detail(db, slug=slug, include_drafts=drafts)
    if row is None:
        raise not_found("ghost")
    return row.id


@routes.route("GET", "/v1/ghosts", query=GhostListQuery, response=Page[GhostSummary])
async def list_ghosts(request: web.Request) -> web.Response:
    """Entities: full-text search (`q`), filters, and sorting by relevance, name or recency."""
    query = read_query(request, GhostListQuery)
    low, high = query.min_danger, query.max_danger
    if low is not None and high is not None and low > high:
        raise field_problem("min_danger", "must not be greater than max_danger")
    sort = query.sort or ("relevance" if query.q is not None else "recent")
    if sort == "relevance" and query.q is None:
        raise field_problem("sort", "relevance needs a search (q)")
    drafts = await sees_drafts(request)
    db = request.app[DATABASE]
    if sort == "relevance" and query.q is not None:
        page = await _ghosts_by_relevance(db, query, query.q, drafts=drafts)
    elif sort == "name":
        page = await _ghosts_by_name(db, query, drafts=drafts)
    else:
        page = await _ghosts_by_recency(db, query, drafts=drafts)
    return respond_content(request, page, drafts=drafts)


async def _ghosts_by_relevance(
    db: Executor, query: GhostListQuery, search: str, *, drafts: bool
) -> Page[GhostSummary]:
    after = position(query.cursor, RelevancePosition)
    rows = await ghost_queries.list_ghosts_by_relevance(
        db,
        query=search,
        include_drafts=drafts,
        tags=tag_list(query.tags),
        entity_type=query.entity_type,
        min_danger=query.min_danger,
        max_danger=query.max_danger,
        after_id=after.id if after else None,
        after_name_match=after.name_match if after else None,
        after_rank=after.rank if after else None,
        max_rows=query.limit + 1,
    )
    return keyset_page(
        rows,
        query.limit,
        lambda row: RelevancePosition(row.name_match, row.rank, row.id),
        GhostSummary,
    )


async def _ghosts_by_name(
    db: Executor, query: GhostListQuery, *, drafts: bool
) -> Page[GhostSummary]:
    after = position(query.cursor, NamePosition)
    rows = await ghost_queries.list_ghosts_by_name(
        db,
        include_drafts=drafts,
        query=query.q,
        tags=tag_list(query.tags),
        entity_type=query.entity_type,
        min_danger=query.min_danger,
        max_danger=query.max_danger,
        after_id=after.id if after else None,
        after_name=after.name if after else None,
        max_rows=query.limit + 1,
    )
    return keyset_page(rows, query.limit, lambda row: NamePosition(row.name, row.id), GhostSummary)


async def _ghosts_by_recency(
    db: Executor, query: GhostListQuery, *, drafts: bool
) -> Page[GhostSummary]:
    after = position(query.cursor, RecentPosition)
    rows = await ghost_queries.list_ghosts_recent(
        db,
        include_drafts=drafts,
        query=query.q,
        tags=tag_list(query.tags),
        entity_type=query.entity_type,
        min_danger=query.min_danger,
        max_danger=query.max_danger,
        after_id=after.id if after else None,
        after_published_at=after.published_at if after else None,
        max_rows=query.limit + 1,
    )
    return keyset_page(
        rows, query.limit, lambda row: RecentPosition(row.published_at, row.id), GhostSummary
    )


@routes.route("GET", "/v1/ghosts/suggest", query=SuggestQuery, response=GhostSuggestions)
async def suggest_ghosts(request: web.Request) -> web.Response:
    """Autocomplete published entity names: prefix matches first, then near spellings."""
    query = read_query(request, SuggestQuery)
    rows = await ghost_queries.suggest_ghosts(
        request.app[DATABASE], prefix=query.prefix, max_rows=query.limit
    )
    return respond(request, GhostSuggestions(shaped(rows, GhostSuggestion)), etag=True)


@routes.route("GET", "/v1/ghosts/{slug}", response=GhostDetail, errors=[404])
async def get_ghost(request: web.Request) -> web.Response:
    """One entity with its counters, related entities and linked stories."""
    slug = slug_param(request, "ghost")
    drafts = await sees_drafts(request)
    detail = await ghost_detail(request.app[DATABASE], slug, drafts=drafts)
    if detail is None:
        raise not_found("ghost")
    return respond_content(request, detail, drafts=drafts)


@routes.route(
    "GET", "/v1/ghosts/{slug}/related", query=ListQuery, response=Page[RelatedGhost], errors=[404]
)
async def list_related_ghosts(request: web.Request) -> web.Response:
    """Entities related to one entity, in either direction, by name."""
    slug = slug_param(request, "ghost")
    query = read_query(request, ListQuery)
    after = position(query.cursor, NamePosition)
    drafts = await sees_drafts(request)
    db = request.app[DATABASE]
    ghost_id = await _ghost_id(db, slug, drafts=drafts)
    rows = await ghost_queries.list_related_ghosts(
        db,
        ghost_id=ghost_id,
        include_drafts=drafts,
        after_id=after.id if after else None,
        after_name=after.name if after else None,
        max_rows=query.limit + 1,
    )
    page = keyset_page(rows, query.limit, _related_key, RelatedGhost)
    return respond_content(request, page, drafts=drafts)


@routes.route(
    "GET", "/v1/ghosts/{slug}/stories", query=ListQuery, response=Page[GhostStory], errors=[404]
)
async def list_ghost_stories(request: web.Request) -> web.Response:
    """Stories linked to one entity, newest first."""
    slug = slug_param(request, "ghost")
    query = read_query(request, ListQuery)
    after = position(query.cursor, RecentPosition)
    drafts = await sees_drafts(request)
    db = request.app[DATABASE]
    ghost_id = await _ghost_id(db, slug, drafts=drafts)
    rows = await story_queries.list_ghost_stories(
        db,
        ghost_id=ghost_id,
        include_drafts=drafts,
        after_id=after.id if after else None,
        after_published_at=after.published_at if after else None,
        max_rows=query.limit + 1,
    )
    page = keyset_page(rows, query.limit, _story_key, GhostStory)
    return respond_content(request, page, drafts=drafts)


# ---- writes ------------------------------------------------------------------------------------


@routes.route(
    "POST",
    "/v1/ghosts",
    body=GhostCreate,
    response=GhostDetail,
    status=201,
    errors=[403, 409],
    auth=True,
    private=True,
)
async def create_ghost(request: web.Request) -> web.Response:
    """Create an entity (editors and admins); published ones get published_at now."""
    user = await require_role(request, *EDITORS)
    body = await read_body(request, GhostCreate)
    async with transaction(request.app[DATABASE]) as conn:
        made = await ghost_queries.insert_ghost(
            conn,
            slug=body.slug,
            name=body.name,
            entity_type=body.entity_type,
            origin=body.origin,
            location=body.location,
            era=body.era,
            description=body.description,
            danger_level=body.danger_level,
            characteristics=body.characteristics,
            tags=body.tags,
            status=body.status,
            author_id=user.id,
        )
        assert made is not None  # INSERT ... RETURNING always returns the row
        detail = await ghost_detail(conn, made.slug, drafts=True)
    return respond(
        request, detail, status=201, private=True, headers={"Location": f"/v1/ghosts/{made.slug}"}
    )


@routes.route(
    "PATCH",
    "/v1/ghosts/{slug}",
    body=GhostPatch,
    response=GhostDetail,
    errors=[403, 404, 409],
    auth=True,
    private=True,
)
async def update_ghost(request: web.Request) -> web.Response:
    """Change some of an entity's fields (editors and admins); the slug too."""
    await require_role(request, *EDITORS)
    slug = slug_param(request, "ghost")
    patch = await read_body(request, GhostPatch)
    async with transaction(request.app[DATABASE]) as conn:
        current = await ghost_queries.get_ghost_for_edit(conn, slug=slug)
        if current is None:
            raise not_found("ghost")
        edited = await ghost_queries.edit_ghost(
            conn,
            id=current.id,
            slug=patched(patch.slug, current.slug),
            name=patched(patch.name, current.name),
            entity_type=patched(patch.entity_type, current.entity_type),
            origin=patched(patch.origin, current.origin),
            location=patched(patch.location, current.location),
            era=patched(patch.era, current.era),
            description=patched(patch.description, current.description),
            danger_level=patched(patch.danger_level, current.danger_level),
            characteristics=patched(patch.characteristics, current.characteristics),
            tags=patched(patch.tags, current.tags),
            status=patched(patch.status, current.status),
        )
        assert edited is not None  # the row is locked by get_ghost_for_edit
        detail = await ghost_detail(conn, edited.slug, drafts=True)
    return respond(request, detail, private=True)


@routes.route("DELETE", "/v1/ghosts/{slug}", status=204, errors=[403, 404], auth=True, private=True)
async def delete_ghost(request: web.Request) -> web.Response:
    """Delete an entity with its links, relations and counters (editors and admins)."""
    await require_role(request, *EDITORS)
    slug = slug_param(request, "ghost")
    if await ghost_queries.delete_ghost_by_slug(request.app[DATABASE], slug=slug) == 0:
        raise not_found("ghost")
    return no_content()
