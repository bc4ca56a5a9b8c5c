"""Keeps each process's view of the replica (`Database.status`) current, so that routing a read
(`service.store.db.reader`) never costs a round trip.

A check every REPLICA_CHECK_INTERVAL asks the primary how far its WAL is flushed, then the
replica how far it has replayed. Lag comes from those samples alone (no clock of the servers'
is compared, and an idle primary is not mistaken for a lagging replica): a replica that has
replayed what the primary had flushed at time t is at most `now - t` behind. A replica that is
unreachable, not a standby, or further behind than REPLICA_MAX_LAG gets no reads until a check
finds it fit again.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections import deque
from contextlib import suppress
from typing import Final

from service.store.db import Database, replica_failure
from service.store.queries import replication as replication_queries

log = logging.getLogger("service.store.replica")

# One check's bound per server: a replica that answers slower than this gets no reads.
CHECK_TIMEOUT: Final = 1.0
# Samples kept while the replica falls behind; past them the lag reported is a lower bound.
MAX_SAMPLES: Final = 4096


class LagClock:
    """The primary's flush positions over time, to turn a replay position into seconds."""

    def __init__(self) -> None:
        self.samples: deque[tuple[float, int]] = deque(maxlen=MAX_SAMPLES)

    def sample(self, at: float, flushed: int) -> None:
        """The primary had flushed `flushed` bytes of WAL at monotonic time `at` (or later)."""
        self.samples.append((at, flushed))

    def lag(self, now: float, replayed: int) -> tuple[float, bool]:
        """(seconds, bounded): with bounded, the replica is at most that far behind; without,
        it has replayed none of the samples and is at least about that far behind."""
        samples = self.samples
        covered = None
        while samples and samples[0][1] <= replayed:
            covered = samples.popleft()
        if covered is not None:
            samples.appendleft(covered)  # the newest sample the replica has: keep it
            return max(0.0, now - covered[0]), True
        return (now - samples[0][0], False) if samples else (0.0, False)


async def check(db: Database, clock: LagClock, max_lag: float) -> None:
    """One check of the replica: reachable, a standby, how far replayed, how far behind."""
    replica, status = db.replica, db.status
    if replica is None:
        return
    started = time.monotonic()
    sampled = False
    with suppress(Exception):  # the primary's own failures surface elsewhere
        async with asyncio.timeout(CHECK_TIMEOUT):
            position = await replication_queries.get_wal_position(db.primary)
        if position is not None:
            clock.sample(started, position.flush_lsn)
            sampled = True
    try:
        async with asyncio.timeout(CHECK_TIMEOUT), replica.acquire() as conn:
            row = await replication_queries.get_replay_lsn(conn)  # this server, no fallback
    except Exception as exc:
        if not replica_failure(exc):
            log.exception("replica check failed")
        status.failed(exc)
        return
    was_usable = status.usable
    status.reachable = True
    if row is None or not row.in_recovery or row.replay_lsn is None:
        status.usable = False
        status.error = "not a standby (not in recovery): reads go to the primary"
    elif sampled or status.lag is None:
        lag, bounded = clock.lag(time.monotonic(), row.replay_lsn)
        status.replay_lsn = row.replay_lsn
        status.lag = lag
        status.usable = bounded and lag <= max_lag
        if status.usable:
            status.error = ""
        elif bounded:
            status.error = f"lagging: {lag:.1f} s behind the primary"
        else:  # it has not replayed even the oldest position sampled
            status.error = f"lagging: at least {lag:.1f} s behind the primary"
    else:
        # The primary did not answer: nothing to measure against; serve from the replica as
        # fit as last measured rather than send reads to a primary that is not answering.
        status.replay_lsn = max(status.replay_lsn, row.replay_lsn)
        status.usable = status.lag <= max_lag
    if status.usable != was_usable:
        log.warning("replica %s", "usable again" if status.usable else f"not used: {status.error}")


async def watch(
    db: Database, *, interval: float, max_lag: float, clock: LagClock | None = None
) -> None:
    """Check the replica every `interval` seconds until cancelled (the first after a pause)."""
    clock = clock or LagClock()
    while True:
        await asyncio.sleep(interval)
        await check(db, clock, max_lag)
