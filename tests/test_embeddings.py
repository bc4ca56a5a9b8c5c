"""The embedding model and the embed work: the numpy runtime against sentence-transformers'
vectors, passages, content hashes, the backfill, and failing jobs dead-lettered."""

from __future__ import annotations

import asyncio
import io
import json
import uuid
from pathlib import Path

import asyncpg
import numpy as np
import pytest
from apicheck import run_due_jobs

from service import cli
from service.config import ROOT
from service.domain import embeddings
from service.domain.minilm import DIMENSIONS, MODEL_NAME
from service.jobs import queue as jobs
from service.store.db import Connection

REFERENCE = ROOT / "tests" / "fixtures" / "minilm_reference.json"


@pytest.fixture(scope="module")
def embedder() -> embeddings.Embedder:
    """The embedder on the installed model (loaded once per test process)."""
    return embeddings.Embedder()


def test_the_runtime_matches_sentence_transformers_within_1e_4_cosine() -> None:
    # Vectors computed once by sentence-transformers 6.2 on torch 2.13.0 (CPU) with the same
    # weights; among the sentences are non-ASCII text, search syntax and one over 256 tokens.
    reference = json.loads(REFERENCE.read_text())
    assert reference["model"] == MODEL_NAME
    model = embeddings.shared_model()
    ours = np.asarray(model.encode(reference["sentences"]))
    theirs = np.asarray(reference["vectors"], dtype=np.float32)
    assert ours.shape == theirs.shape == (len(reference["sentences"]), DIMENSIONS)
    cosines = (ours * theirs).sum(axis=1) / np.linalg.norm(theirs, axis=1)
    assert cosines.min() > 1 - 1e-4, cosines
    assert np.allclose(np.linalg.norm(ours, axis=1), 1.0, atol=1e-5)


def test_the_model_loads_once_per_process() -> None:
    assert embeddings.shared_model() is embeddings.shared_model()


async def test_meaning_not_words_brings_texts_together(embedder: embeddings.Embedder) -> None:
    weeping, water, poltergeist = await embedder.embed(
        [
            "A woman who cries near water",
            "La Llorona weeps by the river at night, mourning her drowned children.",
            "A poltergeist throws plates and slams the kitchen doors.",
        ]
    )

    def similarity(a: list[float], b: list[float]) -> float:
        return float(np.dot(a, b))  # unit vectors

    assert similarity(weeping, water) > similarity(weeping, poltergeist) + 0.1


def test_passages_are_sentences_of_one_paragraph_gathered_up_to_the_limit() -> None:
    text = "One. Two two.\n\nThree is a longer sentence! Four?\n\n\n" + "x" * 50
    assert embeddings.passages_of(text, limit=20) == [
        "One. Two two.",
        "Three is a longer sentence!",
        "Four?",
        "x" * 50,
    ]
    assert embeddings.passages_of("  ") == []


def test_the_content_hash_names_the_model_and_the_text() -> None:
    digest = embeddings.content_hash("a grey lady")
    assert len(digest) == 32
    assert digest == embeddings.content_hash("a grey lady")
    assert digest != embeddings.content_hash("a grey lady.")


async def add_ghost(conn: asyncpg.Connection, slug: str, description: str) -> uuid.UUID:
    ghost_id: uuid.UUID = await conn.fetchval(
        "INSERT INTO ghost_entities (slug, name, entity_type, description, danger_level, status)"
        " VALUES ($1, $2, 'spirit', $3, 1, 'draft') RETURNING id",
        slug,
        slug.replace("-", " ").title(),
        description,
    )
    return ghost_id


async def test_the_backfill_embeds_rows_without_embeddings_and_reports_progress(
    conn: asyncpg.Connection, wconn: Connection, embedder: embeddings.Embedder
) -> None:
    # Inserted in SQL: no job was queued for them.
    grey = await add_ghost(conn, "grey-lady", "A lady in grey. She walks the long gallery.")
    await add_ghost(conn, "white-lady", "A lady in white by the castle well.")
    assert await conn.fetchval("SELECT count(*) FROM jobs") == 0
    out = io.StringIO()
    assert await embeddings.backfill(wconn, embedder, out=out) == 2
    assert "embedded 1/2 rows (" in out.getvalue()
    assert out.getvalue().rstrip().endswith("s")
    assert "embedded 2/2 rows in" in out.getvalue()
    assert await conn.fetchval("SELECT count(*) FROM ghost_embeddings") == 2
    passages = await conn.fetch(
        "SELECT position, body FROM passages WHERE ghost_entity_id = $1 ORDER BY position", grey
    )
    assert [(p["position"], p["body"]) for p in passages] == [
        (0, "A lady in grey. She walks the long gallery.")
    ]
    # Nothing left to do; with --all every row is looked at, and unchanged text is skipped.
    assert await embeddings.backfill(wconn, embedder) == 0
    before = await conn.fetchval("SELECT max(updated_at) FROM ghost_embeddings")
    assert await embeddings.backfill(wconn, embedder, everything=True) == 2
    assert await conn.fetchval("SELECT max(updated_at) FROM ghost_embeddings") == before


