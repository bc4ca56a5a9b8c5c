"""The hot path: what a request to the service costs next to hand-written servers.

    make bench ARGS='--only http'     # or: python -m bench --only http

In one run, on the same synthetic data, each target is a fresh process of its own:

- the service (`python -m service run`, one worker, ACCESS_LOG=off as the bare servers);
- a minimal aiohttp + asyncpg server running the same SQL (bench/minimal.py);
- the same minimal server in Node: Express + node-postgres, the same SQL text, parameters and
  pool size handed over by bench/minimal.py (bench/express/server.js; its packages are installed
  with `npm ci` on first use; without node and npm, or if that fails, the run goes on without it);
- a bare aiohttp server answering a fixed JSON body.

Scenarios: the entity page uncached (every request a miss: the `ghosts` namespace is bumped
before the run and each request asks for a slug not asked for before; the hit ratio comes
from the service's /metrics), the entity page cached (a few hundred slugs, warmed), and an
uncached full-text search (`?q=` with distinct parameters, `ghost-lists` bumped). For each it
prints req/s, p50, p99, PostgreSQL transactions per request (pg_stat_database xact_commit from
before the process started to after it exited, less what starting and stopping alone cost),
Redis round trips per request (script calls in INFO commandstats, over the measured window;
the commands run inside the scripts in brackets) and the target's CPU
per request (/proc utime + stime, over the measured window), then the ratios.
"""

from __future__ import annotations

import asyncio
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Final

import aiohttp
import asyncpg
import redis.asyncio as redis

from bench.load import LoadSpec, Throughput, load, process, wait_until_up
from bench.minimal import express_config
from service.config import ROOT
from service.dev.embedded import bindable, free_port
from service.dev.seed import WORDS

CLOCK_TICKS: Final = os.sysconf("SC_CLK_TCK")
HOT_SLUGS: Final = 200
# Pages kept aside for the warm-up of uncached runs.
COLD_WARM: Final = 1000
WARMUP: Final = 1.0
SCRIPTS: Final = ("eval", "evalsha", "eval_ro", "evalsha_ro", "fcall", "fcall_ro")
EXPRESS: Final = ROOT / "bench" / "express"
NPM_TIMEOUT: Final = 600.0


@dataclass(frozen=True)
class Target:
    """A server to start: its label and command line (the port is appended)."""

    label: str
    argv: list[str]
    env: dict[str, str]


@dataclass(frozen=True)
class Row:
    """One measured scenario on one target."""

    scenario: str
    target: str
    load: Throughput
    pg_xacts: float
    redis_commands: float
    redis_scripts: float
    cpu_ms: float
    hit_ratio: float | None


def cpu_seconds(pid: int) -> float:
    """User + system CPU the process and its living children have used so far."""
    total = 0.0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
        except OSError:
            continue
        if int(entry.name) == pid or int(fields[1]) == pid:
            total += (int(fields[11]) + int(fields[12])) / CLOCK_TICKS
    return total


async def xact_commits(dsn: str) -> int:
    """Committed transactions of the database so far, once every exited backend has reported
    (the count stops moving, but for this probe's own transaction each second)."""
    conn = await asyncpg.connect(dsn)
    try:
        previous = -2
        while True:
            value = int(
                await conn.fetchval(
                    "SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()"
                )
            )
            if value - previous <= 1:
                return value
            previous = value
            await asyncio.sleep(1.2)  # backends flush their counts at least once a second
    finally:
        await conn.close()


async def redis_commands(url: str) -> tuple[int, int]:
    """(commands, script calls) Redis has run so far (INFO commandstats): commands count those
    run inside scripts too; each script call (EVALSHA) is one round trip of a client's."""
    client = redis.Redis.from_url(url)
    try:
        stats = await client.info("commandstats")
        scripts = sum(int(stats.get(f"cmdstat_{name}", {}).get("calls", 0)) for name in SCRIPTS)
        return sum(int(v["calls"]) for v in stats.values()), scripts
    finally:
        await client.aclose()


async def bump(url: str, *namespaces: str) -> None:
    """Make every cached entry of `namespaces` unreachable (the cache's generation bump)."""
    client = redis.Redis.from_url(url)
    try:
        for namespace in namespaces:
            await client.incr(f"gp:v1:gen:{namespace}")
    finally:
        await client.aclose()


