"""Query insight by query name, against the real servers: per-query Prometheus figures, the
slow-query log (parameters redacted), the source comment in pg_stat_statements, and
`python -m service queries top` (the test servers preload pg_stat_statements)."""

from __future__ import annotations

import asyncio
import dataclasses
import logging
import re
import secrets
import subprocess
from collections.abc import Iterator
from typing import Any

import asyncpg
import pytest
from aiohttp.test_utils import TestClient, TestServer
from apicheck import Client
from prometheus_client import CollectorRegistry
from prometheus_client.parser import text_string_to_metric_families

from service import cli
from service.app import create_app
from service.config import ROOT, Settings
from service.dev import querytop
from service.dev.embedded import EmbeddedPostgres
from service.dev.migrations import migrate
from service.dev.servers import create_database, drop_database
from service.store import insight
from service.store.queries import ghosts
from service.store.queries import insight as insight_queries
from service.store.schema_check import startup_check

SLOW_LOG = "service.store.slow_query"


def source_of(query: str, file: str = "ghosts.sql") -> str:
    """`queries/<file>:<line>` of the query's `-- name:` annotation, read from the file."""
    lines = (ROOT / "queries" / file).read_text().splitlines()
    line = next(n for n, text in enumerate(lines, 1) if text.startswith(f"-- name: {query} :"))
    return f"queries/{file}:{line}"


def ghost(slug: str) -> dict[str, object]:
    """Arguments of InsertGhost for a published entity."""
    return {
        "slug": slug,
        "name": "Insight Ghost",
        "entity_type": "spirit",
        "origin": None,
        "location": None,
        "era": None,
        "description": "A ghost that counts queries.",
        "danger_level": 1,
        "characteristics": [],
        "tags": [],
        "status": "published",
        "author_id": None,
    }


def sample(registry: CollectorRegistry, name: str, query: str, **labels: str) -> float:
    """A sample of a gp_query_* metric for `query` (0 when the series does not exist yet)."""
    value = registry.get_sample_value(name, {"query": query, **labels})
    return 0.0 if value is None else value


@pytest.fixture
def registry() -> CollectorRegistry:
    """A registry holding only the per-query collector."""
    found = CollectorRegistry()
    found.register(insight.QueryCollector())
    return found


