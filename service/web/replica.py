"""Read-your-writes over a streaming replica, and reads that survive the replica failing.

Installed only when DATABASE_REPLICA_URL is set (no cost per request otherwise):

- After a request that may have written (any method but GET, HEAD, OPTIONS) and succeeded, the
  primary's WAL insert position is taken (one round trip, after every commit of the request,
  so it is at or past each of them) and sent as the `gp_lsn` cookie. While a request carries
  it, its reads go to the primary unless the replica has replayed that far (the replica's
  position is known per process, see service/store/replica.py): the client sees its own
  writes at once, everyone else reads from the replica. The cookie lives REPLICA_MAX_LAG
  seconds (plus a check): by then the replica has the write, or is too far behind to be read.
  Clients that drop cookies (a Bearer token alone) read at most REPLICA_MAX_LAG behind.
- A safe request whose replica connection failed mid-way (ReplicaLost) is answered again,
  once, from the primary; single reads already fall back inside ReplicaPool.
"""

from __future__ import annotations

import logging
import math
from typing import Final

from aiohttp import web

from service.config import SETTINGS
from service.store.db import DATABASE, PRIMARY_ONLY, READ_AFTER_LSN, ReplicaLost, replica_failure
from service.store.queries import replication as replication_queries
from service.web.auth import cookie_secure
from service.web.request import Handler

log = logging.getLogger("service.web.replica")

LSN_COOKIE: Final = "gp_lsn"
SAFE_METHODS: Final = frozenset({"GET", "HEAD", "OPTIONS"})


def _read_after(request: web.Request) -> int:
    raw = request.cookies.get(LSN_COOKIE)
    if not raw or len(raw) > 16:
        return 0
    try:
        return int(raw, 16)
    except ValueError:
        return 0


@web.middleware
async def replica_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Route this client's reads to the primary until the replica has its last write."""
    # Requests of one keep-alive connection share a task (and its context): always set.
    token = READ_AFTER_LSN.set(_read_after(request))
    try:
        try:
            response = await handler(request)
        except ReplicaLost:
            if request.method not in SAFE_METHODS:
                raise
            READ_AFTER_LSN.set(PRIMARY_ONLY)
            response = await handler(request)
        if request.method not in SAFE_METHODS and response.status < 400 and not response.prepared:
            await _remember_write(request, response)
        return response
    finally:
        READ_AFTER_LSN.reset(token)


async def _remember_write(request: web.Request, response: web.StreamResponse) -> None:
    database = request.app[DATABASE]
    try:
        position = await replication_queries.get_wal_position(database.primary)
        lsn = PRIMARY_ONLY if position is None else position.insert_lsn
    except Exception as exc:
        if not replica_failure(exc):
            raise
        # The write is committed; without its position, read from the primary for a while.
        log.warning("no WAL position after a write (%r); this client reads the primary", exc)
        lsn = PRIMARY_ONLY
    settings = request.app[SETTINGS]
    response.set_cookie(
        LSN_COOKIE,
        format(lsn, "x"),
        max_age=math.ceil(settings.replica_max_lag + settings.replica_check_interval),
        path="/",
        httponly=True,
        samesite="Lax",
        secure=cookie_secure(request),  # as the session cookie: COOKIE_SECURE, HTTPS, proxies
    )