async def cache_counts(base_url: str) -> tuple[float, float]:
    """(hits, misses) from the service's /metrics (on its internal listener: `base_url`)."""
    hits = misses = 0.0
    async with aiohttp.ClientSession() as session, session.get(base_url + "/metrics") as resp:
        for line in (await resp.text()).splitlines():
            if line.startswith("gp_cache_hits_total"):
                hits = float(line.split()[-1])
            elif line.startswith("gp_cache_misses_total"):
                misses = float(line.split()[-1])
    return hits, misses


def internal_ports(workers: int) -> int:
    """The first of `workers` consecutive free ports: worker n's internal listener takes
    INTERNAL_PORT+n, and a port next to a free one may be taken."""
    while True:
        first = free_port()
        if all(bindable(first + n) for n in range(1, workers)):
            return first


@contextmanager
def serving(target: Target, port: int, internal_port: int = 0) -> Iterator[int]:
    """The target's process on `port` (the service's internal listener on `internal_port`,
    off with 0); yields its pid."""
    own_port = target.label.startswith("service")  # the service reads PORT
    argv = target.argv if own_port else [*target.argv, "--port", str(port)]
    env = target.env | {"PORT": str(port), "INTERNAL_PORT": str(internal_port)}
    with process(argv, env) as child:
        asyncio.run(wait_until_up(f"http://127.0.0.1:{port}/health/ready", child))
        yield child.pid


async def sample(dsn: str) -> tuple[list[str], str]:
    """Slugs of every published entity, in a stable order, and the server version."""
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT slug FROM ghost_entities WHERE status = 'published' ORDER BY id"
        )
        return [r["slug"] for r in rows], str(await conn.fetchval("SHOW server_version"))
    finally:
        await conn.close()


def search_paths() -> list[str]:
    """Distinct full-text searches: a word, a limit and a danger range."""
    return [
        f"/v1/ghosts?q={word}&limit={limit}&min_danger={low}&max_danger={high}"
        for limit in range(5, 55)
        for low in (1, 2, 3)
        for high in (3, 4, 5)
        for word in WORDS
    ]


def measure(
    target: Target,
    scenario: str,
    paths: list[str],
    warm: list[str],
    *,
    dsn: str,
    redis_url: str,
    duration: float,
    concurrency: int,
    startup_xacts: int,
    bump_first: tuple[str, ...] = (),
) -> Row:
    """Start the target, warm it on `warm`, load it with `paths`, stop it; count what it cost."""
    port, internal_port = free_port(), internal_ports(int(target.env.get("WORKERS", "1")))
    url = f"http://127.0.0.1:{port}"
    # Worker 0's /metrics; with WORKERS=2 the hit ratio is that worker's.
    internal = f"http://127.0.0.1:{internal_port}"
    before_xacts = asyncio.run(xact_commits(dsn))
    with serving(target, port, internal_port) as pid:
        warmed = load(LoadSpec(url, "GET", warm, None, concurrency, WARMUP, 0.0))
        if bump_first:
            asyncio.run(bump(redis_url, *bump_first))
        is_service = target.label.startswith("service")
        counts_before = asyncio.run(cache_counts(internal)) if is_service else (0.0, 0.0)
        redis_before = asyncio.run(redis_commands(redis_url))
        cpu_before = cpu_seconds(pid)
        measured = load(LoadSpec(url, "GET", paths, None, concurrency, duration, 0.0))
        cpu = cpu_seconds(pid) - cpu_before
        redis_after = asyncio.run(redis_commands(redis_url))
        redis_used = redis_after[0] - redis_before[0] - 1  # INFO itself
        scripts_used = redis_after[1] - redis_before[1]
        hit_ratio = None
        if is_service:
            hits, misses = asyncio.run(cache_counts(internal))
            looked_up = hits - counts_before[0] + misses - counts_before[1]
            hit_ratio = (hits - counts_before[0]) / looked_up if looked_up else 0.0
    xacts = asyncio.run(xact_commits(dsn)) - before_xacts - startup_xacts
    requests = max(measured.requests, 1)
    return Row(
        scenario,
        target.label,
        measured,
        max(xacts, 0) / (requests + warmed.requests),
        redis_used / requests,
        scripts_used / requests,
        cpu * 1000 / requests,
        hit_ratio,
    )


