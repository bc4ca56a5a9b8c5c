"""Scratch servers for a benchmark run: a database created for it, and a Redis."""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path

from service.dev.embedded import EmbeddedPostgres, EmbeddedRedis
from service.dev.servers import scratch_database


@contextmanager
def scratch_postgres(stack: ExitStack) -> Iterator[str]:
    """URL of a new, empty database: on BENCH_DATABASE_URL's server or an embedded one."""
    server_url = os.environ.get("BENCH_DATABASE_URL")
    if not server_url:
        tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="gp-bench-pg-"))
        server = EmbeddedPostgres(Path(tmp) / "pg", throwaway=True)
        stack.callback(server.destroy)
        print("starting a throw-away embedded PostgreSQL ...", file=sys.stderr)
        server_url = server.start()
    with scratch_database(server_url, "gp_bench") as url:
        yield url


def scratch_redis(stack: ExitStack) -> str:
    """BENCH_REDIS_URL, or the URL of a throw-away embedded Redis."""
    url = os.environ.get("BENCH_REDIS_URL")
    if url:
        return url
    tmp = stack.enter_context(tempfile.TemporaryDirectory(prefix="gp-bench-redis-"))
    server = EmbeddedRedis(Path(tmp) / "redis")
    stack.callback(server.destroy)
    return server.start()
