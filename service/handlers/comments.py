"""Comments on stories: threads of replies, edited and soft-deleted by their authors or admins.

Threads are two levels deep: each top-level comment carries every reply under it, at any
depth, flattened and oldest first; a reply's `parent_id` names the comment it answers.
"""

from __future__ import annotations

import datetime
import uuid
from collections.abc import Iterable
from functools import partial
from typing import Annotated

import msgspec
from aiohttp import web

from service.cache.catalog import TTL_MEDIUM, Keys, comments_written
from service.store.db import DATABASE, Executor, JSONValue, transaction, writer
from service.store.queries import comments as comment_queries
from service.web.api import (
    Routes,
    no_content,
    not_found,
    path_param,
    read_body,
    read_query,
    respond,
    validation_problem,
)
from service.web.audit import audited
from service.web.auth import EDITOR_ROLES, CurrentUser, require_user
from service.web.cached import public
from service.web.paging import CreatedPosition, Page, PageQuery, page_of, position
from service.web.problems import Problem

routes = Routes(tag="comments")


class CommentPosition(CreatedPosition, frozen=True, tag="comments"):
    """Where an oldest-first page of a story's threads ended."""


# Keyset position before the oldest comment: the first page starts here.
_OLDEST = CommentPosition(datetime.datetime.min.replace(tzinfo=datetime.UTC), uuid.UUID(int=0))

# The comments.body CHECK, plus at least one visible character.
CommentText = Annotated[str, msgspec.Meta(min_length=1, max_length=5000, pattern=r"\S")]


