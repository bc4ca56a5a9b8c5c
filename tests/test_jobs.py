"""Background jobs against real PostgreSQL: claims, retries, dead letters, crashes, shutdown."""

from __future__ import annotations

import asyncio
import collections
import datetime
import os
import signal
import sys
import time
import uuid
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
import msgspec
import pytest

from service.config import ROOT
from service.jobs import queue as jobs
from service.store.db import Connection, transaction
from service.store.queries import jobs as queries

# Generous bounds that only catch hangs; nothing here measures speed.
NO_HANG = 60.0


async def eventually(check: Callable[[], Awaitable[bool]], what: str) -> None:
    """Wait until `check()` holds, failing after NO_HANG seconds."""
    deadline = time.monotonic() + NO_HANG
    while not await check():
        assert time.monotonic() < deadline, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)


class JobRow(msgspec.Struct, frozen=True):
    """The columns of a jobs row these tests inspect (the service never reads one by id)."""

    id: uuid.UUID
    status: str
    attempts: int
    run_at: datetime.datetime
    locked_at: datetime.datetime | None
    locked_by: str | None
    last_error: str | None
    updated_at: datetime.datetime


async def find_job(db: asyncpg.Pool, job_id: Any) -> JobRow | None:
    row = await db.fetchrow(
        "SELECT id, status, attempts, run_at, locked_at, locked_by, last_error, updated_at"
        " FROM jobs WHERE id = $1",
        job_id,
    )
    return None if row is None else JobRow(*row)


async def job(db: asyncpg.Pool, job_id: Any) -> JobRow:
    row = await find_job(db, job_id)
    assert row is not None
    return row


async def status_counts(db: asyncpg.Pool) -> dict[str, int]:
    rows = await db.fetch("SELECT status, count(*) FROM jobs GROUP BY status")
    return {status: count for status, count in rows}


def make_worker(dsn: str, handlers: dict[str, jobs.Handler], **options: Any) -> jobs.Worker:
    """A worker with test-friendly defaults: quick polls, no jitter."""
    settings: dict[str, Any] = {"poll_interval": 0.1, "retry_jitter": 0.0, **options}
    return jobs.Worker(dsn, handlers, **settings)


async def noop(payload: jobs.Payload, conn: Connection) -> None:
    """A handler that does nothing."""


async def test_no_job_runs_twice_with_racing_workers(migrated_dsn: str, pool: asyncpg.Pool) -> None:
    total, workers = 3000, 4
    await pool.execute("CREATE TABLE job_runs (n integer NOT NULL, worker text NOT NULL)")
    calls: collections.Counter[int] = collections.Counter()

    def tracked(worker_id: str) -> jobs.Handler:
        async def run(payload: jobs.Payload, conn: Connection) -> None:
            n = payload["n"]
            assert isinstance(n, int)
            calls[n] += 1
            await conn.execute("INSERT INTO job_runs (n, worker) VALUES ($1, $2)", n, worker_id)
            await asyncio.sleep(0)  # let the other workers race for the next claim

        return run

    racing = [
        make_worker(migrated_dsn, {"test.track": tracked(f"w{i}")}, worker_id=f"w{i}")
        for i in range(workers)
    ]
    tasks = [asyncio.create_task(worker.run()) for worker in racing]
    await jobs.enqueue_many(pool, "test.track", [{"n": n} for n in range(total)])

    async def all_done() -> bool:
        return (await status_counts(pool)).get("succeeded") == total

    await eventually(all_done, "every job to succeed")
    for worker in racing:
        worker.stop()
    await asyncio.wait_for(asyncio.gather(*tasks), NO_HANG)

    assert calls == dict.fromkeys(range(total), 1), "a handler ran more than once"
    runs = await pool.fetch("SELECT n, worker FROM job_runs")
    assert sorted(row["n"] for row in runs) == list(range(total))
    assert await status_counts(pool) == {"succeeded": total}
    assert await pool.fetchval("SELECT max(attempts) FROM jobs") == 1
    # Each job's locked_by names the worker whose handler wrote its row.
    mismatched = await pool.fetchval(
        "SELECT count(*) FROM jobs AS j JOIN job_runs AS r ON (j.payload ->> 'n')::int = r.n"
        " WHERE j.locked_by <> r.worker"
    )
    assert mismatched == 0
    per_worker = collections.Counter(row["worker"] for row in runs)
    assert len(per_worker) > 1, f"no race took place: {per_worker}"


