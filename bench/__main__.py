"""`python -m bench` (make bench): every benchmark on a scratch database with synthetic data.

PostgreSQL: a database created for the run on BENCH_DATABASE_URL's server (and dropped after),
or a throw-away embedded PostgreSQL. Redis: BENCH_REDIS_URL, or a throw-away embedded Redis.
The database is migrated and loaded with `service.dev.seed.synthetic` before the benchmarks run:
generated queries against raw asyncpg and aiosql (bench_queries), the job queue (bench_jobs),
HTTP endpoints against a bare aiohttp handler (bench_http), cached vs uncached reads
(bench_cache) and search latency as data grows (bench_search). `relevance` (bench_relevance)
runs on a database of its own holding the demo data: nDCG@10 and recall@10 per search mode.
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from contextlib import ExitStack

from bench import (
    bench_cache,
    bench_http,
    bench_jobs,
    bench_queries,
    bench_relevance,
    bench_search,
)
from bench.scratch import scratch_postgres, scratch_redis
from service.dev import seed
from service.dev.migrations import dbmate

BENCHMARKS = ("queries", "jobs", "http", "cache", "search", "relevance")


def section(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 76 - len(title)), flush=True)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--entities", type=int, default=10_000, help="synthetic entities")
    parser.add_argument("--rounds", type=int, default=8, help="bench_queries rounds")
    parser.add_argument("--jobs", type=int, default=2000, help="bench_jobs jobs per round")
    parser.add_argument(
        "--duration", type=float, default=3.0, help="HTTP seconds per side per endpoint"
    )
    parser.add_argument("--concurrency", type=int, default=32, help="HTTP connections")
    parser.add_argument("--rounds-http", type=int, default=2, help="rounds of the HTTP benchmark")
    parser.add_argument(
        "--only",
        choices=BENCHMARKS,
        action="append",
        help="run only these",
    )
    parser.add_argument("benchmarks", nargs="*", help="run only these (the same as --only)")
    args = parser.parse_args(argv)
    unknown = set(args.benchmarks) - set(BENCHMARKS)
    if unknown:
        parser.error(f"unknown benchmarks {sorted(unknown)}; choose from {', '.join(BENCHMARKS)}")
    only = set(args.only or args.benchmarks or BENCHMARKS)
    started = time.monotonic()
    with ExitStack() as stack:
        dsn = stack.enter_context(scratch_postgres(stack))
        redis_url = scratch_redis(stack)
        # migrate as `make migrate` does, without a line per migration in the report
        dbmate("--wait", "--migration-lock", "up", "--strict", url=dsn, capture=True)
        if only - {"relevance"}:
            asyncio.run(seed.synthetic(dsn, args.entities))
        if "queries" in only:
            section("generated queries vs raw asyncpg and aiosql")
            asyncio.run(bench_queries.run(dsn, args.rounds, 1))
        if "jobs" in only:
            section("job queue")
            asyncio.run(bench_jobs.main(dsn, args.jobs))
        if "http" in only:
            section("HTTP hot path: the service vs a minimal aiohttp+asyncpg server and a bare one")
            bench_http.run(
                dsn,
                redis_url,
                duration=args.duration,
                concurrency=args.concurrency,
                rounds=args.rounds_http,
            )
        if "cache" in only:
            section("cache: cached vs uncached entity pages, Zipf hit ratio")
            asyncio.run(bench_cache.main(dsn, redis_url, concurrency=args.concurrency))
        if "search" in only:
            section("search latency at 10k and 100k entities (bench_search --sizes adds 1M)")
            asyncio.run(bench_search.main(dsn))
        if "relevance" in only:
            section("search relevance on the demo data, per mode")
            asyncio.run(bench_relevance.main(dsn, redis_url))
    print(f"\nmake bench: {time.monotonic() - started:.0f}s in all", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
