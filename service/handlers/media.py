"""Media of entities and stories: upload (editors and admins), download, delete.

An upload is `multipart/form-data` with `file` (png, jpeg or webp, told by its magic bytes and
read by Pillow; at most MEDIA_MAX_BYTES), `alt_text` (required) and optionally `position`
(default: after the others). Nothing is written before the whole upload is checked: 413 when
too large, 415 when not one of the three types (or unreadable), 422 without alt text. The
file is then stored by its SHA-256 (service/domain/media.py) and its row inserted in one
transaction that holds the digest's lock; a failure before the commit removes a file that the
upload itself created. `GET /v1/media/{id}` serves the bytes with a year-long immutable cache
lifetime (a media row's content never changes). Deleting a media row, an entity or a story
queues `media.remove_files` in the same transaction; the file goes once no row refers to it.
"""

from __future__ import annotations

import uuid
from typing import Annotated

import msgspec
from aiohttp import BodyPartReader, web

from service.cache.catalog import Touched, ghost_written, story_written
from service.config import SETTINGS
from service.domain.media import REMOVE_FILES, LocalMediaStore, inspect, lock_content
from service.jobs.queue import enqueue
from service.store.db import DATABASE, Connection, JSONValue, transaction, writer
from service.store.queries import ghosts as ghost_queries
from service.store.queries import media as media_queries
from service.store.queries import stories as story_queries
from service.web.api import Routes, no_content, not_found, path_param, respond, validation_problem
from service.web.audit import audited
from service.web.auth import EDITOR_ROLES, require_role
from service.web.content import slug_param
from service.web.problems import Problem

routes = Routes(tag="media")

MAX_ALT_TEXT = 500  # media_alt_text_check
MAX_POSITION = 32767  # smallint
# Room for the multipart framing and the text fields around the file.
_FORM_OVERHEAD = 64 * 1024
_CHUNK = 64 * 1024


class MediaItem(msgspec.Struct, frozen=True):
    """An image of an entity or story; `url` serves it (`/v1/media/{id}` for uploads)."""

    id: uuid.UUID
    url: str
    mime_type: str
    width: int | None
    height: int | None
    alt_text: str
    position: Annotated[int, msgspec.Meta(ge=0, description="the list is ordered by it")]


class Upload(msgspec.Struct, frozen=True):
    """A parsed upload form."""

    data: bytes
    alt_text: str
    position: int | None


def _store(request: web.Request) -> LocalMediaStore:
    return LocalMediaStore(request.app[SETTINGS].media_path)


def _too_large(limit: int) -> Problem:
    return Problem(413, "Content Too Large", f"the file is over {limit} bytes", type="too-large")


async def _read_part(part: BodyPartReader, limit: int, too_large: Problem) -> bytes:
    chunks: list[bytes] = []
    size = 0
    while chunk := await part.read_chunk(_CHUNK):
        size += len(chunk)
        if size > limit:
            raise too_large
        chunks.append(chunk)
    return b"".join(chunks)


async def read_upload(request: web.Request) -> Upload:
    """The upload form: 413 (too large), 415 (not multipart), 422 (fields) before any write."""
    limit = request.app[SETTINGS].media_max_bytes
    if request.content_type != "multipart/form-data":
        raise Problem(
            415,
            "Unsupported Media Type",
            "send the upload as multipart/form-data",
            type="media-type",
        )
    if (request.content_length or 0) > limit + _FORM_OVERHEAD:
        raise _too_large(limit)
    text_too_long = validation_problem([{"field": "", "message": "a form field is too long"}])
    fields: dict[str, str] = {}
    data: bytes | None = None
    try:
        reader = await request.multipart()
        while (part := await reader.next()) is not None:
            if not isinstance(part, BodyPartReader):
                raise validation_problem([{"field": "", "message": "nested multipart"}])
            if part.name == "file":
                data = await _read_part(part, limit, _too_large(limit))
            elif part.name in ("alt_text", "position"):
                raw = await _read_part(part, 4 * MAX_ALT_TEXT, text_too_long)
                fields[part.name] = raw.decode("utf-8", "replace")
            else:
                raise validation_problem([{"field": str(part.name), "message": "unknown field"}])
    except (ValueError, AssertionError) as exc:  # aiohttp's multipart errors
        raise Problem(400, "Bad Request", f"a malformed form: {exc}", type="malformed") from None
    errors = []
    if data is None:
        errors.append({"field": "file", "message": "required"})
    alt_text = fields.get("alt_text", "").strip()
    if not alt_text:
        errors.append({"field": "alt_text", "message": "required: describe the image"})
    elif len(alt_text) > MAX_ALT_TEXT or "\x00" in alt_text:
        errors.append({"field": "alt_text", "message": f"at most {MAX_ALT_TEXT} characters"})
    position = None
    if "position" in fields:
        raw_position = fields["position"].strip()
        if raw_position.isdigit() and int(raw_position) <= MAX_POSITION:
            position = int(raw_position)
        else:
            errors.append({"field": "position", "message": f"a number from 0 to {MAX_POSITION}"})
    if errors:
        raise validation_problem(errors)
    assert data is not None
    return Upload(data, alt_text, position)


