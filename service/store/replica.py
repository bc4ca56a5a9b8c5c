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

import asyncpg

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


class ReplicaWatch:
    """One process's checks of the replica: the primary's positions sampled through its pool,
    the replica asked on a connection of the watch's own (a replica pool busy with reads must
    not make the replica look unreachable)."""

    def __init__(self, db: Database, dsn: str, *, max_lag: float) -> None:
        self.db = db
        self.dsn = dsn
        self.max_lag = max_lag
        self.clock = LagClock()
        self._conn: asyncpg.Connection[asyncpg.Record] | None = None

    async def _replayed(self) -> replication_queries.GetReplayLsnRow | None:
        if self._conn is None or self._conn.is_closed():
            # No prepared statements: the replica may sit behind a transaction-mode PgBouncer.
            self._conn = await asyncpg.connect(self.dsn, statement_cache_size=0)
        return await replication_queries.get_replay_lsn(self._conn)

    async def check(self) -> None:
        """One check: the replica reachable, a standby, how far replayed, how far behind."""
        db, status, max_lag = self.db, self.db.status, self.max_lag
        started = time.monotonic()
        sampled = False
        with suppress(Exception):  # the primary's own failures surface elsewhere
            async with asyncio.timeout(CHECK_TIMEOUT):
                position = await replication_queries.get_wal_position(db.primary)
            if position is not None:
                self.clock.sample(started, position.flush_lsn)
                sampled = True
        try:
            async with asyncio.timeout(CHECK_TIMEOUT):
                row = await self._replayed()
        except Exception as exc:
            if not replica_failure(exc):
                log.exception("replica check failed")
            await self.close()
            status.failed(exc)
            return
        was_usable = status.usable
        status.reachable = True
        if row is None or not row.in_recovery or row.replay_lsn is None:
            status.usable = False
            status.error = "not a standby (not in recovery): reads go to the primary"
        elif sampled or status.lag is None:
            lag, bounded = self.clock.lag(time.monotonic(), row.replay_lsn)
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
            # The primary did not answer: nothing to measure against; serve from the replica
            # as fit as last measured rather than send reads to a primary that is not answering.
            status.replay_lsn = max(status.replay_lsn, row.replay_lsn)
            status.usable = status.lag <= max_lag
        if status.usable != was_usable:
            log.warning(
                "replica %s", "usable again" if status.usable else f"not used: {status.error}"
            )

    async def run(self, interval: float) -> None:
        """Check every `interval` seconds until cancelled (the first after a pause)."""
        while True:
            await asyncio.sleep(interval)
            await self.check()

    async def close(self) -> None:
        """Close the watch's replica connection."""
        conn, self._conn = self._conn, None
        if conn is not None:
            with suppress(Exception):
                await asyncio.wait_for(conn.close(), CHECK_TIMEOUT)
            if not conn.is_closed():
                conn.terminate()
