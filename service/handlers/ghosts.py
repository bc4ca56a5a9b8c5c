"""Ghost entities: search, autocomplete, one entity with its relations, and editors' writes."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated, Literal

import msgspec
from aiohttp import web

from service.cache.catalog import (
    TTL_MEDIUM,
    TTL_QUERY,
    TTL_SHORT,
    Keys,
    Touched,
    ghost_neighbours,
    ghost_written,
)
from service.config import SETTINGS
from service.domain import embeddings
from service.handlers.media import MediaItem, media_files_of, remove_files_later
from service.store.db import DATABASE, Executor, transaction
from service.store.queries import ghosts as ghost_queries
from service.store.queries import semantic as semantic_queries
from service.store.queries import stories as story_queries
from service.web.api import (
    Routes,
    no_content,
    not_found,
    patched,
    read_body,
    read_query,
    respond,
)
from service.web.audit import audited, changed_fields
from service.web.auth import EDITOR_ROLES, require_role
from service.web.cached import public
from service.web.content import (
    NO_NUL,
    SLUG_SEGMENT,
    SearchText,
    Slug,
    Status,
    TagList,
    Tags,
    field_problem,
    list_sort,
    respond_content,
    respond_list,
    respond_public,
    sees_drafts,
    shaped,
    slug_param,
    tag_list,
)
from service.web.paging import (
    ListQuery,
    NamePosition,
    Page,
    RecentPosition,
    RelevancePosition,
    keyset_page,
    position,
)

routes = Routes(tag="ghosts")

# Most entities GET /v1/ghosts/{slug}/similar lists.
SIMILAR_MAX = 20

# How many related entities and linked stories a ghost's page embeds; the rest are a cursor away.
EMBEDDED_ITEMS = 20
MAX_SUGGESTIONS = 20


# One cursor tag per list and sort order (service/web/paging.py); the entity list keeps the
# tags its cursors always had.
class GhostsByRelevance(RelevancePosition, frozen=True, tag="relevance"):
    """Where a page of GET /v1/ghosts?q=...&sort=relevance ended."""


class GhostsByName(NamePosition, frozen=True, tag="name"):
    """Where a page of GET /v1/ghosts?sort=name ended."""


class GhostsByRecency(RecentPosition, frozen=True, tag="recent"):
    """Where a page of GET /v1/ghosts?sort=recent ended."""


class RelatedPosition(NamePosition, frozen=True, tag="related"):
    """Where a page of GET /v1/ghosts/{slug}/related (or the embedded one) ended."""


class GhostStoryPosition(RecentPosition, frozen=True, tag="ghost-stories"):
    """Where a page of GET /v1/ghosts/{slug}/stories (or the embedded one) ended."""


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
    role: story_queries.StoryGhostEntitiesRole


class GhostCounts(msgspec.Struct, frozen=True):
    """Engagement counters (all zero until the statistics job has counted anything)."""

    view_count: int
    like_count: int
    share_count: int
    read_count: int
    bookmark_count: int
    comment_count: int


class GhostDetail(msgspec.Struct, frozen=True):
    """One entity with its counters, the first pages of its related entities and stories, and
    its media (by position)."""

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
    media: list[MediaItem]


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

    prefix: Annotated[str, msgspec.Meta(min_length=1, max_length=100, pattern=NO_NUL)]
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
    # One query, one round trip: the entity and the first page of each embedded list.
    row = await ghost_queries.get_ghost_page(
        db, slug=slug, include_drafts=drafts, max_rows=EMBEDDED_ITEMS + 1
    )
    if row is None:
        return None
    related = msgspec.convert(row.related, list[ghost_queries.ListRelatedGhostsRow])
    stories = msgspec.convert(row.stories, list[story_queries.ListGhostStoriesRow])
    return msgspec.convert(
        msgspec.structs.asdict(row)
        | {
            "counts": msgspec.convert(row, GhostCounts, from_attributes=True),
            "related": keyset_page(related, EMBEDDED_ITEMS, _related_key, RelatedGhost),
            "stories": keyset_page(stories, EMBEDDED_ITEMS, _story_key, GhostStory),
        },
        GhostDetail,
    )


def _related_key(row: ghost_queries.ListRelatedGhostsRow) -> RelatedPosition:
    return RelatedPosition(row.name, row.id)


def _story_key(row: story_queries.ListGhostStoriesRow) -> GhostStoryPosition:
    return GhostStoryPosition(row.published_at, row.id)


@routes.route("GET", "/v1/ghosts", query=GhostListQuery, response=Page[GhostSummary])
async def list_ghosts(request: web.Request) -> web.Response:
    """Entities: full-text search (`q`), filters, and sorting by relevance, name or recency."""
    query = read_query(request, GhostListQuery)
    low, high = query.min_danger, query.max_danger
    if low is not None and high is not None and low > high:
        raise field_problem("min_danger", "must not be greater than max_danger")
    sort = list_sort(query.q, query.sort)
    build = _GHOST_PAGES[sort]
    if sort == "relevance":  # ranks at most SEARCH_CANDIDATE_CAP matches, as /v1/search does
        build = partial(_ghosts_by_relevance, candidates=request.app[SETTINGS].search_candidate_cap)
    return await respond_list(
        request,
        query,
        sort=sort,
        tags=query.tags,
        key_of=Keys.ghost_list,
        page=lambda db, drafts: build(db, query, drafts=drafts),
    )


async def _ghosts_by_relevance(
    db: Executor, query: GhostListQuery, *, drafts: bool, candidates: int
) -> Page[GhostSummary]:
    after = position(query.cursor, GhostsByRelevance)
    rows = await ghost_queries.list_ghosts_by_relevance(
        db,
        query=query.q or "",  # list_sort: relevance comes with a search
        candidate_cap=candidates,
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
        lambda row: GhostsByRelevance(row.name_match, row.rank, row.id),
        GhostSummary,
    )


async def _ghosts_by_name(
    db: Executor, query: GhostListQuery, *, drafts: bool
) -> Page[GhostSummary]:
    after = position(query.cursor, GhostsByName)
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
    return keyset_page(rows, query.limit, lambda row: GhostsByName(row.name, row.id), GhostSummary)


async def _ghosts_by_recency(
    db: Executor, query: GhostListQuery, *, drafts: bool
) -> Page[GhostSummary]:
    after = position(query.cursor, GhostsByRecency)
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
        rows, query.limit, lambda row: GhostsByRecency(row.published_at, row.id), GhostSummary
    )


# The page builder of each sort order.
_GHOST_PAGES: dict[str, Callable[..., Awaitable[Page[GhostSummary]]]] = {
    "relevance": _ghosts_by_relevance,
    "name": _ghosts_by_name,
    "recent": _ghosts_by_recency,
}


@routes.route("GET", "/v1/ghosts/suggest", query=SuggestQuery, response=GhostSuggestions)
async def suggest_ghosts(request: web.Request) -> web.Response:
    """Autocomplete published entity names: prefix matches first, then near spellings."""
    query = read_query(request, SuggestQuery)
    primary = request.app[DATABASE].primary

    async def load() -> GhostSuggestions:
        rows = await ghost_queries.suggest_ghosts(
            primary, prefix=query.prefix, max_rows=query.limit
        )
        return GhostSuggestions(shaped(rows, GhostSuggestion))

    key = Keys.ghost_suggestions(query.prefix, query.limit)
    return await public(request, key, ttl=TTL_QUERY, load=load)


@routes.route("GET", "/v1/ghosts/" + SLUG_SEGMENT, response=GhostDetail, errors=[404])
async def get_ghost(request: web.Request) -> web.Response:
    """One entity with its counters, related entities and linked stories."""
    slug = slug_param(request, "ghost")
    db = request.app[DATABASE]
    if await sees_drafts(request):
        detail = await ghost_detail(db, slug, drafts=True)
        if detail is None:
            raise not_found("ghost")
        return respond_content(request, detail, drafts=True)
    # Its counts change with every rollup of the statistics job, which drops nothing: they
    # are at most TTL_SHORT old (service/cache/catalog.py).
    load = partial(ghost_detail, db.primary, slug, drafts=False)
    return await public(request, Keys.ghost_by_slug(slug), ttl=TTL_SHORT, load=load, what="ghost")


@routes.route(
    "GET", "/v1/ghosts/{slug}/related", query=ListQuery, response=Page[RelatedGhost], errors=[404]
)
async def list_related_ghosts(request: web.Request) -> web.Response:
    """Entities related to one entity, in either direction, by name."""
    slug = slug_param(request, "ghost")
    query = read_query(request, ListQuery)
    after = position(query.cursor, RelatedPosition)
    return await respond_public(
        request,
        Keys.ghost_related(slug, query.limit, query.cursor),
        lambda db, drafts: _related_page(db, slug, query.limit, after, drafts=drafts),
        ttl=TTL_MEDIUM,
        what="ghost",
    )


async def _related_page(
    db: Executor, slug: str, limit: int, after: RelatedPosition | None, *, drafts: bool
) -> Page[RelatedGhost] | None:
    """A page of the entities related to the one at `slug`; None when the caller cannot see it."""
    ghost = await ghost_queries.get_ghost_detail(db, slug=slug, include_drafts=drafts)
    if ghost is None:
        return None
    rows = await ghost_queries.list_related_ghosts(
        db,
        ghost_id=ghost.id,
        include_drafts=drafts,
        after_id=after.id if after else None,
        after_name=after.name if after else None,
        max_rows=limit + 1,
    )
    return keyset_page(rows, limit, _related_key, RelatedGhost)


@routes.route(
    "GET", "/v1/ghosts/{slug}/stories", query=ListQuery, response=Page[GhostStory], errors=[404]
)
async def list_ghost_stories(request: web.Request) -> web.Response:
    """Stories linked to one entity, newest first."""
    slug = slug_param(request, "ghost")
    query = read_query(request, ListQuery)
    after = position(query.cursor, GhostStoryPosition)
    return await respond_public(
        request,
        Keys.ghost_stories(slug, query.limit, query.cursor),
        lambda db, drafts: _stories_page(db, slug, query.limit, after, drafts=drafts),
        ttl=TTL_MEDIUM,
        what="ghost",
    )


async def _stories_page(
    db: Executor, slug: str, limit: int, after: GhostStoryPosition | None, *, drafts: bool
) -> Page[GhostStory] | None:
    """A page of the stories linking the entity at `slug`; None when the caller cannot see it."""
    ghost = await ghost_queries.get_ghost_detail(db, slug=slug, include_drafts=drafts)
    if ghost is None:
        return None
    rows = await story_queries.list_ghost_stories(
        db,
        ghost_id=ghost.id,
        include_drafts=drafts,
        after_id=after.id if after else None,
        after_published_at=after.published_at if after else None,
        max_rows=limit + 1,
    )
    return keyset_page(rows, limit, _story_key, GhostStory)


class SimilarQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """How many similar entities to list."""

    limit: Annotated[int, msgspec.Meta(ge=1, le=SIMILAR_MAX)] = 10


class SimilarGhost(msgspec.Struct, frozen=True):
    """A published entity near another by meaning, with the cosine similarity of the two."""

    slug: str
    name: str
    entity_type: ghost_queries.GhostEntitiesEntityType
    danger_level: int
    tags: list[str]
    similarity: float


class SimilarGhosts(msgspec.Struct, frozen=True):
    """The entities nearest to one entity, nearest first."""

    items: Annotated[
        list[SimilarGhost],
        msgspec.Meta(description="empty until the entity's embedding has been computed"),
    ]


@routes.route(
    "GET", "/v1/ghosts/{slug}/similar", query=SimilarQuery, response=SimilarGhosts, errors=[404]
)
async def list_similar_ghosts(request: web.Request) -> web.Response:
    """The published entities most like this one by meaning (nearest embeddings)."""
    slug = slug_param(request, "ghost")
    query = read_query(request, SimilarQuery)
    return await respond_public(
        request,
        Keys.ghost_similar(slug, query.limit),
        lambda db, drafts: _similar(db, slug, query.limit, drafts=drafts),
        ttl=TTL_SHORT,
        what="ghost",
    )


async def _similar(db: Executor, slug: str, limit: int, *, drafts: bool) -> SimilarGhosts | None:
    """The entities nearest to the one at `slug`; None when the caller cannot see it."""
    ghost = await ghost_queries.get_ghost_detail(db, slug=slug, include_drafts=drafts)
    if ghost is None:
        return None
    rows = await semantic_queries.list_similar_ghosts(
        db, ghost_id=ghost.id, candidates=SIMILAR_MAX * 2, max_rows=limit
    )
    return SimilarGhosts(shaped(rows, SimilarGhost))


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
    user = await require_role(request, *EDITOR_ROLES)
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
        await audited(request, conn, "ghost.created", "ghost", made.id, user, {"slug": made.slug})
        await embeddings.enqueue_ghost(conn, made.id)
        detail = await ghost_detail(conn, made.slug, drafts=True)
    # A "not found" cached for the slug goes too.
    await ghost_written(request.app, made.id, [made.slug], Touched())
    return respond(
        request, detail, status=201, private=True, headers={"Location": f"/v1/ghosts/{made.slug}"}
    )


@routes.route(
    "PATCH",
    "/v1/ghosts/" + SLUG_SEGMENT,
    body=GhostPatch,
    response=GhostDetail,
    errors=[403, 404, 409],
    auth=True,
    private=True,
)
async def update_ghost(request: web.Request) -> web.Response:
    """Change some of an entity's fields (editors and admins); the slug too."""
    user = await require_role(request, *EDITOR_ROLES)
    slug = slug_param(request, "ghost")
    patch = await read_body(request, GhostPatch)
    async with transaction(request.app[DATABASE]) as conn:
        current = await ghost_queries.get_ghost_for_edit(conn, slug=slug)
        if current is None:
            raise not_found("ghost")
        before = await ghost_neighbours(conn, current.id)
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
        await audited(
            request,
            conn,
            "ghost.updated",
            "ghost",
            current.id,
            user,
            {"slug": edited.slug, "fields": changed_fields(patch)},
        )
        if any(
            not isinstance(field, msgspec.UnsetType)
            for field in (patch.name, patch.entity_type, patch.description)
        ):
            await embeddings.enqueue_ghost(conn, current.id)  # skipped if the text is the same
        detail = await ghost_detail(conn, edited.slug, drafts=True)
    await ghost_written(request.app, current.id, [slug, edited.slug], before)
    return respond(request, detail, private=True)


@routes.route(
    "DELETE",
    "/v1/ghosts/" + SLUG_SEGMENT,
    status=204,
    errors=[403, 404],
    auth=True,
    private=True,
)
async def delete_ghost(request: web.Request) -> web.Response:
    """Delete an entity with its links, relations and counters (editors and admins)."""
    user = await require_role(request, *EDITOR_ROLES)
    slug = slug_param(request, "ghost")
    async with transaction(request.app[DATABASE]) as conn:
        # Locked, so no story can link it while its neighbours are read and it goes.
        current = await ghost_queries.get_ghost_for_edit(conn, slug=slug)
        if current is None:
            raise not_found("ghost")
        before = await ghost_neighbours(conn, current.id)
        files = await media_files_of(conn, ghost_id=current.id)
        await ghost_queries.delete_ghost_by_slug(conn, slug=slug)
        await remove_files_later(request, conn, files)
        await audited(request, conn, "ghost.deleted", "ghost", current.id, user, {"slug": slug})
    await ghost_written(request.app, current.id, [slug], before)
    return no_content()