def express_target(dsn: str, env: dict[str, str]) -> Target | str:
    """The Express server (its packages installed on first use), or why it cannot run."""
    node, npm = shutil.which("node"), shutil.which("npm")
    if node is None or npm is None:
        return "node and npm are not installed"
    if not (EXPRESS / "node_modules").is_dir():
        print("express: installing its packages (npm ci) ...", file=sys.stderr)
        try:
            subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"],
                cwd=EXPRESS,
                capture_output=True,
                text=True,
                check=True,
                timeout=NPM_TIMEOUT,
            )
        except subprocess.CalledProcessError as error:
            said = (error.stderr or error.stdout or "").strip().splitlines()
            return f"npm ci failed: {said[-1] if said else f'exit status {error.returncode}'}"
        except (OSError, subprocess.TimeoutExpired) as error:
            return f"npm ci failed: {error}"
    try:
        config = express_config(dsn)
    except ValueError as error:
        return str(error)
    argv = [node, str(EXPRESS / "server.js")]
    return Target("express", argv, env | {"BENCH_EXPRESS_CONFIG": json.dumps(config)})


def express_versions(target: Target) -> str:
    """Node's, Express's and node-postgres's versions."""
    node = subprocess.run([target.argv[0], "--version"], capture_output=True, text=True).stdout
    express, pg = (
        json.loads((EXPRESS / "node_modules" / name / "package.json").read_text())["version"]
        for name in ("express", "pg")
    )
    return f"Node {node.strip().lstrip('v')}, Express {express}, node-postgres {pg}"


def startup_cost(target: Target, dsn: str) -> int:
    """Transactions a target commits just by starting, answering readiness and stopping."""
    before = asyncio.run(xact_commits(dsn))
    with serving(target, free_port()):
        pass
    return asyncio.run(xact_commits(dsn)) - before


def report(rows: list[Row], round_no: int) -> None:
    """The table of one round, then the ratios."""
    print(f"\nround {round_no}")
    header = (
        f"{'scenario':<24} {'target':<9} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'pg xact/req':>11} {'redis rt/req':>12} {'(cmds)':>6} {'cpu ms/req':>10}"
        f" {'hit ratio':>9}"
    )
    print(header)
    print("-" * len(header))
    for r in rows:
        hits = "" if r.hit_ratio is None else f"{r.hit_ratio:.3f}"
        failed = f"  ({r.load.failed} failed)" if r.load.failed else ""
        print(
            f"{r.scenario:<24} {r.target:<9} {r.load.rps:>8.0f} {r.load.p50:>7.2f}"
            f" {r.load.p99:>7.2f} {r.pg_xacts:>11.2f} {r.redis_scripts:>12.2f}"
            f" {r.redis_commands:>6.2f}"
            f" {r.cpu_ms:>10.3f} {hits:>9}{failed}"
        )
    by = {(r.scenario, r.target): r for r in rows}

    def ratio(label: str, a: tuple[str, str], b: tuple[str, str], target: float) -> None:
        if a in by and b in by and by[b].load.rps:
            value = by[a].load.rps / by[b].load.rps
            cpu = by[b].cpu_ms / by[a].cpu_ms if by[a].cpu_ms else float("nan")
            print(f"  {label:<44} {value:>6.2f}x  (CPU per request: {cpu:.2f}x; target ≥ {target})")

    ratio("uncached detail / minimal", ("detail uncached", "service"),
          ("detail", "minimal"), 0.75)  # fmt: skip
    ratio("cached detail / bare", ("detail cached", "service"), ("fixed JSON", "bare"), 0.5)
    ratio("uncached search / minimal", ("search uncached", "service"),
          ("search", "minimal"), 0.8)  # fmt: skip
    ratio("uncached detail / express", ("detail uncached", "service"),
          ("detail", "express"), 1.3)  # fmt: skip
    ratio("uncached search / express", ("search uncached", "service"),
          ("search", "express"), 1.3)  # fmt: skip
    for label, variant in (
        ("cached detail, WORKERS=2 / 1", "service-2w"),
        ("cached detail, asyncio loop / uvloop", "service-aio"),
        ("cached detail, ACCESS_LOG on / off", "service-log"),
    ):
        a, b = by.get(("detail cached", variant)), by.get(("detail cached", "service"))
        if a is not None and b is not None and b.load.rps:
            print(f"  {label:<44} {a.load.rps / b.load.rps:>6.2f}x")


