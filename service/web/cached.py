"""Serving a cached public GET: the exact JSON bytes from the cache, loaded on a miss.

The keys, TTLs and what each write drops are service/cache/catalog.py's; the mechanics are
service/cache/engine.py's. Editors see drafts, so their reads bypass `public()` and are
answered `private, no-store` from PostgreSQL.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from typing import Any

import msgspec
from aiohttp import web

from service.cache.engine import CACHE, CacheKey
from service.web.api import ETAG_LENGTH, encode_json, etag_of, not_found, respond_tagged


def encode(data: Any) -> bytes:
    """The JSON body `respond` would send for `data`."""
    return encode_json(data)


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
        if data is None:
            return None
        body = encode(data)
        # The ETag is computed once, when the entry is filled, and stored in front of the body.
        return etag_of(body).encode() + body

    # early: a miss answers once loaded, the store follows (one Redis round trip per request)
    stored = await request.app[CACHE].get_or_load(key, ttl=ttl, load=load_body, early=True)
    if stored is None:
        raise not_found(what)
    return respond_tagged(request, stored[ETAG_LENGTH:], stored[:ETAG_LENGTH].decode())
