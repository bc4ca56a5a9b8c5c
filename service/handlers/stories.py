"""Stories: search and lists, one story with the entities it features, and editors' writes."""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Annotated, Literal

import msgspec
from aiohttp import web

from service.cache.catalog import (
    TTL_SHORT,
    Keys,
    Touched,
    story_neighbours,
    story_written,
)
from service.domain import embeddings
from service.handlers.media import MediaItem, media_files_of, remove_files_later
from service.store.db import DATABASE, Connection, Executor, one_connection, transaction
from service.store.queries import ghosts as ghost_queries
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
    SearchText,
    Slug,
    Status,
    TagList,
    Tags,
    field_problem,
    list_sort,
    respond_content,
    respond_list,
    sees_drafts,
    shaped,
    slug_param,
    tag_list,
)
from service.web.paging import (
    ListQuery,
    Page,
    RecentPosition,
    RelevancePosition,
    TitlePosition,
    keyset_page,
    position,
)

routes = Routes(tag="stories")

MAX_LINKED_GHOSTS = 50
Role = story_queries.StoryGhostEntitiesRole
Title = Annotated[str, msgspec.Meta(min_length=1, max_length=200, pattern=r"\S")]
Summary = Annotated[str, msgspec.Meta(max_length=1000)]
Body = Annotated[str, msgspec.Meta(max_length=200_000)]
ReadingMinutes = Annotated[int, msgspec.Meta(ge=1, le=600)]


# One cursor tag per list and sort order (service/web/paging.py): an entity list's cursor is
# a 422 here. Title order kept its tag, so its cursors still work.
class StoriesByRelevance(RelevancePosition, frozen=True, tag="stories-relevance"):
    """Where a page of GET /v1/stories?q=...&sort=relevance ended."""


class StoriesByTitle(TitlePosition, frozen=True, tag="title"):
    """Where a page of GET /v1/stories?sort=title ended."""


class StoriesByRecency(RecentPosition, frozen=True, tag="stories-recent"):
    """Where a page of GET /v1/stories?sort=recent ended."""


# ---- responses ---------------------------------------------------------------------------------


class StorySummary(msgspec.Struct, frozen=True):
    """A story as lists show it (without its body)."""

    id: uuid.UUID
    slug: str
    title: str
    summary: str
    tags: list[str]
    reading_minutes: int
    status: Status
    published_at: datetime.datetime | None
    updated_at: datetime.datetime


class StoryGhost(msgspec.Struct, frozen=True):
    """An entity linked to a story, with its role there and its display position."""

    id: uuid.UUID
    slug: str
    name: str
    entity_type: ghost_queries.GhostEntitiesEntityType
    danger_level: int
    status: Status
    role: Role
    position: int


class StoryCounts(msgspec.Struct, frozen=True):
    """How often a story was viewed, liked, shared, read to the end, bookmarked, commented."""

    view_count: int
    like_count: int
    share_count: int
    read_count: int
    bookmark_count: int
    comment_count: int


class StoryDetail(msgspec.Struct, frozen=True):
    """One story, body included, with its counters, linked entities in display order and its
    media (by position)."""

    id: uuid.UUID
    slug: str
    title: str
    summary: str
    body: str
    tags: list[str]
    reading_minutes: int
    status: Status
    published_at: datetime.datetime | None
    author_id: uuid.UUID | None
    created_at: datetime.datetime
    updated_at: datetime.datetime
    counts: StoryCounts
    ghosts: list[StoryGhost]
    media: list[MediaItem]


# ---- requests ----------------------------------------------------------------------------------


class StoryListQuery(ListQuery, frozen=True, forbid_unknown_fields=True):
    """Search and filters of the story list."""

    q: SearchText | None = None
    tags: TagList | None = None
    ghost: Slug | None = None
    sort: Literal["relevance", "title", "recent"] | None = None


