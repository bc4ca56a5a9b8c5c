"""How far the signed-in user has read each story."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Any

import msgspec
from aiohttp import web

from service.store.db import DATABASE, Queryable
from service.store.queries import reading_progress as progress_queries
from service.web.api import (
    Routes,
    not_found,
    path_param,
    read_body,
    respond,
)
from service.web.auth import require_user
from service.web.content import respond_own_page
from service.web.paging import Page, PageQuery, Position

routes = Routes(tag="me")


class ProgressPosition(Position, frozen=True, tag="reading-progress"):
    """Where a most-recently-updated-first page of reading progress ended."""

    updated_at: datetime.datetime
    id: uuid.UUID


# Keyset position before the most recently updated progress: the first page starts here.
_LATEST = ProgressPosition(datetime.datetime.max.replace(tzinfo=datetime.UTC), uuid.UUID(int=0))
_MAX_POSITION = 2**31 - 1  # reading_progress.position is an integer


class ProgressBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Progress through a story: percent read and the reader's position (an offset) in it."""

    percent: Annotated[int, msgspec.Meta(ge=0, le=100)]
    position: Annotated[int, msgspec.Meta(ge=0, le=_MAX_POSITION)] = 0


class ReadingProgress(msgspec.Struct, frozen=True):
    """Progress through one story; `completed_at` is when it first reached 100 percent.

    A completed story stays completed: later updates move `position` but keep percent 100.
    """

    id: uuid.UUID
    story_slug: str
    story_title: str
    percent: int
    position: int
    completed_at: datetime.datetime | None
    updated_at: datetime.datetime


@routes.route(
    "GET",
    "/v1/me/reading-progress",
    query=PageQuery,
    response=Page[ReadingProgress],
    auth=True,
    private=True,
)
async def list_reading_progress(request: web.Request) -> web.Response:
    """The signed-in user's progress through published stories, most recently updated first."""

    def fetch(db: Queryable, user_id: uuid.UUID, after: ProgressPosition | None, rows: int) -> Any:
        after = after or _LATEST
        return progress_queries.list_reading_progress(
            db,
            user_id=user_id,
            after_updated_at=after.updated_at,
            after_id=after.id,
            max_rows=rows,
        )

    return await respond_own_page(
        request,
        fetch,
        ReadingProgress,
        ProgressPosition,
        lambda p: ProgressPosition(p.updated_at, p.id),
    )


@routes.route(
    "PUT",
    "/v1/me/reading-progress/{story_slug}",
    body=ProgressBody,
    response=ReadingProgress,
    errors=[404],
    auth=True,
    private=True,
)
async def put_reading_progress(request: web.Request) -> web.Response:
    """Save the signed-in user's progress through a published story; 100 percent completes it."""
    user = await require_user(request)
    story_slug = path_param(request, "story_slug", str)
    body = await read_body(request, ProgressBody)
    row = await progress_queries.save_reading_progress(
        request.app[DATABASE],
        story_slug=story_slug,
        user_id=user.id,
        percent=body.percent,
        position=body.position,
    )
    if row is None:
        raise not_found("story")
    return respond(
        request, msgspec.convert(row, ReadingProgress, from_attributes=True), private=True
    )
