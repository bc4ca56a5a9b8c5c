"""The Redis cache on GET /v1/ghosts/{slug}: cached vs uncached throughput and p99, and the hit
ratio under a Zipf-like access pattern over 10k entities.

    python -m bench.bench_cache [--duration S] [--concurrency N] [--requests N] [--zipf S]

`main(dsn, redis_url)` creates a scratch database on dsn's server (dropped after), migrates it
and loads 10k synthetic entities (`service.dev.seed.synthetic`), then serves the app twice, one
process each (`python -m service run`, 1 worker): one with the Redis at redis_url, one whose
REDIS_URL points at a closed port, so its cache fails open and every read goes to PostgreSQL
(the breaker skips Redis; what is measured is the uncached path). The two are loaded A-B-B-A
with the same anonymous requests over 200 entities by bench_http's load generator (its own
process, keep-alive connections); the cached side's warm-up fills the cache.

Then, against the cached app with its ghosts namespace emptied, `--requests` reads of entities
drawn from a Zipf distribution (rank k with weight 1/k**s over the 10k entities, in a random
order) are sent by `--concurrency` connections, and the app's /health cache counters give the
hit ratio: the share of requests answered without a database load. The ideal is what an
unbounded cache could do (every distinct entity loaded once); entity pages live TTL_SHORT, so a
run longer than that would also see expiries.

Without BENCH_DATABASE_URL / BENCH_REDIS_URL, throw-away embedded servers are started.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import random
import secrets
import sys
from contextlib import ExitStack
from typing import Any, Final

import aiohttp
import asyncpg

from bench.load import LoadSpec, Measured, process, run_load, wait_until_up
from bench.scratch import scratch_postgres, scratch_redis
from service.cache.catalog import GHOSTS
from service.cache.engine import Cache
from service.config import Settings
from service.dev import seed
from service.dev.embedded import free_port
from service.dev.migrations import dbmate
from service.dev.servers import create_database, drop_database

ENTITIES: Final = 10_000
HOT_SLUGS: Final = 200
SEED: Final = 7


async def published_slugs(url: str) -> list[str]:
    """Every published entity's slug, in a fixed order."""
    connection = await asyncpg.connect(url)
    try:
        rows = await connection.fetch(
            "SELECT slug FROM ghost_entities WHERE status = 'published' ORDER BY id"
        )
    finally:
        await connection.close()
    return [row["slug"] for row in rows]


def zipf_sample(items: list[str], requests: int, s: float, seed: int = SEED) -> list[str]:
    """`requests` draws from `items` where the k-th most popular has weight 1/k**s; which item
    is how popular is a random permutation (popularity unrelated to insertion order)."""
    rng = random.Random(seed)  # a reproducible workload, not secrets
    ranked = items[:]
    rng.shuffle(ranked)
    weights = list(itertools.accumulate(1 / k**s for k in range(1, len(ranked) + 1)))
    return rng.choices(ranked, cum_weights=weights, k=requests)


