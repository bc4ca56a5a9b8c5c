"""Search relevance on the demo data: nDCG@10 and recall@10 per mode, and bounded-vs-exact overlap.

    BENCH_DATABASE_URL=postgres://... python -m bench.bench_relevance

`main(dsn, redis_url)` creates a scratch database on dsn's server, migrates it, loads the demo
data (db/seeds/demo.sql), fills the embeddings when the service has a backfill command
(`python -m service embed --backfill`), serves the app in-process and asks
GET /v1/search?q=...&mode=... (first 20) for every query of bench/relevance.json. A mode the
API does not accept is printed as "not available" with the reason; keyword figures come from
the default search when `mode` is not a parameter yet.

For the broad (`"broad": true`) queries it also prints how many of the bounded ranking's top 20
(SearchContent, the service's) are in the exact ranking's top 20 (SearchContentExactReference,
every match ranked): at the default caps, and at caps small enough that the bound applies to
the few dozen demo rows.
"""

from __future__ import annotations

import asyncio
import json
import math
import os
import subprocess
import sys
from contextlib import ExitStack
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlencode

import msgspec
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer

from service.app import create_app
from service.config import ROOT, Settings
from service.dev import seed
from service.dev.migrations import dbmate
from service.store.db import create_pool
from service.store.queries import search as search_queries

JUDGEMENTS: Final = Path(__file__).with_name("relevance.json")
MODES: Final = ("keyword", "semantic", "hybrid")
CUTOFF: Final = 10
OVERLAP_DEPTH: Final = 20
# Caps small enough that the bound applies to the demo data (43 entities, 20 stories).
SMALL_CAPS: Final = (12, 6)
Client = TestClient[web.Request, web.Application]


@dataclass(frozen=True)
class Judgement:
    """One query and the graded items (kind:slug) a reader would expect."""

    q: str
    type: str
    relevant: dict[str, int]
    broad: bool = False


def judgements() -> list[Judgement]:
    """The committed judgement set."""
    return [Judgement(**query) for query in json.loads(JUDGEMENTS.read_text())["queries"]]


def ndcg(found: list[str], relevant: dict[str, int], k: int = CUTOFF) -> float:
    """Normalised discounted cumulative gain at k, gains 2^grade - 1."""
    gain = sum(
        (2 ** relevant.get(item, 0) - 1) / math.log2(i + 2) for i, item in enumerate(found[:k])
    )
    ideal = sorted(relevant.values(), reverse=True)[:k]
    best = sum((2**grade - 1) / math.log2(i + 2) for i, grade in enumerate(ideal))
    return gain / best if best else 0.0


def recall(found: list[str], relevant: dict[str, int], k: int = CUTOFF) -> float:
    """Share of the relevant items in the first k."""
    return len(set(found[:k]) & set(relevant)) / len(relevant) if relevant else 0.0


async def ask(client: Client, q: str, mode: str | None) -> tuple[list[str] | None, str]:
    """The kind:slug list of a first page, or None and why when the mode is refused."""
    params = {"q": q, "limit": str(OVERLAP_DEPTH)} | ({"mode": mode} if mode else {})
    response = await client.get(f"/v1/search?{urlencode(params)}")
    body = await response.json()
    if response.status != 200:
        return None, f"{response.status} {body.get('title', '')}: {body.get('detail', '')}"
    return [f"{item['kind']}:{item['slug']}" for item in body["items"]], ""


