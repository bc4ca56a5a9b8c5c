"""Runtime for the generated query layer: pools, the `Executor` type, transactions, routing.

Generated functions in `service.store.queries` take an `Executor` as their first argument: a
`Database` (primary pool plus an optional read replica pool), an `asyncpg.Pool`, or a
connection (plain or pool proxy, typically one from `transaction(db)`). Read-only queries sent
to a `Database` go to its replica pool when it has one; everything else goes to the primary,
and a connection is always used as given, so a caller's transaction sees its own writes.
"""

from __future__ import annotations

import asyncio
import contextlib
import ipaddress
import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from contextvars import ContextVar
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import asyncpg
import msgspec
from aiohttp import web
from asyncpg.pool import PoolConnectionProxy

__all__ = [
    "READ_AFTER_LSN",
    "Connection",
    "Database",
    "Executor",
    "IsolationLevel",
    "JSONValue",
    "Queryable",
    "ReplicaLost",
    "ReplicaPool",
    "ReplicaStatus",
    "WritersBusy",
    "connect",
    "create_pool",
    "cursor_connection",
    "json_enc_hook",
    "lock_timeout_settings",
    "one_connection",
    "reader",
    "rowcount",
    "transaction",
    "writer",
]

if TYPE_CHECKING:
    # What json/jsonb values decode to (msgspec.json codecs are set on every pooled connection).
    JSONValue: TypeAlias = (
        "bool | int | float | str | list[JSONValue] | dict[str, JSONValue] | None"
    )
    Connection: TypeAlias = asyncpg.Connection[asyncpg.Record] | PoolConnectionProxy[asyncpg.Record]
    Queryable: TypeAlias = asyncpg.Pool[asyncpg.Record] | Connection
else:
    # msgspec cannot resolve a recursive alias when decoding rows (e.g. from a cache), so at
    # run time a JSON value is Any; type checkers still see the precise recursive alias.
    JSONValue = Any
    Connection = asyncpg.Connection | PoolConnectionProxy
    Queryable = asyncpg.Pool | Connection

IsolationLevel: TypeAlias = Literal[
    "read_committed", "read_uncommitted", "repeatable_read", "serializable"
]
_IP_TYPES = (
    ipaddress.IPv4Address,
    ipaddress.IPv6Address,
    ipaddress.IPv4Interface,
    ipaddress.IPv6Interface,
    ipaddress.IPv4Network,
    ipaddress.IPv6Network,
)


def json_enc_hook(obj: object) -> object:
    """msgspec `enc_hook` for row values msgspec cannot encode itself (inet and cidr)."""
    if isinstance(obj, _IP_TYPES):
        return str(obj)
    raise NotImplementedError(f"cannot encode {type(obj).__name__} as JSON")


_json_encode = msgspec.json.Encoder().encode
_json_decode = msgspec.json.Decoder().decode


def _jsonb_encode(value: object) -> bytes:
    return b"\x01" + _json_encode(value)


def _jsonb_decode(data: bytes) -> Any:
    # binary jsonb is a version byte (1) followed by the JSON text
    return _json_decode(memoryview(data)[1:])


async def init_connection(conn: asyncpg.Connection[asyncpg.Record]) -> None:
    """Per-connection setup: json/jsonb values travel as msgspec-decoded Python values."""
    await conn.set_type_codec(
        "jsonb", schema="pg_catalog", encoder=_jsonb_encode, decoder=_jsonb_decode, format="binary"
    )
    await conn.set_type_codec(
        "json", schema="pg_catalog", encoder=_json_encode, decoder=_json_decode, format="binary"
    )


class PoolConnection(asyncpg.Connection):
    """A pooled connection that remembers whether it took on session state.

    Releasing a connection to the pool does not send asyncpg's reset batch
    (`pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL`), a round trip and a
    PostgreSQL transaction on every release. The generated layer leaves nothing behind that it
    would clear: its advisory locks are transaction-scoped (`pg_advisory_xact_lock`), its
    `set_config(..., true)` calls are transaction-local, and `:iter` cursors live inside a
    transaction. asyncpg itself still rolls back a transaction left open and drops listener
    callbacks on release. Only LISTEN leaves session state on the server, so a connection
    that listened gets the full reset; anything else that needs session state (session
    advisory locks, plain SET) must use its own connection, as the job worker does.
    """

    __slots__ = ("session_state",)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.session_state = False

    async def add_listener(self, channel: str, callback: Any) -> None:
        """LISTEN on `channel`; the connection is fully reset when it goes back to the pool."""
        self.session_state = True
        await super().add_listener(channel, callback)