KILLABLE_WORKER = """
import asyncio, sys
from service.jobs import queue as jobs

async def slow(payload, conn):
    await conn.execute("INSERT INTO job_effects (note) VALUES ('doomed run')")
    print("started", flush=True)
    await asyncio.sleep(3600)

worker = jobs.Worker(sys.argv[1], {"test.slow": slow}, worker_id="doomed", poll_interval=0.1)
asyncio.run(jobs.serve(worker))
"""


async def start_script(script: str, dsn: str) -> asyncio.subprocess.Process:
    return await asyncio.create_subprocess_exec(
        sys.executable, "-c", script, dsn, cwd=ROOT, stdout=asyncio.subprocess.PIPE
    )


async def test_worker_killed_mid_job_loses_nothing(migrated_dsn: str, pool: asyncpg.Pool) -> None:
    await pool.execute("CREATE TABLE job_effects (note text NOT NULL)")
    job_id = await jobs.enqueue(pool, "test.slow", {"story": 7})
    doomed = await start_script(KILLABLE_WORKER, migrated_dsn)
    try:
        assert doomed.stdout is not None
        assert await asyncio.wait_for(doomed.stdout.readline(), NO_HANG) == b"started\n"
    finally:
        doomed.kill()
        await doomed.wait()
    killed = await job(pool, job_id)
    assert (killed.status, killed.attempts, killed.locked_by) == ("running", 1, "doomed")

    ran: list[jobs.Payload] = []

    async def quick(payload: jobs.Payload, conn: Connection) -> None:
        ran.append(payload)
        await conn.execute("INSERT INTO job_effects (note) VALUES ('second run')")

    rescuer = make_worker(migrated_dsn, {"test.slow": quick}, lock_timeout=0.2)
    task = asyncio.create_task(rescuer.run())

    async def done() -> bool:
        return (await job(pool, job_id)).status == "succeeded"

    await eventually(done, "the orphaned job to be re-run")
    rescuer.stop()
    await asyncio.wait_for(task, NO_HANG)

    finished = await job(pool, job_id)
    assert (finished.attempts, finished.locked_by) == (2, rescuer.id)
    assert ran == [{"story": 7}]
    # The killed run's writes died with its transaction.
    assert [row["note"] for row in await pool.fetch("SELECT note FROM job_effects")] == [
        "second run"
    ]


async def test_stale_sweep_spares_a_job_whose_worker_still_holds_it(
    pool: asyncpg.Pool, wconn: Connection
) -> None:
    job_id = await jobs.enqueue(pool, "test.slow", {})
    claimed = await queries.claim_job(wconn, worker_id="alive", kinds=["test.slow"])
    assert claimed is not None and claimed.id == job_id
    no_wait = datetime.timedelta(0)
    async with transaction(wconn):
        assert await queries.lock_running_job(wconn, id=job_id, worker_id="alive") is not None
        # The row lock marks the worker as alive, however long ago the job was claimed.
        assert await queries.requeue_stale_jobs(pool, lock_timeout=no_wait) == []
    # Transaction over and the job still running: as if the worker had died.
    [requeued] = await queries.requeue_stale_jobs(pool, lock_timeout=no_wait)
    assert (requeued.id, requeued.status, requeued.attempts) == (job_id, "queued", 1)
    row = await job(pool, job_id)
    assert (row.locked_by, row.locked_at) == (None, None)
    assert row.last_error == "worker alive stopped while running the job"
    # The dead worker can no longer record an outcome for it.
    assert await queries.complete_job(pool, id=job_id, worker_id="alive") == 0


