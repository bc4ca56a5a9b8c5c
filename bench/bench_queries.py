"""Per-call cost of the generated queries the API runs, against raw asyncpg and aiosql.

    BENCH_DATABASE_URL=postgres://... python -m bench.bench_queries [--rounds N]

The database must be migrated; the benchmark adds entities whose slugs start with
`bench-<run>-` (tagged `bench-<run>`) and deletes them when done. The operations are the ones
behind GET /v1/ghosts/{slug} (the entity page; the entity's row alone, as its related and
stories lists read it), GET /v1/ghosts (recent, by name, full-text relevance) and POST
/v1/ghosts. Every implementation runs the very same SQL text on the same connection,
interleaved call by call in a rotating order, so server-side work, network cost and machine
load are shared and the ratios isolate the Python-side overhead.
"""

from __future__ import annotations

import argparse
import asyncio
import inspect
import os
import platform
import re
import secrets
import statistics
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiosql
import asyncpg

from service.store.db import create_pool, transaction
from service.store.queries import ghosts

Call = Callable[[int], Awaitable[object]]
SEEDED = 1000


def params_of(fn: Callable[..., Any]) -> list[str]:
    """A generated function's parameter names, in the order of the SQL's $1, $2, ..."""
    return [p for p in inspect.signature(fn).parameters if p != "db"]


def aiosql_text(name: str, suffix: str, sql: str, fn: Callable[..., Any]) -> str:
    """The same statement in aiosql's dialect: its own `-- name: x^` and `:param` placeholders."""
    params = params_of(fn)
    body = re.sub(r"\$(\d+)", lambda m: f":{params[int(m.group(1)) - 1]}", sql)
    body = re.sub(r"\A-- name: .*\n", "", body)  # the generated constant's own name line
    return f"-- name: {name}({', '.join(params)}){suffix}\n{body.rstrip()};\n"


async def collect(rows: AsyncIterator[Any]) -> list[Any]:
    """aiosql 15 streams `select` results from asyncpg; callers gather them into a list."""
    return [row async for row in rows]


def ghost_fields(slug: str, tag: str, i: int) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": f"Bench Ghost {i}",
        "entity_type": "spirit",
        "origin": None,
        "location": "Bench",
        "era": None,
        "description": ("A ghost that haunts benchmarks, fast and cold. " * (1 + i % 4)).strip(),
        "danger_level": 1 + i % 5,
        "characteristics": ["fast"],
        "tags": [tag],
        "status": "published",
        "author_id": None,
    }