async def reset_on_release(conn: asyncpg.Connection[asyncpg.Record]) -> None:
    """The pool's reset: nothing, unless the connection took on session state (see above)."""
    if isinstance(conn, PoolConnection) and conn.session_state:
        conn.session_state = False
        query = conn.get_reset_query()
        if query:
            await conn.execute(query)


class WritersBusy(TimeoutError):
    """Every write slot of the pool stayed taken for the pool's acquire timeout."""


class BoundedPool(asyncpg.Pool):
    """A pool whose every acquire (including `pool.fetch()` and friends) waits a bounded time.

    asyncpg's own query methods acquire without a timeout, so an exhausted pool would make a
    request wait forever; here the wait ends in TimeoutError, which the app answers with 503.

    Write transactions (`transaction()`) also take one of `max_size // 2` write slots first:
    a writer may wait on a row lock (up to DB_LOCK_TIMEOUT) while holding its connection, and
    without the slots writers queued behind one lock would take every connection from reads.
    """

    def __init__(self, *args: Any, acquire_timeout: float | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acquire_timeout = acquire_timeout
        self._writers = asyncio.Semaphore(max(1, self.get_max_size() // 2))

    def acquire(self, *, timeout: float | None = None) -> Any:
        """Acquire a connection, waiting at most `timeout` (default: the pool's bound)."""
        if timeout is None and not self._queue.empty():  # type: ignore[attr-defined]
            # A free connection is taken without waiting, so no bound is needed, and none is
            # set: asyncpg bounds an acquire with wait_for, which costs a task per request.
            return super().acquire()
        return super().acquire(timeout=self.acquire_timeout if timeout is None else timeout)

    @asynccontextmanager
    async def writing(self) -> AsyncIterator[None]:
        """Hold a write slot for the block; WritersBusy after the acquire timeout."""
        if self._writers.locked():
            try:
                async with asyncio.timeout(self.acquire_timeout):
                    await self._writers.acquire()
            except TimeoutError:
                raise WritersBusy("every write slot is taken") from None
        else:
            await self._writers.acquire()  # free: returns without waiting
        try:
            yield
        finally:
            self._writers.release()


async def create_pool(
    dsn: str,
    *,
    min_size: int = 1,
    max_size: int = 10,
    statement_cache_size: int = 100,
    command_timeout: float | None = 30.0,
    acquire_timeout: float | None = None,
    lock_timeout: float | None = None,
    replica: bool = False,
) -> asyncpg.Pool[asyncpg.Record]:
    """An asyncpg pool with JSON codecs; `statement_cache_size=0` for PgBouncer transaction mode.

    `lock_timeout` (seconds) is sent as a connection parameter: every statement waits at most
    that long for a lock, at no cost per query, and RESET ALL keeps it. `replica`: a
    ReplicaPool (reads it cannot answer fall back to the primary once `Database` pairs them).
    """
    pool = (ReplicaPool if replica else BoundedPool)(
        dsn,
        server_settings=lock_timeout_settings(lock_timeout),
        acquire_timeout=acquire_timeout,
        connection_class=PoolConnection,
        record_class=asyncpg.Record,
        min_size=min_size,
        max_size=max_size,
        max_queries=50_000,
        max_inactive_connection_lifetime=300.0,
        statement_cache_size=statement_cache_size,
        command_timeout=command_timeout,
        init=init_connection,
        connect=None,
        setup=None,
        reset=reset_on_release,
        loop=None,
    )
    await pool
    return pool


def lock_timeout_settings(seconds: float | None) -> dict[str, str] | None:
    """Connection parameters (asyncpg `server_settings`) bounding lock waits; None: no bound."""
    return {"lock_timeout": f"{round(seconds * 1000)}ms"} if seconds else None


log = logging.getLogger("service.store.db")

# The WAL position (bytes from 0/0) this request's client must see: its last write's, from the
# read-your-writes cookie (service/web/replica.py). Reads go to the primary until the replica
# has replayed that far. 0 (the default) asks for nothing.
READ_AFTER_LSN: ContextVar[int] = ContextVar("read_after_lsn", default=0)
# A READ_AFTER_LSN no replica reaches: every read of the request goes to the primary.
PRIMARY_ONLY = 2**63 - 1


class ReplicaStatus:
    """This process's view of the replica, kept by `service.store.replica.watch` (a check
    every REPLICA_CHECK_INTERVAL), so that routing a read costs no round trip.

    Until a check has run the replica is taken as usable and up to date (a `Database` built
    without a watcher routes reads as it always did).
    """

    __slots__ = ("error", "fallbacks", "lag", "reachable", "replay_lsn", "usable")

    def __init__(self) -> None:
        self.usable = True  # reads may go there: reachable, replaying, lag within the bound
        self.reachable: bool | None = None  # None: not checked yet
        self.replay_lsn = PRIMARY_ONLY  # WAL replayed (bytes); unknown counts as all of it
        self.lag: float | None = None  # seconds the replica is behind at most; None: unknown
        self.error = ""  # why it is not usable, for /health
        self.fallbacks = 0  # reads that failed on the replica and were answered by the primary

    def failed(self, exc: BaseException) -> None:
        """A read found the replica unreachable: route reads to the primary until a check
        finds it back."""
        if self.usable:
            log.warning("replica unreachable (%r); reads go to the primary", exc)
        self.usable = False
        self.reachable = False
        self.error = f"unreachable: {type(exc).__name__}"


class ReplicaLost(ConnectionError):
    """A replica connection failed inside `one_connection`: the block cannot be re-run here,
    but the request can be (service/web/replica.py retries safe methods on the primary)."""


def replica_failure(exc: BaseException) -> bool:
    """Whether `exc` says the server cannot answer now (so a read may go to the primary)."""
    if isinstance(exc, asyncpg.InterfaceError):
        return not isinstance(exc, ValueError)  # ValueError: a bad argument, not an outage
    return isinstance(
        exc,
        OSError
        | TimeoutError
        | asyncpg.PostgresConnectionError
        | asyncpg.exceptions.OperatorInterventionError  # shutdown, crash, starting up
        | asyncpg.exceptions.SerializationError,  # conflict with recovery on a standby
    )


class ReplicaPool(BoundedPool):
    """The replica's pool: a read that fails there for want of the server is answered by the
    primary (`fallback`) instead, and marks the replica unusable until the next check."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fallback: asyncpg.Pool[asyncpg.Record] | None = None
        self.status = ReplicaStatus()

    def _retry(self, exc: BaseException) -> asyncpg.Pool[asyncpg.Record]:
        """The primary, to answer a read that failed here with `exc`; else re-raise `exc`."""
        if self.fallback is None or not replica_failure(exc):
            raise exc
        self.status.fallbacks += 1
        if not isinstance(exc, asyncpg.exceptions.SerializationError):
            self.status.failed(exc)
        return self.fallback

    async def fetch(self, query: str, *args: Any, **kwargs: Any) -> Any:
        """`Pool.fetch` on the replica, else on the primary."""
        try:
            return await super().fetch(query, *args, **kwargs)
        except Exception as exc:
            return await self._retry(exc).fetch(query, *args, **kwargs)

    async def fetchrow(self, query: str, *args: Any, **kwargs: Any) -> Any:
        """`Pool.fetchrow` on the replica, else on the primary."""
        try:
            return await super().fetchrow(query, *args, **kwargs)
        except Exception as exc:
            return await self._retry(exc).fetchrow(query, *args, **kwargs)

    async def fetchval(self, query: str, *args: Any, **kwargs: Any) -> Any:
        """`Pool.fetchval` on the replica, else on the primary."""
        try:
            return await super().fetchval(query, *args, **kwargs)
        except Exception as exc:
            return await self._retry(exc).fetchval(query, *args, **kwargs)


class Database:
    """The primary pool and, when configured, a read replica pool for read-only queries."""

    __slots__ = ("primary", "replica", "status")

    def __init__(
        self,
        primary: asyncpg.Pool[asyncpg.Record],
        replica: asyncpg.Pool[asyncpg.Record] | None = None,
    ) -> None:
        self.primary = primary
        self.replica = replica
        self.status = replica.status if isinstance(replica, ReplicaPool) else ReplicaStatus()
        if isinstance(replica, ReplicaPool):
            replica.fallback = primary

    async def close(self) -> None:
        """Close both pools (waits for connections in use to be released)."""
        await self.primary.close()
        if self.replica is not None:
            await self.replica.close()


DATABASE = web.AppKey("database", Database)


async def connect(
    dsn: str,
    *,
    replica_dsn: str | None = None,
    min_size: int = 1,
    max_size: int = 10,
    statement_cache_size: int = 100,
    command_timeout: float | None = 30.0,
    acquire_timeout: float | None = None,
    lock_timeout: float | None = None,
) -> Database:
    """Open the primary pool and, given `replica_dsn` (DATABASE_REPLICA_URL), a replica pool."""
    kwargs: dict[str, Any] = {
        "min_size": min_size,
        "max_size": max_size,
        "statement_cache_size": statement_cache_size,
        "command_timeout": command_timeout,
        "acquire_timeout": acquire_timeout,
        "lock_timeout": lock_timeout,
    }
    primary = await create_pool(dsn, **kwargs)
    replica = None
    if replica_dsn:
        try:
            # No connection up front: the app starts with its replica down (reads then go to
            # the primary, see ReplicaPool).
            replica = await create_pool(replica_dsn, **{**kwargs, "min_size": 0}, replica=True)
        except BaseException:
            await primary.close()
            raise
    return Database(primary, replica)


Executor: TypeAlias = Database | Queryable


def reader(db: Executor) -> Queryable:
    """Where a read-only query runs: for a `Database`, its replica pool when the replica is
    usable and has replayed the request's READ_AFTER_LSN, else the primary; else `db` itself."""
    if isinstance(db, Database):
        replica = db.replica
        if replica is None:
            return db.primary
        status = db.status
        if status.usable and READ_AFTER_LSN.get() <= status.replay_lsn:
            return replica
        return db.primary
    return db


def writer(db: Executor) -> Queryable:
    """Where a write runs: the primary pool of a `Database`, else `db` itself."""
    if isinstance(db, Database):
        return db.primary
    return db


def rowcount(status: str) -> int:
    """Affected rows from a command status such as 'UPDATE 3' or 'INSERT 0 1'."""
    tail = status.rpartition(" ")[2]
    return int(tail) if tail.isdigit() else 0


@asynccontextmanager
async def transaction(
    db: Executor,
    *,
    readonly: bool = False,
    isolation: IsolationLevel | None = None,
) -> AsyncIterator[Connection]:
    """A connection whose statements commit together, or roll back together on an exception.

    Given a pool or `Database`, a primary connection is acquired for the block (after a write
    slot, unless `readonly`: see BoundedPool); given a connection, a transaction (a savepoint
    when one is already open) is opened on it.
    """
    target = writer(db)
    if isinstance(target, asyncpg.Pool):
        slot = target.writing() if isinstance(target, BoundedPool) and not readonly else None
        async with (
            slot or contextlib.nullcontext(),
            target.acquire() as conn,
            conn.transaction(readonly=readonly, isolation=isolation),
        ):
            yield conn
    else:
        if target.is_in_transaction():
            async with target.transaction():
                yield target
        else:
            async with target.transaction(readonly=readonly, isolation=isolation):
                yield target


@asynccontextmanager
async def one_connection(db: Executor, *, readonly: bool = True) -> AsyncIterator[Connection]:
    """One connection for a request's several queries (the replica's for reads): one pool
    acquire instead of one per query. A connection is used as it is."""
    target = reader(db) if readonly else writer(db)
    if isinstance(target, ReplicaPool):
        async with _replica_connection(target) as conn:
            yield conn
    elif isinstance(target, asyncpg.Pool):
        async with target.acquire() as conn:
            yield conn
    else:
        yield target


@asynccontextmanager
async def _replica_connection(pool: ReplicaPool) -> AsyncIterator[Connection]:
    """A replica connection, or a primary one when the replica cannot be reached; ReplicaLost
    when the replica's connection fails inside the block (after which reads go elsewhere)."""
    try:
        acquired = pool.acquire()
        conn = await acquired.__aenter__()
    except Exception as exc:
        async with pool._retry(exc).acquire() as conn:
            yield conn
        return
    try:
        yield conn
    except Exception as exc:
        pool._retry(exc)  # re-raises what is not the replica failing
        raise ReplicaLost(f"a replica connection failed: {exc!r}") from exc
    finally:
        await acquired.__aexit__(None, None, None)


@asynccontextmanager
async def cursor_connection(db: Executor, *, readonly: bool) -> AsyncIterator[Connection]:
    """A connection inside a transaction, as server-side cursors need.

    A pool or `Database` lends a connection (the replica for read-only queries) with its own
    transaction, read-only when the query is; a connection already in a transaction is used
    as it is, and one outside a transaction gets one for the duration of the iteration.
    A caller that stops iterating early should close the iterator (`contextlib.aclosing`) so
    the connection goes back to the pool at once rather than when the generator is collected.
    """
    async with one_connection(db, readonly=readonly) as conn:
        if conn.is_in_transaction():
            yield conn
        else:
            async with conn.transaction(readonly=readonly):
                yield conn
