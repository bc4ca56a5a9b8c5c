"""The app's cached reads: their keys, namespaces and TTLs, and what each write drops.

Cache-aside (the mechanics are service/cache/engine.py's): anonymous and other non-editor
requests get the exact JSON bytes stored in Redis, loaded from the primary on a miss; "not
found" is cached for TTL_NEGATIVE. Editors see drafts, so their reads bypass the cache and are
answered `private, no-store` from PostgreSQL (service/web/cached.py serves the HTTP side).

| read                                         | namespace (key)            | TTL        |
|----------------------------------------------|----------------------------|------------|
| GET /v1/ghosts/{slug}                        | ghosts (slug)              | TTL_SHORT  |
| GET /v1/ghosts/{slug}/related, .../stories   | ghost-pages-NNN (page)     | TTL_MEDIUM |
| GET /v1/ghosts/{slug}/similar                | ghost-pages-NNN (limit)    | TTL_SHORT  |
| GET /v1/ghosts, GET /v1/ghosts/suggest       | ghost-lists (query digest) | TTL_MEDIUM |
|   ... with text the client chose (`q`, prefix) | ghost-lists (query digest) | TTL_QUERY  |
| GET /v1/stories/{slug}                       | stories (slug)             | TTL_SHORT  |
| GET /v1/stories                              | story-lists (query digest) | TTL_MEDIUM |
| GET /v1/stories/{slug}/comments              | comments-NNN (page)        | TTL_MEDIUM |
| GET /v1/flags                                | flags                      | TTL_SHORT  |
| GET /v1/trending                             | trending (parameters)      | TTL_SHORT  |
| GET /v1/search                               | search (query digest)      | TTL_QUERY  |
| the session of a token (service/web/auth.py) | sessions (token hash)      | 60 s       |
| a search query's embedding (domain/embeddings) | embeddings (model, query)  | TTL_DAY    |

`-NNN` is one of SHARDS namespaces chosen by slug (`shard()`): the pages of a paged list
cannot be listed key by key (every cursor is a key), so a write drops its entity's shard.

What a write drops, once it has committed (never before: a read between the drop and the
commit would cache the old rows again):

- entity create, update, delete: its detail at its old and new slug and its pages shard; the
  details and pages shards of the entities related to it; the details of the stories that link
  it; ghost-lists, story-lists (`?ghost=` filters by it) and search.
- story create, update, delete: its detail at its old and new slug and its comments shard; the
  details and pages shards of the entities it links, before and after the write; story-lists
  and search.
- comment create, edit, delete: the comments shard of its story.
- media upload and delete (service/handlers/media.py): as a write of its entity or story
  (their details list the media).
- display name change (PATCH /v1/me): the comments shards of the stories the user commented on.
- session revocation (service/web/auth.py, forget_sessions): the sessions' copies; so do an
  admin's role, tier and deactivation changes (service/handlers/admin.py).
- feature flag create, update, delete (service/handlers/admin.py): the enabled flags.

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

Feature flags changed through the admin API show at once in every process (the drop is in
the shared Redis); edited by DBAs in SQL, which nothing here sees, GET /v1/flags is at most
TTL_SHORT behind the table. The same holds for any row changed in SQL rather than through the
API: it shows once the pages that show it expire (the TTLs above), or at once after their
namespace is bumped (`INCR gp:v1:gen:<namespace>` in redis-cli; every entry of it goes).
/v1/search is cached like the lists: content writes bump `search` with them.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import uuid
from collections.abc import Coroutine, Iterable
from dataclasses import dataclass, field
from typing import Any, Final, Protocol

from aiohttp import web

from service.cache.engine import CACHE, NEGATIVE_TTL, CacheKey, check_namespace
from service.store.db import DATABASE, Executor
from service.store.queries import invalidation as queries

log = logging.getLogger("service.cache.catalog")

# Time to live, in seconds, for every entry: pick one of these, never a literal.
TTL_SHORT: Final = 5 * 60
TTL_MEDIUM: Final = 30 * 60
TTL_LONG: Final = 60 * 60
TTL_DAY: Final = 24 * 60 * 60
TTL_NEGATIVE: Final = NEGATIVE_TTL
# Pages keyed by text the client chose (searches, `q=` lists, autocomplete prefixes): most such
# keys are asked for once, so they go soon rather than fill the cache Redis for TTL_MEDIUM.
TTL_QUERY: Final = 60

# Namespaces of the cached reads (the table above says which write drops which).
GHOSTS: Final = "ghosts"
STORIES: Final = "stories"
GHOST_LISTS: Final = "ghost-lists"
STORY_LISTS: Final = "story-lists"
SEARCH: Final = "search"
FLAGS: Final = "flags"
SESSIONS: Final = "sessions"
TRENDING: Final = "trending"
# Query embeddings: a function of the model and the text alone, so no write drops them.
EMBEDDINGS: Final = "embeddings"
# Families of namespaces for pages whose keys cannot be listed (every cursor of a paged list):
# an entity's pages go to one of SHARDS namespaces by its slug, so a write drops that one
# namespace (1/SHARDS of the family) rather than the whole family. A fixed number, so slugs
# that callers make up cannot create generation counters without end.
GHOST_PAGES: Final = "ghost-pages"
COMMENTS: Final = "comments"
SHARDS: Final = 1024


def shard(family: str, slug: str) -> str:
    """The namespace of `family` that holds the pages of the entity or story at `slug`."""
    digest = hashlib.blake2b(slug.encode(), digest_size=4).digest()
    return check_namespace(f"{family}-{int.from_bytes(digest) % SHARDS:03x}")


def shards(family: str) -> list[str]:
    """Every namespace of `family`."""
    return [f"{family}-{n:03x}" for n in range(SHARDS)]


class Keys:
    """Key builders for cached reads; add one next to each read a handler caches."""

    @staticmethod
    def ghost_by_slug(slug: str) -> CacheKey:
        """A published entity's JSON by slug."""
        return CacheKey.of(GHOSTS, "slug", slug)

    @staticmethod
    def story_by_slug(slug: str) -> CacheKey:
        """A published story's JSON by slug."""
        return CacheKey.of(STORIES, "slug", slug)

    @staticmethod
    def ghost_related(slug: str, limit: int, cursor: str | None) -> CacheKey:
        """A page of the entities related to a published entity."""
        return CacheKey.of(shard(GHOST_PAGES, slug), "related", slug, limit, cursor or "")

    @staticmethod
    def ghost_stories(slug: str, limit: int, cursor: str | None) -> CacheKey:
        """A page of the published stories linking a published entity."""
        return CacheKey.of(shard(GHOST_PAGES, slug), "stories", slug, limit, cursor or "")

    @staticmethod
    def ghost_similar(slug: str, limit: int) -> CacheKey:
        """The entities nearest to a published entity by embedding (TTL_SHORT: the embed job,
        which changes them, runs after the write that drops the shard)."""
        return CacheKey.of(shard(GHOST_PAGES, slug), "similar", slug, limit)

    @staticmethod
    def ghost_list(query: str) -> CacheKey:
        """A page of the public entity list; `query` is the canonical form of its parameters."""
        return CacheKey.of(GHOST_LISTS, "list", query)

    @staticmethod
    def search(query: str) -> CacheKey:
        """A page of cross-content search results; `query` is its parameters' canonical form."""
        return CacheKey.of(SEARCH, "page", query)

    @staticmethod
    def ghost_suggestions(prefix: str, limit: int) -> CacheKey:
        """Autocomplete candidates for a prefix."""
        return CacheKey.of(GHOST_LISTS, "suggest", limit, prefix)

    @staticmethod
    def story_list(query: str) -> CacheKey:
        """A page of the public story list; `query` is the canonical form of its parameters."""
        return CacheKey.of(STORY_LISTS, "list", query)

    @staticmethod
    def comments(slug: str, limit: int, cursor: str | None) -> CacheKey:
        """A page of a published story's comment threads."""
        return CacheKey.of(shard(COMMENTS, slug), slug, limit, cursor or "")

    @staticmethod
    def enabled_flags() -> CacheKey:
        """The enabled feature flags."""
        return CacheKey.of(FLAGS, "enabled")

    @staticmethod
    def trending(window: str, kind: str, limit: int) -> CacheKey:
        """The trending entities and stories of a window (nothing drops it: TTL_SHORT)."""
        return CacheKey.of(TRENDING, window, kind, limit)

    @staticmethod
    def query_embedding(model: str, text: str) -> CacheKey:
        """A search query's embedding (float32 bytes) by the model and the normalized text."""
        digest = hashlib.sha256(text.encode()).hexdigest()
        return CacheKey.of(EMBEDDINGS, model.rpartition("/")[2], digest)

    @staticmethod
    def session(token_hash: bytes) -> CacheKey:
        """The live session (and its user) of a token, by the token's stored hash."""
        return CacheKey.of(SESSIONS, token_hash.hex())


