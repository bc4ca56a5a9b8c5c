"""Background jobs: a PostgreSQL queue, enqueued in the caller's transaction, run by workers.

A job is queued with `enqueue(conn, kind, payload)` inside the transaction of the write that
needs it, so it exists exactly when that write commits; the NOTIFY sent with it is delivered on
commit and wakes idle workers at once (they also poll every `poll_interval`).

A `Worker` claims one due job at a time with `FOR UPDATE SKIP LOCKED` (committed at once:
status running, attempts + 1, locked_by), then runs its handler in a transaction that holds the
job's row lock and marks the job succeeded, so the handler's writes commit together with the
success. When the handler raises, that transaction and its writes are rolled back and the job
is retried after `retry_base * 2**(attempts - 1)` seconds (±`retry_jitter`, at most
`retry_max`), or marked `dead` once `max_attempts` attempts failed; `PermanentJobError` marks
it `failed` at once. `last_error` keeps the traceback. A job whose worker died (running,
claimed over `lock_timeout` ago, row no longer locked) is re-queued, or marked dead on its last
attempt, by whichever worker sweeps next; every worker sweeps at start and every
`poll_interval`. `stop()` (SIGTERM/SIGINT under `python -m service worker`) lets the current
job finish for `stop_timeout` seconds, then cancels it and releases it to the queue without
counting the attempt.

Workers claim only kinds they have handlers for, so a worker of an older release leaves new
kinds to newer workers; a job of a kind no worker handles stays queued.
"""

from __future__ import annotations

import asyncio
import datetime
import importlib
import logging
import os
import random
import secrets
import signal
import socket
import traceback
import uuid
from collections.abc import Awaitable, Callable, Mapping, Sequence
from contextlib import suppress
from typing import TypeAlias, cast

import asyncpg

from service.config import Settings
from service.jobs import schedules as periodic
from service.store import insight
from service.store.db import (
    Connection,
    Executor,
    JSONValue,
    init_connection,
    lock_timeout_settings,
    transaction,
)
from service.store.queries import jobs as queries

__all__ = [
    "CHANNEL",
    "HANDLERS",
    "HANDLER_MODULES",
    "Handler",
    "Payload",
    "PermanentJobError",
    "Worker",
    "enqueue",
    "enqueue_many",
    "handler",
    "load_handlers",
    "main",
    "retry_delay",
    "serve",
]

log = logging.getLogger(__name__)

CHANNEL = "jobs"
Payload: TypeAlias = dict[str, JSONValue]
Handler: TypeAlias = Callable[[Payload, Connection], Awaitable[None]]

# kind -> handler, filled by @handler; the default registry of every Worker.
HANDLERS: dict[str, Handler] = {}
# Modules whose import registers handlers; `python -m service worker` imports them first.
HANDLER_MODULES: tuple[str, ...] = (
    "service.domain.statistics",
    "service.domain.recommendations",
    "service.domain.retention",
    "service.domain.media",
    "service.domain.embeddings",
)

# last_error keeps the end of the traceback, where the exception message is.
MAX_ERROR_CHARS = 8000
# Seconds between connection attempts after the database went away.
RECONNECT_DELAY = 2.0
# Connection failures worth retrying (server starting, restarting or out of reach).
CONNECT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    asyncpg.CannotConnectNowError,
    asyncpg.TooManyConnectionsError,
    asyncpg.AdminShutdownError,
)


class PermanentJobError(Exception):
    """Raised by a handler for an error no retry can fix: the job is marked failed at once."""


def handler(kind: str) -> Callable[[Handler], Handler]:
    """Register the decorated coroutine function as the handler of jobs of `kind`."""

    def register(function: Handler) -> Handler:
        if kind in HANDLERS:
            raise ValueError(f"a handler for job kind {kind!r} is already registered")
        HANDLERS[kind] = function
        return function

    return register


def load_handlers() -> None:
    """Import the modules listed in HANDLER_MODULES so their handlers are registered."""
    for module in HANDLER_MODULES:
        importlib.import_module(module)


async def enqueue(
    db: Executor,
    kind: str,
    payload: Payload,
    *,
    priority: int = 0,
    run_at: datetime.datetime | None = None,
    max_attempts: int = 5,
) -> uuid.UUID:
    """Queue a job on `db` (pass the transaction's connection); workers are woken on commit."""
    row = await queries.enqueue_job(
        db,
        kind=kind,
        payload=payload,
        priority=priority,
        run_at=run_at,
        max_attempts=max_attempts,
    )
    if row is None:  # an INSERT ... RETURNING always yields its row
        raise RuntimeError("EnqueueJob returned no row")
    return row.id


async def enqueue_many(
    db: Executor,
    kind: str,
    payloads: Sequence[Payload],
    *,
    priority: int = 0,
    run_at: datetime.datetime | None = None,
    max_attempts: int = 5,
) -> int:
    """Queue one job of `kind` per payload in one statement; returns how many were queued."""
    return await queries.enqueue_jobs(
        db,
        kind=kind,
        payloads=list(payloads),
        priority=priority,
        run_at=run_at,
        max_attempts=max_attempts,
    )


