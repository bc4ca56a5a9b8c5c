"""Sentence embeddings: the model (once per process, off the event loop), the embed jobs, the
backfill, passages, and query embeddings cached in-process and in Redis.

- Writes never embed: creating or updating an entity or story queues an `embed.ghost` or
  `embed.story` job in the write's transaction (`enqueue_ghost`, `enqueue_story`). The job
  embeds the whole text (entity: name, type and description; story: title, summary and body)
  and its passages (chunks of a few sentences of the description or body), and skips
  everything when the content hash (SHA-256 of the model name and the text) is unchanged; of
  the passages, only those whose own hash changed are embedded again.
- A job that cannot embed (the model missing, say) raises: it is retried and dead-lettered
  like any job. `backfill` does the same work for rows that have no embedding yet
  (`python -m service embed --backfill`).
- The model loads at most once per process (`shared_model`); inference runs in a one-thread
  executor, so the event loop never waits on it. If it cannot load, `Embedder.available` is
  false with the reason, search answers keyword-only and /health says so.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import re
import threading
import time
import uuid
from collections import OrderedDict
from collections.abc import Callable, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final, Protocol, TextIO

from aiohttp import web

from service.cache.catalog import TTL_DAY, Keys
from service.cache.engine import Cache
from service.jobs import queue
from service.jobs.queue import Payload, PermanentJobError
from service.store.db import Connection, Executor, transaction
from service.store.queries import embeddings as queries
from service.store.queries import semantic as semantic_queries

log = logging.getLogger(__name__)

GHOST_JOB: Final = "embed.ghost"
STORY_JOB: Final = "embed.story"
# A passage: consecutive sentences of one paragraph, up to this many characters (a sentence
# longer than that is a passage of its own; the model reads its first 256 tokens).
MAX_PASSAGE_CHARS: Final = 400
# Query embeddings remembered per process (the Redis copy is shared by all).
QUERY_CACHE_SIZE: Final = 1024
BACKFILL_BATCH: Final = 50
# Seconds before "are there embeddings yet?" (which makes hybrid the default) is asked again.
EMBEDDED_RECHECK: Final = 30.0

_PARAGRAPHS = re.compile(r"\s*\n\s*\n\s*")
_SENTENCES = re.compile(r"(?<=[.!?])\s+")

Vector = list[float]


class _Model(Protocol):
    """What the embedder needs of a model (service.domain.minilm.MiniLM)."""

    def encode(self, texts: Sequence[str]) -> Any:
        """Unit-length embeddings, one row per text."""
        ...


def model_name() -> str:
    """The model's name, part of every content hash and cache key."""
    from service.domain.minilm import MODEL_NAME

    return MODEL_NAME


def content_hash(text: str) -> bytes:
    """SHA-256 of the model name and `text`: a new model or new text means a new hash."""
    return hashlib.sha256(f"{model_name()}\x00{text}".encode()).digest()


def passages_of(text: str, limit: int = MAX_PASSAGE_CHARS) -> list[str]:
    """`text` cut into passages: sentences of one paragraph gathered up to `limit` chars."""
    chunks: list[str] = []
    for paragraph in _PARAGRAPHS.split(text.strip()):
        current = ""
        for sentence in _SENTENCES.split(" ".join(paragraph.split())):
            if not sentence:
                continue
            if current and len(current) + 1 + len(sentence) > limit:
                chunks.append(current)
                current = sentence
            else:
                current = f"{current} {sentence}" if current else sentence
        if current:
            chunks.append(current)
    return chunks


def ghost_text(name: str, entity_type: str, description: str) -> str:
    """What an entity's embedding is computed from."""
    return f"{name} ({entity_type.replace('_', ' ')}). {description}"


def story_text(title: str, summary: str, body: str) -> str:
    """What a story's embedding is computed from (the model reads its first 256 tokens)."""
    return f"{title}. {summary}\n\n{body}"


# ---- the model -----------------------------------------------------------------------------

_models: dict[str, _Model | Exception] = {}
_models_lock = threading.Lock()


def shared_model(model_dir: str = "") -> _Model:
    """The process's model from `model_dir` ("" = the installed package), loaded once.

    A failure is remembered too, so a broken install is reported, not retried per call.
    """
    with _models_lock:
        found = _models.get(model_dir)
        if found is None:
            from service.domain.minilm import MiniLM

            try:
                found = MiniLM(Path(model_dir) if model_dir else None)
            except Exception as exc:  # any failure leaves search keyword-only
                found = exc
            _models[model_dir] = found
    if isinstance(found, Exception):
        raise found
    return found


