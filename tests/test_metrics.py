"""GET /metrics on the internal listener: Prometheus text with requests by route pattern and
status, latency histograms, pool gauges, cache counters and breaker state, rate-limit
rejections and errors. Never on the public port."""

from __future__ import annotations

import dataclasses
import os
from collections.abc import AsyncIterator

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from apicheck import internal_client
from prometheus_client.parser import text_string_to_metric_families
from prometheus_client.samples import Sample

from service.app import create_app
from service.config import Settings
from service.web.openapi import DOCUMENT

Client = TestClient[web.Request, web.Application]


async def scrape(client: Client, accept: str = "") -> list[Sample]:
    response = await client.get("/metrics", headers={"Accept": accept} if accept else {})
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("text/plain; version=0.0.4")
    return [s for f in text_string_to_metric_families(await response.text()) for s in f.samples]


def value(samples: list[Sample], name: str, **labels: str) -> float:
    """The value of the one sample called `name` whose labels include `labels`."""
    found = [s for s in samples if s.name == name and labels.items() <= s.labels.items()]
    assert len(found) == 1, f"{name}{labels}: {found}"
    return found[0].value


async def test_requests_are_counted_by_route_pattern_and_status(
    client: Client, internal: Client
) -> None:
    for _ in range(2):
        assert (await client.get("/v1/ghosts/no-such-ghost")).status == 404
    assert (await client.get("/v1/ghosts/another-missing-one")).status == 404
    assert (await client.get("/openapi.json")).status == 200
    assert (await client.get("/definitely/not/a/route/12345")).status == 404
    assert (await client.post("/openapi.json")).status == 405

    samples = await scrape(internal)
    total = "gp_http_requests_total"
    assert value(samples, total, method="GET", route="/v1/ghosts/{slug}", status="404") == 3
    assert value(samples, total, method="GET", route="/openapi.json", status="200") == 1
    assert value(samples, total, method="GET", route="unmatched", status="404") == 1
    assert value(samples, total, method="POST", route="unmatched", status="405") == 1
    # Raw paths never become labels.
    assert not [s for s in samples if "no-such-ghost" in str(s.labels)]
    assert not [s for s in samples if "12345" in str(s.labels)]

    histogram = "gp_http_request_duration_seconds"
    route = {"method": "GET", "route": "/v1/ghosts/{slug}"}
    assert value(samples, histogram + "_count", **route) == 3
    assert value(samples, histogram + "_bucket", le="+Inf", **route) == 3
    assert value(samples, histogram + "_sum", **route) > 0
    assert value(samples, "gp_http_requests_in_progress") == 0  # scrapes are not counted
    assert not [s for s in samples if s.labels.get("route") == "/metrics"]


async def test_pool_cache_and_process_figures_are_exported(
    client: Client, internal: Client, settings: Settings
) -> None:
    await client.get("/health/ready")  # uses a pooled connection
    samples = await scrape(internal)
    in_use = value(samples, "gp_db_pool_connections", pool="primary", state="in_use")
    idle = value(samples, "gp_db_pool_connections", pool="primary", state="idle")
    assert in_use >= 0 and in_use + idle >= 1
    assert value(samples, "gp_db_pool_max_connections", pool="primary") == settings.db_pool_max_size
    for name in ("hits", "misses", "errors", "bypassed"):
        assert value(samples, f"gp_cache_{name}_total") == 0
    assert value(samples, "gp_cache_breaker_state", state="closed") == 1
    assert value(samples, "gp_cache_breaker_state", state="open") == 0
    assert value(samples, "gp_cache_pending_invalidations") == 0
    assert value(samples, "gp_unexpected_errors_total") == 0
    assert value(samples, "gp_uptime_seconds") > 0
    assert value(samples, "gp_worker_info", pid=str(os.getpid())) == 1
    assert any(s.name == "process_resident_memory_bytes" for s in samples)


@pytest.fixture
async def limited_client(settings: Settings) -> AsyncIterator[Client]:
    limits = dataclasses.replace(settings, rate_limit_anonymous="2/60", rate_limit_auth="5/60")
    async with TestClient(TestServer(create_app(limits))) as test_client:
        yield test_client


async def test_rate_limit_rejections_are_counted_per_policy(limited_client: Client) -> None:
    statuses = [(await limited_client.get("/openapi.json")).status for _ in range(5)]
    assert statuses == [200, 200, 429, 429, 429]
    async with internal_client(limited_client.app) as internal:
        samples = await scrape(internal)  # the internal listener is never limited
    assert value(samples, "gp_rate_limit_rejections_total", policy="anonymous") == 3
    assert value(samples, "gp_rate_limit_rejections_total", policy="auth") == 0
    assert value(samples, "gp_rate_limit_redis_errors_total") == 0
    assert (
        value(samples, "gp_http_requests_total", method="GET", route="/openapi.json", status="429")
        == 3
    )


async def test_each_app_counts_for_itself(client: Client, settings: Settings) -> None:
    """Counters live in the app (one per worker process), not in a global registry."""
    await client.get("/openapi.json")
    async with (
        TestClient(TestServer(create_app(settings))) as other,
        internal_client(other.app) as internal,
    ):
        samples = await scrape(internal)
        assert not [s for s in samples if s.labels.get("route") == "/openapi.json"]


async def test_openmetrics_is_served_when_asked_for(internal: Client) -> None:
    response = await internal.get(
        "/metrics", headers={"Accept": "application/openmetrics-text; version=1.0.0"}
    )
    assert response.status == 200
    assert response.headers["Content-Type"].startswith("application/openmetrics-text")
    assert (await response.text()).rstrip().endswith("# EOF")


async def test_metrics_is_not_on_the_public_port(client: Client) -> None:
    for accept in ("", "application/openmetrics-text; version=1.0.0"):
        response = await client.get("/metrics", headers={"Accept": accept} if accept else {})
        assert response.status == 404
        assert response.content_type == "application/problem+json"
        assert "gp_" not in await response.text()


def test_the_openapi_document_describes_the_public_port_only(settings: Settings) -> None:
    paths = create_app(settings)[DOCUMENT]["paths"]
    assert "/metrics" not in paths and "/health" not in paths
    assert {"/health/live", "/health/ready"} <= set(paths)
