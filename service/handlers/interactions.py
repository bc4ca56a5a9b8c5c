"""Views, likes and shares of entities and stories."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Literal

import msgspec
from aiohttp import web

from service.store.db import DATABASE, transaction
from service.store.queries import interactions as interaction_queries
from service.web.api import Routes, not_found, read_body, respond
from service.web.auth import current_user, require_user
from service.web.ratelimit import claim_once, settle_claim

routes = Routes(tag="interactions")

ContentType = Literal["ghost", "story"]
Kind = Literal["view", "like", "share"]
# The slug CHECK of ghost_entities and stories.
Slug = Annotated[str, msgspec.Meta(max_length=120, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]


class InteractionBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """An interaction with a published entity ('ghost') or story, by slug."""

    kind: Kind
    content_type: ContentType
    slug: Slug


class Interaction(msgspec.Struct, frozen=True):
    """A recorded interaction."""

    id: uuid.UUID
    kind: Kind
    content_type: ContentType
    slug: str
    created_at: datetime.datetime


@routes.route(
    "POST",
    "/v1/interactions",
    body=InteractionBody,
    response=Interaction,
    status=201,
    also=[200, 202],
    errors=[401, 404],
)
async def record_interaction(request: web.Request) -> web.Response:
    """Record a view or share (202, anyone) or a like (201, or 200 if already liked; sign-in).

    A like counts once per user and target. A signed-in user's views and shares count every
    time; an anonymous client's count once per client address, kind and target in
    ANONYMOUS_INTERACTION_WINDOW (an hour by default): a repeat within it answers 202 with the
    one that counted, so one client cannot move trending.
    """
    body = await read_body(request, InteractionBody)
    db = request.app[DATABASE]
    if body.kind == "like":
        user = await require_user(request)
        async with transaction(db) as conn:
            # Two likes at once (a double click) must not both find "not liked yet".
            await interaction_queries.lock_like(
                conn, lock_key=f"like:{user.id}:{body.content_type}:{body.slug}"
            )
            like = await interaction_queries.record_like(
                conn, content_type=body.content_type, slug=body.slug, user_id=user.id
            )
        if like is None:
            raise not_found(body.content_type)
        interaction = Interaction(like.id, "like", body.content_type, body.slug, like.created_at)
        return respond(request, interaction, status=201 if like.created else 200, private=True)
    visitor = await current_user(request)
    event_id = uuid.uuid4()
    claim = None
    if visitor is None:
        promised = f"{event_id} {datetime.datetime.now(datetime.UTC).isoformat()}"
        what = f"{body.kind}:{body.content_type}:{body.slug}"
        claim = await claim_once(request, what, promised)
        if claim is not None and claim.held is not None:
            counted_id, _, counted_at = claim.held.partition(" ")
            interaction = Interaction(
                uuid.UUID(counted_id),
                body.kind,
                body.content_type,
                body.slug,
                datetime.datetime.fromisoformat(counted_at),
            )
            return respond(request, interaction, status=202, private=True)
    try:
        event = await interaction_queries.record_interaction(
            db,
            content_type=body.content_type,
            slug=body.slug,
            id=event_id,
            user_id=visitor.id if visitor else None,
            kind=body.kind,
        )
    except Exception:
        if claim is not None:
            await settle_claim(request, claim, None)  # not counted: the next one may be
        raise
    if event is None:
        if claim is not None:
            await settle_claim(request, claim, None)
        raise not_found(body.content_type)
    if claim is not None:  # repeats answer with exactly what this one answers
        await settle_claim(request, claim, f"{event.id} {event.created_at.isoformat()}")
    interaction = Interaction(event.id, body.kind, body.content_type, body.slug, event.created_at)
    return respond(request, interaction, status=202, private=True)
