"""Search latency as the catalogue grows: p50/p95 per search at 10k, 100k (and 1M) entities.

    BENCH_DATABASE_URL=postgres://... python -m bench.bench_search [--rounds N] [--sizes 10000,...]

`main(dsn)` creates a scratch database on dsn's server (so whatever dsn holds does not skew
the figures), migrates it, loads synthetic entities (half as many stories) with
`service.dev.seed.synthetic` (COPY; no users or interactions, search reads neither), times a
fixed set of searches, adds rows up to the next size, times them again, and drops the database.

Modes, each what GET /v1/search asks the database for a first page of 20:
- keyword: SearchContent (page, total and facets in one statement, SEARCH_COUNT_CAP and
  SEARCH_CANDIDATE_CAP at their defaults), plus SuggestSpellings when nothing matched.
- exact: SearchContentExactReference, the ranking of every match (what keyword search cost
  before it was bounded; page only, no counts). The reference, not a service path.
- semantic / hybrid: SearchSemantic (queries/semantic.sql) over ghost_embeddings and
  story_embeddings. Embedding a million texts with the model takes hours on two cores, so the
  rows' vectors are made from word vectors: each row's vector is the normalised mean of the
  vectors of its vocabulary words (name, description, tags), and a search's vector the same for
  its words. The output says where the word vectors came from.
Growth is the last size's p95 over the one before.
"""

from __future__ import annotations

import argparse
import asyncio
import functools
import hashlib
import os
import re
import secrets
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from typing import Any, Final

import msgspec
import numpy as np

from service.config import Settings
from service.dev import seed
from service.dev.migrations import dbmate
from service.dev.servers import create_database, drop_database
from service.store.db import Connection, create_pool
from service.store.queries import search as search_queries

SIZES: Final = (10_000, 100_000)
PAGE_ROWS: Final = 20
TOP_TAGS: Final = 10
DIMENSIONS: Final = 384
# Vector candidates per kind for semantic/hybrid (HNSW answers at most ef_search = 40).
VECTOR_CANDIDATES: Final = 40
DEFAULTS: Final = Settings()
# Over the synthetic vocabulary (service.dev.seed): broad words, a phrase, exclusions, an OR, a
# tag filter, a kind filter, and a typo that full-text cannot find (the did-you-mean path).
SEARCHES: Final[tuple[tuple[str, dict[str, Any]], ...]] = (
    ("grey lady", {}),
    ('"weeping widow"', {}),
    ("drowned -sailor", {}),
    ("lantern OR bells", {}),
    ("midnight", {"tags": ["fog"]}),
    ("restless knight", {"kind": "story"}),
    ("Whispring Sailer", {}),
)
MODES: Final = ("keyword", "exact", "semantic", "hybrid")
Search = Callable[[Connection, str, dict[str, Any]], Awaitable[None]]


async def keyword(db: Connection, query: str, options: dict[str, Any]) -> None:
    """The database work of one GET /v1/search?mode=keyword first page."""
    kind = options.get("kind", "all")
    row = await search_queries.search_content(
        db,
        query=query,
        kind=kind,
        tags=options.get("tags", []),
        entity_type=None,
        count_cap=DEFAULTS.search_count_cap,
        candidate_cap=DEFAULTS.search_candidate_cap,
        after_id=None,
        after_title_match=None,
        after_rank=None,
        after_kind=None,
        max_rows=PAGE_ROWS + 1,
        max_tags=TOP_TAGS,
    )
    if row is None or row.ghost_matches + row.story_matches == 0:
        await search_queries.suggest_spellings(db, query=query, kind=kind, max_rows=5)


async def exact(db: Connection, query: str, options: dict[str, Any]) -> None:
    """The reference: every match ranked (the page only)."""
    await search_queries.search_content_exact_reference(
        db,
        query=query,
        kind=options.get("kind", "all"),
        tags=options.get("tags", []),
        entity_type=None,
        after_id=None,
        after_title_match=None,
        after_rank=None,
        after_kind=None,
        max_rows=PAGE_ROWS + 1,
    )


