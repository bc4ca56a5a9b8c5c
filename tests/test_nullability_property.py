"""Property: a field the generator declares NOT NULL is never None, on data full of NULLs.

Every generated :one / :many query of the project (service/store/queries/) and of the codegen
cases (tests/codegen_cases/) runs against three states of its schema: empty (aggregates over
nothing), loaded (the demo data, or a few hand-made rows for the cases), and loaded with every
nullable column set to NULL wherever the constraints allow it. Parameters come from the data
(a parameter named like a column gets that column's values) or are plain values of their type;
a None is tried for every Optional parameter. Each call runs in a savepoint that is rolled back.
"""

from __future__ import annotations

import datetime
import decimal
import importlib
import pkgutil
import re
import types
import typing
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from types import ModuleType
from typing import Any

import asyncpg
import msgspec
from test_codegen import CASES, SCHEMA, generate_package, scratch_database

from service.dev import seed
from service.store import queries as project_queries
from service.store.db import create_pool

_NAME = re.compile(r"^-- name: (\w+) :(\w+)")


@dataclass
class Tally:
    """What the property was checked on."""

    calls: int = 0
    rows: int = 0
    failures: list[str] = field(default_factory=list)


def row_queries(modules: list[ModuleType]) -> list[tuple[str, Callable[..., Any]]]:
    """(module.function, function) of every :one and :many query of the modules."""
    found = []
    for module in modules:
        for name in getattr(module, "__all__", ()):
            value = getattr(module, name)
            if not (isinstance(value, str) and name.isupper()):
                continue
            m = _NAME.match(value)
            if m and m[2] in ("one", "many"):
                fn_name = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", m[1])
                fn = getattr(module, fn_name.lower())
                found.append((f"{module.__name__.rpartition('.')[2]}.{fn.__name__}", fn))
    return sorted(found, key=lambda x: x[0])


def admits_none(annotation: Any) -> bool:
    return annotation is Any or type(None) in typing.get_args(annotation)


def plain_value(annotation: Any) -> Any:
    """A value of the annotated type that no constraint is likely to refuse."""
    args = [a for a in typing.get_args(annotation) if a is not type(None)]
    origin = typing.get_origin(annotation)
    if origin is typing.Literal:
        return args[0]
    if origin is list:
        return []
    if origin in (typing.Union, types.UnionType) and args:
        return plain_value(args[0])
    simple: dict[Any, Any] = {
        int: 1,
        float: 1.0,
        str: "a",
        bool: True,
        bytes: b"a",
        decimal.Decimal: decimal.Decimal(1),
        uuid.UUID: uuid.UUID(int=1),
        datetime.datetime: datetime.datetime(2026, 1, 1, tzinfo=datetime.UTC),
        datetime.date: datetime.date(2026, 1, 1),
        datetime.timedelta: datetime.timedelta(days=1),
    }
    return simple.get(annotation, {})


async def column_values(conn: Any) -> dict[str, list[Any]]:
    """Non-NULL values of every column, by column name (a few per name)."""
    values: dict[str, list[Any]] = {}
    columns = await conn.fetch(
        """SELECT c.table_name::text AS t, c.column_name::text AS c
           FROM information_schema.columns c
           JOIN information_schema.tables t USING (table_schema, table_name)
           WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
           ORDER BY c.table_name, c.ordinal_position"""
    )
    for col in columns:
        name, table = col["c"], col["t"]  # identifiers from information_schema, not input
        sql = f'SELECT DISTINCT "{name}" AS v FROM "{table}" WHERE "{name}" IS NOT NULL'  # noqa: S608
        found = await conn.fetch(sql + " LIMIT 3")
        values.setdefault(col["c"], []).extend(r["v"] for r in found)
    return values


async def null_everything(conn: Any) -> None:
    """Set each nullable column to NULL in every row, where the constraints allow it."""
    columns = await conn.fetch(
        """SELECT c.table_name::text AS t, c.column_name::text AS c
           FROM information_schema.columns c
           JOIN information_schema.tables t USING (table_schema, table_name)
           WHERE c.table_schema = 'public' AND t.table_type = 'BASE TABLE'
             AND c.is_nullable = 'YES' AND c.is_generated = 'NEVER'
           ORDER BY c.table_name, c.ordinal_position"""
    )
    for col in columns:
        try:
            async with conn.transaction():
                await conn.execute(f'UPDATE "{col["t"]}" SET "{col["c"]}" = NULL')  # noqa: S608
        except asyncpg.PostgresError:
            pass  # a CHECK or trigger wants a value here
    views = await conn.fetch("SELECT matviewname::text AS v FROM pg_matviews")
    for v in views:
        await conn.execute(f'REFRESH MATERIALIZED VIEW "{v["v"]}"')


