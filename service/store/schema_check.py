"""Can this service use this PostgreSQL? Reachable, new enough, and every generated query prepares.

- `open_checked(dsn, timeout=...)`: one connection, retried until `timeout` (DB_CONNECT_TIMEOUT),
  on a server of at least `MIN_SERVER_VERSION` that offers the extensions the migrations
  create; otherwise `ServerUnusable`, whose message is one line fit for an operator.
- `check_queries(conn)`: prepare every query in `service.store.queries` against the live
  schema; each failure names the query and its `queries/<file>.sql:<line>`.
"""

from __future__ import annotations

import asyncio
import functools
import importlib
import logging
import pkgutil
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
from aiohttp import web

from service.config import MIGRATIONS_DIR, ROOT
from service.store import queries as queries_package

log = logging.getLogger("service.schema_check")

# The queries use `RETURNING old.*` (PostgreSQL 18) to read a row's previous values.
MIN_SERVER_VERSION = 18
QUERIES_DIR = ROOT / "queries"
_EXTENSION = re.compile(r"CREATE\s+EXTENSION\s+(?:IF\s+NOT\s+EXISTS\s+)?\"?(\w+)", re.IGNORECASE)
_NAME = re.compile(r"^--\s*name:\s*(\w+)", re.MULTILINE)


class ServerUnusable(Exception):
    """The database cannot be used; the message is one line naming the server and the reason."""


def where(dsn: str) -> str:
    """host:port/database of a URL, without user or password, for messages."""
    parts = urlsplit(dsn)
    host = parts.hostname or "localhost"
    return f"{host}:{parts.port or 5432}{parts.path or '/'}"


def required_extensions(migrations_dir: Path = MIGRATIONS_DIR) -> list[str]:
    """Extensions the migrations create (so the server must offer them)."""
    found: set[str] = set()
    for path in migrations_dir.glob("*.sql"):
        found.update(name.lower() for name in _EXTENSION.findall(path.read_text()))
    return sorted(found)


async def check_server(conn: asyncpg.Connection, dsn: str) -> None:
    """`ServerUnusable` unless the server is PostgreSQL >= 18 with the needed extensions."""
    version = conn.get_server_version()
    if version.major < MIN_SERVER_VERSION:
        raise ServerUnusable(
            f"PostgreSQL {version.major}.{version.minor} at {where(dsn)} is too old: "
            f"Ghostypedia needs PostgreSQL {MIN_SERVER_VERSION} or newer"
        )
    # A set-returning function in the select list: the names of the installable extensions.
    available = {row[0] for row in await conn.fetch("SELECT (pg_available_extensions()).name")}
    missing = [name for name in required_extensions() if name not in available]
    if missing:
        raise ServerUnusable(
            f"PostgreSQL at {where(dsn)} lacks the extension(s) {', '.join(missing)} "
            "(install the server's contrib package)"
        )


