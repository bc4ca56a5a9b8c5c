"""Job queue throughput: no-op jobs per second with 1 and 2 workers.

    BENCH_DATABASE_URL=postgres://... python -m bench.bench_jobs [--jobs N]

The database must be migrated. Each round queues N jobs of a kind unique to the run (so other
workers on that database leave them alone), starts the workers (each on its own connection, all
in this process), times them until every job has succeeded, and deletes its jobs afterwards.
A job costs a claim, then a transaction holding its row lock with the handler in a savepoint
and the success mark: the figures are per-job database round trips more than Python work.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import secrets
import sys
import time

from service.jobs import queue as jobs
from service.store.db import Connection, create_pool

WORKER_COUNTS = (1, 2)


async def run_round(dsn: str, workers: int, total: int) -> float:
    """Seconds `workers` workers take to run `total` queued no-op jobs."""
    kind = f"bench.noop_{secrets.token_hex(4)}"
    done = asyncio.Event()
    ran = 0

    async def noop(payload: jobs.Payload, conn: Connection) -> None:
        nonlocal ran
        ran += 1
        if ran == total:
            done.set()

    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        await jobs.enqueue_many(pool, kind, [{"n": n} for n in range(total)])
        # Fresh statistics, as autovacuum keeps them on a live queue: without any, the planner
        # guesses the kind filter matches almost nothing and sorts every queued job per claim.
        await pool.execute("ANALYZE jobs")
        crew = [jobs.Worker(dsn, {kind: noop}, poll_interval=1.0) for _ in range(workers)]
        started = time.perf_counter()
        tasks = [asyncio.create_task(worker.run()) for worker in crew]
        await done.wait()
        elapsed = time.perf_counter() - started
        for worker in crew:
            worker.stop()
        await asyncio.gather(*tasks)
        await pool.execute("DELETE FROM jobs WHERE kind = $1", kind)
    finally:
        await pool.close()
    return elapsed


async def main(dsn: str, total: int = 5000) -> None:
    """Print a table of jobs per second for each worker count."""
    print(f"job queue: {total} no-op jobs, workers in one process, one connection each")
    header = f"{'workers':>7}  {'seconds':>8}  {'jobs/s':>8}  {'vs 1 worker':>11}"
    print(header)
    print("-" * len(header))
    baseline = 0.0
    for workers in WORKER_COUNTS:
        elapsed = await run_round(dsn, workers, total)
        rate = total / elapsed
        baseline = baseline or rate
        print(f"{workers:>7}  {elapsed:>8.2f}  {rate:>8.0f}  {rate / baseline:>10.2f}x")


def cli(argv: list[str] | None = None) -> int:
    """Command line entry point: `python -m bench.bench_jobs`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--jobs", type=int, default=5000, help="jobs per round (default 5000)")
    args = parser.parse_args(argv)
    dsn = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not dsn:
        print("set BENCH_DATABASE_URL to a migrated database", file=sys.stderr)
        return 2
    asyncio.run(main(dsn, args.jobs))
    return 0


if __name__ == "__main__":
    sys.exit(cli())
