"""Keyset pagination, the one cursor convention of every list.

A list answers `?limit=&cursor=` with a `Page`: its items and `next_cursor`, the keyset
position of its last item, or null on the last page. A position is a `Position` subclass with
a tag of its own (one per list and sort order): the cursor is `[tag, key..., id]` as JSON in
URL-safe base64, so a cursor handed to another list, or to another sort order of the same
list, is a 422 rather than a page that starts somewhere arbitrary. Lists that share a shape
(newest first, by name, by relevance) subclass the shapes below, each with its own tag.
"""

from __future__ import annotations

import base64
import binascii
import datetime
import uuid
from collections.abc import Callable
from typing import Annotated, Generic, TypeVar

import msgspec

from service.web.api import validation_problem

T = TypeVar("T")
R = TypeVar("R")
P = TypeVar("P", bound="Position")

# A name-sorted cursor carries a name of up to 200 characters, up to 800 bytes of UTF-8.
Cursor = Annotated[str, msgspec.Meta(max_length=2048)]


class Page(msgspec.Struct, Generic[T], frozen=True):
    """One page of a keyset-paginated list; declare `response=Page[ItemStruct]`."""

    items: list[T]
    next_cursor: str | None


class PageQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """`?limit=&cursor=` of a keyset list; `cursor` is the previous page's `next_cursor`."""

    limit: Annotated[int, msgspec.Meta(ge=1, le=100)] = 20
    cursor: str | None = None


class ListQuery(PageQuery, frozen=True, forbid_unknown_fields=True):
    """`?limit=&cursor=` of a keyset list; other parameters are a 422."""

    cursor: Cursor | None = None


class Position(msgspec.Struct, frozen=True, array_like=True):
    """Where a page ended, as its cursor carries it; subclass with `tag=`, one per list."""


class RecentPosition(Position, frozen=True):
    """Where a newest-first page ended; drafts have no published_at and come first."""

    published_at: datetime.datetime | None
    id: uuid.UUID


class NamePosition(Position, frozen=True):
    """Where an A-to-Z page by name ended."""

    name: str
    id: uuid.UUID


class TitlePosition(Position, frozen=True):
    """Where an A-to-Z page by title ended."""

    title: str
    id: uuid.UUID


class RelevancePosition(Position, frozen=True):
    """Where a best-match-first page ended: name (or title) match, rank, id."""

    name_match: bool
    rank: float
    id: uuid.UUID


class CreatedPosition(Position, frozen=True):
    """Where a page ordered by creation time (newest or oldest first) ended."""

    created_at: datetime.datetime
    id: uuid.UUID


def encode_cursor(position: Position) -> str:
    """The opaque cursor of a keyset position; TypeError when its type has no tag."""
    if position.__struct_config__.tag is None:
        raise TypeError(f"{type(position).__name__} needs a tag: cursors name their list")
    return base64.urlsafe_b64encode(msgspec.json.encode(position)).rstrip(b"=").decode()


def decode_cursor(cursor: str, kind: type[P]) -> P:
    """The keyset position in a cursor; 422 when malformed or taken from another list."""
    try:
        raw = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4))
        return msgspec.json.decode(raw, type=kind)
    except (binascii.Error, ValueError, RecursionError, msgspec.DecodeError):
        raise validation_problem(
            [{"field": "cursor", "message": "not a cursor from this list"}]
        ) from None


def position(cursor: str | None, kind: type[P]) -> P | None:
    """The keyset position in `cursor` (None on the first page); 422 when it is not of `kind`."""
    return None if cursor is None else decode_cursor(cursor, kind)


def page_of(items: list[T], limit: int, key: Callable[[T], Position]) -> Page[T]:
    """A page from up to `limit + 1` fetched items: an extra item only says that more follow."""
    if len(items) <= limit:
        return Page(items, None)
    items = items[:limit]
    return Page(items, encode_cursor(key(items[-1])))


def keyset_page(rows: list[R], limit: int, key: Callable[[R], Position], kind: type[T]) -> Page[T]:
    """A page of `kind` items (read attribute by attribute) from up to `limit + 1` rows."""
    page = page_of(rows, limit, key)
    items = [msgspec.convert(row, kind, from_attributes=True) for row in page.items]
    return Page(items, page.next_cursor)
