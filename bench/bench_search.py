"""Search latency as the catalogue grows: p50/p95 at 10k and 100k synthetic entities.

    BENCH_DATABASE_URL=postgres://... python -m bench.bench_search [--rounds N]

`main(dsn)` creates a scratch database on dsn's server (so whatever dsn holds does not skew
the figures), migrates it, loads 10k synthetic entities (plus 5k stories) with
`service.dev.seed.synthetic`, times a fixed set of searches, adds 90k more entities, times them
again and drops the database. Each search is what GET /v1/search asks the database: one page
(SearchContent, 20 rows), the facets over the whole result set (SearchFacets) and, when nothing
matched, the spelling suggestions (SuggestSpellings), called through the generated functions
on one connection. Growth is the 100k p50 over the 10k p50: broad searches grow with the
number of matches they rank and count; selective ones stay nearly flat.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import os
import secrets
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final

from service.dev import seed
from service.dev.migrations import dbmate
from service.dev.servers import create_database, drop_database
from service.store.db import create_pool
from service.store.queries import search as search_queries

SIZES: Final = (10_000, 100_000)
PAGE_ROWS: Final = 20
TOP_TAGS: Final = 10
# Over the synthetic vocabulary (service.dev.seed): broad words, a phrase, exclusions, an OR, a
# tag filter, a kind filter, and a typo that full-text cannot find (the did-you-mean path).
SEARCHES: Final[tuple[tuple[str, dict[str, Any]], ...]] = (
    ("grey lady", {}),
    ('"weeping widow"', {}),
    ("drowned -sailor", {}),
    ("lantern OR bells", {}),
    ("midnight", {"tags": ["fog"]}),
    ("restless knight", {"kind": "story"}),
    ("Whispring Sailer", {}),
)


async def run_search(db: Any, query: str, options: dict[str, Any]) -> None:
    """The database work of one GET /v1/search first page."""
    kind = options.get("kind", "all")
    tags = options.get("tags", [])
    await search_queries.search_content(
        db,
        query=query,
        kind=kind,
        tags=tags,
        entity_type=None,
        after_id=None,
        after_title_match=None,
        after_rank=None,
        after_kind=None,
        max_rows=PAGE_ROWS + 1,
    )
    facets = await search_queries.search_facets(
        db, query=query, kind=kind, tags=tags, entity_type=None, max_tags=TOP_TAGS
    )
    if not any(row.facet == "total" and row.matches for row in facets):
        await search_queries.suggest_spellings(db, query=query, kind=kind, max_rows=5)


async def timings(call: Callable[[], Awaitable[None]], rounds: int) -> list[float]:
    """Milliseconds of `rounds` calls after one warm-up call (plans and caches)."""
    await call()
    spent = []
    for _ in range(rounds):
        started = time.perf_counter()
        await call()
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def p95(values: list[float]) -> float:
    """The 95th percentile."""
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


async def measure(dsn: str, rounds: int) -> dict[str, list[float]]:
    """Per search label, the milliseconds of each round."""
    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            results = {}
            for query, options in SEARCHES:
                label = query + "".join(f" {k}={v}" for k, v in options.items())
                results[label] = await timings(
                    functools.partial(run_search, conn, query, options), rounds
                )
            return results
    finally:
        await pool.close()


async def main(dsn: str, rounds: int = 20) -> None:
    """Print p50/p95 of each search at 10k and 100k entities, with the growth factor."""
    name = f"gp_bench_search_{secrets.token_hex(4)}"
    url = create_database(dsn, name)
    try:
        dbmate("--wait", "--migration-lock", "up", "--strict", url=url, capture=True)
        figures: list[dict[str, list[float]]] = []
        loaded = 0
        for size in SIZES:
            # Incremental: the second load adds to the first (another seed, other names).
            await seed.synthetic(url, size - loaded, seed=size)
            loaded = size
            figures.append(await measure(url, rounds))
    finally:
        drop_database(dsn, name)
    small, large = figures
    print(
        f"search: page ({PAGE_ROWS} rows) + facets (+ did-you-mean when nothing matched), "
        f"{rounds} rounds per search, ms"
    )
    header = (
        f"{'search':<32} {'10k p50':>8} {'10k p95':>8} {'100k p50':>9} {'100k p95':>9} "
        f"{'growth':>7}"
    )
    print(header)
    print("-" * len(header))
    every_small: list[float] = []
    every_large: list[float] = []
    for label, before in small.items():
        after = large[label]
        every_small += before
        every_large += after
        row(label, before, after)
    print("-" * len(header))
    row("all searches", every_small, every_large)


def row(label: str, before: list[float], after: list[float]) -> None:
    """One table line: p50/p95 at both sizes and the p50 growth factor."""
    low, high = statistics.median(before), statistics.median(after)
    print(
        f"{label[:32]:<32} {low:>8.2f} {p95(before):>8.2f} {high:>9.2f} {p95(after):>9.2f} "
        f"{high / low:>6.1f}x"
    )


def cli(argv: list[str] | None = None) -> int:
    """Command line entry point: `python -m bench.bench_search`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=20, help="timed runs per search (20)")
    args = parser.parse_args(argv)
    dsn = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not dsn:
        print("set BENCH_DATABASE_URL to a PostgreSQL server URL", file=sys.stderr)
        return 2
    asyncio.run(main(dsn, args.rounds))
    return 0


if __name__ == "__main__":
    sys.exit(cli())
