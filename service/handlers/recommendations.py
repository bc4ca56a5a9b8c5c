"""The signed-in user's recommendations and their feedback on them.

Not cached in Redis: the list changes when the recommendations.refresh job replaces it in a
worker, which has no cache client and no hook after its commit to invalidate an entry, so
a cached list could outlive the refresh. Reading the stored list is one index range scan.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Final, Literal

import msgspec
from aiohttp import web

from service.domain import recommendations as recommend
from service.store.db import DATABASE, Queryable, transaction, writer
from service.store.queries import recommendations as queries
from service.web.api import (
    Routes,
    not_found,
    path_param,
    read_body,
    read_query,
    respond,
)
from service.web.auth import require_user
from service.web.paging import Cursor, Page, Position, page_of, position

routes = Routes(tag="recommendations")

ContentType = Literal["ghost", "story"]
Algorithm = queries.RecommendationsAlgorithm
FeedbackKind = Literal["helpful", "not_helpful", "dismissed"]
MAX_LIMIT: Final = 50


class RecommendationsQuery(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """`?limit=&cursor=`; `cursor` is the previous page's `next_cursor`."""

    limit: Annotated[int, msgspec.Meta(ge=1, le=MAX_LIMIT)] = 20
    cursor: Cursor | None = None


class RecommendationPosition(Position, frozen=True, tag="recommendations"):
    """Where a best-first page of recommendations ended."""

    score: float
    id: uuid.UUID


class Recommendation(msgspec.Struct, frozen=True):
    """Something to read next, why, and which signal found it; `id` is for feedback."""

    id: uuid.UUID
    content_type: ContentType
    slug: str
    title: str
    entity_type: str | None
    tags: list[str]
    score: float
    reason: str
    algorithm: Algorithm
    expires_at: datetime.datetime


class FeedbackBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What the user thinks of a recommendation; `dismissed` hides its content for good."""

    feedback: FeedbackKind


class Feedback(msgspec.Struct, frozen=True):
    """The user's feedback on a recommendation's content (one per content, latest wins)."""

    id: uuid.UUID
    recommendation_id: uuid.UUID
    content_type: ContentType
    slug: str
    feedback: FeedbackKind
    created_at: datetime.datetime
    updated_at: datetime.datetime


async def _page(
    db: Queryable, user_id: uuid.UUID, after: RecommendationPosition | None, limit: int
) -> list[Recommendation]:
    rows = await queries.list_recommendations(
        db,
        user_id=user_id,
        after_score=after.score if after else None,
        after_id=after.id if after else None,
        max_rows=limit + 1,
    )
    return [msgspec.convert(row, Recommendation, from_attributes=True) for row in rows]


@routes.route(
    "GET",
    "/v1/me/recommendations",
    query=RecommendationsQuery,
    response=Page[Recommendation],
    auth=True,
    private=True,
)
async def list_recommendations(request: web.Request) -> web.Response:
    """The signed-in user's recommendations, best first (computed on the first call)."""
    user = await require_user(request)
    query = read_query(request, RecommendationsQuery)
    after = position(query.cursor, RecommendationPosition)
    # The primary: the list may have been computed or given feedback a moment ago. An expired
    # list is still served while its refresh runs in the background.
    db = writer(request.app[DATABASE])
    items = await _page(db, user.id, after, query.limit)
    if after is None and not items:
        stored = await queries.count_recommendations(db, user_id=user.id)
        if stored is None or stored.stored == 0:
            # Never computed (a new user): compute now rather than answer with nothing.
            async with transaction(db) as conn:
                await recommend.refresh(conn, user.id, only_if_empty=True)
            items = await _page(db, user.id, after, query.limit)
        else:
            # Everything stored has since been seen, bookmarked or dismissed.
            await recommend.queue_refresh(db, user.id)
    elif after is None and await queries.claim_stale_recommendations(
        db, user_id=user.id, grace=recommend.STALE_GRACE
    ):
        await recommend.queue_refresh(db, user.id)
    page = page_of(items, query.limit, lambda item: RecommendationPosition(item.score, item.id))
    return respond(request, page, private=True)


@routes.route(
    "POST",
    "/v1/me/recommendations/{id}/feedback",
    body=FeedbackBody,
    response=Feedback,
    status=201,
    also=[200],
    errors=[404],
    auth=True,
    private=True,
)
async def give_feedback(request: web.Request) -> web.Response:
    """Rate a recommendation helpful or not helpful, or dismiss it: 201 new, 200 changed."""
    user = await require_user(request)
    recommendation_id = path_param(request, "id", uuid.UUID)
    body = await read_body(request, FeedbackBody)
    async with transaction(request.app[DATABASE]) as conn:
        row = await queries.record_recommendation_feedback(
            conn, recommendation_id=recommendation_id, user_id=user.id, feedback=body.feedback
        )
        if row is None:
            raise not_found("recommendation")
        # One feedback per user and content, the latest wins (someone else's recommendation
        # finds no row: 404). Dismissed and not helpful content is never recommended again,
        # and the feedback changes the user's signals: recompute soon, not at expiry.
        await recommend.queue_refresh(conn, user.id)
    feedback = msgspec.convert(row, Feedback, from_attributes=True)
    return respond(request, feedback, status=201 if row.created else 200, private=True)
