"""The yardsticks for the HTTP benchmark: a minimal aiohttp + asyncpg server running the same SQL
as the service, and a bare aiohttp server answering a fixed JSON body.

    python -m bench.minimal --port N --dsn URL      # the minimal server
    python -m bench.minimal --port N --bare         # the bare server

The minimal server is what a careful hand-written handler would be: one pool, the service's
own SQL text (imported from the generated module, so both run exactly the same statement),
msgspec for JSON, no middleware, no cache, no validation beyond int().
"""

from __future__ import annotations

import argparse
import asyncio
from collections.abc import AsyncIterator
from typing import Any

import asyncpg
import msgspec
import uvloop
from aiohttp import web

from service.store.queries import ghosts

EMBEDDED = 20
BARE_BODY = b'{"id":"5eed0000-0000-0000-0000-000000000000","name":"bare","tags":["a","b"]}'
POOL: web.AppKey[asyncpg.Pool] = web.AppKey("pool")
_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.decode


def _page(items: list[Any], limit: int) -> dict[str, Any]:
    return {"items": items[:limit], "next_cursor": "more" if len(items) > limit else None}


async def ghost(request: web.Request) -> web.Response:
    """GET /v1/ghosts/{slug}: the entity page, with GetGhostPage's SQL."""
    row = await request.app[POOL].fetchrow(
        ghosts.GET_GHOST_PAGE, False, EMBEDDED + 1, request.match_info["slug"]
    )
    if row is None:
        return web.Response(status=404)
    data = dict(row)
    counts = {k: data.pop(k) for k in list(data) if k.endswith("_count")}
    data["counts"] = counts
    # the SQL's nullability overrides ("related!") are part of the column names
    data["related"] = _page(_decode(data.pop("related!")), EMBEDDED)
    data["stories"] = _page(_decode(data.pop("stories!")), EMBEDDED)
    data["media"] = _decode(data.pop("media!"))
    return web.Response(body=_encode(data), content_type="application/json")


async def search(request: web.Request) -> web.Response:
    """GET /v1/ghosts?q=&limit=&min_danger=&max_danger=: ListGhostsByRelevance's SQL."""
    query = request.query
    limit = int(query.get("limit", "20"))
    low, high = query.get("min_danger"), query.get("max_danger")
    rows = await request.app[POOL].fetch(
        ghosts.LIST_GHOSTS_BY_RELEVANCE,
        query["q"],
        False,
        [],
        None,
        None if low is None else int(low),
        None if high is None else int(high),
        None,
        None,
        None,
        limit + 1,
    )
    return web.Response(
        body=_encode(_page([dict(r) for r in rows], limit)), content_type="application/json"
    )


async def bare(request: web.Request) -> web.Response:
    """A fixed JSON body: the floor of aiohttp itself."""
    return web.Response(body=BARE_BODY, content_type="application/json")


def minimal_app(dsn: str) -> web.Application:
    """The minimal server: a pool opened in cleanup_ctx and two routes."""

    async def pool_ctx(app: web.Application) -> AsyncIterator[None]:
        app[POOL] = await asyncpg.create_pool(dsn, min_size=2, max_size=10)
        yield
        await app[POOL].close()

    app = web.Application()
    app.cleanup_ctx.append(pool_ctx)
    app.router.add_get("/v1/ghosts/{slug}", ghost)
    app.router.add_get("/v1/ghosts", search)
    app.router.add_get("/health/ready", bare)
    return app


def bare_app() -> web.Application:
    """The bare server: every GET answers BARE_BODY."""
    app = web.Application()
    app.router.add_get("/{tail:.*}", bare)
    return app


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--dsn", help="serve the minimal app on this database")
    parser.add_argument("--bare", action="store_true", help="serve the bare app")
    args = parser.parse_args()
    app = bare_app() if args.bare else minimal_app(args.dsn)
    loop = uvloop.new_event_loop()
    asyncio.set_event_loop(loop)
    web.run_app(app, host="127.0.0.1", port=args.port, access_log=None, print=None, loop=loop)


if __name__ == "__main__":
    main()