async def open_checked(
    dsn: str,
    *,
    timeout: float,  # noqa: ASYNC109 - a deadline for retries, not for one call
    check: bool = True,
) -> asyncpg.Connection[asyncpg.Record]:
    """A connection to `dsn`, retried for up to `timeout` seconds, on a usable server."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + timeout
    while True:
        remaining = deadline - loop.time()
        try:
            conn: asyncpg.Connection[asyncpg.Record] = await asyncpg.connect(
                dsn, timeout=max(remaining, 0.05)
            )
            break
        except asyncpg.InvalidCatalogNameError:
            raise ServerUnusable(f"database {where(dsn)} does not exist") from None
        except (OSError, TimeoutError, asyncpg.CannotConnectNowError) as exc:
            if loop.time() + 0.25 >= deadline:
                reason = str(exc) or type(exc).__name__
                raise ServerUnusable(
                    f"cannot reach PostgreSQL at {where(dsn)} within {timeout:g}s "
                    f"(DB_CONNECT_TIMEOUT): {reason}"
                ) from None
            await asyncio.sleep(0.25)
        except asyncpg.PostgresError as exc:
            raise ServerUnusable(
                f"PostgreSQL at {where(dsn)} refused the connection: {exc}"
            ) from None
    if check:
        try:
            await check_server(conn, dsn)
        except BaseException:
            await conn.close()
            raise
    return conn


@dataclass(frozen=True, slots=True)
class QuerySource:
    """One generated query: its constant, SQL text, and where it is written."""

    name: str
    sql: str
    file: Path
    line: int

    @property
    def location(self) -> str:
        """`queries/<file>.sql:<line>`, relative to the repository."""
        path = self.file.relative_to(ROOT) if self.file.is_relative_to(ROOT) else self.file
        return f"{path}:{self.line}" if self.line else str(path)


@dataclass(frozen=True, slots=True)
class QueryFailure:
    """A query that did not prepare against the live schema."""

    source: QuerySource
    error: str

    def __str__(self) -> str:
        return f"query {self.source.name} ({self.source.location}) does not prepare: {self.error}"


@dataclass(slots=True)
class SchemaReport:
    """The outcome of the start-up check; `ok` is False until it has run and passed."""

    checked: int = 0
    failures: list[QueryFailure] = field(default_factory=list)
    error: str = ""
    done: bool = False

    @property
    def ok(self) -> bool:
        """Checked, and every query prepared."""
        return self.done and not self.failures and not self.error


SCHEMA_CHECK = web.AppKey("schema_check", SchemaReport)


def _constant(query_name: str) -> str:
    """GetGhostBySlug -> GET_GHOST_BY_SLUG (the generator's naming)."""
    return re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", query_name).upper()


@functools.cache
def generated_queries() -> tuple[QuerySource, ...]:
    """Every SQL constant the generated modules export, with its source file and line."""
    return tuple(_generated_queries())


def _generated_queries() -> Iterator[QuerySource]:
    for info in sorted(pkgutil.iter_modules(queries_package.__path__), key=lambda m: m.name):
        module = importlib.import_module(f"{queries_package.__name__}.{info.name}")
        source = QUERIES_DIR / f"{info.name}.sql"
        lines: dict[str, int] = {}
        if source.exists():
            text = source.read_text()
            for match in _NAME.finditer(text):
                lines[_constant(match[1])] = text.count("\n", 0, match.start()) + 1
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name, None)
            if name.isupper() and isinstance(value, str):
                yield QuerySource(name, value, source, lines.get(name, 0))


async def check_queries(conn: asyncpg.Connection[asyncpg.Record]) -> list[QueryFailure]:
    """Prepare every generated query on `conn`; the ones that fail, with their errors."""
    # PREPARE over the simple protocol: the server parses and analyses each query and the driver
    # introspects no types. All in one round trip (one implicit transaction, so one server
    # connection even behind PgBouncer), each deallocated by name (DEALLOCATE ALL would drop
    # the driver's own statements); only when that fails, one by one to say which.
    sources = generated_queries()
    token = secrets.token_hex(4)

    def statements(n: int, query: QuerySource, attempt: str) -> tuple[str, str]:
        name = f"gp_schema_check_{token}_{attempt}{n}"
        return f"PREPARE {name} AS {query.sql.rstrip().rstrip(';')}", f"DEALLOCATE {name}"

    batch = [statements(n, query, "a") for n, query in enumerate(sources)]
    try:
        await conn.execute(";\n".join([p for p, _ in batch] + [d for _, d in batch]))
        return []
    except asyncpg.PostgresError:
        pass
    failures = []
    for n, query in enumerate(sources):
        try:
            await conn.execute(";\n".join(statements(n, query, "b")))
        except asyncpg.PostgresError as exc:
            failures.append(QueryFailure(query, f"{type(exc).__name__}: {exc}"))
    return failures


async def startup_check(dsn: str, *, connect_timeout: float) -> SchemaReport:
    """The check the app runs at start-up, on a connection of its own: the server is usable
    and every generated query prepares. Failures are logged and kept in the report."""
    report = SchemaReport()
    try:
        conn = await open_checked(dsn, timeout=connect_timeout)
        try:
            report.failures = await check_queries(conn)
            report.checked = len(generated_queries())
        finally:
            await conn.close()
    except ServerUnusable as exc:
        report.error = str(exc)
        log.error("not ready: %s", exc)
    except (OSError, TimeoutError, asyncpg.PostgresError) as exc:
        report.error = f"{type(exc).__name__}: {exc}"
        log.error("not ready: the schema check could not run: %s", report.error)
    for failure in report.failures:
        log.error("not ready: %s", failure)
    report.done = True
    return report
