"""Periodic jobs: schedules stored in PostgreSQL (job_schedules), queued once per due run.

A schedule queues one job of its kind every `every`. Each job worker writes the schedules it
knows when it starts (`declare`: the retention jobs, with their settings as payloads) and, on
every sweep, calls `enqueue_due` for the kinds it handles: one statement claims the due rows
under SKIP LOCKED, moves their next run one interval on and queues their jobs, so however many
workers sweep at the same moment, each due run is queued exactly once; the queue then runs
each job once. Schedules are intervals rather than cron expressions: the retention jobs need
nothing finer, and the next run is always now plus the interval (a worker that was down for a
day runs each overdue schedule once, not once per missed interval).
"""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from service.config import Settings
from service.store.db import Executor, JSONValue
from service.store.queries import schedules as queries

log = logging.getLogger(__name__)

# The retention jobs (handlers: service/domain/retention.py).
PURGE_SESSIONS = "retention.sessions"
PURGE_JOBS = "retention.jobs"
PURGE_AUDIT = "retention.audit"
PURGE_DELTAS = "retention.statistics_deltas"
# Orphaned media files (handler: service/domain/media.py).
PURGE_MEDIA = "retention.media"


@dataclass(frozen=True)
class Schedule:
    """Queue a job of `kind` with `payload` every `every`; `name` identifies the schedule."""

    name: str
    kind: str
    every: datetime.timedelta
    payload: dict[str, JSONValue] = field(default_factory=dict)


def retention_schedules(settings: Settings) -> list[Schedule]:
    """The retention jobs, each every RETENTION_INTERVAL, with its setting as its payload."""
    every = datetime.timedelta(seconds=settings.retention_interval)
    return [
        Schedule(PURGE_SESSIONS, PURGE_SESSIONS, every, {"days": settings.retention_sessions_days}),
        Schedule(PURGE_JOBS, PURGE_JOBS, every, {"days": settings.retention_jobs_days}),
        Schedule(PURGE_AUDIT, PURGE_AUDIT, every, {"days": settings.retention_audit_days}),
        Schedule(PURGE_DELTAS, PURGE_DELTAS, every, {"minutes": settings.retention_deltas_minutes}),
        # The directory of the local media store (a store on shared storage or S3 would be
        # named here instead).
        Schedule(PURGE_MEDIA, PURGE_MEDIA, every, {"root": str(settings.media_path)}),
    ]


async def declare(db: Executor, schedules: Iterable[Schedule]) -> None:
    """Write `schedules` (new ones are due at once; changed ones take their new interval)."""
    for schedule in schedules:
        await queries.upsert_job_schedule(
            db,
            name=schedule.name,
            kind=schedule.kind,
            run_every=schedule.every,
            payload=schedule.payload,
        )


async def enqueue_due(db: Executor, kinds: Sequence[str]) -> int:
    """Queue one job for each due schedule of `kinds`; how many were queued."""
    if not kinds:
        return 0
    rows = await queries.enqueue_due_schedules(db, kinds=list(kinds))
    for row in rows:
        log.info("schedule: queued %s job %s", row.kind, row.id)
    return len(rows)