class Embedder:
    """Embeds texts off the event loop with the process's model; knows if it is available."""

    def __init__(self, model_dir: str = "") -> None:
        self.model_dir = model_dir
        self.error = ""
        self._model: _Model | None = None
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="embedder")
        self._queries: OrderedDict[str, Vector] = OrderedDict()
        self._embedded = False
        self._embedded_checked_at = -EMBEDDED_RECHECK

    @property
    def available(self) -> bool:
        """The model loaded (call `load()` first)."""
        return self._model is not None

    async def load(self) -> bool:
        """Load the model (once per process) in the executor; False, with `error`, on failure."""
        if self._model is None and not self.error:
            try:
                loop = asyncio.get_running_loop()
                self._model = await loop.run_in_executor(
                    self._executor, shared_model, self.model_dir
                )
            except Exception as exc:
                self.error = f"{type(exc).__name__}: {exc}"
                log.warning("semantic search unavailable: %s", self.error)
        return self.available

    async def embed(self, texts: Sequence[str]) -> list[Vector]:
        """Unit-length embeddings of `texts`; raises when the model is unavailable."""
        if not await self.load() or self._model is None:
            raise RuntimeError(f"the embedding model is unavailable: {self.error}")
        if not texts:
            return []
        loop = asyncio.get_running_loop()
        model = self._model
        matrix = await loop.run_in_executor(self._executor, model.encode, list(texts))
        return [[float(x) for x in row] for row in matrix]

    async def embed_query(self, text: str, cache: Cache | None = None) -> Vector:
        """A search query's embedding: from this process's LRU, then Redis, then the model."""
        normalized = " ".join(text.split()).casefold()
        found = self._queries.get(normalized)
        if found is not None:
            self._queries.move_to_end(normalized)
            return found
        vector: Vector | None = None
        if cache is not None:

            async def load() -> bytes:
                return _pack((await self.embed([normalized]))[0])

            body = await cache.get_or_load(
                Keys.query_embedding(model_name(), normalized), ttl=TTL_DAY, load=load
            )
            vector = _unpack(body) if body else None
        if vector is None:
            vector = (await self.embed([normalized]))[0]
        self._queries[normalized] = vector
        if len(self._queries) > QUERY_CACHE_SIZE:
            self._queries.popitem(last=False)
        return vector

    async def any_embedded(self, db: Executor) -> bool:
        """Whether any entity or story has an embedding: once yes, remembered; a no is asked
        again after EMBEDDED_RECHECK seconds."""
        now = time.monotonic()
        if not self._embedded and now >= self._embedded_checked_at + EMBEDDED_RECHECK:
            row = await semantic_queries.has_embeddings(db)
            self._embedded = bool(row and row.embedded)
            self._embedded_checked_at = now
        return self._embedded

    def close(self) -> None:
        """Stop the executor thread."""
        self._executor.shutdown(wait=False, cancel_futures=True)


def _pack(vector: Vector) -> bytes:
    import numpy as np

    return np.asarray(vector, dtype="<f4").tobytes()


def _unpack(body: bytes) -> Vector | None:
    import numpy as np

    if len(body) % 4:
        return None
    return [float(x) for x in np.frombuffer(body, dtype="<f4")]


EMBEDDER: Final = web.AppKey("embedder", Embedder)

_worker_embedder: Embedder | None = None


def worker_embedder() -> Embedder:
    """The embedder of the job handlers registered below (one per process)."""
    global _worker_embedder
    if _worker_embedder is None:
        from service.config import Settings

        _worker_embedder = Embedder(Settings.from_env().embedding_model_dir)
    return _worker_embedder


# ---- the jobs ------------------------------------------------------------------------------


async def enqueue_ghost(db: Executor, ghost_id: uuid.UUID) -> None:
    """Queue the embedding of an entity (call in the write's transaction)."""
    await queue.enqueue(db, GHOST_JOB, {"id": str(ghost_id)})


async def enqueue_story(db: Executor, story_id: uuid.UUID) -> None:
    """Queue the embedding of a story (call in the write's transaction)."""
    await queue.enqueue(db, STORY_JOB, {"id": str(story_id)})


@dataclass(frozen=True, slots=True)
class Outcome:
    """What embedding one row did: texts embedded (0 when its hash was unchanged)."""

    embedded: int


async def embed_ghost(db: Connection, ghost_id: uuid.UUID, embedder: Embedder) -> Outcome:
    """Embed an entity and its description's passages, unless its text is unchanged."""
    row = await queries.get_ghost_embedding_source(db, id=ghost_id)
    if row is None:
        return Outcome(0)  # deleted since the job was queued
    text = ghost_text(row.name, row.entity_type, row.description)
    digest = content_hash(text)
    if row.embedded_hash == digest:
        return Outcome(0)
    chunks = passages_of(row.description)
    changed = await _changed_passages(db, chunks, ghost_id=ghost_id, story_id=None)
    vectors = await embedder.embed([text, *(chunks[i] for i in changed)])
    await _store_passages(db, chunks, changed, vectors[1:], ghost_id=ghost_id, story_id=None)
    await queries.upsert_ghost_embedding(
        db, ghost_entity_id=ghost_id, content_hash=digest, embedding=vectors[0]
    )
    return Outcome(len(vectors))


