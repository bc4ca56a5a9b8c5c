"""Trending entities and stories: recent interactions, weighted by kind, decaying with age."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Final, Literal

import msgspec
from aiohttp import web

from service.cache.catalog import TTL_SHORT, Keys
from service.cache.engine import CACHE
from service.store.db import DATABASE, reader
from service.store.queries import statistics as statistics_queries
from service.web.api import Routes, read_query, respond

routes = Routes(tag="trending")

Window = Literal["1d", "7d", "30d"]
Kind = Literal["ghost", "story", "all"]
MAX_LIMIT: Final = 50
WINDOWS: Final[dict[str, datetime.timedelta]] = {
    "1d": datetime.timedelta(days=1),
    "7d": datetime.timedelta(days=7),
    "30d": datetime.timedelta(days=30),
}
# An interaction counts half as much after a quarter of the window: within a window, what
# happened lately leads, yet a steady favourite is not overtaken by one busy hour.
HALF_LIFE_SHARE: Final = 4


class TrendingQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Which window of recent interactions to rank by, which content, how many items."""

    window: Window = "7d"
    kind: Kind = "all"
    limit: Annotated[int, msgspec.Meta(ge=1, le=MAX_LIMIT)] = 20


class TrendingItem(msgspec.Struct, frozen=True):
    """A trending entity or story: its score and its interactions within the window."""

    content_type: Literal["ghost", "story"]
    id: uuid.UUID
    slug: str
    title: str
    entity_type: str | None
    score: float
    views: int
    likes: int
    shares: int
    reads: int


class Trending(msgspec.Struct, frozen=True):
    """Content ranked by interactions in the window (view 1, like 3, share 5, read 4)."""

    window: Window
    kind: Kind
    items: list[TrendingItem]


@routes.route("GET", "/v1/trending", query=TrendingQuery, response=Trending)
async def get_trending(request: web.Request) -> web.Response:
    """Published content ranked by recent weighted interactions, newer ones counting more."""
    query = read_query(request, TrendingQuery)
    db = request.app[DATABASE]

    async def load() -> bytes:
        period = WINDOWS[query.window]
        # No write invalidates this entry (it only ages), so a replica is as good a source.
        rows = await statistics_queries.list_trending(
            reader(db),
            half_life=period / HALF_LIFE_SHARE,
            period=period,
            kind=query.kind,
            max_rows=query.limit,
        )
        items = [
            TrendingItem(
                content_type="ghost" if row.content_type == "ghost" else "story",
                id=row.id,
                slug=row.slug,
                title=row.title,
                entity_type=row.entity_type,
                score=row.score,
                views=row.view_count,
                likes=row.like_count,
                shares=row.share_count,
                reads=row.read_count,
            )
            for row in rows
        ]
        return msgspec.json.encode(Trending(query.window, query.kind, items))

    # The same for everyone and expensive over 30 days: computed at most once per TTL.
    key = Keys.trending(query.window, query.kind, query.limit)
    body = await request.app[CACHE].get_or_load(key, ttl=TTL_SHORT, load=load)
    if body is None:  # load() always returns a body; None only stands for "not found"
        body = await load()
    return respond(request, body, etag=True)
