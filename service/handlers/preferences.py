"""The signed-in user's reading preferences."""

from __future__ import annotations

from typing import Annotated

import msgspec
from aiohttp import web

from service.store.db import DATABASE, writer
from service.store.queries import preferences as preference_queries
from service.store.queries.enums import GhostEntitiesEntityType
from service.web.api import Routes, read_body, respond, validation_problem
from service.web.auth import require_user

routes = Routes(tag="me")

# The vocabulary of ghost_entities.entity_type, which preference_profiles' CHECK repeats.
EntityType = GhostEntitiesEntityType
# The shape of ghost and story tags (their CHECK constraints), so a favorite can match one.
Tag = Annotated[str, msgspec.Meta(max_length=64, pattern=r"^[a-z0-9]+(-[a-z0-9]+)*$")]
Danger = Annotated[int, msgspec.Meta(ge=1, le=5)]


class Preferences(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Reading preferences; a PUT replaces them all, so an omitted field takes its default."""

    favorite_entity_types: Annotated[list[EntityType], msgspec.Meta(max_length=11)] = []
    favorite_tags: Annotated[list[Tag], msgspec.Meta(max_length=32)] = []
    min_danger: Danger = 1
    max_danger: Danger = 5
    show_spoilers: bool = False
    email_digest: bool = False


@routes.route("GET", "/v1/me/preferences", response=Preferences, auth=True, private=True)
async def get_preferences(request: web.Request) -> web.Response:
    """The signed-in user's preferences (the defaults until they save some)."""
    user = await require_user(request)
    # The primary: a replica may not have the preferences saved a moment ago.
    row = await preference_queries.get_preferences(writer(request.app[DATABASE]), user_id=user.id)
    preferences = (
        Preferences() if row is None else msgspec.convert(row, Preferences, from_attributes=True)
    )
    return respond(request, preferences, private=True)


@routes.route(
    "PUT", "/v1/me/preferences", body=Preferences, response=Preferences, auth=True, private=True
)
async def put_preferences(request: web.Request) -> web.Response:
    """Replace the signed-in user's preferences; min_danger must not exceed max_danger."""
    user = await require_user(request)
    body = await read_body(request, Preferences)
    if body.min_danger > body.max_danger:
        raise validation_problem(
            [{"field": "min_danger", "message": "must not be greater than max_danger"}]
        )
    row = await preference_queries.upsert_preferences(
        request.app[DATABASE],
        user_id=user.id,
        # Repeats carry no meaning; keep the first of each, in the client's order.
        favorite_entity_types=list(dict.fromkeys(body.favorite_entity_types)),
        favorite_tags=list(dict.fromkeys(body.favorite_tags)),
        min_danger=body.min_danger,
        max_danger=body.max_danger,
        show_spoilers=body.show_spoilers,
        email_digest=body.email_digest,
    )
    assert row is not None  # INSERT ... ON CONFLICT DO UPDATE ... RETURNING always returns the row
    return respond(request, msgspec.convert(row, Preferences, from_attributes=True), private=True)
