"""Load for the HTTP benchmarks: wrk where it is installed, else an asyncio client, each in a
process of its own; and the child processes the benchmarks serve from.

    python -m bench.load < spec.json     # the asyncio load generator (started by run_load)

wrk (Debian package `wrk`) drives the servers much harder than a Python client can, so ratios
against a bare handler are only meaningful with it; without it the output says so.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import aiohttp
import msgspec

from service.config import ROOT

START_TIMEOUT = 60.0
WARMUP_SECONDS = 0.5
WRK_THREADS = 2


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
    """Run the asyncio load generator in a process of its own, so it does not share a core's
    time slice with the harness."""
    completed = subprocess.run(
        [sys.executable, "-m", "bench.load"],
        input=msgspec.json.encode(spec),
        capture_output=True,
        check=True,
        cwd=ROOT,
        timeout=spec.warmup + spec.duration + 60,
    )
    return msgspec.json.decode(completed.stdout, type=LoadResult)


WRK_SCRIPT = """
local paths = %s
local counter = 0
local threads = %d
function setup(thread)
  thread:set("offset", counter)
  counter = counter + 1
end
function init(args)
  i = offset
end
function request()
  local path = paths[(i %% #paths) + 1]
  i = i + threads
  return wrk.format(nil, path)
end
function done(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    "RESULT {\\"requests\\": %%d, \\"micros\\": %%d, \\"errors\\": %%d, \\"non2xx\\": %%d,"
    .. " \\"p50\\": %%d, \\"p99\\": %%d}\\n",
    summary.requests, summary.duration, e.connect + e.read + e.write + e.timeout, e.status,
    latency:percentile(50), latency:percentile(99)))
end
"""


def run_wrk(spec: LoadSpec) -> Throughput:
    """`wrk` over the spec's paths, each thread walking its own share of them in order."""
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(
            WRK_SCRIPT % (json.dumps(spec.paths).replace("[", "{").replace("]", "}"), WRK_THREADS)
        )
    try:
        completed = subprocess.run(
            [
                "wrk",
                f"-t{WRK_THREADS}",
                f"-c{spec.concurrency}",
                f"-d{max(1, round(spec.duration))}s",
                "-s",
                script.name,
                spec.base_url,
            ],
            capture_output=True,
            check=True,
            text=True,
            timeout=spec.duration + 60,
        )
    finally:
        Path(script.name).unlink()
    line = next(ln for ln in completed.stdout.splitlines() if ln.startswith("RESULT "))
    raw = json.loads(line.removeprefix("RESULT "))
    return Throughput(
        raw["requests"], raw["micros"] / 1e6, raw["errors"] + raw["non2xx"],
        raw["p50"] / 1000, raw["p99"] / 1000, "wrk",
    )  # fmt: skip


@dataclass(frozen=True)
class Throughput:
    """What one load run measured: requests, seconds, failures, p50 and p99 in ms, and how."""

    requests: int
    seconds: float
    failed: int
    p50: float
    p99: float
    generator: str

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds else 0.0


def load(spec: LoadSpec) -> Throughput:
    """GET load with wrk when it is installed, else with the asyncio generator."""
    if shutil.which("wrk"):
        return run_wrk(spec)
    measured = Measured()
    measured.add(run_load(spec))
    return Throughput(
        measured.requests, measured.seconds, measured.failed,
        measured.percentile(50), measured.percentile(99), "python",
    )  # fmt: skip


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

    @property
    def requests(self) -> int:
        return len(self.latencies)

    def percentile(self, q: float) -> float:
        """Latency at quantile q, in milliseconds."""
        if len(self.latencies) < 2:
            return float("nan")
        return statistics.quantiles(self.latencies, n=100, method="inclusive")[int(q) - 1] * 1000

    @property
    def failed(self) -> int:
        return self.errors + sum(n for status, n in self.statuses.items() if status >= 400)


@contextlib.contextmanager
def process(argv: list[str], env: dict[str, str]) -> Iterator[subprocess.Popen[bytes]]:
    """A child process, terminated (SIGTERM, then SIGKILL) on exit; its output goes to a file
    whose last lines are printed if the block fails."""
    with tempfile.TemporaryFile() as output:
        child = subprocess.Popen(argv, env=env, cwd=ROOT, stdout=output, stderr=subprocess.STDOUT)
        try:
            yield child
        except BaseException:
            output.seek(0)
            tail = output.read().decode(errors="replace").splitlines()[-20:]
            print(f"{' '.join(argv[:4])} ... said:", *tail, sep="\n  ", file=sys.stderr)
            raise
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


if __name__ == "__main__":
    load_from_stdin()
