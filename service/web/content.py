"""What the ghost and story resources share: slugs, tags, search text and draft visibility."""

from __future__ import annotations

import re
import uuid
from collections.abc import Awaitable, Callable, Iterable
from functools import partial
from typing import Annotated, Any, TypeVar

import msgspec
from aiohttp import web

from service.cache.catalog import TTL_MEDIUM, TTL_QUERY
from service.cache.engine import CacheKey
from service.store.db import DATABASE, Executor, Queryable, writer
from service.store.queries.enums import GhostEntitiesStatus
from service.web.api import not_found, read_query, respond, validation_problem
from service.web.auth import can_edit, current_user, require_user
from service.web.cached import digest, public
from service.web.paging import PageQuery, Position, page_of, position
from service.web.problems import Problem

T = TypeVar("T")
P = TypeVar("P", bound=Position)
R = TypeVar("R")

# The ghost_entities / stories CHECK constraints' pattern, so bad input is a 422.
WORDS_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
# Route words beside a `{slug}` segment (GET /v1/ghosts/suggest): never a slug, so a route and
# an entity can never share a URL. Routes name their slug segment SLUG_SEGMENT, which does not
# capture them (tests/test_openapi.py checks that every such word is listed here).
RESERVED_SLUGS = ("suggest",)
_RESERVED = "|".join(RESERVED_SLUGS)
SLUG_PATTERN = rf"^(?!(?:{_RESERVED})$)[a-z0-9]+(-[a-z0-9]+)*$"
SLUG_SEGMENT = rf"{{slug:(?!(?:{_RESERVED})$)[^/]+}}"
_SLUG = re.compile(SLUG_PATTERN)
Slug = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=120,
        pattern=SLUG_PATTERN,
        description="lower-case words of letters and digits joined by single hyphens; not a "
        "route word (" + ", ".join(RESERVED_SLUGS) + ")",
        examples=["bloody-mary"],
    ),
]
Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=60, pattern=WORDS_PATTERN)]
Tags = Annotated[list[Tag], msgspec.Meta(max_length=32)]
# `?tags=a,b`: a comma-separated list of at most 32 tags.
TagList = Annotated[
    str,
    msgspec.Meta(
        max_length=32 * 61,
        pattern=r"^[a-z0-9]+(-[a-z0-9]+)*(,[a-z0-9]+(-[a-z0-9]+)*){0,31}$",
        description="comma-separated tags; an item must carry every one",
        examples=["haunted-house,victorian"],
    ),
]
# Text PostgreSQL can store: anything but NUL.
NO_NUL = r"^[^\x00]*$"
SearchText = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=200,
        pattern=NO_NUL,
        description='web search syntax: words, "quoted phrases", OR, -excluded',
    ),
]
# Entities and stories share one status rule (their CHECK constraints list the same values).
Status = GhostEntitiesStatus


def slug_param(request: web.Request, what: str) -> str:
    """The `{slug}` path parameter; 404 naming `what` when it cannot be a slug."""
    slug = request.match_info["slug"]
    if len(slug) > 120 or not _SLUG.match(slug):
        raise not_found(what)
    return slug


def tag_list(tags: str | None) -> list[str]:
    """The tags of a `?tags=` value; none means any tags (`tags @> '{}'` always holds)."""
    return tags.split(",") if tags else []


def shaped(rows: Iterable[Any], kind: type[T]) -> list[T]:
    """Query rows as the response struct `kind` (read attribute by attribute)."""
    return [msgspec.convert(row, kind, from_attributes=True) for row in rows]


def field_problem(field: str, message: str) -> Problem:
    """422 for one query parameter or body field that does not fit with the others."""
    return validation_problem([{"field": field, "message": message}])


async def sees_drafts(request: web.Request) -> bool:
    """Whether the caller may see drafts: editors and admins."""
    return can_edit(await current_user(request))


def respond_content(request: web.Request, data: Any, *, drafts: bool) -> web.Response:
    """A public read with an ETag; `private, no-store` when it was built for an editor."""
    return respond(request, data, etag=not drafts, private=drafts)


def list_sort(search: str | None, sort: str | None) -> str:
    """The sort of a content list: as asked, else relevance for a search and recency without;
    422 for relevance without a search."""
    chosen = sort or ("relevance" if search is not None else "recent")
    if chosen == "relevance" and search is None:
        raise field_problem("sort", "relevance needs a search (q)")
    return chosen


async def respond_list(
    request: web.Request,
    query: msgspec.Struct,
    *,
    sort: str,
    tags: str | None,
    key_of: Callable[[str], CacheKey],
    page: Callable[[Executor, bool], Awaitable[Any]],
) -> web.Response:
    """A content list page, cached under `key_of(the query's canonical digest)` (see
    `respond_public`)."""
    canonical_tags = None if tags is None else ",".join(sorted(set(tag_list(tags))))
    key = key_of(digest(query, sort=sort, tags=canonical_tags))
    ttl = TTL_QUERY if getattr(query, "q", None) else TTL_MEDIUM  # free text: a short life
    return await respond_public(request, key, page, ttl=ttl)


async def respond_public(
    request: web.Request,
    key: CacheKey,
    build: Callable[[Executor, bool], Awaitable[Any]],
    *,
    ttl: int,
    what: str = "",
) -> web.Response:
    """A public read: for editors `build(db, drafts=True)`, private and uncached; for everyone
    else the cached answer of `build(primary, False)`. None from `build` is a 404 of `what`."""
    db = request.app[DATABASE]
    if await sees_drafts(request):
        data = await build(db, True)
        if data is None:
            raise not_found(what)
        return respond_content(request, data, drafts=True)
    return await public(request, key, ttl=ttl, load=partial(build, db.primary, False), what=what)


async def respond_own_page(
    request: web.Request,
    fetch: Callable[[Queryable, uuid.UUID, P | None, int], Awaitable[Iterable[Any]]],
    item: type[T],
    start: type[P],
    key: Callable[[T], P],
) -> web.Response:
    """A page of the signed-in user's own items (`?limit=&cursor=`), private: `fetch(db,
    user_id, after, max_rows)` reads them from the primary, which has what the user saved a
    moment ago (a replica may not)."""
    user = await require_user(request)
    query = read_query(request, PageQuery)
    after = position(query.cursor, start)
    rows = await fetch(writer(request.app[DATABASE]), user.id, after, query.limit + 1)
    items = [msgspec.convert(row, item, from_attributes=True) for row in rows]
    return respond(request, page_of(items, query.limit, key), private=True)
