"""Prometheus metrics: a middleware that counts and times requests, and `GET /metrics`.

Each app has its own registry. Requests are labelled by route pattern (`/v1/ghosts/{slug}`),
never by raw path, so label sets stay bounded; unmatched paths share the route "unmatched".
Pool, cache, rate-limit and error figures are read from the app when scraped.

`/metrics` is served only by the internal listener (INTERNAL_HOST:INTERNAL_PORT), never on the
public port, and its own scrapes are not counted. Every worker process (WORKERS=n) keeps its
own figures and has an internal listener of its own, worker n on INTERNAL_PORT+n
(`gp_worker_info` names its pid): scrape each for exact totals. prometheus-client's
multiprocess mode (shared files under PROMETHEUS_MULTIPROC_DIR) is not wired in.
"""

from __future__ import annotations

import asyncio
import bisect
import itertools
import os
import time
from collections.abc import Iterable
from typing import Any, Final

import prometheus_client
from aiohttp import web
from prometheus_client import (
    CollectorRegistry,
    Counter,
    PlatformCollector,
    ProcessCollector,
)
from prometheus_client.core import (
    CounterMetricFamily,
    GaugeMetricFamily,
    HistogramMetricFamily,
    Metric,
)
from prometheus_client.exposition import choose_encoder
from prometheus_client.registry import Collector

from service.cache.engine import CACHE
from service.store.db import DATABASE
from service.store.insight import QueryCollector
from service.web.api import Routes
from service.web.health import STARTED_AT, served
from service.web.problems import RECENT_ERRORS
from service.web.ratelimit import RATE_LIMITER
from service.web.request import Handler

LATENCY_BUCKETS: Final = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0)
METHODS: Final = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})
UNMATCHED: Final = "unmatched"
# Cache counters with a metric of their own; the others go to gp_cache_operations_total.
CACHE_COUNTERS: Final = {
    "hits": "lookups answered from Redis",
    "misses": "lookups that loaded from PostgreSQL with Redis reachable",
    "bypassed": "lookups that loaded from PostgreSQL because Redis could not be used",
    "errors": "Redis calls of the cache that failed or timed out",
}
BREAKER_STATES: Final = ("closed", "open", "half-open")

routes = Routes(tag="operations")


class RequestStats(Collector):
    """Request counts and latencies in plain counters, turned into metrics only when scraped.

    The middleware runs for every request, so recording is two dict lookups and a bisect, with
    no registry label lookups and no locks (one event loop per process writes them).
    """

    def __init__(self) -> None:
        self.in_progress = 0
        self.counts: dict[tuple[str, str, int], int] = {}
        # (method, route) -> [count per bucket (the last is +Inf), sum of seconds]
        self.latencies: dict[tuple[str, str], tuple[list[int], list[float]]] = {}

    def record(self, method: str, route: str, status: int, seconds: float) -> None:
        """One answered request."""
        key = (method, route, status)
        self.counts[key] = self.counts.get(key, 0) + 1
        latency = self.latencies.get((method, route))
        if latency is None:
            latency = self.latencies[(method, route)] = ([0] * (len(LATENCY_BUCKETS) + 1), [0.0])
        latency[0][bisect.bisect_left(LATENCY_BUCKETS, seconds)] += 1
        latency[1][0] += seconds

    def describe(self) -> Iterable[Metric]:
        """Nothing up front: the label sets appear as requests arrive."""
        return []

    def collect(self) -> Iterable[Metric]:
        """The figures so far, as Prometheus metric families."""
        requests = CounterMetricFamily(
            "gp_http_requests",
            "HTTP requests answered, by method, route pattern and status",
            labels=["method", "route", "status"],
        )
        for (method, route, status), count in sorted(self.counts.items()):
            requests.add_metric([method, route, str(status)], count)
        yield requests
        latency = HistogramMetricFamily(
            "gp_http_request_duration_seconds",
            "Time from a request reaching the app to its response being ready",
            labels=["method", "route"],
        )
        bounds = [*(repr(float(b)) for b in LATENCY_BUCKETS), "+Inf"]
        for (method, route), (counts, total) in sorted(self.latencies.items()):
            cumulative = list(itertools.accumulate(counts))
            latency.add_metric(
                [method, route], list(zip(bounds, cumulative, strict=True)), sum_value=total[0]
            )
        yield latency
        in_progress = GaugeMetricFamily(
            "gp_http_requests_in_progress", "HTTP requests being handled"
        )
        in_progress.add_metric([], self.in_progress)
        yield in_progress