class WordVectors:
    """A vector per vocabulary word, and text vectors as the normalised mean of their words'."""

    def __init__(self) -> None:
        vocabulary = sorted(
            {w.lower() for w in (*seed.WORDS, *seed.NOUNS, *seed.ORIGINS)}
            | {part for tag in seed.TAGS for part in tag.split("-")}
        )
        try:
            from service.domain.embeddings import shared_model

            vectors = np.asarray(shared_model().encode(vocabulary), dtype=np.float32)
            self.source = f"the {len(vocabulary)} vocabulary words embedded by the model"
        except Exception as exc:  # no model: directions that still group texts by their words
            rng = np.random.default_rng(11)
            vectors = rng.standard_normal((len(vocabulary), DIMENSIONS)).astype(np.float32)
            self.source = f"seeded random word vectors (the model did not load: {exc})"[:160]
        self.index = {word: i for i, word in enumerate(vocabulary)}
        self.vectors = vectors / np.linalg.norm(vectors, axis=1, keepdims=True)

    def of(self, text: str) -> list[float]:
        """The normalised mean vector of the vocabulary words in `text`."""
        rows = [self.index[w] for w in re.findall(r"[a-z]+", text.lower()) if w in self.index]
        mean = self.vectors[rows].mean(axis=0) if rows else self.vectors[0]
        return [float(x) for x in mean / np.linalg.norm(mean)]


def semantic_search(words: WordVectors, *, hybrid: bool) -> Search:
    """A semantic or hybrid first page through SearchSemantic, the query vector from `words`."""
    from service.store.queries import semantic as semantic_queries

    async def run(db: Connection, query: str, options: dict[str, Any]) -> None:
        await semantic_queries.search_semantic(
            db,
            query=query,
            use_keywords=hybrid,
            kind=options.get("kind", "all"),
            tags=options.get("tags", []),
            entity_type=None,
            candidates=VECTOR_CANDIDATES,
            keyword_candidates=DEFAULTS.search_candidate_cap,
            embedding=words.of(query),
            after_id=None,
            after_score=None,
            after_kind=None,
            max_rows=PAGE_ROWS + 1,
        )

    return run


def semantic_unavailable() -> str | None:
    """Why semantic/hybrid cannot be measured, or None when they can."""
    try:
        from service.store.queries import semantic as semantic_queries
    except ImportError:
        return "no SearchSemantic query (queries/semantic.sql) yet"
    if not hasattr(semantic_queries, "search_semantic"):
        return "no SearchSemantic query (queries/semantic.sql) yet"
    return None


async def embed_rows(dsn: str, words: WordVectors) -> int:
    """Give every entity and story without an embedding one made from its words.

    The vector indexes are dropped first and built again after: one HNSW build is far quicker
    than as many inserts into the index."""
    pool = await create_pool(dsn, min_size=1, max_size=1, command_timeout=None)
    zero_hash = hashlib.sha256(b"bench word vectors").digest()
    added = 0
    try:
        async with pool.acquire() as conn:
            indexes = await conn.fetch(
                "SELECT indexname, indexdef FROM pg_indexes "
                "WHERE tablename IN ('ghost_embeddings', 'story_embeddings') "
                "AND indexdef LIKE '%USING hnsw%'"
            )
            for index in indexes:
                await conn.execute(f'DROP INDEX "{index["indexname"]}"')
            for table, key, text in (
                ("ghost_embeddings", "ghost_entity_id", "g.name || ' ' || g.description"),
                ("story_embeddings", "story_id", "g.title || ' ' || g.summary"),
            ):
                source = "ghost_entities" if table == "ghost_embeddings" else "stories"
                rows = await conn.fetch(
                    f"SELECT g.id, {text} || ' ' || array_to_string(g.tags, ' ') AS text "  # noqa: S608
                    f"FROM {source} AS g LEFT JOIN {table} AS e ON e.{key} = g.id "
                    f"WHERE e.{key} IS NULL"
                )

                for start in range(0, len(rows), 10_000):
                    batch = rows[start : start + 10_000]
                    await conn.execute(
                        f"INSERT INTO {table} ({key}, content_hash, embedding) "  # noqa: S608
                        "SELECT t.id, $3, t.v::vector "
                        "FROM unnest($1::uuid[], $2::text[]) AS t (id, v)",
                        [row["id"] for row in batch],
                        [str(words.of(row["text"])) for row in batch],
                        zero_hash,
                    )
                added += len(rows)
            await conn.execute("SET maintenance_work_mem = '1GB'")
            for index in indexes:
                await conn.execute(index["indexdef"])
            await conn.execute("ANALYZE ghost_embeddings, story_embeddings")
    finally:
        await pool.close()
    return added