# ---- what writes drop --------------------------------------------------------------------------


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
    app: web.Application, ghost_id: uuid.UUID, slugs: Iterable[str], before: Touched
) -> None:
    """After an entity write commits: drop every cached page that shows the entity."""
    written = Touched(ghost_ids={ghost_id}, ghost_slugs=set(slugs))
    await _after_commit(
        _drop_content(app, written, before, lists=(GHOST_LISTS, STORY_LISTS, SEARCH))
    )


async def story_written(
    app: web.Application, story_id: uuid.UUID, slugs: Iterable[str], before: Touched
) -> None:
    """After a story write commits: drop every cached page that shows the story."""
    written = Touched(story_ids={story_id}, story_slugs=set(slugs))
    await _after_commit(_drop_content(app, written, before, lists=(STORY_LISTS, SEARCH)))


async def comments_written(
    app: web.Application, story_id: uuid.UUID, slugs: Iterable[str] = ()
) -> None:
    """After a comment write commits: drop the cached pages of its story's threads."""
    await _after_commit(_drop_comments(app, story_id, set(slugs)))


async def author_renamed(app: web.Application, user_id: uuid.UUID) -> None:
    """After a display name change commits: drop the threads that show the user's comments."""
    await _after_commit(_drop_threads_of(app, user_id))