class Metrics:
    """The app's registry and the figures the middleware and quotas record."""

    def __init__(self, app: web.Application) -> None:
        # The `_created` series would double every counter and histogram for no use here.
        prometheus_client.disable_created_metrics()  # type: ignore[no-untyped-call]
        self.registry = CollectorRegistry(auto_describe=True)
        self.http = RequestStats()
        self.registry.register(self.http)
        self.quota_rejections = Counter(
            "gp_quota_rejections",
            "Actions refused because the user's daily quota was used up",
            ["quota", "tier"],
            registry=self.registry,
        )
        self.registry.register(AppCollector(app))
        self.registry.register(QueryCollector())  # gp_query_*: per generated query
        ProcessCollector(registry=self.registry)
        PlatformCollector(registry=self.registry)

    def exposition(self, accept: str) -> tuple[bytes, str]:
        """The registry in the format `accept` asks for (Prometheus text by default)."""
        encode, content_type = choose_encoder(accept)
        return encode(self.registry), content_type


METRICS = web.AppKey("metrics", Metrics)


class AppCollector(Collector):
    """Figures read from the app at scrape time: pools, cache, rate limits, errors, uptime."""

    def __init__(self, app: web.Application) -> None:
        self._app = app

    def describe(self) -> Iterable[Metric]:
        """Nothing up front: what exists depends on what the app has opened."""
        return []

    def collect(self) -> Iterable[Metric]:
        """One sample set per scrape."""
        app = self._app
        uptime = GaugeMetricFamily("gp_uptime_seconds", "Seconds since the app was built")
        uptime.add_metric([], time.monotonic() - app[STARTED_AT])
        yield uptime
        worker = GaugeMetricFamily(
            "gp_worker_info", "The worker process that answered this scrape", labels=["pid"]
        )
        worker.add_metric([str(os.getpid())], 1)
        yield worker
        yield from _pool_metrics(app)
        yield from _cache_metrics(app)
        yield from _rate_limit_metrics(app)
        recent = app.get(RECENT_ERRORS)
        if recent is not None:
            errors = CounterMetricFamily(
                "gp_unexpected_errors", "Exceptions answered with a 500 problem"
            )
            errors.add_metric([], recent.total)
            yield errors


def _pool_metrics(app: web.Application) -> Iterable[Metric]:
    database = app.get(DATABASE)
    if database is None:
        return
    connections = GaugeMetricFamily(
        "gp_db_pool_connections",
        "PostgreSQL connections open in the pool, in use or idle",
        labels=["pool", "state"],
    )
    limits = GaugeMetricFamily(
        "gp_db_pool_max_connections", "Most connections the pool opens", labels=["pool"]
    )
    pools = {"primary": database.primary}
    if database.replica is not None:
        pools["replica"] = database.replica
    for name, pool in pools.items():
        size, idle = pool.get_size(), pool.get_idle_size()
        connections.add_metric([name, "in_use"], size - idle)
        connections.add_metric([name, "idle"], idle)
        limits.add_metric([name], pool.get_max_size())
    yield connections
    yield limits
    if database.replica is not None:
        status = database.status
        lag = GaugeMetricFamily(
            "gp_db_replica_lag_seconds",
            "How far the replica is behind the primary, as last checked (NaN: not known)",
        )
        lag.add_metric([], float("nan") if status.lag is None else status.lag)
        used = GaugeMetricFamily(
            "gp_db_replica_used",
            "1 while reads go to the replica; 0 while it is unreachable or lags too far",
        )
        used.add_metric([], 1.0 if status.usable else 0.0)
        fallbacks = CounterMetricFamily(
            "gp_db_replica_fallbacks", "Reads that failed on the replica and the primary answered"
        )
        fallbacks.add_metric([], status.fallbacks)
        yield from (lag, used, fallbacks)


