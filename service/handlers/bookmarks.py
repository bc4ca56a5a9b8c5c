"""The signed-in user's bookmarks of entities and stories."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any, Literal

import msgspec
from aiohttp import web

from service.store.db import DATABASE, Queryable, writer
from service.store.queries import bookmarks as bookmark_queries
from service.web.api import (
    Routes,
    no_content,
    not_found,
    path_param,
    read_body,
    respond,
    validation_problem,
)
from service.web.auth import require_user
from service.web.content import respond_own_page
from service.web.paging import CreatedPosition, Page, PageQuery
from service.web.problems import Problem

routes = Routes(tag="me")

ContentType = Literal["ghost", "story"]
# The slug CHECK of ghost_entities and stories.
Slug = Annotated[str, msgspec.Meta(max_length=120, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]


class BookmarkPosition(CreatedPosition, frozen=True, tag="bookmarks"):
    """Where a newest-first page of bookmarks ended."""


# Keyset position before the newest bookmark: the first page starts here.
_NEWEST = BookmarkPosition(datetime.datetime.max.replace(tzinfo=datetime.UTC), uuid.UUID(int=0))


class BookmarkBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What to bookmark: an entity ('ghost') or a story, by `slug` or by `id` (one of them)."""

    content_type: ContentType
    slug: Slug | None = None
    id: uuid.UUID | None = None
    note: Annotated[str, msgspec.Meta(max_length=1000)] = ""


class Bookmark(msgspec.Struct, frozen=True):
    """A saved entity or story; `title` is the story's title or the entity's name."""

    id: uuid.UUID
    content_type: ContentType
    slug: str
    title: str
    note: str
    created_at: datetime.datetime


@routes.route(
    "GET",
    "/v1/me/bookmarks",
    query=PageQuery,
    response=Page[Bookmark],
    auth=True,
    private=True,
)
async def list_bookmarks(request: web.Request) -> web.Response:
    """The signed-in user's bookmarks of published content, newest first."""

    def fetch(db: Queryable, user_id: uuid.UUID, after: BookmarkPosition | None, rows: int) -> Any:
        after = after or _NEWEST
        return bookmark_queries.list_bookmarks(
            db,
            user_id=user_id,
            after_created_at=after.created_at,
            after_id=after.id,
            max_rows=rows,
        )

    return await respond_own_page(
        request, fetch, Bookmark, BookmarkPosition, lambda b: BookmarkPosition(b.created_at, b.id)
    )


@routes.route(
    "POST",
    "/v1/me/bookmarks",
    body=BookmarkBody,
    response=Bookmark,
    status=201,
    also=[200],
    errors=[404, 409],
    auth=True,
    private=True,
)
async def create_bookmark(request: web.Request) -> web.Response:
    """Bookmark a published entity or story: 201 when new, 200 with the one already there."""
    user = await require_user(request)
    body = await read_body(request, BookmarkBody)
    if (body.slug is None) == (body.id is None):
        raise validation_problem([{"field": "slug", "message": "send either slug or id"}])
    db = writer(request.app[DATABASE])
    target = await bookmark_queries.get_bookmark_target(
        db, content_type=body.content_type, slug=body.slug, id=body.id
    )
    if target is None:
        raise not_found(body.content_type)
    ghost_entity_id = target.id if body.content_type == "ghost" else None
    story_id = target.id if body.content_type == "story" else None
    status = 201
    row = await bookmark_queries.create_bookmark(
        db, user_id=user.id, ghost_entity_id=ghost_entity_id, story_id=story_id, note=body.note
    )
    if row is None:  # already bookmarked: answer with that bookmark, unchanged
        status = 200
        row = await bookmark_queries.get_bookmark_for_target(
            db, user_id=user.id, ghost_entity_id=ghost_entity_id, story_id=story_id
        )
        if row is None:  # deleted between the two statements
            raise Problem(
                409, "Conflict", "the bookmark changed meanwhile; try again", type="conflict"
            )
    bookmark = Bookmark(
        id=row.id,
        content_type=body.content_type,
        slug=target.slug,
        title=target.title,
        note=row.note,
        created_at=row.created_at,
    )
    return respond(request, bookmark, status=status, private=True)


@routes.route("DELETE", "/v1/me/bookmarks/{id}", status=204, errors=[404], auth=True)
async def delete_bookmark(request: web.Request) -> web.Response:
    """Remove one of the signed-in user's bookmarks (404 for anyone else's)."""
    user = await require_user(request)
    bookmark_id = path_param(request, "id", uuid.UUID)
    deleted = await bookmark_queries.delete_bookmark(
        request.app[DATABASE], id=bookmark_id, user_id=user.id
    )
    if not deleted:
        raise not_found("bookmark")
    return no_content()
