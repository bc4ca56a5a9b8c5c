"""The yardsticks for the HTTP benchmark: a minimal aiohttp + asyncpg server running the same SQL
as the service, and a bare aiohttp server answering a fixed JSON body.

    python -m bench.minimal --port N --dsn URL      # the minimal server
    python -m bench.minimal --port N --bare         # the bare server

The minimal server is what a careful hand-written handler would be: one pool, the service's
own SQL text (imported from the generated module, so both run exactly the same statement),
msgspec for JSON, no middleware, no cache, no validation beyond int(). bench/express/server.js
is the same server in Node (Express + node-postgres); `express_config` hands it the SQL text
and where each parameter comes from (ROUTES), so the two cannot drift apart.
"""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import inspect
from collections.abc import AsyncIterator, Callable, Mapping
from typing import Any, Final

import asyncpg
import msgspec
import uvloop
from aiohttp import web

from service.config import Settings
from service.store.queries import ghosts

EMBEDDED = 20
LIMIT = 20  # a search's page size when the request names none
POOL_SIZE = 10
BARE_BODY = b'{"id":"5eed0000-0000-0000-0000-000000000000","name":"bare","tags":["a","b"]}'
POOL: web.AppKey[asyncpg.Pool] = web.AppKey("pool")
_encode = msgspec.json.Encoder().encode
_decode = msgspec.json.decode

# Where each SQL parameter of a route's query comes from, by the generated function's keyword
# names: ("value", v) a fixed value, ("path", name) a route segment, ("text", name) a query-string
# field, ("int", name) an optional integer field, ("rows", name) that integer field (default
# LIMIT) plus one. A name the function does not take is left out, one it takes and this lacks
# stops the server (see `positional`).
Source = tuple[str, Any]
DETAIL_PARAMS: Final[dict[str, Source]] = {
    "include_drafts": ("value", False),
    "max_rows": ("value", EMBEDDED + 1),
    "slug": ("path", "slug"),
}
SEARCH_PARAMS: Final[dict[str, Source]] = {
    "query": ("text", "q"),
    "include_drafts": ("value", False),
    "tags": ("value", []),
    "entity_type": ("value", None),
    "min_danger": ("int", "min_danger"),
    "max_danger": ("int", "max_danger"),
    # the service's default SEARCH_CANDIDATE_CAP
    "candidate_cap": (
        "value",
        next(f.default for f in dataclasses.fields(Settings) if f.name == "search_candidate_cap"),
    ),
    "after_id": ("value", None),
    "after_name_match": ("value", None),
    "after_rank": ("value", None),
    "max_rows": ("rows", "limit"),
}
# route -> (SQL, generated function, parameters)
ROUTES: Final[dict[str, tuple[str, Callable[..., Any], dict[str, Source]]]] = {
    "detail": (ghosts.GET_GHOST_PAGE, ghosts.get_ghost_page, DETAIL_PARAMS),
    "search": (ghosts.LIST_GHOSTS_BY_RELEVANCE, ghosts.list_ghosts_by_relevance, SEARCH_PARAMS),
}
DETAIL_ARGS: web.AppKey[list[Callable[[web.Request], Any]]] = web.AppKey("detail_args")
SEARCH_ARGS: web.AppKey[list[Callable[[web.Request], Any]]] = web.AppKey("search_args")


def positional(function: Callable[..., Any], params: Mapping[str, Source]) -> list[Source]:
    """`params` in the order of the generated `function`'s keywords, which is its SQL's $1, $2..."""
    names = [
        p.name
        for p in inspect.signature(function).parameters.values()
        if p.kind is inspect.Parameter.KEYWORD_ONLY
    ]
    missing = [name for name in names if name not in params]
    if missing:
        raise ValueError(f"bench/minimal.py gives no value for {function.__name__}'s {missing}")
    return [params[name] for name in names]


def getter(source: Source) -> Callable[[web.Request], Any]:
    """What reads one parameter's value from a request."""
    kind, key = source
    if kind == "value":
        return lambda request: key
    if kind == "path":
        return lambda request: request.match_info[key]
    if kind == "text":
        return lambda request: request.query[key]
    if kind == "int":
        return lambda request: None if (raw := request.query.get(key)) is None else int(raw)
    if kind == "rows":
        return lambda request: int(request.query.get(key, LIMIT)) + 1
    raise ValueError(f"unknown parameter source {kind!r}")


def express_config(dsn: str) -> dict[str, Any]:
    """What bench/express/server.js serves: the same pool size, SQL text and parameters."""
    return {
        "dsn": dsn,
        "pool_size": POOL_SIZE,
        "embedded": EMBEDDED,
        "limit": LIMIT,
        "bare_body": BARE_BODY.decode(),
        **{
            route: {"sql": sql, "params": positional(function, params)}
            for route, (sql, function, params) in ROUTES.items()
        },
    }


def _page(items: list[Any], limit: int) -> dict[str, Any]:
    return {"items": items[:limit], "next_cursor": "more" if len(items) > limit else None}


async def ghost(request: web.Request) -> web.Response:
    """GET /v1/ghosts/{slug}: the entity page, with GetGhostPage's SQL."""
    args = [get(request) for get in request.app[DETAIL_ARGS]]
    row = await request.app[POOL].fetchrow(ghosts.GET_GHOST_PAGE, *args)
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
    limit = int(request.query.get("limit", LIMIT))
    args = [get(request) for get in request.app[SEARCH_ARGS]]
    rows = await request.app[POOL].fetch(ghosts.LIST_GHOSTS_BY_RELEVANCE, *args)
    # nullability overrides ("id!") are part of the column names
    items = [{k.removesuffix("!"): v for k, v in r.items()} for r in rows]
    return web.Response(body=_encode(_page(items, limit)), content_type="application/json")


async def bare(request: web.Request) -> web.Response:
    """A fixed JSON body: the floor of aiohttp itself."""
    return web.Response(body=BARE_BODY, content_type="application/json")


def minimal_app(dsn: str) -> web.Application:
    """The minimal server: a pool opened in cleanup_ctx and two routes."""

    async def pool_ctx(app: web.Application) -> AsyncIterator[None]:
        app[POOL] = await asyncpg.create_pool(dsn, min_size=2, max_size=POOL_SIZE)
        yield
        await app[POOL].close()

    app = web.Application()
    for key, route in ((DETAIL_ARGS, "detail"), (SEARCH_ARGS, "search")):
        _, function, params = ROUTES[route]
        app[key] = [getter(source) for source in positional(function, params)]
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