class NewComment(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A comment; with `parent_id` a reply to another comment on the same story."""

    body: CommentText
    parent_id: uuid.UUID | None = None


class CommentEdit(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A comment's new text."""

    body: CommentText


class CommentAuthor(msgspec.Struct, frozen=True):
    """Who wrote a comment."""

    id: uuid.UUID
    username: str
    display_name: str


class Comment(msgspec.Struct, frozen=True):
    """One comment; a deleted one keeps its place with body "[deleted]" and no author."""

    id: uuid.UUID
    parent_id: uuid.UUID | None
    author: CommentAuthor | None
    body: str
    deleted: bool
    created_at: datetime.datetime
    updated_at: datetime.datetime


class CommentThread(Comment, frozen=True):
    """A top-level comment and every reply under it, at any depth, flattened and oldest first."""

    replies: list[Comment] = []


def _comment(
    row: comment_queries.ListTopLevelCommentsRow | comment_queries.ListCommentRepliesRow,
) -> Comment:
    return Comment(
        id=row.id,
        parent_id=row.parent_id,
        author=_author(row.author_id, row.author_username, row.author_display_name),
        body=row.body,
        deleted=row.deleted,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _author(
    user_id: uuid.UUID | None, username: str | None, display_name: str | None
) -> CommentAuthor | None:
    # No author for a deleted comment, nor for one whose account is gone.
    if user_id is None or username is None or display_name is None:
        return None
    return CommentAuthor(user_id, username, display_name)


def _threads(
    top_level: list[comment_queries.ListTopLevelCommentsRow],
    replies: Iterable[comment_queries.ListCommentRepliesRow],
) -> list[CommentThread]:
    threads = {
        row.id: CommentThread(**msgspec.structs.asdict(_comment(row)), replies=[])
        for row in top_level
    }
    for reply in replies:  # oldest first, so each thread's replies are too
        threads[reply.root_id].replies.append(_comment(reply))
    return list(threads.values())


async def _own_comment(request: web.Request, user: CurrentUser) -> comment_queries.GetCommentRow:
    """The comment the path names, when it is live and `user` may change it (author or admin)."""
    comment_id = path_param(request, "id", uuid.UUID)
    comment = await comment_queries.get_comment(writer(request.app[DATABASE]), id=comment_id)
    if comment is None or comment.deleted_at is not None:
        raise not_found("comment")
    if comment.user_id != user.id and user.role != "admin":
        raise Problem(
            403, "Forbidden", "only its author or an admin may change a comment", type="forbidden"
        )
    return comment


def _by(comment: comment_queries.GetCommentRow) -> dict[str, JSONValue]:
    """Audit details of a comment: its author (an admin may change another's)."""
    return {"author_id": None if comment.user_id is None else str(comment.user_id)}


@routes.route(
    "GET",
    "/v1/stories/{slug}/comments",
    query=PageQuery,
    response=Page[CommentThread],
    errors=[404],
)
async def list_comments(request: web.Request) -> web.Response:
    """A published story's comment threads, oldest first (top-level comments are paged)."""
    slug = path_param(request, "slug", str)
    query = read_query(request, PageQuery)
    after = position(query.cursor, CommentPosition) or _OLDEST
    # Everyone sees the same threads (no drafts): the cache serves signed-in readers too.
    key = Keys.comments(slug, query.limit, query.cursor)
    load = partial(_thread_page, request.app[DATABASE].primary, slug, query.limit, after)
    return await public(request, key, ttl=TTL_MEDIUM, load=load, what="story")


async def _thread_page(
    db: Executor, slug: str, limit: int, after: CommentPosition
) -> Page[CommentThread] | None:
    """A page of the threads of the published story at `slug`; None when there is none."""
    story = await comment_queries.get_published_story_id(db, slug=slug)
    if story is None:
        return None
    rows = await comment_queries.list_top_level_comments(
        db,
        story_id=story.id,
        after_created_at=after.created_at,
        after_id=after.id,
        max_rows=limit + 1,
    )
    page = page_of(rows, limit, lambda row: CommentPosition(row.created_at, row.id))
    replies = await comment_queries.list_comment_replies(
        db, root_ids=[row.id for row in page.items]
    )
    return Page(_threads(page.items, replies), page.next_cursor)


@routes.route(
    "POST",
    "/v1/stories/{slug}/comments",
    body=NewComment,
    response=Comment,
    status=201,
    errors=[404],
    auth=True,
    private=True,
)
async def create_comment(request: web.Request) -> web.Response:
    """Comment on a published story, or reply to one of its comments with `parent_id`."""
    user = await require_user(request)
    slug = path_param(request, "slug", str)
    body = await read_body(request, NewComment)
    db = writer(request.app[DATABASE])
    story = await comment_queries.get_published_story_id(db, slug=slug)
    if story is None:
        raise not_found("story")
    if body.parent_id is not None:
        parent = await comment_queries.get_comment(db, id=body.parent_id)
        if parent is None or parent.story_id != story.id:
            raise validation_problem(
                [{"field": "parent_id", "message": "is not a comment on this story"}]
            )
        if parent.deleted_at is not None:
            raise validation_problem([{"field": "parent_id", "message": "is a deleted comment"}])
    async with transaction(db) as conn:
        row = await comment_queries.create_comment(
            conn, story_id=story.id, user_id=user.id, parent_id=body.parent_id, body=body.body
        )
        assert row is not None  # INSERT ... RETURNING always returns the row
        if user.role in EDITOR_ROLES:  # the audit trail covers what editors and admins write
            await audited(request, conn, "comment.created", "comment", row.id, user, {"slug": slug})
    await comments_written(request.app, story.id, [slug])
    return respond(request, _comment(row), status=201, private=True)


@routes.route(
    "PATCH",
    "/v1/comments/{id}",
    body=CommentEdit,
    response=Comment,
    errors=[403, 404],
    auth=True,
    private=True,
)
async def edit_comment(request: web.Request) -> web.Response:
    """Change a comment's text (its author or an admin)."""
    user = await require_user(request)
    comment = await _own_comment(request, user)
    body = await read_body(request, CommentEdit)
    async with transaction(request.app[DATABASE]) as conn:
        row = await comment_queries.update_comment_body(conn, id=comment.id, body=body.body)
        if row is None:  # deleted meanwhile
            raise not_found("comment")
        if user.role in EDITOR_ROLES:
            await audited(
                request, conn, "comment.updated", "comment", comment.id, user, _by(comment)
            )
    await comments_written(request.app, comment.story_id)
    return respond(request, _comment(row), private=True)


@routes.route("DELETE", "/v1/comments/{id}", status=204, errors=[403, 404], auth=True)
async def delete_comment(request: web.Request) -> web.Response:
    """Delete a comment (its author or an admin); its replies stay, under "[deleted]"."""
    user = await require_user(request)
    comment = await _own_comment(request, user)
    async with transaction(request.app[DATABASE]) as conn:
        deleted = await comment_queries.soft_delete_comment(conn, id=comment.id)
        if not deleted:  # deleted meanwhile
            raise not_found("comment")
        if user.role in EDITOR_ROLES:
            await audited(
                request, conn, "comment.deleted", "comment", comment.id, user, _by(comment)
            )
    await comments_written(request.app, comment.story_id)
    return no_content()
