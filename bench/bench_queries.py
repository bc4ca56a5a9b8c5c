"""Per-call cost of generated query functions against raw asyncpg and aiosql.

    BENCH_DATABASE_URL=postgres://... python -m bench.bench_queries [--rounds N]

The database must be migrated; the benchmark adds rows whose slugs start with `bench-<run>-`
and deletes them when done. Every implementation runs the very same SQL text on the same
connection, interleaved call by call in a rotating order, so server-side work, network cost
and machine load are shared and the ratios isolate the Python-side overhead.
"""

from __future__ import annotations

import argparse
import asyncio
import datetime
import inspect
import os
import platform
import re
import secrets
import statistics
import sys
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import aiosql
import asyncpg

from service.store.db import create_pool
from service.store.queries import ghosts

Call = Callable[[int], Awaitable[object]]
FIRST_PAGE = datetime.datetime.max.replace(tzinfo=datetime.UTC)


def aiosql_text(name: str, suffix: str, sql: str, fn: Callable[..., Any]) -> str:
    """The same statement in aiosql's dialect: `-- name: x^` and `:param` placeholders."""
    params = [p for p in inspect.signature(fn).parameters if p != "db"]
    body = re.sub(r"\$(\d+)", lambda m: f":{params[int(m.group(1)) - 1]}", sql)
    return f"-- name: {name}({', '.join(params)}){suffix}\n{body};\n"


async def collect(rows: AsyncIterator[Any]) -> list[Any]:
    """aiosql 15 streams `select` results from asyncpg; callers gather them into a list."""
    return [row async for row in rows]


def ghost_args(slug: str) -> dict[str, Any]:
    return {
        "slug": slug,
        "name": "Bench Ghost",
        "entity_type": "spirit",
        "origin": None,
        "location": "Bench",
        "era": None,
        "description": "A ghost that haunts benchmarks.",
        "danger_level": 1,
        "characteristics": ["fast"],
        "tags": ["bench"],
        "status": "published",
        "published_at": datetime.datetime.now(datetime.UTC),
        "author_id": None,
    }


async def run(dsn: str, rounds: int, scale: int) -> None:
    run_id = secrets.token_hex(3)
    prefix = f"bench-{run_id}-"
    pool = await create_pool(dsn, min_size=1, max_size=1)
    queries = aiosql.from_str(
        aiosql_text("get_ghost_by_id", "^", ghosts.GET_GHOST_BY_ID, ghosts.get_ghost_by_id)
        + aiosql_text(
            "list_recent",
            "",
            ghosts.LIST_PUBLISHED_GHOSTS_RECENT,
            ghosts.list_published_ghosts_recent,
        )
        + aiosql_text("create_ghost", "^", ghosts.CREATE_GHOST, ghosts.create_ghost),
        "asyncpg",
    )
    async with pool.acquire() as conn:
        version = await conn.fetchval("SHOW server_version")
        seeded = [
            ghosts.CopyGhostsParams(
                id=uuid.uuid4(),
                slug=f"{prefix}{i}",
                name=f"Bench {i}",
                entity_type="spirit",
                description="seed",
                danger_level=1 + i % 5,
                characteristics=["fast"],
                tags=["bench"],
                status="published",
                published_at=datetime.datetime.now(datetime.UTC),
            )
            for i in range(1000)
        ]
        await ghosts.copy_ghosts(conn, rows=seeded)
        ids = [g.id for g in seeded]
        counter = iter(range(10**9))

        def insert_args() -> dict[str, Any]:
            return ghost_args(f"{prefix}i{next(counter)}")

        page: dict[str, Any] = {
            "after_published_at": FIRST_PAGE,
            "after_id": uuid.UUID(int=0),
            "max_rows": 100,
        }
        ops: dict[str, tuple[int, dict[str, Call]]] = {
            "fetchrow by primary key": (
                200 * scale,
                {
                    "raw asyncpg": lambda i: conn.fetchrow(ghosts.GET_GHOST_BY_ID, ids[i % 1000]),
                    "generated": lambda i: ghosts.get_ghost_by_id(conn, id=ids[i % 1000]),
                    "aiosql": lambda i: queries.get_ghost_by_id(conn, id=ids[i % 1000]),
                },
            ),
            "fetch 100 rows": (
                40 * scale,
                {
                    "raw asyncpg": lambda i: conn.fetch(
                        ghosts.LIST_PUBLISHED_GHOSTS_RECENT, *page.values()
                    ),
                    "generated": lambda i: ghosts.list_published_ghosts_recent(conn, **page),
                    "aiosql": lambda i: collect(queries.list_recent(conn, **page)),
                },
            ),
            "insert ... returning": (
                100 * scale,
                {
                    "raw asyncpg": lambda i: conn.fetchrow(
                        ghosts.CREATE_GHOST, *insert_args().values()
                    ),
                    "generated": lambda i: ghosts.create_ghost(conn, **insert_args()),
                    "aiosql": lambda i: queries.create_ghost(conn, **insert_args()),
                },
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