async def test_stale_job_on_its_last_attempt_is_dead(pool: asyncpg.Pool, wconn: Connection) -> None:
    job_id = await jobs.enqueue(pool, "test.slow", {}, max_attempts=1)
    assert await queries.claim_job(wconn, worker_id="gone", kinds=["test.slow"]) is not None
    [row] = await queries.requeue_stale_jobs(pool, lock_timeout=datetime.timedelta(0))
    assert (row.id, row.status) == (job_id, "dead")
    dead = await job(pool, job_id)
    assert dead.locked_by == "gone" and dead.last_error is not None


async def test_failing_job_backs_off_exponentially_then_is_dead(
    migrated_dsn: str, pool: asyncpg.Pool, wconn: Connection
) -> None:
    await pool.execute("CREATE TABLE job_effects (note text NOT NULL)")

    async def failing(payload: jobs.Payload, conn: Connection) -> None:
        await conn.execute("INSERT INTO job_effects (note) VALUES ('half done')")
        raise ValueError(f"boom {payload['n']}")

    worker = make_worker(
        migrated_dsn, {"test.fail": failing}, retry_base=10.0, retry_max=25.0, worker_id="w"
    )
    job_id = await jobs.enqueue(pool, "test.fail", {"n": 1}, max_attempts=5)
    delays = []
    for attempt in range(1, 5):
        assert await worker.run_next(wconn)
        row = await job(pool, job_id)
        assert (row.status, row.attempts, row.locked_by) == ("queued", attempt, None)
        delays.append((row.run_at - row.updated_at).total_seconds())
        assert "ValueError: boom 1" in (row.last_error or "")
        # Not due yet: nothing to claim until its run_at passes.
        assert not await worker.run_next(wconn)
        await pool.execute("UPDATE jobs SET run_at = now() WHERE id = $1", job_id)
    assert delays == [10.0, 20.0, 25.0, 25.0]  # doubling, capped at retry_max

    assert await worker.run_next(wconn)
    dead = await job(pool, job_id)
    assert (dead.status, dead.attempts, dead.locked_by) == ("dead", 5, "w")
    assert "ValueError: boom 1" in (dead.last_error or "")
    assert "Traceback" in (dead.last_error or "")
    assert not await worker.run_next(wconn)
    # Every failed attempt's writes were rolled back.
    assert await pool.fetchval("SELECT count(*) FROM job_effects") == 0


async def test_permanent_error_fails_the_job_at_once(
    migrated_dsn: str, pool: asyncpg.Pool, wconn: Connection
) -> None:
    async def rejecting(payload: jobs.Payload, conn: Connection) -> None:
        raise jobs.PermanentJobError("ghost 42 no longer exists")

    worker = make_worker(migrated_dsn, {"test.reject": rejecting})
    job_id = await jobs.enqueue(pool, "test.reject", {})
    assert await worker.run_next(wconn)
    row = await job(pool, job_id)
    assert (row.status, row.attempts) == ("failed", 1)
    assert "ghost 42 no longer exists" in (row.last_error or "")


@pytest.mark.parametrize(
    "attempts,rand,expected",
    [
        (1, 0.5, 10.0),
        (3, 0.5, 40.0),
        (3, 0.0, 36.0),  # -10 %
        (3, 1.0, 44.0),  # +10 %
        (20, 1.0, 3600.0),  # capped, jitter included
        (100, 0.0, 3240.0),  # huge exponents do not overflow; jitter still spreads
    ],
)
def test_retry_delay_doubles_with_jitter_and_a_cap(
    attempts: int, rand: float, expected: float
) -> None:
    delay = jobs.retry_delay(attempts, base=10.0, cap=3600.0, jitter=0.1, rand=lambda: rand)
    assert delay == pytest.approx(expected)