async def _upload(
    request: web.Request, *, ghost_slug: str | None = None, story_slug: str | None = None
) -> web.Response:
    user = await require_role(request, *EDITOR_ROLES)
    upload = await read_upload(request)
    picture = await inspect(upload.data)
    if picture is None:
        raise Problem(
            415,
            "Unsupported Media Type",
            "the file is not a readable png, jpeg or webp image",
            type="media-type",
        )
    store = _store(request)
    async with transaction(request.app[DATABASE]) as conn:
        if ghost_slug is not None:
            ghost = await ghost_queries.get_ghost_for_edit(conn, slug=ghost_slug)
            if ghost is None:
                raise not_found("ghost")
            ghost_id, story_id = ghost.id, None
        else:
            assert story_slug is not None
            story = await story_queries.get_story_for_edit(conn, slug=story_slug)
            if story is None:
                raise not_found("story")
            ghost_id, story_id = None, story.id
        await lock_content(conn, picture.digest)
        created_file = await store.put(picture.digest, upload.data)
        try:
            row = await media_queries.create_media(
                conn,
                ghost_entity_id=ghost_id,
                story_id=story_id,
                sha256=bytes.fromhex(picture.digest),
                mime_type=picture.mime_type,
                size_bytes=len(upload.data),
                width=picture.width,
                height=picture.height,
                alt_text=upload.alt_text,
                position=upload.position,
            )
            assert row is not None  # INSERT ... RETURNING always returns the row
            await audited(
                request,
                conn,
                "media.created",
                "media",
                row.id,
                user,
                {
                    "digest": picture.digest,
                    "ghost_id": _text(ghost_id),
                    "story_id": _text(story_id),
                },
            )
        except BaseException:
            if created_file:  # under the digest's lock: no other row can refer to it yet
                await store.delete(picture.digest)
            raise
    # (Were the commit itself to fail, a file created here is left to the retention.media
    # sweep, which removes it under the same lock once it sees no row refers to it.)
    if ghost_id is not None:
        await ghost_written(request.app, ghost_id, [], Touched())
    elif story_id is not None:
        await story_written(request.app, story_id, [], Touched())
    item = MediaItem(
        id=row.id,
        url=f"/v1/media/{row.id}",
        mime_type=row.mime_type,
        width=row.width,
        height=row.height,
        alt_text=row.alt_text,
        position=row.position,
    )
    return respond(request, item, status=201, private=True, headers={"Location": item.url})


def _text(value: uuid.UUID | None) -> str | None:
    return None if value is None else str(value)


@routes.route(
    "POST",
    "/v1/ghosts/{slug}/media",
    response=MediaItem,
    status=201,
    errors=[400, 403, 404, 413, 415, 422],
    auth=True,
    private=True,
)
async def upload_ghost_media(request: web.Request) -> web.Response:
    """Upload an image of an entity: multipart `file`, `alt_text`, `position` (editors, admins)."""
    return await _upload(request, ghost_slug=slug_param(request, "ghost"))


@routes.route(
    "POST",
    "/v1/stories/{slug}/media",
    response=MediaItem,
    status=201,
    errors=[400, 403, 404, 413, 415, 422],
    auth=True,
    private=True,
)
async def upload_story_media(request: web.Request) -> web.Response:
    """Upload an image of a story: multipart `file`, `alt_text`, `position` (editors, admins)."""
    return await _upload(request, story_slug=slug_param(request, "story"))


@routes.route("GET", "/v1/media/{id}", errors=[404])
async def get_media_file(request: web.Request) -> web.StreamResponse:
    """The image itself, with its content type; cacheable for a year (its content never changes)."""
    media_id = path_param(request, "id", uuid.UUID)
    row = await media_queries.get_media(writer(request.app[DATABASE]), id=media_id)
    if row is None:
        raise not_found("media")
    if row.sha256 is None:
        assert row.url is not None  # media_source_check
        return web.Response(status=302, headers={"Location": row.url})
    digest = row.sha256.hex()
    etag = f'"{digest}"'
    headers = {"Cache-Control": "public, max-age=31536000, immutable", "ETag": etag}
    if etag in {t.strip() for t in request.headers.get("If-None-Match", "").split(",")}:
        return web.Response(status=304, headers=headers)
    data = await _store(request).open(digest)
    if data is None:
        raise not_found("media file")
    return web.Response(body=data, content_type=row.mime_type, headers=headers)


@routes.route("DELETE", "/v1/media/{id}", status=204, errors=[403, 404], auth=True, private=True)
async def delete_media(request: web.Request) -> web.Response:
    """Delete a media item (editors and admins); its file goes once nothing refers to it."""
    user = await require_role(request, *EDITOR_ROLES)
    media_id = path_param(request, "id", uuid.UUID)
    async with transaction(request.app[DATABASE]) as conn:
        row = await media_queries.delete_media(conn, id=media_id)
        if row is None:
            raise not_found("media")
        digests = [] if row.sha256 is None else [row.sha256.hex()]
        await remove_files_later(request, conn, digests)
        await audited(
            request,
            conn,
            "media.deleted",
            "media",
            media_id,
            user,
            {
                "digests": list[JSONValue](digests),
                "ghost_id": _text(row.ghost_entity_id),
                "story_id": _text(row.story_id),
            },
        )
    if row.ghost_entity_id is not None:
        await ghost_written(request.app, row.ghost_entity_id, [], Touched())
    elif row.story_id is not None:
        await story_written(request.app, row.story_id, [], Touched())
    return no_content()


async def remove_files_later(request: web.Request, conn: Connection, digests: list[str]) -> None:
    """Queue the removal of these stored files in the transaction deleting their rows."""
    if digests:
        root = str(request.app[SETTINGS].media_path)
        await enqueue(conn, REMOVE_FILES, {"root": root, "digests": list[JSONValue](digests)})


async def media_files_of(
    conn: Connection, *, ghost_id: uuid.UUID | None = None, story_id: uuid.UUID | None = None
) -> list[str]:
    """The stored files of an entity's or story's media (read before deleting it)."""
    rows = await media_queries.list_media_digests_of(
        conn, ghost_entity_id=ghost_id, story_id=story_id
    )
    return [row.sha256.hex() for row in rows]
