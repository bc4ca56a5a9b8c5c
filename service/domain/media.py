"""Media files: content-addressed storage behind a small interface, and image checks.

Uploads are stored by the SHA-256 of their bytes (`MediaStore`; `LocalMediaStore` keeps them
under DATA_DIR/media/<database>/ab/cd/<digest>), so two media rows with the same content
share one file. A file is removed only once no media row refers to it, by a job:
`media.remove_files` (queued in the transaction that deletes a media row, an entity or a
story) and the periodic `retention.media` sweep, which also catches rows deleted in SQL.
Every writer and remover of one digest takes the same transaction-scoped advisory lock
(LockMediaContent): an upload holds it from writing the file to committing its row, a
removal from checking references to deleting the file, so a file is never removed under a
row that is about to refer to it.

An S3-compatible store only needs the four methods of `MediaStore`.
"""

from __future__ import annotations

import asyncio
import hashlib
import io
import logging
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Literal, Protocol, TypeAlias

from PIL import Image, UnidentifiedImageError

from service.jobs.queue import Payload, PermanentJobError, handler
from service.jobs.schedules import PURGE_MEDIA
from service.store.db import Connection, Executor
from service.store.queries import media as queries

log = logging.getLogger(__name__)

REMOVE_FILES = "media.remove_files"
MimeType: TypeAlias = Literal["image/png", "image/jpeg", "image/webp"]
# Pillow's format name for each accepted type.
_FORMATS: dict[MimeType, str] = {"image/png": "PNG", "image/jpeg": "JPEG", "image/webp": "WEBP"}


class MediaStore(Protocol):
    """Where media files live, by the hex SHA-256 of their content."""

    async def put(self, digest: str, data: bytes) -> bool:
        """Store `data` under `digest`; False when it was there already."""
        ...

    async def open(self, digest: str) -> bytes | None:
        """The content stored under `digest`, or None."""
        ...

    async def delete(self, digest: str) -> None:
        """Remove the content under `digest` (nothing when absent)."""
        ...

    async def exists(self, digest: str) -> bool:
        """Whether content is stored under `digest`."""
        ...


@dataclass(frozen=True)
class LocalMediaStore:
    """Files on local disk: `root`/ab/cd/<digest>, written atomically (rename)."""

    root: Path

    def path(self, digest: str) -> Path:
        """The file of `digest`."""
        if len(digest) != 64 or any(c not in "0123456789abcdef" for c in digest):
            raise ValueError(f"not a hex SHA-256 digest: {digest!r}")
        return self.root / digest[:2] / digest[2:4] / digest

    def digests(self) -> list[str]:
        """Every stored digest (blocking: call in a thread)."""
        if not self.root.is_dir():
            return []
        return [p.name for p in self.root.glob("??/??/*") if len(p.name) == 64]

    async def put(self, digest: str, data: bytes) -> bool:
        return await asyncio.to_thread(self._put, digest, data)

    def _put(self, digest: str, data: bytes) -> bool:
        target = self.path(digest)
        if target.exists():
            return False
        target.parent.mkdir(parents=True, exist_ok=True)
        # A temporary file renamed into place: a reader never sees half a file.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=".upload-")
        try:
            with os.fdopen(fd, "wb") as out:
                out.write(data)
            os.replace(tmp, target)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return True

    async def open(self, digest: str) -> bytes | None:
        try:
            return await asyncio.to_thread(self.path(digest).read_bytes)
        except FileNotFoundError:
            return None

    async def delete(self, digest: str) -> None:
        await asyncio.to_thread(self.path(digest).unlink, missing_ok=True)

    async def exists(self, digest: str) -> bool:
        return await asyncio.to_thread(self.path(digest).exists)


def sniff(data: bytes) -> MimeType | None:
    """The type of an upload by its magic bytes: png, jpeg or webp; None for anything else."""
    if data.startswith(b"\x89PNG\r\n\x1a\n"):
        return "image/png"
    if data.startswith(b"\xff\xd8\xff"):
        return "image/jpeg"
    if len(data) >= 12 and data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return "image/webp"
    return None


@dataclass(frozen=True)
class Picture:
    """A checked image upload."""

    digest: str
    mime_type: MimeType
    width: int
    height: int


def _inspect(data: bytes, mime_type: MimeType) -> tuple[int, int] | None:
    try:
        with Image.open(io.BytesIO(data)) as image:
            if image.format != _FORMATS[mime_type]:
                return None
            width, height = image.size
            image.verify()  # a truncated or corrupt file fails here
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        return None
    return width, height


async def inspect(data: bytes) -> Picture | None:
    """The type (by magic bytes), size and digest of an image; None when it is not a readable
    png, jpeg or webp."""
    mime_type = sniff(data)
    if mime_type is None:
        return None
    size = await asyncio.to_thread(_inspect, data, mime_type)
    if size is None or min(size) < 1:
        return None
    return Picture(hashlib.sha256(data).hexdigest(), mime_type, *size)


async def lock_content(db: Executor, digest: str) -> None:
    """Hold the advisory lock of `digest` until the transaction of `db` ends."""
    await queries.lock_media_content(db, digest=digest)


async def remove_unreferenced(conn: Connection, store: MediaStore, digests: list[str]) -> int:
    """Delete the files of `digests` that no media row refers to; how many went."""
    removed = 0
    for digest in sorted(set(digests)):
        async with conn.transaction():
            await lock_content(conn, digest)
            referenced = await queries.list_referenced_media_digests(
                conn, digests=[bytes.fromhex(digest)]
            )
            if not referenced and await store.exists(digest):
                await store.delete(digest)
                removed += 1
    return removed


def _store_and_digests(payload: Payload) -> tuple[LocalMediaStore, list[str]]:
    root, digests = payload.get("root"), payload.get("digests", [])
    if not isinstance(root, str) or not isinstance(digests, list):
        raise PermanentJobError(f"the payload needs 'root' and 'digests': {payload!r}")
    return LocalMediaStore(Path(root)), [str(d) for d in digests]


@handler(REMOVE_FILES)
async def remove_files(payload: Payload, conn: Connection) -> None:
    """Remove the files of deleted media rows, unless another row refers to the same content."""
    store, digests = _store_and_digests(payload)
    removed = await remove_unreferenced(conn, store, digests)
    log.info("media: %d of %d files removed", removed, len(digests))


@handler(PURGE_MEDIA)
async def purge_orphans(payload: Payload, conn: Connection) -> None:
    """Remove every stored file that no media row refers to (rows deleted in SQL, say)."""
    store, _ = _store_and_digests(payload | {"digests": []})
    stored = await asyncio.to_thread(store.digests)
    referenced = {
        row.sha256.hex()
        for row in await queries.list_referenced_media_digests(
            conn, digests=[bytes.fromhex(d) for d in stored]
        )
    }
    removed = await remove_unreferenced(conn, store, [d for d in stored if d not in referenced])
    log.info("retention: %d orphaned media files removed", removed)