async def test_job_outcome_commits_with_the_handlers_writes(
    migrated_dsn: str, pool: asyncpg.Pool, wconn: Connection
) -> None:
    await pool.execute("CREATE TABLE job_effects (note text NOT NULL)")

    async def writing(payload: jobs.Payload, conn: Connection) -> None:
        await conn.execute("INSERT INTO job_effects (note) VALUES ($1)", payload["note"])

    worker = make_worker(migrated_dsn, {"test.write": writing})
    job_id = await jobs.enqueue(pool, "test.write", {"note": "kept"})
    assert await worker.run_next(wconn)
    assert (await job(pool, job_id)).status == "succeeded"
    assert [row["note"] for row in await pool.fetch("SELECT note FROM job_effects")] == ["kept"]


async def test_enqueue_belongs_to_the_callers_transaction(
    pool: asyncpg.Pool, conn: asyncpg.Connection
) -> None:
    heard: list[str] = []  # `conn` listens like an idle worker
    await conn.add_listener(jobs.CHANNEL, lambda *args: heard.append(args[3]))
    with pytest.raises(RuntimeError, match="write failed"):
        async with transaction(pool) as tx:
            await jobs.enqueue(tx, "test.lost", {})
            raise RuntimeError("write failed")
    assert await status_counts(pool) == {}

    async with transaction(pool) as tx:
        job_id = await jobs.enqueue(tx, "test.kept", {})
        assert await find_job(pool, job_id) is None  # invisible until commit
    assert (await job(pool, job_id)).status == "queued"

    async def notified() -> bool:
        return bool(heard)

    # Notifications arrive in commit order: had the rolled-back one been sent, it came first.
    await eventually(notified, "the committed job's NOTIFY")
    assert heard == ["test.kept"]


async def test_claim_order_kinds_and_schedule(pool: asyncpg.Pool, wconn: Connection) -> None:
    later = datetime.datetime.now(datetime.UTC) + datetime.timedelta(hours=1)
    low = await jobs.enqueue(pool, "test.a", {}, priority=-5)
    first = await jobs.enqueue(pool, "test.a", {})
    second = await jobs.enqueue(pool, "test.a", {})
    urgent = await jobs.enqueue(pool, "test.a", {}, priority=10)
    await jobs.enqueue(pool, "test.a", {}, priority=100, run_at=later)
    await jobs.enqueue(pool, "test.other", {}, priority=100)

    claimed = []
    while row := await queries.claim_job(wconn, worker_id="w", kinds=["test.a"]):
        claimed.append(row.id)
    # Highest priority first, then oldest; not before run_at; only the kinds asked for.
    assert claimed == [urgent, first, second, low]


async def wait_until_idle(pool: asyncpg.Pool, worker: jobs.Worker) -> None:
    """Wait until `worker` has found no job and sleeps (its last statement was a claim)."""

    async def idle() -> bool:
        query: str | None = await pool.fetchval(
            "SELECT query FROM pg_stat_activity WHERE application_name = $1 AND state = 'idle'",
            f"job-worker {worker.id}"[:63],
        )
        return query is not None and "SKIP LOCKED" in query

    await eventually(idle, "the worker to go idle")


async def test_notify_wakes_an_idle_worker_before_the_next_poll(
    migrated_dsn: str, pool: asyncpg.Pool
) -> None:
    done = asyncio.Event()

    async def signal_done(payload: jobs.Payload, conn: Connection) -> None:
        done.set()

    worker = make_worker(migrated_dsn, {"test.wake": signal_done}, poll_interval=30.0)
    task = asyncio.create_task(worker.run())
    try:
        await wait_until_idle(pool, worker)
        started = time.monotonic()
        async with transaction(pool) as conn:
            await jobs.enqueue(conn, "test.wake", {})
        await asyncio.wait_for(done.wait(), 10.0)
        # Well inside the 30 s poll interval: the NOTIFY woke it.
        assert time.monotonic() - started < 10.0
    finally:
        worker.stop()
        await asyncio.wait_for(task, NO_HANG)