async def overlap(
    db: Connection, query: str, options: dict[str, Any]
) -> tuple[float, float, float]:
    """The bounded (keyword) first 20 against the exact ranking's: the share of the exact top
    20 it holds; the share of its rows that rank at least as high as the exact 20th (so would
    be in the exact top 20 but for ties, broken by id); and the sum of its ts_rank_cd scores
    over the exact top 20's."""
    kind, tags = options.get("kind", "all"), options.get("tags", [])
    row = await search_queries.search_content(
        db,
        query=query,
        kind=kind,
        tags=tags,
        entity_type=None,
        count_cap=DEFAULTS.search_count_cap,
        candidate_cap=DEFAULTS.search_candidate_cap,
        after_id=None,
        after_title_match=None,
        after_rank=None,
        after_kind=None,
        max_rows=PAGE_ROWS,
        max_tags=0,
    )
    bounded = msgspec.convert(row.items if row else [], list[dict[str, Any]])
    exact_rows = await search_queries.search_content_exact_reference(
        db,
        query=query,
        kind=kind,
        tags=tags,
        entity_type=None,
        after_id=None,
        after_title_match=None,
        after_rank=None,
        after_kind=None,
        max_rows=PAGE_ROWS,
    )
    if not exact_rows:
        return 1.0, 1.0, 1.0
    shared = {(b["kind"], b["id"]) for b in bounded} & {(r.kind, str(r.id)) for r in exact_rows}
    cut = (exact_rows[-1].title_match, exact_rows[-1].rank)
    tied = sum((b["title_match"], b["rank"]) >= cut for b in bounded)
    score = sum(b["rank"] for b in bounded) / sum(r.rank for r in exact_rows)
    return len(shared) / len(exact_rows), tied / len(exact_rows), score


async def timings(call: Callable[[], Awaitable[None]], rounds: int) -> list[float]:
    """Milliseconds of `rounds` calls after one warm-up call (plans and caches)."""
    await call()
    spent = []
    for _ in range(rounds):
        started = time.perf_counter()
        await call()
        spent.append((time.perf_counter() - started) * 1000)
    return spent


def p95(values: list[float]) -> float:
    """The 95th percentile."""
    return statistics.quantiles(values, n=20, method="inclusive")[-1]


def label_of(query: str, options: dict[str, Any]) -> str:
    """A search's name in the table."""
    return query + "".join(f" {k}={v}" for k, v in options.items())


async def measure(
    dsn: str, rounds: int, modes: dict[str, Search]
) -> dict[tuple[str, str], list[float]]:
    """Per (mode, search label), the milliseconds of each round; per ("overlap", label), the
    bounded-vs-exact overlap and score share."""
    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            results = {}
            for mode, run in modes.items():
                for query, options in SEARCHES:
                    results[mode, label_of(query, options)] = await timings(
                        functools.partial(run, conn, query, options), rounds
                    )
            for query, options in SEARCHES:
                results["overlap", label_of(query, options)] = list(
                    await overlap(conn, query, options)
                )
            return results
    finally:
        await pool.close()


async def main(
    dsn: str, rounds: int = 20, sizes: tuple[int, ...] = SIZES, only: tuple[str, ...] = MODES
) -> None:
    """Print p50/p95 of each search and mode at each size, with the growth factor."""
    name = f"gp_bench_search_{secrets.token_hex(4)}"
    url = create_database(dsn, name)
    words = WordVectors()
    missing = semantic_unavailable()
    if missing is None and not {"semantic", "hybrid"} & set(only):
        missing = "not asked for (--modes)"
    modes: dict[str, Search] = {"keyword": keyword, "exact": exact}
    modes = {mode: run for mode, run in modes.items() if mode in only}
    if missing is None:
        modes["semantic"] = semantic_search(words, hybrid=False)
        modes["hybrid"] = semantic_search(words, hybrid=True)
    figures: list[dict[tuple[str, str], list[float]]] = []
    try:
        dbmate("--wait", "--migration-lock", "up", "--strict", url=url, capture=True)
        loaded = 0
        for size in sizes:
            started = time.perf_counter()
            # Incremental: each load adds to the last (another seed, other names).
            await seed.synthetic(url, size - loaded, seed=size, interactions=False)
            load_time = time.perf_counter() - started
            embedded = await embed_rows(url, words) if missing is None else 0
            print(
                f"{size:,} entities: loaded {size - loaded:,} in {load_time:.0f}s"
                + (
                    f", {embedded:,} word-vector embeddings in "
                    f"{time.perf_counter() - started - load_time:.0f}s"
                    if embedded
                    else ""
                ),
                file=sys.stderr,
                flush=True,
            )
            loaded = size
            figures.append(await measure(url, rounds, modes))
            if len(figures) < len(sizes):  # the table so far, in case a long run is cut short
                report(figures, sizes[: len(figures)], rounds, vectors(words, missing), missing)
    finally:
        drop_database(dsn, name)
    report(figures, sizes, rounds, vectors(words, missing), missing)


