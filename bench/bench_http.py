"""HTTP throughput and latency of API endpoints next to a bare aiohttp handler.

    python -m bench                       # everything, on throw-away servers (make bench)
    python -m bench.bench_http bare --port N        # the bare server (started by the harness)
    python -m bench.bench_http load < spec.json     # the load generator (started by the harness)

Each endpoint is measured against a bare aiohttp handler that answers with a JSON body of the
same size, in the same run, with the same load generator: a separate process running an asyncio
aiohttp client with a fixed number of concurrent keep-alive connections for a fixed time. The
API and the bare server run one process each; the two are measured A-B-B-A so that drift in
machine load falls on both alike. The ratio says what the service's stack (middlewares,
validation, auth lookup, cache, PostgreSQL) costs over the framework floor on this machine.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import platform
import statistics
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import asyncpg
import msgspec
from aiohttp import web

from service.config import ROOT
from service.dev.embedded import free_port
from service.dev.seed import TAGS, WORDS

START_TIMEOUT = 60.0
WARMUP_SECONDS = 0.5


# ---- the bare server ---------------------------------------------------------------------------


def bare_app() -> web.Application:
    """GET/POST /bare/{size}: a JSON body of `size` bytes (POST reads and decodes its body)."""
    payloads: dict[int, bytes] = {}

    def payload(size: int) -> bytes:
        if size not in payloads:
            filler = max(size - len(b'{"data":""}'), 0)
            payloads[size] = b'{"data":"' + b"x" * filler + b'"}'
        return payloads[size]

    async def get(request: web.Request) -> web.Response:
        return web.Response(
            body=payload(int(request.match_info["size"])), content_type="application/json"
        )

    async def post(request: web.Request) -> web.Response:
        msgspec.json.decode(await request.read())
        return web.Response(
            status=201,
            body=payload(int(request.match_info["size"])),
            content_type="application/json",
        )

    app = web.Application()
    app.router.add_get("/bare/{size}", get, allow_head=False)
    app.router.add_post("/bare/{size}", post)
    return app


def serve_bare(port: int) -> None:
    web.run_app(bare_app(), host="127.0.0.1", port=port, access_log=None, print=None)


# ---- the load generator ------------------------------------------------------------------------


class LoadSpec(msgspec.Struct, frozen=True):
    """What the load generator sends: requests in rotation, from `concurrency` connections."""

    base_url: str
    method: str
    paths: list[str]
    bodies: list[Any] | None
    concurrency: int
    duration: float
    warmup: float = WARMUP_SECONDS


class LoadResult(msgspec.Struct, frozen=True):
    """Requests completed in the measured window, their latencies (s) and statuses."""

    seconds: float
    latencies: list[float]
    statuses: dict[int, int]
    errors: int


async def generate_load(spec: LoadSpec) -> LoadResult:
    """Keep `concurrency` requests in flight for warmup + duration; measure after warmup."""
    bodies = [msgspec.json.encode(b) for b in spec.bodies] if spec.bodies else None
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors = 0
    connector = aiohttp.TCPConnector(limit=spec.concurrency, force_close=False)
    started = time.perf_counter()
    measure_from = started + spec.warmup
    deadline = measure_from + spec.duration
    headers = {"Content-Type": "application/json"} if bodies else {}

    async def worker(n: int) -> None:
        nonlocal errors
        while True:
            now = time.perf_counter()
            if now >= deadline:
                return
            path = spec.paths[n % len(spec.paths)]
            data = bodies[n % len(bodies)] if bodies else None
            n += spec.concurrency
            try:
                async with session.request(
                    spec.method, spec.base_url + path, data=data, headers=headers
                ) as response:
                    await response.read()
                    status = response.status
            except aiohttp.ClientError:
                status = 0
            finished = time.perf_counter()
            if now >= measure_from and finished <= deadline:
                if status == 0:
                    errors += 1
                else:
                    latencies.append(finished - now)
                    statuses[status] += 1

    async with aiohttp.ClientSession(connector=connector) as session:
        await asyncio.gather(*(worker(n) for n in range(spec.concurrency)))
    return LoadResult(spec.duration, latencies, dict(statuses), errors)


def load_from_stdin() -> None:
    spec = msgspec.json.decode(sys.stdin.buffer.read(), type=LoadSpec)
    result = asyncio.run(generate_load(spec))
    sys.stdout.buffer.write(msgspec.json.encode(result))


def run_load(spec: LoadSpec) -> LoadResult:
    """Run the load generator in a process of its own, so it does not share a core's time
    slice with the harness."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.bench_http", "load"],
        input=msgspec.json.encode(spec),
        capture_output=True,
        check=True,
        cwd=ROOT,
        timeout=spec.warmup + spec.duration + 60,
    )
    return msgspec.json.decode(completed.stdout, type=LoadResult)