async def cache_counters(base_url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.get(base_url + "/health") as response:
        body = await response.json()
    counters: dict[str, Any] = body["cache"]
    return counters


async def replay(base_url: str, paths: list[str], concurrency: int) -> dict[int, int]:
    """GET every path once, `concurrency` at a time; the count of each status."""
    queue = iter(paths)
    statuses: dict[int, int] = {}
    connector = aiohttp.TCPConnector(limit=concurrency)
    async with aiohttp.ClientSession(connector=connector) as session:

        async def worker() -> None:
            for path in queue:
                async with session.get(base_url + path) as response:
                    await response.read()
                    statuses[response.status] = statuses.get(response.status, 0) + 1

        await asyncio.gather(*(worker() for _ in range(concurrency)))
    return statuses


async def empty_ghost_pages(redis_url: str) -> None:
    """Make every cached entity page unreachable, so the Zipf run starts cold."""
    cache = Cache.from_settings(Settings(redis_url=redis_url))
    try:
        if not await cache.invalidate(namespaces=[GHOSTS]):
            raise RuntimeError(f"Redis at {redis_url} did not take the invalidation")
    finally:
        await cache.close()


def measure(
    cached_url: str, uncached_url: str, paths: list[str], duration: float, concurrency: int
) -> tuple[Measured, Measured]:
    """A-B-B-A halves of `duration` seconds per side with the same requests."""
    cached, uncached = Measured(), Measured()
    half = duration / 2
    for target in ("cached", "uncached", "uncached", "cached"):
        base = cached_url if target == "cached" else uncached_url
        result = run_load(LoadSpec(base, "GET", paths, None, concurrency, half))
        (cached if target == "cached" else uncached).add(result)
    return cached, uncached


async def main(
    dsn: str,
    redis_url: str,
    *,
    duration: float = 6.0,
    concurrency: int = 16,
    requests: int = 30_000,
    zipf: float = 1.0,
) -> None:
    """Print cached vs uncached req/s, p50 and p99 of entity pages, and the Zipf hit ratio."""
    name = f"gp_bench_cache_{secrets.token_hex(4)}"
    url = create_database(dsn, name)
    try:
        dbmate("--wait", "--migration-lock", "up", "--strict", url=url, capture=True)
        await seed.synthetic(url, ENTITIES)
        slugs = await published_slugs(url)
        await run(url, redis_url, slugs, duration, concurrency, requests, zipf)
    finally:
        drop_database(dsn, name)


async def run(
    url: str,
    redis_url: str,
    slugs: list[str],
    duration: float,
    concurrency: int,
    requests: int,
    zipf: float,
) -> None:
    ports = {"cached": free_port(), "uncached": free_port()}
    internal_ports = {"cached": free_port(), "uncached": free_port()}  # /health's counters
    common = {**os.environ, "DATABASE_URL": url, "HOST": "127.0.0.1", "WORKERS": "1"}
    # INFO would write an access-log line per request.
    common |= {"LOG_LEVEL": "WARNING", "REDIS_REQUIRED": "false"}
    nowhere = f"redis://127.0.0.1:{free_port()}/0"  # nothing listens: the cache fails open
    envs = {
        side: common
        | {
            "REDIS_URL": redis_url if side == "cached" else nowhere,
            "PORT": str(ports[side]),
            "INTERNAL_PORT": str(internal_ports[side]),
        }
        for side in ports
    }
    urls = {side: f"http://127.0.0.1:{port}" for side, port in ports.items()}
    internal = {side: f"http://127.0.0.1:{port}" for side, port in internal_ports.items()}
    argv = [sys.executable, "-m", "service", "run"]
    with ExitStack() as stack:
        for side in ("cached", "uncached"):
            child = stack.enter_context(process(argv, envs[side]))
            await wait_until_up(urls[side] + "/health/live", child)
        paths = [f"/v1/ghosts/{slug}" for slug in slugs[:HOT_SLUGS]]
        print("measuring cached vs uncached GET /v1/ghosts/{slug} ...", file=sys.stderr)
        cached, uncached = await asyncio.to_thread(
            measure, urls["cached"], urls["uncached"], paths, duration, concurrency
        )
        uncached_cache = await cache_counters(internal["uncached"])

        print(f"replaying {requests} Zipf(s={zipf}) reads over {len(slugs)} entities ...",
              file=sys.stderr)  # fmt: skip
        await empty_ghost_pages(redis_url)
        sample = zipf_sample(slugs, requests, zipf)
        before = await cache_counters(internal["cached"])
        statuses = await replay(urls["cached"], [f"/v1/ghosts/{s}" for s in sample], concurrency)
        after = await cache_counters(internal["cached"])

    print(
        f"\nGET /v1/ghosts/{{slug}}, anonymous, {len(paths)} entities in rotation,"
        f" {concurrency} keep-alive connections, {duration:.1f}s per side (A-B-B-A halves);"
        f" one `python -m service run` worker each; {os.cpu_count()} CPUs,"
        f" Python {platform.python_version()}"
    )
    header = f"{'':<34} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7} {'failed':>7}"
    print(header)
    print("-" * len(header))
    for label, measured in (
        ("cached (Redis)", cached),
        ("uncached (Redis down, PostgreSQL)", uncached),
    ):
        print(
            f"{label:<34} {measured.rps:>8.0f} {measured.percentile(50):>7.2f}"
            f" {measured.percentile(99):>7.2f} {measured.failed:>7}"
        )
    print(
        f"{'cached / uncached':<34} {cached.rps / uncached.rps if uncached.rps else 0:>7.2f}x"
        f" {cached.percentile(50) / uncached.percentile(50):>6.2f}x"
        f" {cached.percentile(99) / uncached.percentile(99):>6.2f}x"
    )
    if uncached_cache["hits"]:
        print(f"  note: the uncached side had {uncached_cache['hits']} cache hits")

    loads = after["loads"] - before["loads"]
    served = sum(statuses.values())
    distinct = len(set(sample))
    print(
        f"\nZipf hit ratio: {served} reads (statuses {statuses}) of {distinct} distinct entities"
        f" out of {len(slugs)}, s={zipf}, from an empty cache"
    )
    print(
        f"  served without a database load: {1 - loads / served:.1%}"
        f" ({loads} loads; hits {after['hits'] - before['hits']},"
        f" coalesced {after['coalesced'] - before['coalesced']},"
        f" misses {after['misses'] - before['misses']})"
    )
    print(f"  ideal (each distinct entity loaded once): {1 - distinct / served:.1%}")


def cli(argv: list[str] | None = None) -> int:
    """Command line entry point: `python -m bench.bench_cache`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--duration", type=float, default=6.0, help="seconds per side (6)")
    parser.add_argument("--concurrency", type=int, default=16, help="connections (16)")
    parser.add_argument("--requests", type=int, default=30_000, help="Zipf reads (30000)")
    parser.add_argument("--zipf", type=float, default=1.0, help="Zipf exponent s (1.0)")
    args = parser.parse_args(argv)
    # The same throw-away servers as `python -m bench` when none are named.

    with ExitStack() as stack:
        server_dsn = os.environ.get("BENCH_DATABASE_URL")
        if not server_dsn:
            server_dsn = stack.enter_context(scratch_postgres(stack))
        redis_url = scratch_redis(stack)
        asyncio.run(
            main(
                server_dsn,
                redis_url,
                duration=args.duration,
                concurrency=args.concurrency,
                requests=args.requests,
                zipf=args.zipf,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(cli())