async def test_an_edit_embeds_again_only_the_passages_that_changed(
    conn: asyncpg.Connection, wconn: Connection, embedder: embeddings.Embedder
) -> None:
    ghost = await add_ghost(conn, "grey-lady", "First part.\n\nSecond part.\n\nThird part.")
    async with wconn.transaction():
        assert (await embeddings.embed_ghost(wconn, ghost, embedder)).embedded == 4
    ids = {r["position"]: r["id"] for r in await conn.fetch("SELECT position, id FROM passages")}
    await conn.execute(
        "UPDATE ghost_entities SET description = 'First part.\n\nSecond, rewritten.' WHERE id = $1",
        ghost,
    )
    async with wconn.transaction():
        # the entity's own text and one passage; the first passage is kept as it was
        assert (await embeddings.embed_ghost(wconn, ghost, embedder)).embedded == 2
    rows = await conn.fetch("SELECT position, id, body FROM passages ORDER BY position")
    assert [(r["position"], r["body"]) for r in rows] == [
        (0, "First part."),
        (1, "Second, rewritten."),
    ]
    assert rows[0]["id"] == ids[0]
    async with wconn.transaction():
        assert (await embeddings.embed_ghost(wconn, ghost, embedder)).embedded == 0


async def test_a_job_that_cannot_embed_is_retried_then_dead(
    conn: asyncpg.Connection, wconn: Connection, migrated_dsn: str, tmp_path: Path
) -> None:
    ghost = await add_ghost(conn, "grey-lady", "A lady in grey.")
    await embeddings.enqueue_ghost(wconn, ghost)
    await conn.execute("UPDATE jobs SET max_attempts = 2")
    broken = embeddings.Embedder(str(tmp_path))  # no model files there
    worker = jobs.Worker(
        migrated_dsn, embeddings.job_handlers(broken), retry_base=0.0, retry_jitter=0.0
    )
    assert await worker.run_next(wconn)
    job = await conn.fetchrow("SELECT status, attempts, last_error FROM jobs")
    assert job is not None and (job["status"], job["attempts"]) == ("queued", 1)
    assert "embedding model is unavailable" in job["last_error"]
    assert await worker.run_next(wconn)
    job = await conn.fetchrow("SELECT status, attempts FROM jobs")
    assert job is not None and (job["status"], job["attempts"]) == ("dead", 2)
    assert await conn.fetchval("SELECT count(*) FROM ghost_embeddings") == 0


async def test_a_queued_embed_job_runs_on_the_registered_handlers(
    conn: asyncpg.Connection, wconn: Connection, pool: asyncpg.Pool, worker: jobs.Worker
) -> None:
    ghost = await add_ghost(conn, "grey-lady", "A lady in grey.")
    await embeddings.enqueue_ghost(wconn, ghost)
    assert await run_due_jobs(worker, wconn, pool) == 1
    assert await conn.fetchval("SELECT count(*) FROM ghost_embeddings") == 1
    # a row deleted before its job ran is simply skipped
    await conn.execute("DELETE FROM ghost_entities")
    await embeddings.enqueue_ghost(wconn, ghost)
    assert await run_due_jobs(worker, wconn, pool) == 1


async def test_make_runs_first_start_queues_a_job_per_row_without_an_embedding(
    conn: asyncpg.Connection, wconn: Connection, pool: asyncpg.Pool, worker: jobs.Worker
) -> None:
    await add_ghost(conn, "grey-lady", "A lady in grey.")
    await add_ghost(conn, "white-lady", "A lady in white.")
    assert await embeddings.enqueue_missing(wconn) == 2
    assert await run_due_jobs(worker, wconn, pool) == 2
    assert await conn.fetchval("SELECT count(*) FROM ghost_embeddings") == 2
    assert await embeddings.enqueue_missing(wconn) == 0


def test_the_embed_command_backfills_with_a_progress_line(
    migrated_dsn: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    async def add() -> None:
        conn = await asyncpg.connect(migrated_dsn)
        try:
            await add_ghost(conn, "grey-lady", "A lady in grey.")
        finally:
            await conn.close()

    asyncio.run(add())
    monkeypatch.setenv("DATABASE_URL", migrated_dsn)
    assert cli.main(["embed"]) == cli.EXIT_ERROR  # nothing asked
    assert cli.main(["embed", "--backfill"]) == 0
    assert "embedded 1/1 rows (" in capsys.readouterr().err
    assert cli.main(["embed", "--backfill"]) == 0
    assert "embedded 0/0 rows" in capsys.readouterr().err