# ---- the harness -------------------------------------------------------------------------------


@dataclass
class Measured:
    """Combined halves of one target's measurement."""

    seconds: float = 0.0
    latencies: list[float] = field(default_factory=list)
    statuses: Counter[int] = field(default_factory=Counter)
    errors: int = 0

    def add(self, result: LoadResult) -> None:
        self.seconds += result.seconds
        self.latencies.extend(result.latencies)
        self.statuses.update(result.statuses)
        self.errors += result.errors

    @property
    def rps(self) -> float:
        return len(self.latencies) / self.seconds if self.seconds else 0.0

    def percentile(self, q: float) -> float:
        """Latency at quantile q, in milliseconds."""
        if len(self.latencies) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(q) - 1] * 1000

    @property
    def failed(self) -> int:
        return self.errors + sum(n for status, n in self.statuses.items() if status >= 400)


@dataclass(frozen=True)
class Scenario:
    """An endpoint to measure: its label, method, OpenAPI path, and the requests to rotate."""

    label: str
    method: str
    route: str
    paths: list[str]
    bodies: list[Any] | None = None


@contextlib.contextmanager
def process(argv: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """A child process (output discarded), terminated (SIGTERM, then SIGKILL) on exit."""
    child = subprocess.Popen(
        argv, env=env, cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        yield child
    finally:
        child.terminate()
        try:
            child.wait(timeout=20)
        except subprocess.TimeoutExpired:
            child.kill()
            child.wait()


async def wait_until_up(url: str, child: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + START_TIMEOUT
    async with aiohttp.ClientSession() as session:
        while True:
            if child.poll() is not None:
                raise RuntimeError(f"{url} exited with {child.returncode} before answering")
            with contextlib.suppress(aiohttp.ClientError):
                async with session.get(url) as response:
                    if response.status == 200:
                        return
            if time.monotonic() > deadline:
                raise RuntimeError(f"{url} did not answer 200 within {START_TIMEOUT}s")
            await asyncio.sleep(0.2)


async def sample_data(dsn: str) -> tuple[list[str], str]:
    """Slugs of published entities to rotate through, and the PostgreSQL version."""
    connection = await asyncpg.connect(dsn)
    try:
        rows = await connection.fetch(
            "SELECT slug FROM ghost_entities WHERE status = 'published' ORDER BY id LIMIT 200"
        )
        version = await connection.fetchval("SHOW server_version")
    finally:
        await connection.close()
    return [row["slug"] for row in rows], str(version)


def scenarios(slugs: list[str]) -> list[Scenario]:
    words = list(WORDS)
    tags = list(TAGS)
    return [
        Scenario(
            "GET /v1/ghosts/{slug}", "GET", "/v1/ghosts/{slug}", [f"/v1/ghosts/{s}" for s in slugs]
        ),
        Scenario(
            "GET /v1/ghosts?q= (full text)",
            "GET",
            "/v1/ghosts",
            [f"/v1/ghosts?q={word}" for word in words],
        ),
        Scenario(
            "GET /v1/ghosts?tags= (tag filter)",
            "GET",
            "/v1/ghosts",
            [f"/v1/ghosts?tags={tag}" for tag in tags],
        ),
        Scenario(
            "POST /v1/interactions (view)",
            "POST",
            "/v1/interactions",
            ["/v1/interactions"],
            [{"kind": "view", "content_type": "ghost", "slug": s} for s in slugs],
        ),
    ]


async def probe(base_url: str, scenario: Scenario) -> tuple[int, str]:
    """Mean response size of the scenario's requests (first few), or 0 and why it failed."""
    sizes = []
    async with aiohttp.ClientSession() as session:
        for n in range(min(5, len(scenario.paths) * len(scenario.bodies or [None]))):
            path = scenario.paths[n % len(scenario.paths)]
            body = scenario.bodies[n % len(scenario.bodies)] if scenario.bodies else None
            async with session.request(scenario.method, base_url + path, json=body) as response:
                content = await response.read()
                if response.status >= 300:
                    return 0, f"{response.status} {content[:200]!r}"
                sizes.append(len(content))
    return round(statistics.mean(sizes)), ""


def measure(
    scenario: Scenario, app_url: str, bare_url: str, size: int, duration: float, concurrency: int
) -> tuple[Measured, Measured]:
    app, bare = Measured(), Measured()
    bare_paths = [f"/bare/{size}"]
    half = duration / 2
    for target in ("app", "bare", "bare", "app"):  # A-B-B-A
        if target == "app":
            spec = LoadSpec(
                app_url, scenario.method, scenario.paths, scenario.bodies, concurrency, half
            )
            app.add(run_load(spec))
        else:
            spec = LoadSpec(
                bare_url, scenario.method, bare_paths, scenario.bodies, concurrency, half
            )
            bare.add(run_load(spec))
    return app, bare


def report(rows: list[tuple[Scenario, int, Measured, Measured]], notes: list[str]) -> None:
    header = (
        f"{'endpoint':<34} {'bytes':>6} {'req/s':>8} {'p50 ms':>7} {'p99 ms':>7}"
        f" {'bare req/s':>10} {'p50 ms':>7} {'p99 ms':>7} {'req/s':>8} {'p50':>6}"
    )
    print(header)
    print("-" * len(header))
    for scenario, size, app, bare in rows:
        print(
            f"{scenario.label:<34} {size:>6} {app.rps:>8.0f} {app.percentile(50):>7.2f}"
            f" {app.percentile(99):>7.2f} {bare.rps:>10.0f} {bare.percentile(50):>7.2f}"
            f" {bare.percentile(99):>7.2f} {app.rps / bare.rps if bare.rps else 0:>7.3f}x"
            f" {app.percentile(50) / bare.percentile(50):>5.1f}x"
        )
        for name, measured in (("API", app), ("bare", bare)):
            if measured.failed:
                notes.append(
                    f"{scenario.label}: {measured.failed} failed {name} requests"
                    f" (statuses {dict(measured.statuses)}, {measured.errors} connection errors)"
                )
    for note in notes:
        print(f"  note: {note}")


async def _prepare(
    dsn: str, app_url: str, app_child: subprocess.Popen[bytes]
) -> tuple[list[str], str, set[tuple[str, str]]]:
    await wait_until_up(app_url + "/health/ready", app_child)
    slugs, version = await sample_data(dsn)
    async with aiohttp.ClientSession() as session, session.get(app_url + "/openapi.json") as resp:
        document = await resp.json()
    routes = {
        (method.upper(), path)
        for path, item in document["paths"].items()
        for method in item
        if isinstance(item[method], dict)
    }
    return slugs, version, routes


def run(dsn: str, redis_url: str, *, duration: float, concurrency: int) -> None:
    """Serve the app (one process) and the bare handler, measure every scenario, print a table."""
    app_port, bare_port = free_port(), free_port()
    env = {
        **os.environ,
        "DATABASE_URL": dsn,
        "REDIS_URL": redis_url,
        "HOST": "127.0.0.1",
        "PORT": str(app_port),
        "WORKERS": "1",
        # INFO would write an access-log line per request, which the bare server does not.
        "LOG_LEVEL": "WARNING",
    }
    app_url, bare_url = f"http://127.0.0.1:{app_port}", f"http://127.0.0.1:{bare_port}"
    bare_argv = [sys.executable, "-m", "bench.bench_http", "bare", "--port", str(bare_port)]
    with (
        process([sys.executable, "-m", "service", "run"], env) as app_child,
        process(bare_argv, env) as bare_child,
    ):
        slugs, version, routes = asyncio.run(_prepare(dsn, app_url, app_child))
        asyncio.run(wait_until_up(bare_url + "/bare/10", bare_child))
        rows: list[tuple[Scenario, int, Measured, Measured]] = []
        notes: list[str] = []
        for scenario in scenarios(slugs):
            if (scenario.method, scenario.route) not in routes:
                notes.append(f"{scenario.label}: skipped, the route is not registered yet")
                continue
            size, failure = asyncio.run(probe(app_url, scenario))
            if failure:
                notes.append(f"{scenario.label}: skipped, it answers {failure}")
                continue
            print(f"measuring {scenario.label} ...", file=sys.stderr)
            app, bare = measure(scenario, app_url, bare_url, size, duration, concurrency)
            rows.append((scenario, size, app, bare))
    print(
        f"\nHTTP: {concurrency} concurrent keep-alive connections, {duration:.1f}s per side per"
        f" endpoint (A-B-B-A halves, {WARMUP_SECONDS}s warm-up each), load generator in its own"
        f" process; API: `python -m service run`, 1 worker, LOG_LEVEL=WARNING, Redis cache on;"
        f" bare: aiohttp handler returning a JSON body of the same size; {os.cpu_count()} CPUs,"
        f" Python {platform.python_version()}, aiohttp {aiohttp.__version__},"
        f" PostgreSQL {version}; last two columns: API / bare\n"
    )
    report(rows, notes)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    sub = parser.add_subparsers(dest="command", required=True)
    bare = sub.add_parser("bare", help="serve the bare handler")
    bare.add_argument("--port", type=int, required=True)
    sub.add_parser("load", help="generate load from a JSON spec on stdin; JSON result on stdout")
    args = parser.parse_args(argv)
    commands: dict[str, Callable[[], None]] = {
        "bare": lambda: serve_bare(args.port),
        "load": load_from_stdin,
    }
    commands[args.command]()
    return 0


if __name__ == "__main__":
    sys.exit(main())