@pytest.fixture
def slow_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Every query call logged as slow (SLOW_QUERY_MS=0) while the test runs."""
    insight.log_queries_slower_than(0)
    caplog.set_level(logging.WARNING, logger=SLOW_LOG)
    try:
        yield caplog
    finally:
        insight.log_queries_slower_than(insight.DEFAULT_SLOW_QUERY_MS)


def slow_lines(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == SLOW_LOG]


async def test_calls_errors_and_latency_are_counted_per_query_name(
    pool: asyncpg.Pool, registry: CollectorRegistry
) -> None:
    calls, errors = "gp_query_calls_total", "gp_query_errors_total"
    before = {
        (metric, query): sample(registry, metric, query)
        for metric in (calls, errors, "gp_query_duration_seconds_count")
        for query in ("InsertGhost", "GetGhostDetail")
    }
    slug = f"insight-{secrets.token_hex(4)}"
    assert await ghosts.insert_ghost(pool, **ghost(slug)) is not None  # type: ignore[arg-type]
    with pytest.raises(asyncpg.UniqueViolationError):  # a real error from PostgreSQL
        await ghosts.insert_ghost(pool, **ghost(slug))  # type: ignore[arg-type]
    for _ in range(3):
        assert await ghosts.get_ghost_detail(pool, slug=slug, include_drafts=False) is not None

    def delta(metric: str, query: str) -> float:
        return sample(registry, metric, query) - before[(metric, query)]

    assert delta(calls, "InsertGhost") == 2 and delta(errors, "InsertGhost") == 1
    assert delta(calls, "GetGhostDetail") == 3 and delta(errors, "GetGhostDetail") == 0
    assert delta("gp_query_duration_seconds_count", "GetGhostDetail") == 3
    # every call lands in a bucket: +Inf holds them all, and the sum of seconds grew
    total = sample(registry, "gp_query_duration_seconds_bucket", "GetGhostDetail", le="+Inf")
    assert total == sample(registry, "gp_query_duration_seconds_count", "GetGhostDetail")
    assert sample(registry, "gp_query_duration_seconds_sum", "GetGhostDetail") > 0


async def test_metrics_endpoint_serves_the_query_figures(client: Client, internal: Client) -> None:
    assert (await client.get("/v1/ghosts")).status == 200
    response = await internal.get("/metrics")
    assert response.status == 200
    samples = {
        (s.name, s.labels.get("query"), s.labels.get("le")): s.value
        for family in text_string_to_metric_families(await response.text())
        for s in family.samples
    }
    assert samples[("gp_query_calls_total", "ListGhostsRecent", None)] >= 1
    assert samples[("gp_query_errors_total", "ListGhostsRecent", None)] == 0
    count = samples[("gp_query_duration_seconds_count", "ListGhostsRecent", None)]
    assert samples[("gp_query_duration_seconds_bucket", "ListGhostsRecent", "+Inf")] == count >= 1


async def test_slow_queries_are_logged_with_name_source_and_rows_never_parameters(
    pool: asyncpg.Pool, slow_log: pytest.LogCaptureFixture
) -> None:
    slug = f"secret-{secrets.token_hex(6)}"
    assert await ghosts.get_ghost_detail(pool, slug=slug, include_drafts=True) is None
    assert await ghosts.insert_ghost(pool, **ghost(slug)) is not None  # type: ignore[arg-type]
    with pytest.raises(asyncpg.UniqueViolationError):
        await ghosts.insert_ghost(pool, **ghost(slug))  # type: ignore[arg-type]
    assert await ghosts.delete_ghost_by_slug(pool, slug=slug) == 1
    lines = slow_lines(slow_log)
    assert len(lines) == 4
    for line in lines:
        assert "\n" not in line and slug not in line and "parameters redacted" in line
    detail, inserted, failed, deleted = lines
    assert re.fullmatch(
        rf"slow query GetGhostDetail {source_of('GetGhostDetail')}: \d+\.\d ms, rows=0, "
        "parameters redacted",
        detail,
    )
    assert f"InsertGhost {source_of('InsertGhost')}: " in inserted and "rows=1," in inserted
    assert failed.endswith("rows=?, parameters redacted, raised UniqueViolationError")
    assert f"DeleteGhostBySlug {source_of('DeleteGhostBySlug')}: " in deleted
    assert "rows=1," in deleted


async def test_slow_query_ms_applies_to_the_apps_queries(
    settings: Settings, slow_log: pytest.LogCaptureFixture
) -> None:
    insight.log_queries_slower_than(60_000)  # the app's setting must replace it
    app = create_app(dataclasses.replace(settings, slow_query_ms=0))
    async with TestClient(TestServer(app)) as client:
        slug = f"nobody-{secrets.token_hex(6)}"
        assert (await client.get(f"/v1/ghosts/{slug}")).status == 404
    lines = slow_lines(slow_log)
    assert any(line.startswith("slow query GetGhostPage queries/ghosts.sql:") for line in lines)
    assert not any(slug in line for line in lines)


async def test_pg_stat_statements_keeps_each_statements_source_comment(pool: asyncpg.Pool) -> None:
    for _ in range(2):
        await ghosts.get_ghost_detail(pool, slug="no-such-ghost", include_drafts=False)
    rows = await insight_queries.top_statements(
        pool, all_databases=False, order_by="calls", all_statements=False, max_rows=1000
    )
    found = {row.statement: row for row in rows}
    detail = found[f"GetGhostDetail {source_of('GetGhostDetail')}"]
    assert detail.calls >= 2 and detail.total_ms > 0 and detail.rows == 0


async def test_queries_top_names_real_queries_with_their_source(
    client: Client,
    migrated_dsn: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    for path in ("/v1/ghosts", "/v1/ghosts?sort=name", "/v1/ghosts/nobody", "/v1/ghosts"):
        assert (await client.get(path)).status in (200, 404)
    monkeypatch.setenv("DATABASE_URL", migrated_dsn)
    capsys.readouterr()
    for by in querytop.ORDERS:
        code = await asyncio.to_thread(cli.main, ["queries", "top", "--by", by, "--limit", "50"])
        out = capsys.readouterr().out
        assert code == 0, out
        header, columns, *rows = out.splitlines()
        assert header.startswith("top ") and columns.split() == [
            "total", "ms", "mean", "ms", "calls", "rows", "query", "source",
        ]  # fmt: skip
        figures = [[float(cell) for cell in row.split()[:4]] for row in rows]
        column = {"total": 0, "mean": 1, "calls": 2}[by]
        assert [f[column] for f in figures] == sorted((f[column] for f in figures), reverse=True)
        cells = [row.split() for row in rows]
        named = {c[4]: (c[5], int(c[2])) for c in cells if c[4] != "-"}
        source, calls = named["ListGhostsRecent"]
        assert source == source_of("ListGhostsRecent") and calls >= 1  # then cached
        assert named["GetGhostPage"][0] == source_of("GetGhostPage")
        assert len(named) == len(rows)  # generated queries only, by default
    code = await asyncio.to_thread(cli.main, ["queries", "top", "--all-statements"])
    rows = capsys.readouterr().out.splitlines()[2:]
    assert code == 0 and any(row.split()[4] == "-" for row in rows)  # e.g. the migrations


async def test_queries_top_says_in_one_line_when_pg_stat_statements_is_missing(
    pg_server_dsn: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    name = f"gp_bare_{secrets.token_hex(4)}"
    url = create_database(pg_server_dsn, name)  # no migrations: no extension
    try:
        monkeypatch.setenv("DATABASE_URL", url)
        code = await asyncio.to_thread(cli.main, ["queries", "top"])
    finally:
        drop_database(pg_server_dsn, name)
    err = capsys.readouterr().err
    assert code == cli.EXIT_ERROR
    assert err.count("\n") == 1
    assert err.startswith("error: pg_stat_statements is not installed in 127.0.0.1:")


async def test_without_the_library_preloaded_the_service_starts_and_queries_top_says_so(
    throwaway_postgres: EmbeddedPostgres,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    # the server as an external one may be: pg_stat_statements installed, not preloaded
    start = EmbeddedPostgres._run
    preload = " -c shared_preload_libraries=pg_stat_statements"

    def without_preload(
        self: EmbeddedPostgres, args: list[str], **kwargs: Any
    ) -> subprocess.CompletedProcess[str]:
        if args[0] == "pg_ctl" and "start" in args:
            assert any(preload in arg for arg in args)
            args = [arg.replace(preload, "") for arg in args]
        return start(self, args, **kwargs)

    monkeypatch.setattr(EmbeddedPostgres, "_run", without_preload)
    url = await asyncio.to_thread(throwaway_postgres.start)
    await asyncio.to_thread(migrate, url)  # the extension's migration needs no preload
    report = await startup_check(url, connect_timeout=10)
    assert report.ok, report  # every generated query prepares, TopStatements included
    monkeypatch.setenv("DATABASE_URL", url)
    capsys.readouterr()
    code = await asyncio.to_thread(cli.main, ["queries", "top"])
    err = capsys.readouterr().err
    assert code == cli.EXIT_ERROR and err.count("\n") == 1
    assert err.startswith("error: pg_stat_statements is not loaded by the server at 127.0.0.1:")
    assert "shared_preload_libraries = 'pg_stat_statements'" in err
