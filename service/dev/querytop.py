"""`python -m service queries top`: the statements PostgreSQL spent most time on, by query name.

The figures come straight from pg_stat_statements (since the server started, or since its last
`pg_stat_statements_reset()`). Every generated statement starts with a comment naming its query
and source, `/* GetGhostDetail queries/ghosts.sql:150 */`, so a line of the report names the
query and the `.sql` file and line to open; any other statement shows the start of its text.
pg_stat_statements keeps the text of the first call it saw, so after a query file changes the
line shown may be the old one until the figures are reset.
"""

from __future__ import annotations

import re
from typing import Final

import asyncpg

from service.store.queries import insight
from service.store.schema_check import open_checked, where

ORDERS: Final = ("total", "mean", "calls")
_NAMED = re.compile(r"(\S+) (\S+:\d+)")
_SNIPPET = 48


class QueriesTopError(Exception):
    """pg_stat_statements cannot be read; the message is one line saying why and what to do."""


async def top(
    dsn: str,
    *,
    by: str = "total",
    limit: int = 20,
    all_databases: bool = False,
    all_statements: bool = False,
    connect_timeout: float = 10,
) -> list[insight.TopStatementsRow]:
    """The `limit` statements with the most total time, mean time or calls (`by`)."""
    if by not in ORDERS:
        raise ValueError(f"by must be one of {', '.join(ORDERS)}, not {by!r}")
    conn = await open_checked(dsn, timeout=connect_timeout, check=False)
    try:
        return await insight.top_statements(
            conn,
            all_databases=all_databases,
            order_by=by,
            all_statements=all_statements,
            max_rows=limit,
        )
    except asyncpg.UndefinedTableError:
        raise QueriesTopError(
            f"pg_stat_statements is not installed in {where(dsn)}: run `make migrate` "
            "(its migration creates the extension, which needs a superuser)"
        ) from None
    except asyncpg.ObjectNotInPrerequisiteStateError:
        raise QueriesTopError(
            f"pg_stat_statements is not loaded by the server at {where(dsn)}: set "
            "shared_preload_libraries = 'pg_stat_statements' and restart PostgreSQL"
        ) from None
    finally:
        await conn.close()


def split_statement(statement: str) -> tuple[str, str]:
    """(query name, file:line) of a generated statement; ("-", start of text) of another."""
    named = _NAMED.fullmatch(statement)
    if named:
        return named[1], named[2]
    text = " ".join(statement.split())
    return "-", text if len(text) <= _SNIPPET else text[: _SNIPPET - 3] + "..."


def report(rows: list[insight.TopStatementsRow]) -> str:
    """The rows as a table: times in milliseconds, then the query name and its source."""
    header = ("total ms", "mean ms", "calls", "rows", "query", "source")
    table = [header]
    for row in rows:
        name, source = split_statement(row.statement)
        figures = (f"{row.total_ms:.1f}", f"{row.mean_ms:.3f}", str(row.calls), str(row.rows))
        table.append((*figures, name, source))
    widths = [max(len(line[i]) for line in table) for i in range(len(header))]
    lines = []
    for line in table:
        numbers = "  ".join(cell.rjust(widths[i]) for i, cell in enumerate(line[:4]))
        lines.append(f"{numbers}  {line[4].ljust(widths[4])}  {line[5]}".rstrip())
    return "\n".join(lines)


async def run(
    dsn: str,
    *,
    by: str = "total",
    limit: int = 20,
    all_databases: bool = False,
    all_statements: bool = False,
    connect_timeout: float = 10,
) -> int:
    """The CLI: print the report; QueriesTopError when pg_stat_statements is unreadable."""
    rows = await top(
        dsn,
        by=by,
        limit=limit,
        all_databases=all_databases,
        all_statements=all_statements,
        connect_timeout=connect_timeout,
    )
    scope = "every database" if all_databases else where(dsn)
    if not rows:
        print(f"pg_stat_statements has recorded no generated query in {scope} yet")
        return 0
    order = "calls" if by == "calls" else f"{by} time"
    what = "statements" if all_statements else "generated queries"
    print(f"top {len(rows)} {what} by {order} in {scope}:")
    print(report(rows))
    return 0