async def _after_commit(work: Coroutine[Any, Any, None]) -> None:
    """Run `work` to the end even if the request is cancelled: the write has committed."""
    await asyncio.shield(asyncio.ensure_future(work))


async def _drop_content(
    app: web.Application, written: Touched, before: Touched, *, lists: Iterable[str]
) -> None:
    cache = app[CACHE]
    primary = app[DATABASE].primary
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


async def _drop_comments(app: web.Application, story_id: uuid.UUID, slugs: set[str]) -> None:
    cache = app[CACHE]
    try:
        rows = await queries.list_content_slugs(
            app[DATABASE].primary, ghost_ids=[], story_ids=[story_id]
        )
    except Exception:
        log.exception("cache: cannot tell where a story is now; dropping every thread")
        await cache.invalidate(namespaces=shards(COMMENTS))
        return
    slugs |= {row.slug for row in rows}  # where the story is now, if it was renamed
    await cache.invalidate(namespaces=sorted({shard(COMMENTS, s) for s in slugs}))


async def _drop_threads_of(app: web.Application, user_id: uuid.UUID) -> None:
    cache = app[CACHE]
    try:
        rows = await queries.list_story_slugs_commented_by_user(
            app[DATABASE].primary, user_id=user_id
        )
    except Exception:
        log.exception("cache: cannot tell where a user commented; dropping every thread")
        await cache.invalidate(namespaces=shards(COMMENTS))
        return
    await cache.invalidate(namespaces=sorted({shard(COMMENTS, row.slug) for row in rows}))
