"""What the ghost and story resources share: slugs, tags, draft visibility and sort cursors."""

from __future__ import annotations

import datetime
import re
import uuid
from collections.abc import Callable, Iterable
from typing import Annotated, Any, Literal, TypeVar

import msgspec
from aiohttp import web

from service.web.api import (
    Page,
    PageQuery,
    decode_cursor,
    not_found,
    page_of,
    respond,
    validation_problem,
)
from service.web.auth import can_edit, current_user
from service.web.problems import Problem

T = TypeVar("T")
R = TypeVar("R")

# The same patterns as the ghost_entities / stories CHECK constraints, so bad input is a 422.
SLUG_PATTERN = r"^[a-z0-9]+(-[a-z0-9]+)*$"
_SLUG = re.compile(SLUG_PATTERN)
Slug = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=120,
        pattern=SLUG_PATTERN,
        description="lower-case words of letters and digits joined by single hyphens",
        examples=["bloody-mary"],
    ),
]
Tag = Annotated[str, msgspec.Meta(min_length=1, max_length=60, pattern=SLUG_PATTERN)]
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
SearchText = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=200,
        description='web search syntax: words, "quoted phrases", OR, -excluded',
    ),
]
# A name-sorted cursor carries a name of up to 200 characters, up to 800 bytes of UTF-8.
Cursor = Annotated[str, msgspec.Meta(max_length=2048)]
Status = Literal["draft", "published"]

# Keyset positions as cursors carry them: `[sort, key..., id]`. The sort name comes first, so a
# cursor handed to another sort order is a 422.


class RecentPosition(msgspec.Struct, frozen=True, array_like=True, tag="recent"):
    """Where a newest-first page ended; drafts have no published_at and come first."""

    published_at: datetime.datetime | None
    id: uuid.UUID


class NamePosition(msgspec.Struct, frozen=True, array_like=True, tag="name"):
    """Where an A-to-Z page by name ended."""

    name: str
    id: uuid.UUID


class TitlePosition(msgspec.Struct, frozen=True, array_like=True, tag="title"):
    """Where an A-to-Z page by title ended."""

    title: str
    id: uuid.UUID


class RelevancePosition(msgspec.Struct, frozen=True, array_like=True, tag="relevance"):
    """Where a best-match-first page ended: name (or title) match, rank, id."""

    name_match: bool
    rank: float
    id: uuid.UUID


def slug_param(request: web.Request, what: str) -> str:
    """The `{slug}` path parameter; 404 naming `what` when it cannot be a slug."""
    slug = request.match_info["slug"]
    if len(slug) > 120 or not _SLUG.match(slug):
        raise not_found(what)
    return slug


def tag_list(tags: str | None) -> list[str]:
    """The tags of a `?tags=` value; none means any tags (`tags @> '{}'` always holds)."""
    return tags.split(",") if tags else []


def position(cursor: str | None, kind: type[T]) -> T | None:
    """The keyset position in `cursor` (None on the first page); 422 when it is not of `kind`."""
    return None if cursor is None else decode_cursor(cursor, kind)


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


def keyset_page(
    rows: list[R], limit: int, key: Callable[[R], msgspec.Struct], kind: type[T]
) -> Page[T]:
    """A page of `kind` items from up to `limit + 1` rows; `key` is a row's keyset position."""
    page = page_of(rows, limit, lambda row: _tagged(key(row)))
    return Page(shaped(page.items, kind), page.next_cursor)


def _tagged(position: msgspec.Struct) -> tuple[Any, ...]:
    # the array a tagged array_like struct encodes to, which is what decode_cursor reads back
    return (position.__struct_config__.tag, *msgspec.structs.astuple(position))


class ListQuery(PageQuery, frozen=True, forbid_unknown_fields=True):
    """`?limit=&cursor=` of a keyset list; other parameters are a 422."""

    cursor: Cursor | None = None