def retry_delay(
    attempts: int,
    *,
    base: float,
    cap: float,
    jitter: float,
    rand: Callable[[], float] = random.random,
) -> float:
    """Seconds before retrying after failed attempt number `attempts` (1-based)."""
    # min() before the power would still overflow for large attempts; floats reach inf safely.
    delay = min(cap, base * 2.0 ** (attempts - 1))
    # Jitter spreads retries of jobs that failed together (e.g. during an outage).
    return max(0.0, min(cap, delay * (1.0 + jitter * (2.0 * rand() - 1.0))))


def describe_error(exc: BaseException) -> str:
    """The traceback of `exc` as stored in last_error (its tail, when very long)."""
    return "".join(traceback.format_exception(exc))[-MAX_ERROR_CHARS:]


class Worker:
    """Claims and runs jobs one at a time on its own connection, until `stop()`."""

    def __init__(
        self,
        dsn: str,
        handlers: Mapping[str, Handler] | None = None,
        *,
        worker_id: str | None = None,
        poll_interval: float = 5.0,
        lock_timeout: float = 60.0,
        retry_base: float = 10.0,
        retry_max: float = 3600.0,
        retry_jitter: float = 0.1,
        stop_timeout: float = 30.0,
        db_lock_timeout: float | None = None,
        schedules: Sequence[periodic.Schedule] = (),
    ) -> None:
        self.dsn = dsn
        # A job blocked on a lock holds its claim, and its worker runs one job at a time: the
        # wait is bounded (JOB_DB_LOCK_TIMEOUT), then the job fails and is retried later.
        self.db_lock_timeout = db_lock_timeout
        # Periodic jobs this worker declares at start; due runs of the kinds it handles are
        # queued by whichever worker sweeps first (service/jobs/schedules.py).
        self.schedules = tuple(schedules)
        self.handlers: Mapping[str, Handler] = HANDLERS if handlers is None else handlers
        self.id = worker_id or f"{socket.gethostname()}:{os.getpid()}:{secrets.token_hex(3)}"
        self.poll_interval = poll_interval
        self.lock_timeout = lock_timeout
        self.retry_base = retry_base
        self.retry_max = retry_max
        self.retry_jitter = retry_jitter
        self.stop_timeout = stop_timeout
        self._wake = asyncio.Event()
        self._stopping = asyncio.Event()
        self._stop_deadline: float | None = None
        self._job_timeout: asyncio.Timeout | None = None

    @classmethod
    def from_settings(
        cls, settings: Settings, handlers: Mapping[str, Handler] | None = None
    ) -> Worker:
        """A worker configured by the JOB_* settings, on JOBS_DATABASE_URL or DATABASE_URL."""
        return cls(
            # A session of its own (LISTEN): not through a transaction-pooling PgBouncer.
            settings.jobs_database_url or settings.database_url,
            handlers,
            poll_interval=settings.job_poll_interval,
            lock_timeout=settings.job_lock_timeout,
            retry_base=settings.job_retry_base,
            retry_max=settings.job_retry_max,
            stop_timeout=settings.job_stop_timeout,
            db_lock_timeout=settings.job_db_lock_timeout,
            schedules=periodic.retention_schedules(settings),
        )

    def stop(self) -> None:
        """Stop after the current job; past `stop_timeout` it is cancelled and released.

        Call it on the worker's event loop (a signal handler installed with
        `loop.add_signal_handler` qualifies). A second call releases the current job at once.
        """
        now = asyncio.get_running_loop().time()
        self._stop_deadline = now if self._stopping.is_set() else now + self.stop_timeout
        self._stopping.set()
        self._wake.set()
        if self._job_timeout is not None:
            self._job_timeout.reschedule(self._stop_deadline)

    async def run(self) -> None:
        """Claim and run jobs until `stop()`; reconnect whenever the database goes away."""
        log.info("job worker %s started (kinds: %s)", self.id, ", ".join(sorted(self.handlers)))
        if not self.handlers:
            log.warning("job worker %s has no handlers registered: it will claim nothing", self.id)
        while not self._stopping.is_set():
            try:
                # The application name tells job workers apart in pg_stat_activity.
                conn = await asyncpg.connect(
                    self.dsn,
                    server_settings={
                        "application_name": f"job-worker {self.id}"[:63],
                        **(lock_timeout_settings(self.db_lock_timeout) or {}),
                    },
                )
            except CONNECT_ERRORS as exc:
                log.warning("job worker %s cannot connect (%r); retrying", self.id, exc)
                await self._pause(RECONNECT_DELAY)
                continue
            try:
                await init_connection(conn)
                await self._work(conn)
            except Exception as exc:
                # A closed connection means the server or network went away, not a bug.
                if not conn.is_closed():
                    raise
                log.warning("job worker %s lost its connection (%r); reconnecting", self.id, exc)
                await self._pause(RECONNECT_DELAY)
            finally:
                await _close(conn)
        log.info("job worker %s stopped", self.id)

    async def _work(self, conn: Connection) -> None:
        await conn.add_listener(CHANNEL, self._on_notify)
        loop = asyncio.get_running_loop()
        next_sweep = loop.time()
        await periodic.declare(conn, self.schedules)
        while not self._stopping.is_set():
            if loop.time() >= next_sweep:
                await self.requeue_stale(conn)
                await periodic.enqueue_due(conn, list(self.handlers))
                next_sweep = loop.time() + self.poll_interval
            # Cleared before claiming, so a NOTIFY that arrives meanwhile is not missed.
            self._wake.clear()
            if not await self.run_next(conn):
                await self._sleep(self.poll_interval)

    def _on_notify(self, conn: object, pid: int, channel: str, payload: object) -> None:
        if payload in self.handlers:
            self._wake.set()

    async def _sleep(self, seconds: float) -> None:
        """Wait `seconds`, or less when a NOTIFY or `stop()` wakes the worker."""
        with suppress(TimeoutError):
            await asyncio.wait_for(self._wake.wait(), seconds)

    async def _pause(self, seconds: float) -> None:
        """Wait `seconds`, or less when `stop()` is called."""
        with suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def requeue_stale(self, conn: Connection) -> int:
        """Re-queue (or bury) jobs whose worker died mid-run; returns how many."""
        rows = await queries.requeue_stale_jobs(
            conn, lock_timeout=datetime.timedelta(seconds=self.lock_timeout)
        )
        for row in rows:
            log.warning(
                "job %s: its worker stopped while running it (attempt %d); now %s",
                row.id,
                row.attempts,
                row.status,
            )
        return len(rows)

    async def run_next(self, conn: Connection) -> bool:
        """Claim one due job and run it to an outcome; False when no job was due."""
        job = await queries.claim_job(conn, worker_id=self.id, kinds=list(self.handlers))
        if job is None:
            return False
        try:
            # The deadline is None until stop() sets one: then the job has the grace period.
            async with asyncio.timeout_at(self._stop_deadline) as self._job_timeout:
                await self._execute(conn, job)
        except TimeoutError:
            if self._job_timeout is None or not self._job_timeout.expired():
                raise
            # The handler was cancelled and its transaction rolled back: hand the job back.
            await queries.release_job(conn, id=job.id, worker_id=self.id)
            log.warning("job %s (%s) released: not finished before shutdown", job.id, job.kind)
        finally:
            self._job_timeout = None
        return True

    async def _execute(self, conn: Connection, job: queries.ClaimJobRow) -> None:
        run = self.handlers[job.kind]
        # The jobs_payload_check constraint guarantees a JSON object.
        payload = cast(Payload, job.payload)
        try:
            async with transaction(conn):
                # The row lock, held until this transaction ends, keeps the stale sweep away.
                if await queries.lock_running_job(conn, id=job.id, worker_id=self.id) is None:
                    log.warning("job %s was re-queued before its run started; skipped", job.id)
                    return
                await run(payload, conn)
                await queries.complete_job(conn, id=job.id, worker_id=self.id)
        # The handler's writes are rolled back; the failure is recorded on its own. (Between
        # the two the row is unlocked: a sweep may re-queue the job first, and then the
        # update below matches nothing, which is harmless.)
        except PermanentJobError as exc:
            await queries.fail_job(conn, id=job.id, worker_id=self.id, error=describe_error(exc))
            log.error("job %s (%s) failed permanently: %r", job.id, job.kind, exc)
        except Exception as exc:
            delay = retry_delay(
                job.attempts, base=self.retry_base, cap=self.retry_max, jitter=self.retry_jitter
            )
            outcome = await queries.retry_job(
                conn,
                id=job.id,
                worker_id=self.id,
                delay=datetime.timedelta(seconds=delay),
                error=describe_error(exc),
            )
            if outcome is not None and outcome.status == "dead":
                log.error(
                    "job %s (%s) dead after %d attempts: %r", job.id, job.kind, job.attempts, exc
                )
            else:
                log.warning(
                    "job %s (%s) attempt %d failed, retry in %.1f s: %r",
                    job.id,
                    job.kind,
                    job.attempts,
                    delay,
                    exc,
                )


async def _close(conn: Connection) -> None:
    """Close `conn`, or drop it when the server is already gone."""
    try:
        await conn.close(timeout=5)
    except (OSError, asyncpg.InterfaceError):
        conn.terminate()


async def serve(worker: Worker) -> None:
    """Run `worker` until SIGINT or SIGTERM (a second one releases the current job at once)."""
    loop = asyncio.get_running_loop()
    signals = (signal.SIGINT, signal.SIGTERM)
    for signum in signals:
        loop.add_signal_handler(signum, worker.stop)
    try:
        await worker.run()
    finally:
        for signum in signals:
            loop.remove_signal_handler(signum)


def main(settings: Settings) -> int:
    """Process entry point: load handlers and run one worker until signalled."""
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    load_handlers()
    insight.log_queries_slower_than(settings.slow_query_ms)
    asyncio.run(serve(Worker.from_settings(settings)))
    return 0
