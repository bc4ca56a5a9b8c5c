"""Retention: periodic jobs from job_schedules, queued once per due run however many workers
sweep, and what each purge keeps and deletes."""

from __future__ import annotations

import asyncio
import datetime
import os
from pathlib import Path

import asyncpg
import pytest

from service.config import Settings
from service.jobs import queue as jobs
from service.jobs import schedules

RETENTION_KINDS = {
    schedules.PURGE_SESSIONS,
    schedules.PURGE_JOBS,
    schedules.PURGE_AUDIT,
    schedules.PURGE_DELTAS,
    schedules.PURGE_MEDIA,
}


async def _seed(pool: asyncpg.Pool) -> None:
    """Rows each purge should delete ("old") next to rows it should keep ("new")."""
    user = await pool.fetchval(
        "INSERT INTO users (email, username, display_name, password_hash)"
        " VALUES ('old@example.org', 'old_user', 'Old', '!') RETURNING id"
    )
    day = datetime.timedelta(days=1)
    # (user agent, expiry from now, revocation from now or None)
    sessions = [
        ("revoked long ago", -40 * day, -30 * day),
        ("expired long ago", -8 * day, None),
        ("live", day, None),
        ("revoked just now", day, datetime.timedelta(0)),
    ]
    for n, (agent, expires, revoked) in enumerate(sessions):
        await pool.execute(
            "INSERT INTO sessions (user_id, token_hash, expires_at, idle_expires_at, revoked_at,"
            " user_agent) VALUES ($1, $2, now() + $3::interval, now() + $3::interval,"
            " now() + $4::interval, $5)",
            user,
            bytes([n]) * 32,
            expires,
            revoked,
            agent,
        )
    for kind, status, age in [
        ("old.succeeded", "succeeded", 30 * day),
        ("old.dead", "dead", 30 * day),
        ("new.succeeded", "succeeded", day),
        ("old.queued", "queued", 30 * day),
    ]:
        await pool.execute(
            "INSERT INTO jobs (kind, status, run_at, created_at, updated_at)"
            " VALUES ($1, $2, now() + interval '1 year', now() - $3::interval,"
            " now() - $3::interval)",
            kind,
            status,
            age,
        )
    for action, age in [("ghost.created", 400 * day), ("ghost.updated", day)]:
        await pool.execute(
            "INSERT INTO audit_events (action, target_type, created_at)"
            " VALUES ($1, 'ghost', now() - $2::interval)",
            action,
            age,
        )
    ghost = await pool.fetchval(
        "INSERT INTO ghost_entities (slug, name, entity_type, danger_level)"
        " VALUES ('grey-lady', 'Grey Lady', 'apparition', 2) RETURNING id"
    )
    hours = datetime.timedelta(hours=2)
    for views, age in [(0, hours), (3, hours), (0, datetime.timedelta(minutes=1))]:
        await pool.execute(
            "INSERT INTO content_statistics_deltas (ghost_entity_id, view_count, created_at)"
            " VALUES ($1, $2, now() - $3::interval)",
            ghost,
            views,
            age,
        )


async def _run_workers(dsn: str, count: int, data_dir: Path) -> None:
    """Run `count` workers at once until every job is finished, then stop them."""
    # A media directory of the test's own: the sweep deletes files no row refers to.
    settings = Settings(database_url=dsn, job_poll_interval=0.05, data_dir=str(data_dir))
    workers = [jobs.Worker.from_settings(settings) for _ in range(count)]
    tasks = [asyncio.create_task(worker.run()) for worker in workers]
    watcher = await asyncpg.connect(dsn)
    try:
        # Bounded by completion, not by a clock: done once every schedule ran and the queue
        # (rollups the deltas job queued included) is empty. The outer timeout only stops a hang.
        async with asyncio.timeout(120):
            while True:
                pending = await watcher.fetchval(
                    "SELECT count(*) FROM jobs WHERE status IN ('queued', 'running')"
                    " AND run_at <= now()"
                )
                ran = await watcher.fetchval(
                    "SELECT count(*) FROM job_schedules WHERE last_run_at IS NOT NULL"
                )
                if pending == 0 and ran == len(RETENTION_KINDS):
                    break
                await asyncio.sleep(0.05)
    finally:
        await watcher.close()
        for worker in workers:
            worker.stop()
        await asyncio.gather(*tasks)