def _cache_metrics(app: web.Application) -> Iterable[Metric]:
    cache = app.get(CACHE)
    if cache is None:
        return
    stats: dict[str, Any] = dict(cache.stats())
    for name, help_text in CACHE_COUNTERS.items():
        family = CounterMetricFamily(f"gp_cache_{name}", f"Cache {help_text}")
        family.add_metric([], int(stats.pop(name, 0)))
        yield family
    breaker = GaugeMetricFamily(
        "gp_cache_breaker_state",
        "The cache's circuit breaker: 1 for its current state, 0 for the others",
        labels=["state"],
    )
    current = stats.pop("breaker", "closed")
    for state in BREAKER_STATES:
        breaker.add_metric([state], 1.0 if state == current else 0.0)
    yield breaker
    pending = GaugeMetricFamily(
        "gp_cache_pending_invalidations", "Invalidations waiting for Redis to come back"
    )
    pending.add_metric([], int(stats.pop("pending_invalidations", 0)))
    yield pending
    operations = CounterMetricFamily(
        "gp_cache_operations", "Other cache events, by kind", labels=["operation"]
    )
    for name, value in sorted(stats.items()):
        if isinstance(value, int):
            operations.add_metric([name], value)
    yield operations


def _rate_limit_metrics(app: web.Application) -> Iterable[Metric]:
    limiter = app.get(RATE_LIMITER)
    if limiter is None:
        return
    rejections = CounterMetricFamily(
        "gp_rate_limit_rejections",
        "Requests answered 429 because a rate limit policy was used up",
        labels=["policy"],
    )
    for policy in limiter.policies:
        rejections.add_metric([policy.name], limiter.rejections[policy.name])
    yield rejections
    fallbacks = CounterMetricFamily(
        "gp_rate_limit_fallbacks",
        "Requests limited without Redis: mode open (let through) or local (per process)",
        labels=["policy", "mode"],
    )
    for (policy_name, mode), count in sorted(limiter.fallbacks.items()):
        fallbacks.add_metric([policy_name, mode], count)
    yield fallbacks
    errors = CounterMetricFamily(
        "gp_rate_limit_redis_errors", "Rate limit calls to Redis that failed or timed out"
    )
    errors.add_metric([], limiter.redis_errors)
    yield errors


def route_label(request: web.Request) -> str:
    """The pattern of the route that matched (`/v1/ghosts/{slug}`), or "unmatched"."""
    resource = request.match_info.route.resource
    return UNMATCHED if resource is None else resource.canonical


@web.middleware
async def metrics_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count and time every request by method, route pattern and status."""
    metrics = request.app.get(METRICS)
    if metrics is None:
        return await handler(request)
    stats = metrics.http
    started = time.perf_counter()
    status = 500
    stats.in_progress += 1
    try:
        response = await handler(request)
        status = response.status
        return response
    except web.HTTPException as exc:
        status = exc.status
        raise
    except asyncio.CancelledError:
        status = 499  # the client went away before the answer was ready
        raise
    finally:
        stats.in_progress -= 1
        method = request.method if request.method in METHODS else "other"
        stats.record(method, route_label(request), status, time.perf_counter() - started)


@routes.route("GET", "/metrics")
async def metrics_endpoint(request: web.Request) -> web.Response:
    """Prometheus metrics of this process (text exposition format)."""
    body, content_type = served(request)[METRICS].exposition(request.headers.get("Accept", ""))
    response = web.Response(body=body)
    response.headers["Content-Type"] = content_type
    response.headers["Cache-Control"] = "no-store"
    return response