def arguments(fn: Callable[..., Any], values: dict[str, list[Any]]) -> list[dict[str, Any]]:
    """Sets of keyword arguments to call `fn` with."""
    hints = typing.get_type_hints(fn)
    params = [p for p in hints if p not in ("db", "return")]
    if "prefetch" in params:
        params.remove("prefetch")
    first: dict[str, Any] = {}
    for p in params:
        annotation = hints[p]
        name = p.rstrip("_")
        if name in ("limit", "max_rows"):
            first[p] = 50
        elif name == "offset":
            first[p] = 0
        elif values.get(name) and typing.get_origin(annotation) is not list:
            first[p] = values[name][0]
        else:
            first[p] = plain_value(annotation)
    sets = [first]
    optional = [p for p in params if admits_none(hints[p])]
    if optional:
        sets.append({**first, **dict.fromkeys(optional)})
    return sets


# Fields declared NOT NULL by an `AS "x!"` override that the data is meant to contradict.
KNOWN_OVERRIDES = {"kinds.stats.small_sum"}  # test_codegen checks the override itself


def check_row(where: str, row: Any, tally: Tally) -> None:
    tally.rows += 1
    for name, annotation in typing.get_type_hints(type(row)).items():
        value = getattr(row, name)
        if f"{where}.{name}" in KNOWN_OVERRIDES:
            continue
        if value is None and not admits_none(annotation):
            tally.failures.append(f"{where}: {name} is None but typed {annotation}")
        elif isinstance(value, msgspec.Struct):
            check_row(where, value, tally)


async def run_all(conn: Any, queries: list[tuple[str, Callable[..., Any]]], tally: Tally) -> None:
    values = await column_values(conn)
    for where, fn in queries:
        for kwargs in arguments(fn, values):
            tally.calls += 1
            try:
                async with conn.transaction():
                    result = await fn(conn, **kwargs)
                    raise _RollBack(result)
            except _RollBack as done:
                result = done.result
            except (asyncpg.PostgresError, asyncpg.InterfaceError, ValueError, TypeError):
                continue  # arguments the query refuses (a constraint, a format): nothing to see
            for row in result if isinstance(result, list) else [result]:
                if row is not None:
                    check_row(where, row, tally)


class _RollBack(Exception):
    def __init__(self, result: Any) -> None:
        self.result = result


async def check_states(
    dsn: str, queries: list[tuple[str, Callable[..., Any]]], load: Callable[[Any], Any]
) -> Tally:
    tally = Tally()
    pool = await create_pool(dsn, min_size=1, max_size=1)
    try:
        async with pool.acquire() as conn:
            await run_all(conn, queries, tally)  # empty: aggregates over nothing
            await load(conn)
            await run_all(conn, queries, tally)
            await null_everything(conn)
            await run_all(conn, queries, tally)
    finally:
        await pool.close()
    return tally


async def test_project_queries_never_return_none_where_not_null(migrated_dsn: str) -> None:
    modules = [
        importlib.import_module(f"{project_queries.__name__}.{m.name}")
        for m in pkgutil.iter_modules(project_queries.__path__)
    ]
    queries = row_queries(modules)

    async def load(conn: Any) -> None:
        await seed.load(migrated_dsn)

    tally = await check_states(migrated_dsn, queries, load)
    assert tally.failures == []
    assert tally.calls and tally.rows, tally


CASE_ROWS = """
INSERT INTO authors (id, name, email, kind) VALUES
    ('00000000-0000-0000-0000-000000000001', 'Ann', NULL, 'ghost'),
    ('00000000-0000-0000-0000-000000000002', 'Bob', 'bob@example.org', 'human');
INSERT INTO hauntings (author_id, title, mood, rating, small, tags, payload) VALUES
    ('00000000-0000-0000-0000-000000000001', 'Knock', 'sad', NULL, NULL, '{}', NULL),
    ('00000000-0000-0000-0000-000000000002', 'Wail', 'calm', 4.5, 2, '{a,NULL}', '{"k": null}'),
    (NULL, 'Orphan', 'angry', NULL, 3, '{}', '{}');
INSERT INTO places (id, parent_id, name, note) VALUES
    (1, NULL, 'root', NULL), (2, 1, 'child', 'n'), (3, 2, 'leaf', NULL);
INSERT INTO bulk (a, b, c) VALUES (1, NULL, NULL), (2, 'b', now());
REFRESH MATERIALIZED VIEW haunting_counts;
"""


async def test_codegen_case_queries_never_return_none_where_not_null(
    pg_server_dsn: str, tmp_path: Path
) -> None:
    async with scratch_database(pg_server_dsn, SCHEMA) as dsn:
        modules = list((await generate_package(dsn, CASES / "queries", tmp_path)).values())
        queries = row_queries(modules)

        async def load(conn: Any) -> None:
            await conn.execute(CASE_ROWS)

        tally = await check_states(dsn, queries, load)
    assert tally.failures == []
    assert tally.calls and tally.rows, tally
