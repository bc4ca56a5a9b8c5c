"""Cached public reads of entities, stories, comments and flags, and what each write drops.

Cache-aside (DESIGN.md, "Cache contract"; the mechanics are service/cache/'s): anonymous and
other non-editor requests get the exact JSON bytes stored in Redis, loaded from the primary on
a miss; "not found" is cached for TTL_NEGATIVE. Editors see drafts, so their reads bypass the
cache and are answered `private, no-store` from PostgreSQL, as before.

| read                                         | namespace (key)            | TTL        |
|----------------------------------------------|----------------------------|------------|
| GET /v1/ghosts/{slug}                        | ghosts (slug)              | TTL_SHORT  |
| GET /v1/ghosts/{slug}/related, .../stories   | ghost-pages-NNN (page)     | TTL_MEDIUM |
| GET /v1/ghosts, GET /v1/ghosts/suggest       | ghost-lists (query digest) | TTL_MEDIUM |
| GET /v1/stories/{slug}                       | stories (slug)             | TTL_SHORT  |
| GET /v1/stories                              | story-lists (query digest) | TTL_MEDIUM |
| GET /v1/stories/{slug}/comments              | comments-NNN (page)        | TTL_MEDIUM |
| GET /v1/flags                                | flags                      | TTL_SHORT  |
| the session of a token (service/web/auth.py)     | sessions (token hash)      | 60 s       |

`-NNN` is one of SHARDS namespaces chosen by slug (service.cache.engine.shard): the pages of a paged
list cannot be listed key by key (every cursor is a key), so a write drops its entity's shard.

What a write drops, once it has committed (never before: a read between the drop and the
commit would cache the old rows again):

- entity create, update, delete: its detail at its old and new slug and its pages shard; the
  details and pages shards of the entities related to it; the details of the stories that link
  it; ghost-lists, story-lists (`?ghost=` filters by it) and search.
- story create, update, delete: its detail at its old and new slug and its comments shard; the
  details and pages shards of the entities it links, before and after the write; story-lists
  and search.
- comment create, edit, delete: the comments shard of its story.
- display name change (PATCH /v1/me): the comments shards of the stories the user commented on.

Neighbours are read twice: inside the write's transaction once its row is locked (what the
write is about to unlink or delete), and after the commit from the primary (links that a
concurrent write added meanwhile, and where a concurrent rename moved a neighbour's page). A
concurrent write that commits after that second read drops what it changed itself, after its
own commit, which is later than ours. If the second read fails, the write drops every
namespace it could have touched instead.

Counts: entity and story details show counters that change without a write through the API
(the statistics rollup job, in the worker process, adds up interactions, bookmarks and
comments). Those two pages live TTL_SHORT rather than being dropped on every rollup, which
would empty them for each view of a popular page: their counts are at most TTL_SHORT behind
the rollup, itself asynchronous. Everything else they show is dropped by the writes above.

Feature flags are edited by DBAs in SQL, which nothing here sees: GET /v1/flags is at most
TTL_SHORT behind the table. The same holds for any row changed in SQL rather than through the
API: it shows once the pages that show it expire (the TTLs above), or at once after their
namespace is bumped (`INCR gp:v1:gen:<namespace>` in redis-cli; every entry of it goes).
/v1/search is not cached yet; content writes already bump `search` for when it is.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Awaitable, Callable, Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any, Protocol

import msgspec
from aiohttp import web

from service.cache.engine import (
    CACHE,
    COMMENTS,
    GHOST_LISTS,
    GHOST_PAGES,
    GHOSTS,
    SEARCH,
    STORIES,
    STORY_LISTS,
    CacheKey,
    Keys,
    shard,
    shards,
)
from service.store.db import DATABASE, Executor
from service.store.queries import invalidation as queries
from service.web.api import not_found, respond

log = logging.getLogger("service.web.cached")

_encoder = msgspec.json.Encoder()


# ---- reads -------------------------------------------------------------------------------------


def encode(data: Any) -> bytes:
    """The JSON body `respond` would send for `data`."""
    return _encoder.encode(data)


def digest(query: msgspec.Struct, **normalized: Any) -> str:
    """The canonical form of a parsed query string, for a key: requests asking for the same
    page get the same digest (defaults filled in by parsing; `normalized` fields replaced,
    e.g. the sort a missing `sort` means, or tags in order). A cursor is part of it: each
    page of a list is its own entry, and all of them go when the list's namespace does."""
    fields = msgspec.structs.asdict(query) | normalized
    canonical = msgspec.json.encode(fields, order="sorted")
    return hashlib.blake2b(canonical, digest_size=16).hexdigest()


async def public(
    request: web.Request,
    key: CacheKey,
    *,
    ttl: int,
    load: Callable[[], Awaitable[Any]],
    what: str = "",
) -> web.Response:
    """A public GET answered from the cache; `load()` (reading the primary) fills a miss and
    returns the response data, or None for a 404 naming `what` (cached briefly)."""

    async def load_body() -> bytes | None:
        data = await load()
        return None if data is None else encode(data)

    body = await request.app[CACHE].get_or_load(key, ttl=ttl, load=load_body)
    if body is None:
        raise not_found(what)
    return respond(request, body, etag=True)


# ---- writes ------------------------------------------------------------------------------------


class _ContentRow(Protocol):
    @property
    def kind(self) -> str: ...
    @property
    def id(self) -> uuid.UUID: ...
    @property
    def slug(self) -> str: ...