async def test_each_periodic_job_runs_once_under_two_concurrent_workers(
    migrated_dsn: str, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    jobs.load_handlers()
    await _seed(pool)
    await _run_workers(migrated_dsn, 2, tmp_path)

    ran = await pool.fetch(
        "SELECT kind, count(*) AS runs, bool_and(status = 'succeeded') AS ok FROM jobs"
        " WHERE kind LIKE 'retention.%' GROUP BY kind"
    )
    assert {row["kind"]: (row["runs"], row["ok"]) for row in ran} == {
        kind: (1, True) for kind in RETENTION_KINDS
    }
    due = await pool.fetchval("SELECT count(*) FROM job_schedules WHERE next_run_at <= now()")
    assert due == 0  # the next runs are an interval away

    agents = await pool.fetch("SELECT user_agent FROM sessions ORDER BY user_agent")
    assert [row["user_agent"] for row in agents] == ["live", "revoked just now"]
    kinds = await pool.fetch("SELECT kind FROM jobs WHERE kind NOT LIKE 'retention.%'")
    assert {row["kind"] for row in kinds} == {"new.succeeded", "old.queued", "statistics.rollup"}
    actions = await pool.fetch("SELECT action FROM audit_events")
    assert [row["action"] for row in actions] == ["ghost.updated"]
    # The stale empty delta was deleted; the stale one that counts was added up (with the
    # fresh one) by the rollup the job queued.
    assert await pool.fetchval("SELECT count(*) FROM content_statistics_deltas") == 0
    views = await pool.fetchval("SELECT view_count FROM content_statistics")
    assert views == 3


async def test_a_due_schedule_is_queued_once_by_concurrent_sweeps(
    migrated_dsn: str, pool: asyncpg.Pool, tmp_path: Path
) -> None:
    """Many sweeps at the same moment, each on its own connection: one job per due run."""
    settings = Settings(database_url=migrated_dsn, data_dir=str(tmp_path))
    await schedules.declare(pool, schedules.retention_schedules(settings))
    kinds = sorted(RETENTION_KINDS)
    connections = [await asyncpg.connect(migrated_dsn) for _ in range(min(8, os.cpu_count() or 8))]
    try:
        counts = await asyncio.gather(*(schedules.enqueue_due(conn, kinds) for conn in connections))
    finally:
        for conn in connections:
            await conn.close()
    assert sum(counts) == len(kinds)
    assert await schedules.enqueue_due(pool, kinds) == 0  # none due until an interval passes
    # A changed interval is taken at the next start; a shorter one brings the next run forward.
    shorter = Settings(database_url=migrated_dsn, data_dir=str(tmp_path), retention_interval=1.0)
    await schedules.declare(pool, schedules.retention_schedules(shorter))
    every = await pool.fetch("SELECT DISTINCT run_every FROM job_schedules")
    assert [row["run_every"] for row in every] == [datetime.timedelta(seconds=1)]


@pytest.mark.parametrize(
    ("variable", "value"),
    [
        ("RETENTION_SESSIONS_DAYS", "0"),
        ("RETENTION_JOBS_DAYS", "-1"),
        ("RETENTION_AUDIT_DAYS", "0"),
        ("RETENTION_DELTAS_MINUTES", "0"),
        ("RETENTION_INTERVAL", "0"),
    ],
)
def test_retention_settings_are_checked(variable: str, value: str) -> None:
    from service.config import SettingError

    with pytest.raises(SettingError, match=variable):
        Settings.from_env({variable: value})
