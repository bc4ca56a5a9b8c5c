"""The digital-twin conversation: a signed-in user's messages to an entity and its replies."""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated, Final

import msgspec
from aiohttp import web

from service.domain.conversations import Citation, Entity, Passage, composer_of
from service.domain.embeddings import EMBEDDER, Embedder
from service.store.db import DATABASE, Executor, transaction
from service.store.queries import conversations as conversation_queries
from service.store.queries import ghosts as ghost_queries
from service.store.queries import semantic as semantic_queries
from service.web import quotas
from service.web.api import Routes, not_found, read_body, read_query, respond
from service.web.auth import can_edit, require_user
from service.web.content import slug_param
from service.web.paging import CreatedPosition, ListQuery, Page, keyset_page, position

routes = Routes(tag="conversations")

QUOTA: Final = "conversation_messages"
# Passages retrieved for a reply; the composer quotes the best of them.
MAX_PASSAGES: Final = 3
# Cosine similarity from which a passage counts as answering the message (below it the entity
# says it does not know, then quotes it anyway); unrelated sentences score about 0 to 0.15.
MIN_SIMILARITY: Final = 0.25

Message = Annotated[
    str, msgspec.Meta(min_length=1, max_length=2000, pattern=r"\S", examples=["Why the mirror?"])
]


class ConversationMessage(msgspec.Struct, frozen=True):
    """A message of the user, or a reply of the entity with the quotes it cites."""

    id: uuid.UUID
    role: conversation_queries.ConversationMessagesRole
    body: str
    citations: list[Citation]
    created_at: datetime.datetime


class MessageCreate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """What the user says to the entity."""

    message: Message


class ConversationExchange(msgspec.Struct, frozen=True):
    """The stored message and the entity's reply to it."""

    message: ConversationMessage
    reply: ConversationMessage


class MessagePosition(CreatedPosition, frozen=True, tag="conversation"):
    """Where a newest-first page of a conversation ended."""


async def _lore(
    embedder: Embedder, db: Executor, ghost_id: uuid.UUID, message: str
) -> list[Passage]:
    """The passages of the entity's lore that best answer `message`: the closest by meaning
    (embeddings of its description's and stories' passages), or, before they are embedded or
    without the model, those sharing the most words with it."""
    if embedder.available:
        (vector,) = await embedder.embed([message])
        closest = await semantic_queries.list_closest_passages(
            db, ghost_id=ghost_id, embedding=vector, max_rows=MAX_PASSAGES
        )
        if closest:
            return [
                Passage(
                    "story" if row.source == "story" else "lore",
                    row.story_slug,
                    row.story_title,
                    row.passage,
                    row.similarity >= MIN_SIMILARITY,
                )
                for row in closest
            ]
    rows = await conversation_queries.list_lore_passages(
        db, message=message, ghost_id=ghost_id, max_rows=MAX_PASSAGES
    )
    return [
        Passage(
            "story" if row.source == "story" else "lore",
            row.story_slug,
            row.story_title,
            row.passage,
            row.matched,
        )
        for row in rows
    ]


async def _entity(request: web.Request, db: Executor) -> tuple[uuid.UUID, Entity]:
    """The entity at the path's slug that the user may see (drafts: editors only); else 404."""
    slug = slug_param(request, "ghost")
    user = await require_user(request)
    row = await ghost_queries.get_ghost_detail(db, slug=slug, include_drafts=can_edit(user))
    if row is None:
        raise not_found("ghost")
    return row.id, Entity(row.slug, row.name, row.entity_type, row.origin, row.location)


@routes.route(
    "GET",
    "/v1/ghosts/{slug}/conversation",
    query=ListQuery,
    response=Page[ConversationMessage],
    errors=[404],
    auth=True,
    private=True,
)
async def list_conversation(request: web.Request) -> web.Response:
    """Your conversation with one entity, newest first."""
    user = await require_user(request)
    query = read_query(request, ListQuery)
    after = position(query.cursor, MessagePosition)
    db = request.app[DATABASE]
    ghost_id, _ = await _entity(request, db)
    rows = await conversation_queries.list_conversation_messages(
        db,
        user_id=user.id,
        ghost_entity_id=ghost_id,
        after_id=after.id if after else None,
        after_created_at=after.created_at if after else None,
        max_rows=query.limit + 1,
    )
    page = keyset_page(
        rows, query.limit, lambda row: MessagePosition(row.created_at, row.id), ConversationMessage
    )
    return respond(request, page, private=True)


@routes.route(
    "POST",
    "/v1/ghosts/{slug}/conversation",
    body=MessageCreate,
    response=ConversationExchange,
    status=201,
    errors=[404, 429],
    auth=True,
    private=True,
)
async def post_message(request: web.Request) -> web.Response:
    """Say something to an entity; it answers in its own voice, quoting its lore and stories."""
    user = await require_user(request)
    body = await read_body(request, MessageCreate)
    db = request.app[DATABASE]
    ghost_id, entity = await _entity(request, db)
    # Counted before composing: composing is the costly part (a language model, one day).
    await quotas.consume(request.app, user, QUOTA)
    passages = await _lore(request.app[EMBEDDER], db, ghost_id, body.message)
    reply = await composer_of(request.app).compose(entity, body.message, passages)
    async with transaction(db) as conn:
        stored = await conversation_queries.insert_conversation_exchange(
            conn,
            user_id=user.id,
            ghost_entity_id=ghost_id,
            message=body.message,
            reply=reply.body,
            citations=msgspec.to_builtins(reply.citations),
        )
    asked, answered = (
        msgspec.convert(row, ConversationMessage, from_attributes=True) for row in stored
    )
    return respond(request, ConversationExchange(asked, answered), status=201, private=True)
