"""Runtime for the generated query layer: pools, the `Executor` type, transactions, routing.

Generated functions in `service.store.queries` take an `Executor` as their first argument: a
`Database` (primary pool plus an optional read replica pool), an `asyncpg.Pool`, or a
connection (plain or pool proxy, typically one from `transaction(db)`). Read-only queries sent
to a `Database` go to its replica pool when it has one; everything else goes to the primary,
and a connection is always used as given, so a caller's transaction sees its own writes.
"""

from __future__ import annotations

import ipaddress
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import TYPE_CHECKING, Any, Literal, TypeAlias

import asyncpg
import msgspec
from aiohttp import web
from asyncpg.pool import PoolConnectionProxy

__all__ = [
    "Connection",
    "Database",
    "Executor",
    "IsolationLevel",
    "JSONValue",
    "Queryable",
    "connect",
    "create_pool",
    "cursor_connection",
    "json_enc_hook",
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


class BoundedPool(asyncpg.Pool):
    """A pool whose every acquire (including `pool.fetch()` and friends) waits a bounded time.

    asyncpg's own query methods acquire without a timeout, so an exhausted pool would make a
    request wait forever; here the wait ends in TimeoutError, which the app answers with 503.
    """

    def __init__(self, *args: Any, acquire_timeout: float | None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.acquire_timeout = acquire_timeout

    def acquire(self, *, timeout: float | None = None) -> Any:
        """Acquire a connection, waiting at most `timeout` (default: the pool's bound)."""
        return super().acquire(timeout=self.acquire_timeout if timeout is None else timeout)


async def create_pool(
    dsn: str,
    *,
    min_size: int = 1,
    max_size: int = 10,
    statement_cache_size: int = 100,
    command_timeout: float | None = 30.0,
    acquire_timeout: float | None = None,
) -> asyncpg.Pool[asyncpg.Record]:
    """An asyncpg pool with JSON codecs; `statement_cache_size=0` for PgBouncer transaction mode."""
    pool = BoundedPool(
        dsn,
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


class Database:
    """The primary pool and, when configured, a read replica pool for read-only queries."""

    __slots__ = ("primary", "read", "replica")

    def __init__(
        self,
        primary: asyncpg.Pool[asyncpg.Record],
        replica: asyncpg.Pool[asyncpg.Record] | None = None,
    ) -> None:
        self.primary = primary
        self.replica = replica
        self.read: asyncpg.Pool[asyncpg.Record] = replica if replica is not None else primary

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
) -> Database:
    """Open the primary pool and, given `replica_dsn` (DATABASE_REPLICA_URL), a replica pool."""
    kwargs: dict[str, Any] = {
        "min_size": min_size,
        "max_size": max_size,
        "statement_cache_size": statement_cache_size,
        "command_timeout": command_timeout,
        "acquire_timeout": acquire_timeout,
    }
    primary = await create_pool(dsn, **kwargs)
    replica = None
    if replica_dsn:
        try:
            replica = await create_pool(replica_dsn, **kwargs)
        except BaseException:
            await primary.close()
            raise
    return Database(primary, replica)


Executor: TypeAlias = Database | Queryable


def reader(db: Executor) -> Queryable:
    """Where a read-only query runs: the replica pool of a `Database`, else `db` itself."""
    if isinstance(db, Database):
        return db.read
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

    Given a pool or `Database`, a primary connection is acquired for the block; given a
    connection, a transaction (a savepoint when one is already open) is opened on it.
    """
    target = writer(db)
    if isinstance(target, asyncpg.Pool):
        async with (
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
    if isinstance(target, asyncpg.Pool):
        async with target.acquire() as conn:
            yield conn
    else:
        yield target


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
