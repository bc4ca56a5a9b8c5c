"""Retention: periodic purges, queued by the schedules of service/jobs/schedules.py.

Each job's payload carries its setting (RETENTION_*), written by the workers into its
schedule, so the worker that runs a purge uses the same value as the one that declared it.

Statistics deltas: the statistics rollup deletes every delta it adds up in the same
transaction, so no rolled-up delta is ever left behind to purge. What can go stale is a delta
no rollup picks up (its job died, or was purged before it ran): the deltas job deletes the
stale ones that change no counter (all zero) and queues a rollup for the others, never
deleting a delta that still has to be counted.
"""

from __future__ import annotations

import datetime
import logging

from service.jobs.queue import Payload, PermanentJobError, handler
from service.jobs.schedules import PURGE_AUDIT, PURGE_DELTAS, PURGE_JOBS, PURGE_SESSIONS
from service.store.db import Connection
from service.store.queries import audit as audit_queries
from service.store.queries import schedules as queries

log = logging.getLogger(__name__)


def _age(payload: Payload, unit: str) -> datetime.timedelta:
    value = payload.get(unit)
    if not isinstance(value, int) or isinstance(value, bool) or value < 1:
        raise PermanentJobError(f"the payload needs {unit!r}, a whole number >= 1: {payload!r}")
    return datetime.timedelta(**{unit: value})


@handler(PURGE_SESSIONS)
async def purge_sessions(payload: Payload, conn: Connection) -> None:
    """Delete sessions that ended (revoked or expired) over `days` ago."""
    deleted = await queries.purge_ended_sessions(conn, older_than=_age(payload, "days"))
    log.info("retention: %d ended sessions deleted", deleted)


@handler(PURGE_JOBS)
async def purge_jobs(payload: Payload, conn: Connection) -> None:
    """Delete succeeded, failed and dead jobs that finished over `days` ago."""
    deleted = await queries.purge_finished_jobs(conn, older_than=_age(payload, "days"))
    log.info("retention: %d finished jobs deleted", deleted)


@handler(PURGE_AUDIT)
async def purge_audit(payload: Payload, conn: Connection) -> None:
    """Delete audit events older than `days`."""
    deleted = await audit_queries.purge_audit_events(conn, older_than=_age(payload, "days"))
    log.info("retention: %d audit events deleted", deleted)


@handler(PURGE_DELTAS)
async def purge_deltas(payload: Payload, conn: Connection) -> None:
    """Delete stale empty statistics deltas; queue a rollup when stale ones wait to count."""
    age = _age(payload, "minutes")
    deleted = await queries.purge_empty_statistics_deltas(conn, older_than=age)
    stale = await queries.count_stale_statistics_deltas(conn, older_than=age)
    if stale is not None and stale.stale:
        log.warning("retention: %d statistics deltas wait over %s: rollup queued", stale.stale, age)
        await queries.queue_statistics_rollup(conn)
    log.info("retention: %d empty statistics deltas deleted", deleted)