class GhostLink(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An entity to link to a story, by slug."""

    slug: Slug
    role: Role = "featured"


GhostLinks = Annotated[
    list[GhostLink],
    msgspec.Meta(
        max_length=MAX_LINKED_GHOSTS,
        description="the story's entities in display order; replaces any earlier links",
    ),
]


class StoryCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new story; it is a draft unless `status` is published."""

    slug: Slug
    title: Title
    summary: Summary = ""
    body: Body = ""
    tags: Tags = []
    reading_minutes: ReadingMinutes = 1
    status: Status = "draft"
    ghosts: GhostLinks = []


class StoryPatch(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Fields to change; absent fields keep their value; `ghosts` replaces every link."""

    slug: Slug | msgspec.UnsetType = msgspec.UNSET
    title: Title | msgspec.UnsetType = msgspec.UNSET
    summary: Summary | msgspec.UnsetType = msgspec.UNSET
    body: Body | msgspec.UnsetType = msgspec.UNSET
    tags: Tags | msgspec.UnsetType = msgspec.UNSET
    reading_minutes: ReadingMinutes | msgspec.UnsetType = msgspec.UNSET
    status: Status | msgspec.UnsetType = msgspec.UNSET
    ghosts: GhostLinks | msgspec.UnsetType = msgspec.UNSET


# ---- reads -------------------------------------------------------------------------------------


async def story_detail(db: Executor, slug: str, *, drafts: bool) -> StoryDetail | None:
    """The story at `slug`; None when there is none (or a draft, unless `drafts`)."""
    async with one_connection(db) as conn:  # two queries, one pool connection
        row = await story_queries.get_story_detail(conn, slug=slug, include_drafts=drafts)
        if row is None:
            return None
        ghosts = await story_queries.list_story_ghosts(conn, story_id=row.id, include_drafts=drafts)
    return msgspec.convert(
        msgspec.structs.asdict(row)
        | {
            "counts": msgspec.convert(row, StoryCounts, from_attributes=True),
            "ghosts": shaped(ghosts, StoryGhost),
        },
        StoryDetail,
    )


@routes.route("GET", "/v1/stories", query=StoryListQuery, response=Page[StorySummary])
async def list_stories(request: web.Request) -> web.Response:
    """Stories: full-text search (`q`), tag and entity filters, by relevance, title or recency."""
    query = read_query(request, StoryListQuery)
    sort = list_sort(query.q, query.sort)
    return await respond_list(
        request,
        query,
        sort=sort,
        tags=query.tags,
        key_of=Keys.story_list,
        page=lambda db, drafts: _STORY_PAGES[sort](db, query, drafts=drafts),
    )


async def _stories_by_relevance(
    db: Executor, query: StoryListQuery, *, drafts: bool
) -> Page[StorySummary]:
    after = position(query.cursor, StoriesByRelevance)
    rows = await story_queries.list_stories_by_relevance(
        db,
        query=query.q or "",  # list_sort: relevance comes with a search
        include_drafts=drafts,
        tags=tag_list(query.tags),
        ghost_slug=query.ghost,
        after_id=after.id if after else None,
        after_title_match=after.name_match if after else None,
        after_rank=after.rank if after else None,
        max_rows=query.limit + 1,
    )
    return keyset_page(
        rows,
        query.limit,
        lambda row: StoriesByRelevance(row.title_match, row.rank, row.id),
        StorySummary,
    )


async def _stories_by_title(
    db: Executor, query: StoryListQuery, *, drafts: bool
) -> Page[StorySummary]:
    after = position(query.cursor, StoriesByTitle)
    rows = await story_queries.list_stories_by_title(
        db,
        include_drafts=drafts,
        query=query.q,
        tags=tag_list(query.tags),
        ghost_slug=query.ghost,
        after_id=after.id if after else None,
        after_title=after.title if after else None,
        max_rows=query.limit + 1,
    )
    return keyset_page(
        rows, query.limit, lambda row: StoriesByTitle(row.title, row.id), StorySummary
    )


async def _stories_by_recency(
    db: Executor, query: StoryListQuery, *, drafts: bool
) -> Page[StorySummary]:
    after = position(query.cursor, StoriesByRecency)
    rows = await story_queries.list_stories_recent(
        db,
        include_drafts=drafts,
        query=query.q,
        tags=tag_list(query.tags),
        ghost_slug=query.ghost,
        after_id=after.id if after else None,
        after_published_at=after.published_at if after else None,
        max_rows=query.limit + 1,
    )
    return keyset_page(
        rows, query.limit, lambda row: StoriesByRecency(row.published_at, row.id), StorySummary
    )


# The page builder of each sort order.
_STORY_PAGES: dict[str, Callable[..., Awaitable[Page[StorySummary]]]] = {
    "relevance": _stories_by_relevance,
    "title": _stories_by_title,
    "recent": _stories_by_recency,
}


@routes.route("GET", "/v1/stories/{slug}", response=StoryDetail, errors=[404])
async def get_story(request: web.Request) -> web.Response:
    """One story with the entities it features or mentions."""
    slug = slug_param(request, "story")
    db = request.app[DATABASE]
    if await sees_drafts(request):
        detail = await story_detail(db, slug, drafts=True)
        if detail is None:
            raise not_found("story")
        return respond_content(request, detail, drafts=True)
    # Its counts change with every rollup of the statistics job, which drops nothing: they
    # are at most TTL_SHORT old (service/cache/catalog.py).
    load = partial(story_detail, db.primary, slug, drafts=False)
    return await public(request, Keys.story_by_slug(slug), ttl=TTL_SHORT, load=load, what="story")


# ---- writes ------------------------------------------------------------------------------------


async def _link_ghosts(conn: Connection, story_id: uuid.UUID, links: list[GhostLink]) -> None:
    """Make `links` the story's linked entities; 422 naming unknown or repeated slugs."""
    slugs = [link.slug for link in links]
    repeated = sorted({slug for slug in slugs if slugs.count(slug) > 1})
    if repeated:
        raise field_problem("ghosts", f"each entity once; repeated: {', '.join(repeated)}")
    found = {
        row.slug: row.id for row in await ghost_queries.list_ghost_ids_by_slugs(conn, slugs=slugs)
    }
    unknown = [slug for slug in slugs if slug not in found]
    if unknown:
        raise field_problem("ghosts", f"no ghost with the slug: {', '.join(unknown)}")
    await story_queries.set_story_ghosts(
        conn,
        story_id=story_id,
        ghost_ids=[found[slug] for slug in slugs],
        roles=[link.role for link in links],
    )


@routes.route(
    "POST",
    "/v1/stories",
    body=StoryCreate,
    response=StoryDetail,
    status=201,
    errors=[403, 409],
    auth=True,
    private=True,
)
async def create_story(request: web.Request) -> web.Response:
    """Create a story and link its entities in one transaction (editors and admins)."""
    user = await require_role(request, *EDITOR_ROLES)
    body = await read_body(request, StoryCreate)
    async with transaction(request.app[DATABASE]) as conn:
        made = await story_queries.insert_story(
            conn,
            slug=body.slug,
            title=body.title,
            summary=body.summary,
            body=body.body,
            tags=body.tags,
            reading_minutes=body.reading_minutes,
            status=body.status,
            author_id=user.id,
        )
        assert made is not None  # INSERT ... RETURNING always returns the row
        await _link_ghosts(conn, made.id, body.ghosts)
        await audited(request, conn, "story.created", "story", made.id, user, {"slug": made.slug})
        await embeddings.enqueue_story(conn, made.id)
        detail = await story_detail(conn, made.slug, drafts=True)
    # A "not found" cached for the slug goes too, and the pages of the entities it links.
    await story_written(request.app, made.id, [made.slug], Touched())
    return respond(
        request, detail, status=201, private=True, headers={"Location": f"/v1/stories/{made.slug}"}
    )


def _text_changed(*fields: object) -> bool:
    """Whether a patch sets any of the fields an embedding is computed from."""
    return any(not isinstance(field, msgspec.UnsetType) for field in fields)


@routes.route(
    "PATCH",
    "/v1/stories/{slug}",
    body=StoryPatch,
    response=StoryDetail,
    errors=[403, 404, 409],
    auth=True,
    private=True,
)
async def update_story(request: web.Request) -> web.Response:
    """Change some of a story's fields and, given `ghosts`, its links (editors and admins)."""
    user = await require_role(request, *EDITOR_ROLES)
    slug = slug_param(request, "story")
    patch = await read_body(request, StoryPatch)
    async with transaction(request.app[DATABASE]) as conn:
        current = await story_queries.get_story_for_edit(conn, slug=slug)
        if current is None:
            raise not_found("story")
        # The entities linked before `ghosts` replaces them stop listing the story.
        before = await story_neighbours(conn, current.id)
        edited = await story_queries.edit_story(
            conn,
            id=current.id,
            slug=patched(patch.slug, current.slug),
            title=patched(patch.title, current.title),
            summary=patched(patch.summary, current.summary),
            body=patched(patch.body, current.body),
            tags=patched(patch.tags, current.tags),
            reading_minutes=patched(patch.reading_minutes, current.reading_minutes),
            status=patched(patch.status, current.status),
        )
        assert edited is not None  # the row is locked by get_story_for_edit
        if not isinstance(patch.ghosts, msgspec.UnsetType):
            await _link_ghosts(conn, current.id, patch.ghosts)
        await audited(
            request,
            conn,
            "story.updated",
            "story",
            current.id,
            user,
            {"slug": edited.slug, "fields": changed_fields(patch)},
        )
        if _text_changed(patch.title, patch.summary, patch.body):
            await embeddings.enqueue_story(conn, current.id)  # skipped if the text is the same
        detail = await story_detail(conn, edited.slug, drafts=True)
    await story_written(request.app, current.id, [slug, edited.slug], before)
    return respond(request, detail, private=True)


@routes.route(
    "DELETE", "/v1/stories/{slug}", status=204, errors=[403, 404], auth=True, private=True
)
async def delete_story(request: web.Request) -> web.Response:
    """Delete a story with its links, comments and counters (editors and admins)."""
    user = await require_role(request, *EDITOR_ROLES)
    slug = slug_param(request, "story")
    async with transaction(request.app[DATABASE]) as conn:
        current = await story_queries.get_story_for_edit(conn, slug=slug)
        if current is None:
            raise not_found("story")
        before = await story_neighbours(conn, current.id)
        files = await media_files_of(conn, story_id=current.id)
        await story_queries.delete_story_by_slug(conn, slug=slug)
        await remove_files_later(request, conn, files)
        await audited(request, conn, "story.deleted", "story", current.id, user, {"slug": slug})
    await story_written(request.app, current.id, [slug], before)
    return no_content()