def vectors(words: WordVectors, missing: str | None) -> str | None:
    """Where the semantic/hybrid vectors came from, when those modes ran."""
    return words.source if missing is None else None


def report(
    figures: list[dict[tuple[str, str], list[float]]],
    sizes: tuple[int, ...],
    rounds: int,
    vectors: str | None,
    missing: str | None,
) -> None:
    """The table: one line per search and mode, p50/p95 per size, and the growth."""
    print(
        f"search: first page of {PAGE_ROWS}, {rounds} rounds per search, ms; keyword caps: "
        f"count {DEFAULTS.search_count_cap}, candidates {DEFAULTS.search_candidate_cap} per kind"
    )
    if vectors:
        print(f"semantic/hybrid vectors: mean of word vectors per text; {vectors}")
    names = [f"{s // 1_000_000}M" if s >= 1_000_000 else f"{s // 1000}k" for s in sizes]
    header = f"{'search':<28} {'mode':<8}" + "".join(
        f" {n + ' p50':>9} {n + ' p95':>9}" for n in names
    )
    if len(sizes) > 1:
        header += f" {'growth':>7}"
    print(header)
    print("-" * len(header))
    print(
        f"keyword (bounded) vs exact ranking, first {PAGE_ROWS}: top20 = share of the exact "
        f"top {PAGE_ROWS} it holds; ties = share of its rows ranking at least as high as the "
        f"exact {PAGE_ROWS}th (equal ranks are ordered by id); score = its ts_rank_cd sum over "
        f"the exact top {PAGE_ROWS}'s"
    )
    print(f"{'':<37}" + "".join(f" {n + ' top20':>10} {'ties':>5} {'score':>5}" for n in names))
    for (m, label), _ in figures[0].items():
        if m == "overlap":
            cells = "".join(
                f" {f[m, label][0]:>10.0%} {f[m, label][1]:>5.0%} {f[m, label][2]:>5.0%}"
                for f in figures
            )
            print(f"{label[:28]:<28} {'overlap':<8}{cells}")
    print("-" * len(header))
    for mode in MODES:
        if not any(m == mode for m, _ in figures[0]):
            why = missing if mode in ("semantic", "hybrid") else "not asked for (--modes)"
            print(f"{'all searches':<28} {mode:<8} n/a: {why}")
            continue
        every: list[list[float]] = [[] for _ in sizes]
        for (m, label), _ in figures[0].items():
            if m != mode:
                continue
            series = [f[m, label] for f in figures]
            for i, values in enumerate(series):
                every[i] += values
            line(label, mode, series)
        line("all searches", mode, every)
        print("-" * len(header))


def line(label: str, mode: str, series: list[list[float]]) -> None:
    """One table line: p50/p95 at each size and the p95 growth over the last step."""
    text = f"{label[:28]:<28} {mode:<8}"
    for values in series:
        text += f" {statistics.median(values):>9.2f} {p95(values):>9.2f}"
    if len(series) > 1:
        text += f" {p95(series[-1]) / p95(series[-2]):>6.1f}x"
    print(text, flush=True)


def cli(argv: list[str] | None = None) -> int:
    """Command line entry point: `python -m bench.bench_search`."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--rounds", type=int, default=20, help="timed runs per search (20)")
    parser.add_argument(
        "--sizes",
        default=",".join(str(s) for s in SIZES),
        help="comma-separated entity counts, ascending (10000,100000; add 1000000 for 1M)",
    )
    parser.add_argument(
        "--modes",
        default=",".join(MODES),
        help="comma-separated modes to time (keyword,exact,semantic,hybrid; semantic and "
        "hybrid need embeddings for every row, the slow part of a 1M load)",
    )
    args = parser.parse_args(argv)
    dsn = os.environ.get("BENCH_DATABASE_URL") or os.environ.get("DATABASE_URL")
    if not dsn:
        print("set BENCH_DATABASE_URL to a PostgreSQL server URL", file=sys.stderr)
        return 2
    sizes = tuple(int(s) for s in args.sizes.split(","))
    modes = tuple(m for m in args.modes.split(",") if m)
    if set(modes) - set(MODES):
        parser.error(f"--modes: choose from {', '.join(MODES)}")
    asyncio.run(main(dsn, args.rounds, sizes, modes))
    return 0


if __name__ == "__main__":
    sys.exit(cli())