@dataclass
class Touched:
    """Entities and stories whose cached pages a write changes: ids, and slugs known so far."""

    ghost_ids: set[uuid.UUID] = field(default_factory=set)
    story_ids: set[uuid.UUID] = field(default_factory=set)
    ghost_slugs: set[str] = field(default_factory=set)
    story_slugs: set[str] = field(default_factory=set)

    def add(self, rows: Iterable[_ContentRow]) -> None:
        """Add rows of kind 'ghost' or 'story', each with its id and slug."""
        for row in rows:
            if row.kind == "ghost":
                self.ghost_ids.add(row.id)
                self.ghost_slugs.add(row.slug)
            else:
                self.story_ids.add(row.id)
                self.story_slugs.add(row.slug)


async def ghost_neighbours(db: Executor, ghost_id: uuid.UUID) -> Touched:
    """The related entities and linking stories of an entity (call with its row locked)."""
    touched = Touched()
    touched.add(await queries.list_ghost_neighbors(db, ghost_id=ghost_id))
    return touched


async def story_neighbours(db: Executor, story_id: uuid.UUID) -> Touched:
    """The entities a story links (call with its row locked)."""
    touched = Touched()
    touched.add(await queries.list_story_neighbors(db, story_id=story_id))
    return touched


async def ghost_written(
    request: web.Request, ghost_id: uuid.UUID, slugs: Iterable[str], before: Touched
) -> None:
    """After an entity write commits: drop every cached page that shows the entity."""
    written = Touched(ghost_ids={ghost_id}, ghost_slugs=set(slugs))
    await _after_commit(
        _drop_content(request, written, before, lists=(GHOST_LISTS, STORY_LISTS, SEARCH))
    )


async def story_written(
    request: web.Request, story_id: uuid.UUID, slugs: Iterable[str], before: Touched
) -> None:
    """After a story write commits: drop every cached page that shows the story."""
    written = Touched(story_ids={story_id}, story_slugs=set(slugs))
    await _after_commit(_drop_content(request, written, before, lists=(STORY_LISTS, SEARCH)))


async def comments_written(
    request: web.Request, story_id: uuid.UUID, slugs: Iterable[str] = ()
) -> None:
    """After a comment write commits: drop the cached pages of its story's threads."""
    await _after_commit(_drop_comments(request, story_id, set(slugs)))


async def author_renamed(request: web.Request, user_id: uuid.UUID) -> None:
    """After a display name change commits: drop the threads that show the user's comments."""
    await _after_commit(_drop_threads_of(request, user_id))


async def _after_commit(work: Coroutine[Any, Any, None]) -> None:
    """Run `work` to the end even if the request is cancelled: the write has committed."""
    await asyncio.shield(asyncio.ensure_future(work))


async def _drop_content(
    request: web.Request, written: Touched, before: Touched, *, lists: Iterable[str]
) -> None:
    cache = request.app[CACHE]
    primary = request.app[DATABASE].primary
    namespaces = list(lists)
    try:
        now = Touched()
        for ghost_id in written.ghost_ids:
            now.add(await queries.list_ghost_neighbors(primary, ghost_id=ghost_id))
        for story_id in written.story_ids:
            now.add(await queries.list_story_neighbors(primary, story_id=story_id))
        # Where the written rows and their earlier neighbours are now (a rename may have
        # moved them since they were read; deleted ones are simply absent).
        moved = await queries.list_content_slugs(
            primary,
            ghost_ids=sorted(written.ghost_ids | before.ghost_ids),
            story_ids=sorted(written.story_ids | before.story_ids),
        )
    except Exception:
        log.exception("cache: cannot tell which pages a write changed; dropping them all")
        namespaces += [GHOSTS, STORIES, *shards(GHOST_PAGES), *shards(COMMENTS)]
        await cache.invalidate(namespaces=namespaces)
        return
    current = Touched()
    current.add(moved)
    ghosts = written.ghost_slugs | before.ghost_slugs | now.ghost_slugs | current.ghost_slugs
    stories = written.story_slugs | before.story_slugs | now.story_slugs | current.story_slugs
    # A story's threads answer 404 unless it is published at that slug.
    threads = written.story_slugs | {
        row.slug for row in moved if row.kind == "story" and row.id in written.story_ids
    }
    keys = [Keys.ghost_by_slug(slug) for slug in sorted(ghosts)]
    keys += [Keys.story_by_slug(slug) for slug in sorted(stories)]
    namespaces += sorted({shard(GHOST_PAGES, slug) for slug in ghosts})
    namespaces += sorted({shard(COMMENTS, slug) for slug in threads})
    await cache.invalidate(namespaces=namespaces, keys=keys)


async def _drop_comments(request: web.Request, story_id: uuid.UUID, slugs: set[str]) -> None:
    cache = request.app[CACHE]
    try:
        rows = await queries.list_content_slugs(
            request.app[DATABASE].primary, ghost_ids=[], story_ids=[story_id]
        )
    except Exception:
        log.exception("cache: cannot tell where a story is now; dropping every thread")
        await cache.invalidate(namespaces=shards(COMMENTS))
        return
    slugs |= {row.slug for row in rows}  # where the story is now, if it was renamed
    await cache.invalidate(namespaces=sorted({shard(COMMENTS, s) for s in slugs}))


async def _drop_threads_of(request: web.Request, user_id: uuid.UUID) -> None:
    cache = request.app[CACHE]
    try:
        rows = await queries.list_story_slugs_commented_by_user(
            request.app[DATABASE].primary, user_id=user_id
        )
    except Exception:
        log.exception("cache: cannot tell where a user commented; dropping every thread")
        await cache.invalidate(namespaces=shards(COMMENTS))
        return
    await cache.invalidate(namespaces=sorted({shard(COMMENTS, row.slug) for row in rows}))