async def embed_story(db: Connection, story_id: uuid.UUID, embedder: Embedder) -> Outcome:
    """Embed a story and its body's passages, unless its text is unchanged."""
    row = await queries.get_story_embedding_source(db, id=story_id)
    if row is None:
        return Outcome(0)
    text = story_text(row.title, row.summary, row.body)
    digest = content_hash(text)
    if row.embedded_hash == digest:
        return Outcome(0)
    chunks = passages_of(row.body)
    changed = await _changed_passages(db, chunks, ghost_id=None, story_id=story_id)
    vectors = await embedder.embed([text, *(chunks[i] for i in changed)])
    await _store_passages(db, chunks, changed, vectors[1:], ghost_id=None, story_id=story_id)
    await queries.upsert_story_embedding(
        db, story_id=story_id, content_hash=digest, embedding=vectors[0]
    )
    return Outcome(len(vectors))


async def _changed_passages(
    db: Connection, chunks: list[str], *, ghost_id: uuid.UUID | None, story_id: uuid.UUID | None
) -> list[int]:
    """Positions of `chunks` whose stored passage is missing or has another hash."""
    stored = {
        row.position: row.content_hash
        for row in await queries.list_passage_hashes(db, ghost_id=ghost_id, story_id=story_id)
    }
    return [i for i, chunk in enumerate(chunks) if stored.get(i) != content_hash(chunk)]


async def _store_passages(
    db: Connection,
    chunks: list[str],
    changed: list[int],
    vectors: list[Vector],
    *,
    ghost_id: uuid.UUID | None,
    story_id: uuid.UUID | None,
) -> None:
    async with transaction(db):
        await queries.delete_passages(
            db, ghost_id=ghost_id, story_id=story_id, keep=len(chunks), positions=changed
        )
        for position, vector in zip(changed, vectors, strict=True):
            await queries.insert_passage(
                db,
                ghost_id=ghost_id,
                story_id=story_id,
                position=position,
                body=chunks[position],
                content_hash=content_hash(chunks[position]),
                embedding=vector,
            )


def _job_id(payload: Payload) -> uuid.UUID:
    try:
        return uuid.UUID(str(payload["id"]))
    except (KeyError, ValueError) as exc:
        raise PermanentJobError(f"bad embed job payload {payload!r}") from exc


def job_handlers(embedder: Embedder) -> dict[str, queue.Handler]:
    """The embed job handlers using `embedder` (tests give a worker their own)."""

    async def ghost(payload: Payload, conn: Connection) -> None:
        await embed_ghost(conn, _job_id(payload), embedder)

    async def story(payload: Payload, conn: Connection) -> None:
        await embed_story(conn, _job_id(payload), embedder)

    return {GHOST_JOB: ghost, STORY_JOB: story}


@queue.handler(GHOST_JOB)
async def _embed_ghost_job(payload: Payload, conn: Connection) -> None:
    await job_handlers(worker_embedder())[GHOST_JOB](payload, conn)


@queue.handler(STORY_JOB)
async def _embed_story_job(payload: Payload, conn: Connection) -> None:
    await job_handlers(worker_embedder())[STORY_JOB](payload, conn)


# ---- the backfill --------------------------------------------------------------------------


async def enqueue_missing(db: Executor) -> int:
    """Queue an embed job for every row with no embedding (the job worker embeds them while
    the service runs); returns how many were queued."""
    queued = 0
    after_kind, after_id = "", uuid.UUID(int=0)
    while rows := await queries.list_content_to_embed(
        db,
        include_embedded=False,
        after_kind=after_kind,
        after_id=after_id,
        max_rows=BACKFILL_BATCH,
    ):
        for kind, job in (("ghost", GHOST_JOB), ("story", STORY_JOB)):
            payloads: list[Payload] = [{"id": str(r.id)} for r in rows if r.kind == kind]
            if payloads:
                queued += await queue.enqueue_many(db, job, payloads)
        after_kind, after_id = rows[-1].kind, rows[-1].id
    return queued


async def backfill(
    db: Connection,
    embedder: Embedder,
    *,
    everything: bool = False,
    out: TextIO | None = None,
    clock: Callable[[], float] = time.monotonic,
) -> int:
    """Embed rows with no embedding yet (every row, hashes permitting, with `everything`).

    Prints a progress line (rows done of the total, rows per second) to `out`; returns how
    many rows were looked at.
    """
    counted = await queries.count_content_to_embed(db, include_embedded=everything)
    total = counted.total if counted else 0
    started = clock()
    done = 0
    after_kind, after_id = "", uuid.UUID(int=0)
    while True:
        rows = await queries.list_content_to_embed(
            db,
            include_embedded=everything,
            after_kind=after_kind,
            after_id=after_id,
            max_rows=BACKFILL_BATCH,
        )
        if not rows:
            break
        for row in rows:
            embed = embed_ghost if row.kind == "ghost" else embed_story
            async with transaction(db):
                await embed(db, row.id, embedder)
            done += 1
            if out is not None:
                rate = done / max(clock() - started, 1e-9)
                out.write(f"\rembedded {done}/{total} rows ({rate:.1f} rows/s)")
                out.flush()
        after_kind, after_id = rows[-1].kind, rows[-1].id
    if out is not None:
        elapsed = clock() - started
        out.write(f"\rembedded {done}/{total} rows in {elapsed:.1f} s\n")
        out.flush()
    return done