async def run(dsn: str, rounds: int, scale: int) -> None:
    run_id = secrets.token_hex(3)
    prefix, tag = f"bench-{run_id}-", f"bench-{run_id}"
    pool = await create_pool(dsn, min_size=1, max_size=1)
    cases: list[tuple[str, str, str, Callable[..., Any]]] = [
        ("page", "^", ghosts.GET_GHOST_PAGE, ghosts.get_ghost_page),
        ("detail", "^", ghosts.GET_GHOST_DETAIL, ghosts.get_ghost_detail),
        ("recent", "", ghosts.LIST_GHOSTS_RECENT, ghosts.list_ghosts_recent),
        ("by_name", "", ghosts.LIST_GHOSTS_BY_NAME, ghosts.list_ghosts_by_name),
        ("relevance", "", ghosts.LIST_GHOSTS_BY_RELEVANCE, ghosts.list_ghosts_by_relevance),
        ("insert", "^", ghosts.INSERT_GHOST, ghosts.insert_ghost),
    ]
    queries = aiosql.from_str("".join(aiosql_text(*case) for case in cases), "asyncpg")
    async with pool.acquire() as conn:
        version = await conn.fetchval("SHOW server_version")
        async with transaction(conn) as tx:
            for i in range(SEEDED):
                await ghosts.insert_ghost(tx, **ghost_fields(f"{prefix}{i}", tag, i))
        counter = iter(range(10**9))

        def insert_args() -> dict[str, Any]:
            n = next(counter)
            return ghost_fields(f"{prefix}i{n}", f"{tag}-new", n)

        def detail(i: int) -> dict[str, Any]:
            return {"slug": f"{prefix}{i % SEEDED}", "include_drafts": False}

        def page(i: int) -> dict[str, Any]:
            return detail(i) | {"max_rows": 21}  # the handler's EMBEDDED_ITEMS + 1

        # GET /v1/ghosts?tags=<tag>&limit=20 and its sort orders: the handler asks for limit + 1
        filters: dict[str, Any] = {
            "include_drafts": False,
            "tags": [tag],
            "entity_type": None,
            "min_danger": None,
            "max_danger": None,
            "after_id": None,
            "max_rows": 21,
        }
        recent = filters | {"query": None, "after_published_at": None}
        by_name = filters | {"query": None, "after_name": None, "max_rows": 101}
        relevance = filters | {
            "query": "ghost bench",
            "candidate_cap": 500,
            "after_name_match": None,
            "after_rank": None,
        }

        def three(
            sql: str,
            fn: Callable[..., Awaitable[object]],
            fetch: Callable[..., Awaitable[object]],
            via_aiosql: Callable[..., Any],
            args: Callable[[int], dict[str, Any]],
            many: bool,
        ) -> dict[str, Call]:
            order = params_of(fn)  # once: inspecting a signature per call would tax raw asyncpg

            def raw(i: int) -> Awaitable[object]:
                kwargs = args(i)
                return fetch(sql, *[kwargs[p] for p in order])

            def aio(i: int) -> Awaitable[object]:
                result = via_aiosql(conn, **args(i))
                return collect(result) if many else result

            return {
                "raw asyncpg": raw,
                "generated": lambda i: fn(conn, **args(i)),
                "aiosql": aio,
            }

        ops: dict[str, tuple[int, dict[str, Call]]] = {
            "entity page (:one)": (
                200 * scale,
                three(
                    ghosts.GET_GHOST_PAGE,
                    ghosts.get_ghost_page,
                    conn.fetchrow,
                    queries.page,
                    page,
                    many=False,
                ),
            ),
            "entity row (:one)": (
                200 * scale,
                three(
                    ghosts.GET_GHOST_DETAIL,
                    ghosts.get_ghost_detail,
                    conn.fetchrow,
                    queries.detail,
                    detail,
                    many=False,
                ),
            ),
            "list recent, 21 rows": (
                100 * scale,
                three(
                    ghosts.LIST_GHOSTS_RECENT,
                    ghosts.list_ghosts_recent,
                    conn.fetch,
                    queries.recent,
                    lambda i: recent,
                    many=True,
                ),
            ),
            "list by name, 101 rows": (
                40 * scale,
                three(
                    ghosts.LIST_GHOSTS_BY_NAME,
                    ghosts.list_ghosts_by_name,
                    conn.fetch,
                    queries.by_name,
                    lambda i: by_name,
                    many=True,
                ),
            ),
            "full-text relevance": (
                40 * scale,
                three(
                    ghosts.LIST_GHOSTS_BY_RELEVANCE,
                    ghosts.list_ghosts_by_relevance,
                    conn.fetch,
                    queries.relevance,
                    lambda i: relevance,
                    many=True,
                ),
            ),
            "insert ... returning": (
                100 * scale,
                three(
                    ghosts.INSERT_GHOST,
                    ghosts.insert_ghost,
                    conn.fetchrow,
                    queries.insert,
                    lambda i: insert_args(),
                    many=False,
                ),
            ),
        }
        try:
            samples: dict[tuple[str, str], list[float]] = {}
            for op, (_calls, impls) in ops.items():  # warm statement caches and codecs
                for impl, fn in impls.items():
                    for i in range(20):
                        await fn(i)
                    samples[(op, impl)] = []
            clock = time.perf_counter_ns
            for r in range(rounds):
                for op, (calls, impls) in ops.items():
                    names = list(impls)
                    totals = dict.fromkeys(names, 0)
                    for i in range(calls):
                        # call by call, in a rotating order: load drift hits all alike
                        k = (i + r) % len(names)
                        for impl in names[k:] + names[:k]:
                            fn = impls[impl]
                            start = clock()
                            await fn(i)
                            totals[impl] += clock() - start
                    for impl, total in totals.items():
                        samples[(op, impl)].append(total / calls / 1e9)
        finally:
            await conn.execute("DELETE FROM ghost_entities WHERE slug LIKE $1", prefix + "%")
    await pool.close()
    report(samples, ops, version, rounds)


def report(
    samples: dict[tuple[str, str], list[float]],
    ops: dict[str, tuple[int, dict[str, Call]]],
    version: str,
    rounds: int,
) -> None:
    def us(op: str, impl: str) -> float:
        return statistics.median(samples[(op, impl)]) * 1e6

    header = (
        f"{'operation':<24} {'raw asyncpg':>12} {'generated':>11} {'ratio':>7}"
        f" {'aiosql':>10} {'ratio':>7}"
    )
    print(header)
    print("-" * len(header))
    for op in ops:
        raw, gen, aio = us(op, "raw asyncpg"), us(op, "generated"), us(op, "aiosql")
        print(
            f"{op:<24} {raw:>9.1f} µs {gen:>8.1f} µs {gen / raw:>6.3f}x"
            f" {aio:>7.1f} µs {aio / raw:>6.3f}x"
        )
    print(
        f"\nmedian per-call time over {rounds} interleaved rounds; PostgreSQL {version};"
        f" Python {platform.python_version()}; asyncpg {asyncpg.__version__};"
        f" one connection, statement cache on; ratio = implementation / raw asyncpg"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=15, help="interleaved rounds (default 15)")
    parser.add_argument("--scale", type=int, default=1, help="multiply calls per round")
    args = parser.parse_args(argv)
    dsn = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not dsn:
        print("set BENCH_DATABASE_URL to a migrated database", file=sys.stderr)
        return 2
    asyncio.run(run(dsn, args.rounds, args.scale))
    return 0


if __name__ == "__main__":
    sys.exit(main())
