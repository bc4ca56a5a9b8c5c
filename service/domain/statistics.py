"""The statistics.rollup job: counter deltas appended by triggers, added to content_statistics.

Writes never touch content_statistics themselves. Statement-level triggers on interactions,
bookmarks and comments append one row per target to content_statistics_deltas and queue a
statistics.rollup job unless one is queued already (so a burst of writes shares one job),
all in the writer's transaction. A rollup deletes a batch of deltas and adds their sums to
the counters in one statement, inside the job's transaction: a delta is counted once, and a
failed rollup puts its batch back. The migration that creates the table explains the choice
(no shared row to wait on) and the advisory locks.
"""

from __future__ import annotations

import datetime
import logging

from service.jobs.queue import Payload, handler
from service.store.db import Connection
from service.store.queries import statistics as queries

log = logging.getLogger(__name__)

KIND = "statistics.rollup"
# Deltas per rollup: bounds how long the rollup keeps new writers waiting when it holds the
# writers' lock; a full batch queues the next rollup at once.
BATCH_SIZE = 5000
# A rollup that ran while writers were still open queues one more, this much later, for
# their deltas; the wait keeps one long transaction from turning rollups into a busy loop.
FOLLOW_UP_DELAY = datetime.timedelta(seconds=1)


@handler(KIND)
async def roll_up(payload: Payload, conn: Connection) -> None:
    """Add a batch of counter deltas to content_statistics; queue a follow-up when needed."""
    await queries.lock_statistics_rollup(conn)
    # Before the DELETE, in its own statement: the DELETE's snapshot must come after it.
    quiet = await queries.try_lock_statistics_writers(conn)
    result = await queries.roll_up_statistics(conn, max_rows=BATCH_SIZE)
    deltas = result.deltas if result is not None else 0
    if deltas >= BATCH_SIZE:
        await queries.queue_statistics_rollup(conn, delay=datetime.timedelta(0))
    elif quiet is None or not quiet.quiet:
        # A writer still open may have seen this job queued and left its delta to it, and
        # commit after the DELETE above: the follow-up counts it.
        await queries.queue_statistics_rollup(conn, delay=FOLLOW_UP_DELAY)
    if result is not None and deltas:
        log.debug("statistics: %d deltas into %d counters", deltas, result.counters)