async def test_worker_reconnects_after_losing_its_connection(
    migrated_dsn: str, pool: asyncpg.Pool
) -> None:
    done = asyncio.Event()

    async def signal_done(payload: jobs.Payload, conn: Connection) -> None:
        done.set()

    worker = make_worker(migrated_dsn, {"test.after": signal_done})
    task = asyncio.create_task(worker.run())
    try:
        await wait_until_idle(pool, worker)
        terminated = await pool.fetchval(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE application_name = $1",
            f"job-worker {worker.id}"[:63],
        )
        assert terminated == 1
        await jobs.enqueue(pool, "test.after", {})
        await asyncio.wait_for(done.wait(), NO_HANG)
        assert not task.done()
    finally:
        worker.stop()
        await asyncio.wait_for(task, NO_HANG)


async def test_stop_lets_the_current_job_finish(migrated_dsn: str, pool: asyncpg.Pool) -> None:
    started, proceed = asyncio.Event(), asyncio.Event()

    async def gated(payload: jobs.Payload, conn: Connection) -> None:
        started.set()
        await proceed.wait()

    worker = make_worker(migrated_dsn, {"test.gated": gated}, stop_timeout=NO_HANG)
    task = asyncio.create_task(worker.run())
    job_id = await jobs.enqueue(pool, "test.gated", {})
    await asyncio.wait_for(started.wait(), NO_HANG)
    worker.stop()
    await jobs.enqueue(pool, "test.gated", {})  # left for another worker
    await asyncio.sleep(0.1)
    assert not task.done(), "stop() abandoned a running job"
    proceed.set()
    await asyncio.wait_for(task, NO_HANG)
    assert (await job(pool, job_id)).status == "succeeded"
    assert await status_counts(pool) == {"queued": 1, "succeeded": 1}


async def test_stop_releases_a_job_that_outlives_the_grace_period(
    migrated_dsn: str, pool: asyncpg.Pool
) -> None:
    await pool.execute("CREATE TABLE job_effects (note text NOT NULL)")
    started = asyncio.Event()

    async def endless(payload: jobs.Payload, conn: Connection) -> None:
        await conn.execute("INSERT INTO job_effects (note) VALUES ('partial')")
        started.set()
        await asyncio.Event().wait()

    worker = make_worker(migrated_dsn, {"test.endless": endless}, stop_timeout=0.2)
    task = asyncio.create_task(worker.run())
    job_id = await jobs.enqueue(pool, "test.endless", {})
    await asyncio.wait_for(started.wait(), NO_HANG)
    worker.stop()
    await asyncio.wait_for(task, NO_HANG)

    released = await job(pool, job_id)
    assert (released.status, released.attempts, released.locked_by) == ("queued", 0, None)
    assert await pool.fetchval("SELECT count(*) FROM job_effects") == 0


async def test_worker_command_stops_on_sigterm(migrated_dsn: str) -> None:
    env = {
        **os.environ,
        "DATABASE_URL": migrated_dsn,
        "REDIS_URL": "redis://127.0.0.1:1/0",  # unused by the worker; set so none is started
        "JOB_POLL_INTERVAL": "0.1",
    }
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "service", "worker", cwd=ROOT, env=env, stderr=asyncio.subprocess.PIPE
    )
    try:
        assert process.stderr is not None
        line = await asyncio.wait_for(process.stderr.readline(), NO_HANG)
        assert b"job worker" in line and b"started" in line, line
    finally:
        process.send_signal(signal.SIGTERM)
        output = await asyncio.wait_for(process.stderr.read(), NO_HANG)  # type: ignore[union-attr]
        assert await asyncio.wait_for(process.wait(), NO_HANG) == 0, output
    assert b"stopped" in output


def test_handler_decorator_registers_each_kind_once() -> None:
    @jobs.handler("test.registered")
    async def registered(payload: jobs.Payload, conn: Connection) -> None:
        """A registered handler."""

    try:
        assert jobs.HANDLERS["test.registered"] is registered
        with pytest.raises(ValueError, match="already registered"):
            jobs.handler("test.registered")(noop)
    finally:
        del jobs.HANDLERS["test.registered"]
