"""Query insight at run time: calls, errors and latency per generated query, and the slow-query log.

Each generated query has a `QueryStats`, made once when its module is imported, and its function
runs the statement inside `with STATS.timed() as timing:`. Recording a call is a clock read, a
few attribute updates and a bisect: no label lookups, no locks (one event loop per process
writes the figures), no awaits. `QueryCollector` turns the figures into Prometheus metrics only
when /metrics is scraped:

    gp_query_calls_total{query}          calls of the query, failed ones included
    gp_query_errors_total{query}         calls that raised (a PostgreSQL error, a timeout, ...)
    gp_query_duration_seconds{query}     histogram of the seconds each call took

A call that takes at least SLOW_QUERY_MS is logged (logger `service.store.slow_query`, level
WARNING) as one line with the query's name, its `queries/<file>.sql:<line>`, the duration and
the row count. Parameter values never reach this module, so they are never logged. For `:iter`
queries the time spans the whole iteration, the caller's work between rows included.
"""

from __future__ import annotations

import bisect
import itertools
import logging
import time
from collections.abc import Iterable
from types import TracebackType
from typing import Final

from prometheus_client.core import CounterMetricFamily, HistogramMetricFamily, Metric
from prometheus_client.registry import Collector

__all__ = [
    "BUCKETS",
    "QueryCollector",
    "QueryStats",
    "Timing",
    "all_stats",
    "log_queries_slower_than",
]

# Upper bounds (seconds) of the latency histogram; statements are faster than requests.
BUCKETS: Final = (0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
DEFAULT_SLOW_QUERY_MS: Final = 200

log = logging.getLogger("service.store.slow_query")
_perf_counter = time.perf_counter
_bisect = bisect.bisect_left
_registered: list[QueryStats] = []
_slow_seconds: float = DEFAULT_SLOW_QUERY_MS / 1000


def log_queries_slower_than(milliseconds: float) -> None:
    """Log every query call taking at least `milliseconds` (SLOW_QUERY_MS; 0 logs them all)."""
    global _slow_seconds
    _slow_seconds = milliseconds / 1000


class QueryStats:
    """The figures of one generated query in this process."""

    __slots__ = ("buckets", "calls", "errors", "name", "seconds", "source")

    def __init__(self, name: str, source: str, *, register: bool = True) -> None:
        self.name = name
        self.source = source  # queries/<file>.sql:<line> of its `-- name:` annotation
        self.calls = 0
        self.errors = 0
        self.buckets = [0] * (len(BUCKETS) + 1)  # calls per bucket; the last is +Inf
        self.seconds = 0.0
        if register:
            _registered.append(self)

    def timed(self) -> Timing:
        """A context that records one call of the query: its time, whether it raised, rows."""
        return Timing(self)


class Timing:
    """One call being timed; the generated code sets `rows` (or `status`) for the slow log."""

    __slots__ = ("rows", "started", "stats", "status")

    def __init__(self, stats: QueryStats) -> None:
        self.stats = stats
        self.rows = -1  # unknown until set
        self.status = ""  # a command tag such as 'UPDATE 3', read only when the call was slow
        self.started = _perf_counter()

    def __enter__(self) -> Timing:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        seconds = _perf_counter() - self.started
        stats = self.stats
        stats.calls += 1
        stats.buckets[_bisect(BUCKETS, seconds)] += 1
        stats.seconds += seconds
        # a cancelled call (the client went away) is not the query's error
        if kind is not None and issubclass(kind, Exception):
            stats.errors += 1
        if seconds >= _slow_seconds:
            self._log_slow(seconds, kind)

    def _log_slow(self, seconds: float, kind: type[BaseException] | None) -> None:
        rows = self.rows
        if rows < 0 and self.status:
            tail = self.status.rpartition(" ")[2]
            rows = int(tail) if tail.isdigit() else -1
        log.warning(
            "slow query %s %s: %.1f ms, rows=%s, parameters redacted%s",
            self.stats.name,
            self.stats.source,
            seconds * 1000,
            rows if rows >= 0 else "?",
            "" if kind is None else f", raised {kind.__name__}",
        )


def all_stats() -> dict[str, QueryStats]:
    """Every query's figures by name (queries of one name in several modules added up)."""
    merged: dict[str, QueryStats] = {}
    for stats in _registered:
        total = merged.get(stats.name)
        if total is None:
            total = merged[stats.name] = QueryStats(stats.name, stats.source, register=False)
        total.calls += stats.calls
        total.errors += stats.errors
        total.seconds += stats.seconds
        total.buckets = [a + b for a, b in zip(total.buckets, stats.buckets, strict=True)]
    return merged


class QueryCollector(Collector):
    """The per-query figures as Prometheus metrics, for the queries called at least once."""

    def describe(self) -> Iterable[Metric]:
        """Nothing up front: a query's series appear once it has run."""
        return []

    def collect(self) -> Iterable[Metric]:
        """Calls, errors and the latency histogram, labelled by query name."""
        calls = CounterMetricFamily(
            "gp_query_calls",
            "Calls of each generated query, failed ones included",
            labels=["query"],
        )
        errors = CounterMetricFamily(
            "gp_query_errors", "Calls of each generated query that raised", labels=["query"]
        )
        latency = HistogramMetricFamily(
            "gp_query_duration_seconds",
            "Seconds each call of a generated query took (statement, pool wait included)",
            labels=["query"],
        )
        bounds = [*(repr(float(b)) for b in BUCKETS), "+Inf"]
        for name, stats in sorted(all_stats().items()):
            if not stats.calls:
                continue
            calls.add_metric([name], stats.calls)
            errors.add_metric([name], stats.errors)
            cumulative = list(itertools.accumulate(stats.buckets))
            latency.add_metric(
                [name], list(zip(bounds, cumulative, strict=True)), sum_value=stats.seconds
            )
        yield calls
        yield errors
        yield latency