def run(dsn: str, redis_url: str, *, duration: float, concurrency: int, rounds: int = 2) -> None:
    """Measure every scenario on every target, `rounds` times, and print the tables."""
    slugs, version = asyncio.run(sample(dsn))
    base = {**os.environ, "DATABASE_URL": dsn, "REDIS_URL": redis_url, "HOST": "127.0.0.1"}
    service = Target(
        "service",
        [sys.executable, "-m", "service", "run"],
        base | {"WORKERS": "1", "ACCESS_LOG": "off", "LOG_LEVEL": "WARNING"},
    )
    minimal = Target("minimal", [sys.executable, "-m", "bench.minimal", "--dsn", dsn], base)
    bare = Target("bare", [sys.executable, "-m", "bench.minimal", "--bare"], base)
    express = express_target(dsn, base)
    two_workers = Target("service-2w", service.argv, service.env | {"WORKERS": "2"})
    asyncio_loop = Target("service-aio", service.argv, service.env | {"UVLOOP": "off"})
    logging = Target(
        "service-log", service.argv, service.env | {"ACCESS_LOG": "on", "LOG_LEVEL": "INFO"}
    )
    details = [f"/v1/ghosts/{slug}" for slug in slugs]
    hot = details[:HOT_SLUGS]
    # Uncached runs warm up on pages of their own kind that the measured run never asks for,
    # so warm-up and measured requests cost alike (both count in transactions per request).
    cold, cold_warm = details[HOT_SLUGS:-COLD_WARM], details[-COLD_WARM:]
    searches = search_paths()
    searching, search_warm = searches[:-COLD_WARM], searches[-COLD_WARM:]
    targets = (service, minimal, bare, two_workers, asyncio_loop, logging)
    startup = {t.label: startup_cost(t, dsn) for t in targets}
    on = partial(measure, dsn=dsn, redis_url=redis_url, duration=duration, concurrency=concurrency)
    express_about = ""
    if isinstance(express, Target):
        try:
            startup[express.label] = startup_cost(express, dsn)
            express_about = f" express: {express_versions(express)}, one process."
        except (RuntimeError, OSError, subprocess.SubprocessError) as error:
            express = f"it did not start: {error}"
    if isinstance(express, str):
        print(f"express: not available ({express})")

    def on_express(scenario: str, paths: list[str], warm: list[str]) -> list[Row]:
        """The Express server's row, or none when it is not available."""
        nonlocal express
        if not isinstance(express, Target):
            return []
        try:
            return [on(express, scenario, paths, warm, startup_xacts=startup[express.label])]
        except (RuntimeError, OSError, subprocess.SubprocessError) as error:
            express = f"it failed: {error}"
            print(f"express: not available ({express})")
            return []

    generator = "wrk, 2 threads" if shutil.which("wrk") else "Python (install wrk: it caps ratios)"
    for round_no in range(1, rounds + 1):
        started = time.monotonic()
        rows = [
            on(service, "detail uncached", cold, cold_warm,
               startup_xacts=startup[service.label], bump_first=("ghosts",)),
            on(minimal, "detail", cold, cold_warm, startup_xacts=startup[minimal.label]),
            *on_express("detail", cold, cold_warm),
            on(service, "detail cached", hot, hot, startup_xacts=startup[service.label]),
            on(bare, "fixed JSON", hot, hot, startup_xacts=startup[bare.label]),
            on(service, "search uncached", searching, search_warm,
               startup_xacts=startup[service.label], bump_first=("ghost-lists",)),
            on(minimal, "search", searching, search_warm, startup_xacts=startup[minimal.label]),
            *on_express("search", searching, search_warm),
            on(two_workers, "detail cached", hot, hot, startup_xacts=startup[two_workers.label]),
            on(asyncio_loop, "detail cached", hot, hot,
               startup_xacts=startup[asyncio_loop.label]),
            on(logging, "detail cached", hot, hot, startup_xacts=startup[logging.label]),
        ]  # fmt: skip
        report(rows, round_no)
        print(f"  ({time.monotonic() - started:.0f}s)", file=sys.stderr)
    print(
        f"\nHTTP hot path: load by {generator},"
        f" {concurrency} keep-alive connections, {duration:.0f}s per target after a"
        f" {WARMUP:.0f}s warm-up; each target a fresh single process; {len(slugs)} published"
        f" entities; {os.cpu_count()} CPUs, Python {platform.python_version()},"
        f" aiohttp {aiohttp.__version__}, PostgreSQL {version}. service-2w: WORKERS=2;"
        f" service-aio: UVLOOP=off (asyncio's loop); service-log: ACCESS_LOG=on, to a file."
        f"{express_about}"
        f" PostgreSQL transactions per request count the"
        f" warm-up requests too. Redis round trips: a hit is one script call; a miss is the"
        f" lookup on the request's path and the store after the answer."
    )