def backfill(url: str) -> str | None:
    """Fill the embeddings through the service's backfill; None when done, else why not."""
    result = subprocess.run(
        [sys.executable, "-m", "service", "embed", "--backfill"],
        cwd=ROOT,
        env={**os.environ, "DATABASE_URL": url},
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode == 0:
        return None
    last = (result.stderr.strip().splitlines() or ["no output"])[-1]
    return f"`python -m service embed --backfill` failed ({result.returncode}): {last[:160]}"


async def overlap(url: str, queries: list[Judgement], caps: tuple[int, int]) -> list[float]:
    """Per broad query, the share of the bounded top 20 found in the exact top 20."""
    pool = await create_pool(url, min_size=1, max_size=1)
    shares = []
    try:
        for judgement in queries:
            row = await search_queries.search_content(
                pool,
                query=judgement.q,
                kind="all",
                tags=[],
                entity_type=None,
                count_cap=caps[0],
                candidate_cap=caps[1],
                after_id=None,
                after_title_match=None,
                after_rank=None,
                after_kind=None,
                max_rows=OVERLAP_DEPTH,
                max_tags=0,
            )
            items = msgspec.convert(row.items if row else [], list[dict[str, Any]])
            bounded = {f"{item['kind']}:{item['id']}" for item in items}
            exact = await search_queries.search_content_exact_reference(
                pool,
                query=judgement.q,
                kind="all",
                tags=[],
                entity_type=None,
                after_id=None,
                after_title_match=None,
                after_rank=None,
                after_kind=None,
                max_rows=OVERLAP_DEPTH,
            )
            reference = {f"{r.kind}:{r.id}" for r in exact}
            shares.append(len(bounded & reference) / len(reference) if reference else 1.0)
    finally:
        await pool.close()
    return shares


async def main(dsn: str, redis_url: str) -> None:
    """Print the relevance table and the overlaps."""
    from service.dev.servers import scratch_database

    queries = judgements()
    with scratch_database(dsn, "gp_bench_relevance") as url:
        dbmate("--wait", "--migration-lock", "up", "--strict", url=url, capture=True)
        await seed.load(url)
        no_vectors = await asyncio.to_thread(backfill, url)
        settings = Settings(database_url=url, redis_url=redis_url, db_pool_min_size=1)
        results: dict[str, dict[str, list[str]]] = {}
        unavailable: dict[str, str] = {}
        async with TestClient(TestServer(create_app(settings))) as client:
            for mode in MODES:
                found: dict[str, list[str]] = {}
                for judgement in queries:
                    items, why = await ask(client, judgement.q, mode)
                    if items is None and mode == "keyword":
                        # no `mode` parameter yet: the default search is the keyword search
                        items, why = await ask(client, judgement.q, None)
                    if items is None:
                        unavailable[mode] = why
                        break
                    found[judgement.q] = items
                else:
                    results[mode] = found
        overlaps = {
            "default caps": await overlap(
                url,
                [j for j in queries if j.broad],
                (Settings().search_count_cap, Settings().search_candidate_cap),
            ),
            f"caps {SMALL_CAPS[0]}/{SMALL_CAPS[1]}": await overlap(
                url, [j for j in queries if j.broad], SMALL_CAPS
            ),
        }
    report(queries, results, unavailable, no_vectors, overlaps)


def report(
    queries: list[Judgement],
    results: dict[str, dict[str, list[str]]],
    unavailable: dict[str, str],
    no_vectors: str | None,
    overlaps: dict[str, list[float]],
) -> None:
    """The relevance table (overall and per query type) and the overlap lines."""
    judged = [j for j in queries if j.relevant]
    types = sorted({j.type for j in judged})
    print(
        f"relevance: {len(judged)} judged queries over the demo data (bench/relevance.json), "
        f"nDCG@{CUTOFF} / recall@{CUTOFF}"
    )
    header = f"{'mode':<9} {'all':>13}" + "".join(
        f" {t + f' ({sum(j.type == t for j in judged)})':>17}" for t in types
    )
    print(header)
    print("-" * len(header))
    for mode in MODES:
        if mode not in results:
            reason = unavailable.get(mode, "")
            if mode != "keyword" and no_vectors:
                reason += f"; embeddings: {no_vectors}"
            print(f"{mode:<9} not available: {reason}")
            continue
        found = results[mode]

        def cell(group: list[Judgement], found: dict[str, list[str]] = found) -> str:
            n = sum(ndcg(found[j.q], j.relevant) for j in group) / len(group)
            r = sum(recall(found[j.q], j.relevant) for j in group) / len(group)
            return f"{n:.3f} / {r:.3f}"

        print(
            f"{mode:<9} {cell(judged):>13}"
            + "".join(f" {cell([j for j in judged if j.type == t]):>17}" for t in types)
        )
    broad = [j.q for j in queries if j.broad]
    print(
        f"\nbounded vs exact keyword ranking, top {OVERLAP_DEPTH} overlap on the broad queries "
        f"({', '.join(repr(q) for q in broad)}):"
    )
    for label, shares in overlaps.items():
        per_query = " ".join(f"{share:.0%}" for share in shares)
        print(
            f"  {label:<14} mean {sum(shares) / len(shares):.0%} (min {min(shares):.0%}): "
            + per_query
        )


def cli() -> int:
    """Command line entry point: `python -m bench.bench_relevance`."""
    from bench.scratch import scratch_postgres, scratch_redis

    with ExitStack() as stack:
        dsn = stack.enter_context(scratch_postgres(stack))
        asyncio.run(main(dsn, scratch_redis(stack)))
    return 0


if __name__ == "__main__":
    sys.exit(cli())
