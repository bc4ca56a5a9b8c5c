"""The query generator end to end: test-only schema and queries, a real PostgreSQL server.

Generated code, every kind, types and nullability, routing, error messages, drift checks.
"""

from __future__ import annotations

import datetime
import decimal
import importlib
import ipaddress
import re
import secrets
import subprocess
import sys
import textwrap
import tracemalloc
import typing
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from types import ModuleType
from typing import Any, Literal
from urllib.parse import urlsplit, urlunsplit

import asyncpg
import msgspec
import pytest

from service.dev.codegen import CodegenError, Issue, check, generate, run, write
from service.dev.codegen.render import tag_statement
from service.dev.codegen.source import parse_file, scan
from service.store.db import Connection, Database, create_pool, json_enc_hook, transaction

CASES = Path(__file__).parent / "codegen_cases"
SCHEMA = (CASES / "schema.sql").read_text()
ROOT = Path(__file__).resolve().parents[1]


def with_database(dsn: str, name: str) -> str:
    """The same server DSN pointing at database `name`."""
    return urlunsplit(urlsplit(dsn)._replace(path=f"/{name}"))


@asynccontextmanager
async def scratch_database(server_dsn: str, schema: str | None = None) -> AsyncIterator[str]:
    """A new database on the test server (with `schema` applied), dropped afterwards."""
    name = f"gp_codegen_{secrets.token_hex(5)}"
    admin = await asyncpg.connect(server_dsn)
    try:
        await admin.execute(f'CREATE DATABASE "{name}"')
    finally:
        await admin.close()
    dsn = with_database(server_dsn, name)
    try:
        if schema:
            conn = await asyncpg.connect(dsn)
            try:
                await conn.execute(schema)
            finally:
                await conn.close()
        yield dsn
    finally:
        admin = await asyncpg.connect(server_dsn)
        try:
            await admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        finally:
            await admin.close()


async def generate_package(dsn: str, queries_dir: Path, root: Path) -> dict[str, ModuleType]:
    """Generate into a fresh importable package under `root`; modules by query file stem."""
    package = f"gen_{secrets.token_hex(5)}"
    out_dir = root / package
    files = await generate(dsn, queries_dir, out_dir)
    write(files, out_dir)
    if str(root) not in sys.path:
        sys.path.insert(0, str(root))
    importlib.invalidate_caches()
    return {
        path.stem: importlib.import_module(f"{package}.{path.stem}")
        for path in sorted(files)
        if path.stem != "__init__"
    }


@pytest.fixture(scope="module")
async def case_dsn(pg_server_dsn: str) -> AsyncIterator[str]:
    """A database with the test-only schema, shared by this module's tests."""
    async with scratch_database(pg_server_dsn, SCHEMA) as dsn:
        yield dsn


@pytest.fixture(scope="module")
def gen_root(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("generated")


@pytest.fixture(scope="module")
async def kinds(case_dsn: str, gen_root: Path) -> ModuleType:
    """The generated module for tests/codegen_cases/queries/kinds.sql."""
    return (await generate_package(case_dsn, CASES / "queries", gen_root))["kinds"]


@pytest.fixture
async def conn(case_dsn: str) -> AsyncIterator[Connection]:
    """A connection inside a transaction that is rolled back after the test."""
    pool = await create_pool(case_dsn, min_size=1, max_size=1)
    try:
        async with pool.acquire() as c:
            tr = c.transaction()
            await tr.start()
            try:
                yield c
            finally:
                await tr.rollback()
    finally:
        await pool.close()


def source_of(module: ModuleType) -> str:
    return Path(module.__file__ or "").read_text()


def hints(obj: Any) -> dict[str, Any]:
    return typing.get_type_hints(obj)


def admits_none(annotation: Any) -> bool:
    return type(None) in typing.get_args(annotation) or annotation is Any


# -- generated code quality -------------------------------------------------------------------


def test_generated_code_is_ruff_clean_and_mypy_strict(kinds: ModuleType) -> None:
    path = Path(kinds.__file__ or "").parent  # every case module: kinds, coverage, nullability
    for args in (["check", str(path)], ["format", "--check", str(path)]):
        result = subprocess.run(
            [sys.executable, "-m", "ruff", *args, "--config", str(ROOT / "pyproject.toml")],
            capture_output=True,
            text=True,
            check=False,
        )
        assert result.returncode == 0, result.stdout + result.stderr
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(path)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


async def test_generation_is_deterministic(
    kinds: ModuleType, case_dsn: str, tmp_path: Path
) -> None:
    out = tmp_path / "again"
    first = await generate(case_dsn, CASES / "queries", out)
    second = await generate(case_dsn, CASES / "queries", out)
    assert first == second
    assert first[out / "kinds.py"] == source_of(kinds)


def test_select_star_is_expanded_in_the_committed_sql(kinds: ModuleType) -> None:
    assert "*" not in re.sub(r"/\*.*?\*/", "", kinds.GET_AUTHOR)  # the source comment aside
    assert "id, name, email, kind, created_at" in kinds.GET_AUTHOR
    assert "a.id, a.name, a.email, a.kind, a.created_at" in kinds.LIST_AUTHORS
    assert "RETURNING id, name, email, kind, created_at" in kinds.CREATE_AUTHOR
    assert "$1" in kinds.GET_AUTHOR and "@id" not in kinds.GET_AUTHOR


def test_row_structs_are_frozen_and_json_encodable(kinds: ModuleType) -> None:
    row = kinds.GetAuthorRow(uuid.UUID(int=1), "Ann", None, "ghost", datetime.datetime(2020, 1, 1))
    with pytest.raises(AttributeError):
        row.name = "Bob"
    assert msgspec.json.decode(msgspec.json.encode(row)) == {
        "id": "00000000-0000-0000-0000-000000000001",
        "name": "Ann",
        "email": None,
        "kind": "ghost",
        "created_at": "2020-01-01T00:00:00",
    }
    assert kinds.GetAuthorRow.__struct_config__.gc is False
    assert kinds.ListAuthorsRow is kinds.GetAuthorRow  # one struct per result shape


def test_literal_types_are_defined_once_in_the_enums_module(kinds: ModuleType) -> None:
    enums = importlib.import_module(f"{kinds.__package__}.enums")
    assert kinds.Mood is enums.Mood and kinds.AuthorsKind is enums.AuthorsKind
    assert "TypeAlias" not in source_of(kinds) and "from .enums import" in source_of(kinds)
    assert 'Mood: TypeAlias = Literal["calm", "angry", "sad"]' in source_of(enums)
    assert 'AuthorsKind: TypeAlias = Literal["human", "ghost"]' in source_of(enums)


def test_sql_constants_keep_the_name_line_and_the_lines_as_written(kinds: ModuleType) -> None:
    # the first token is followed by the comment pg_stat_statements keeps: name, file:line
    assert kinds.GET_AUTHOR.startswith(
        "-- name: GetAuthor :one\nSELECT /* GetAuthor queries/kinds.sql:3 */\n"
    )
    assert (
        'CALL_VOLATILE = """-- name: CallVolatile :one\n'
        'SELECT /* CallVolatile queries/kinds.sql:89 */ bump() AS "v!"\n"""\n'
        'CALL_VOLATILE_STATS = QueryStats("CallVolatile", "queries/kinds.sql:89")\n'
    ) in source_of(kinds)


@pytest.mark.parametrize(
    ("sql", "tagged"),
    [
        ("SELECT\n    1 AS x\n", "SELECT /* c */\n    1 AS x\n"),
        (
            "WITH t AS (\n    SELECT 1\n)\nTABLE t",
            "WITH /* c */ t AS (\n    SELECT 1\n)\nTABLE t\n",
        ),
        ("(SELECT 1) UNION (SELECT 2)", "( /* c */ SELECT 1) UNION (SELECT 2)\n"),
        ("UPDATE t SET " + "x" * 95, "UPDATE /* c */\n    t SET " + "x" * 95 + "\n"),
    ],
)
def test_the_source_comment_follows_the_first_token(sql: str, tagged: str) -> None:
    assert tag_statement(sql, "/* c */") == tagged


# -- kinds ------------------------------------------------------------------------------------


async def test_one_many_exec_execrows(kinds: ModuleType, conn: asyncpg.Connection) -> None:
    ann = await kinds.create_author(conn, name="Ann", email=None, kind="ghost")
    assert isinstance(ann.id, uuid.UUID) and ann.email is None and ann.kind == "ghost"
    bob = await kinds.create_author(conn, name="Bob", email="bob@example.org", kind="human")
    assert await kinds.get_author(conn, id=ann.id) == ann
    assert await kinds.get_author(conn, id=uuid.uuid4()) is None
    assert [a.name for a in await kinds.list_authors(conn)] == ["Ann", "Bob"]
    assert await kinds.rename_author(conn, name="Bobby", id=bob.id) is None
    assert (await kinds.get_author(conn, id=bob.id)).name == "Bobby"
    assert await kinds.delete_authors_by_kind(conn, kind="ghost") == 1
    assert await kinds.delete_authors_by_kind(conn, kind="ghost") == 0


async def test_copyfrom_loads_ten_thousand_rows_in_one_copy(
    kinds: ModuleType, case_dsn: str
) -> None:
    class Spy(asyncpg.Connection):
        copies = 0

        async def copy_records_to_table(self, *args: Any, **kwargs: Any) -> str:
            Spy.copies += 1
            return str(await super().copy_records_to_table(*args, **kwargs))

    statements: list[str] = []
    conn = await asyncpg.connect(case_dsn, connection_class=Spy)
    conn.add_query_logger(lambda q: statements.append(q.query))
    try:
        async with conn.transaction():
            at = datetime.datetime(2024, 5, 1, tzinfo=datetime.UTC)
            rows = (
                kinds.CopyBulkParams(a=i, b=None if i % 2 else f"row {i}", c=at)
                for i in range(10_000)
            )
            assert await kinds.copy_bulk(conn, rows=rows) == 10_000
            assert Spy.copies == 1
            assert not any("INSERT" in s for s in statements)  # no row-by-row fallback
            counted = await kinds.count_bulk(conn)
            assert (counted.n, counted.distinct_a) == (10_000, 10_000)
            raise asyncpg.exceptions.QueryCanceledError("roll back")
    except asyncpg.exceptions.QueryCanceledError:
        pass
    finally:
        await conn.close()
    assert hints(kinds.CopyBulkParams) == {
        "a": int,
        "b": str | None,
        "c": datetime.datetime | None,
    }


@pytest.mark.slow
async def test_iter_streams_a_million_rows_in_flat_memory(kinds: ModuleType, case_dsn: str) -> None:
    pool = await create_pool(case_dsn, min_size=1, max_size=2)
    try:

        async def peak(upto: int) -> tuple[int, int]:
            tracemalloc.start()
            try:
                count = last = 0
                async for row in kinds.iter_series(pool, upto=upto, prefetch=2000):
                    count += 1
                    last = row.n
                assert (count, last) == (upto, upto)
                return count, tracemalloc.get_traced_memory()[1]
            finally:
                tracemalloc.stop()

        _, small = await peak(20_000)
        _, large = await peak(1_000_000)
        tracemalloc.start()
        try:
            fetched = await pool.fetch("SELECT g, 'x' || g FROM generate_series(1, 50000) AS g")
            full_50k = tracemalloc.get_traced_memory()[1]
            del fetched
        finally:
            tracemalloc.stop()
    finally:
        await pool.close()
    # 50 times the rows, about the same peak; far below what fetching even 5% of it takes
    assert large < small * 2 + 1_000_000, (small, large)
    assert large < full_50k, (large, full_50k)


async def test_iter_on_a_connection_opens_and_ends_its_own_transaction(
    kinds: ModuleType, case_dsn: str
) -> None:
    conn = await asyncpg.connect(case_dsn)
    try:
        seen = [r.n async for r in kinds.iter_series(conn, upto=5, prefetch=2)]
        assert seen == [1, 2, 3, 4, 5]
        assert not conn.is_in_transaction()
    finally:
        await conn.close()


async def test_iter_inside_a_transaction_sees_its_writes_and_leaves_it_open(
    kinds: ModuleType, case_dsn: str
) -> None:
    pool = await create_pool(case_dsn, min_size=1, max_size=2)
    try:
        with pytest.raises(RuntimeError):
            async with transaction(pool) as tx:
                await kinds.create_author(tx, name="Uncommitted", email=None, kind="ghost")
                names = [r.name async for r in kinds.iter_author_names(tx, prefetch=1)]
                assert "Uncommitted" in names
                assert tx.is_in_transaction()
                raise RuntimeError("roll back")
        assert "Uncommitted" not in [r.name async for r in kinds.iter_author_names(pool)]
    finally:
        await pool.close()


# -- parameters -------------------------------------------------------------------------------


async def test_empty_array_parameter_matches_nothing(kinds: ModuleType, conn: Any) -> None:
    a = await kinds.create_author(conn, name="Ann", email=None, kind="ghost")
    made = await kinds.create_haunting(conn, **_haunting_args(author_id=a.id))
    assert await kinds.hauntings_by_ids(conn, ids=[]) == []
    assert [r.id for r in await kinds.hauntings_by_ids(conn, ids=[made.id, 999])] == [made.id]
    assert await kinds.authors_by_ids(conn, ids=[]) == []
    assert [r.id for r in await kinds.authors_by_ids(conn, ids=[uuid.uuid4(), a.id])] == [a.id]


def test_positional_parameters_are_named_from_context(kinds: ModuleType) -> None:
    h = hints(kinds.find_hauntings)
    assert list(h) == ["db", "title", "mood", "limit", "return"]
    assert h["mood"] == Literal["calm", "angry", "sad"]
    assert h["limit"] is int


def test_repeated_and_nullable_named_parameters(kinds: ModuleType) -> None:
    h = hints(kinds.search_authors)
    assert list(h) == ["db", "kind", "name", "return"]
    assert h["kind"] == Literal["human", "ghost"] | None  # compared with a CHECKed column
    assert h["name"] is str
    assert kinds.SEARCH_AUTHORS.count("$1") == 2 and kinds.SEARCH_AUTHORS.count("$2") == 2


async def test_narg_accepts_none(kinds: ModuleType, conn: Any) -> None:
    await kinds.create_author(conn, name="Ann", email=None, kind="ghost")
    await kinds.create_author(conn, name="Bob", email=None, kind="human")
    assert [r.name for r in await kinds.search_authors(conn, kind=None, name="x")] == [
        "Ann",
        "Bob",
    ]
    assert [r.name for r in await kinds.search_authors(conn, kind="human", name="x")] == ["Bob"]


def test_insert_parameters_follow_column_nullability_and_checks(kinds: ModuleType) -> None:
    h = hints(kinds.create_author)
    assert h["name"] is str
    assert h["email"] == str | None
    assert h["kind"] == Literal["human", "ghost"]
    assert h["return"] == kinds.CreateAuthorRow | None


# -- types and nullability ---------------------------------------------------------------------


def _haunting_args(**overrides: Any) -> dict[str, Any]:
    args: dict[str, Any] = {
        "author_id": None,
        "title": "Knocking",
        "mood": "angry",
        "intensity": decimal.Decimal("12.50"),
        "duration": datetime.timedelta(minutes=3),
        "seen_on": datetime.date(2024, 10, 31),
        "seen_at": datetime.datetime(2024, 10, 31, 23, 59),
        "payload": {"witnesses": 2, "notes": ["cold", None]},
        "raw": b"\x00\x01",
        "origin_ip": ipaddress.ip_address("192.0.2.1"),
        "tags": ["attic", "night"],
        "scores": [1, 2, 3],
        "moods": ["sad", "calm"],
        "doc": "attic knock",
        "rating": 4.5,
        "small": 7,
        "status": "closed",
    }
    args.update(overrides)
    return args


def test_type_mapping(kinds: ModuleType) -> None:
    from service.store.db import JSONValue

    h = hints(kinds.GetHauntingTypesRow)
    assert h == {
        "id": int,
        "author_id": uuid.UUID | None,
        "title": str,
        "mood": Literal["calm", "angry", "sad"],
        "intensity": decimal.Decimal | None,
        "duration": datetime.timedelta | None,
        "seen_on": datetime.date | None,
        "seen_at": datetime.datetime | None,
        "payload": JSONValue | None,
        "raw": bytes | None,
        "origin_ip": ipaddress.IPv4Address | ipaddress.IPv6Address | None,
        "tags": list[str],
        "scores": list[int] | None,
        "moods": list[Literal["calm", "angry", "sad"]] | None,
        "doc": str | None,
        "rating": float | None,
        "small": int | None,
        "flag": bool,
        "status": Literal["open", "closed"],
    }
    assert kinds.GetHauntingTypesRow.__struct_config__.gc is True  # lists could form cycles


async def test_values_come_back_as_annotated(kinds: ModuleType, conn: Any) -> None:
    made = await kinds.create_haunting(conn, **_haunting_args())
    row = await kinds.get_haunting_types(conn, id=made.id)
    assert row.payload == {"witnesses": 2, "notes": ["cold", None]}
    assert row.intensity == decimal.Decimal("12.50")
    assert row.doc == "'attic' 'knock'"
    assert row.origin_ip == ipaddress.IPv4Address("192.0.2.1")
    assert row.moods == ["sad", "calm"] and row.status == "closed" and row.flag is False
    for name, annotation in hints(type(row)).items():
        value = getattr(row, name)
        assert value is not None or admits_none(annotation), name
    encoded = msgspec.json.decode(msgspec.json.encode(row, enc_hook=json_enc_hook))
    assert encoded["origin_ip"] == "192.0.2.1" and encoded["payload"]["witnesses"] == 2
    echoed = await kinds.echo_json(conn, doc={"k": [1, "two", None]})
    assert echoed.doc == {"k": [1, "two", None]} and echoed.k == [1, "two", None]


async def test_nullability_matches_the_nulls_postgresql_returns(
    kinds: ModuleType, conn: Any
) -> None:
    lonely = await kinds.create_author(conn, name="Lonely", email=None, kind="ghost")
    busy = await kinds.create_author(conn, name="Busy", email="b@example.org", kind="human")
    await kinds.create_haunting(conn, **_haunting_args(author_id=busy.id, rating=None, small=3))
    await kinds.create_haunting(conn, **_haunting_args(author_id=None, title="Orphan"))

    left = hints(kinds.AuthorHauntingsRow)
    assert left["id"] is uuid.UUID and left["name"] is str  # NOT NULL, preserved side
    assert left["email"] == str | None  # nullable column
    assert left["haunting_id"] == int | None  # NOT NULL column, nullable side of LEFT JOIN
    assert left["title"] == str | None
    rows = await kinds.author_hauntings(conn)
    assert any(r.haunting_id is None and r.title is None for r in rows if r.id == lonely.id)

    right = hints(kinds.HauntingAuthorsRow)
    assert right == {"author_name": str | None, "title": str}
    rows = await kinds.haunting_authors(conn)
    assert [r.author_name for r in rows] == ["Busy", None]

    stats = hints(kinds.StatsRow)
    assert stats["total"] is int  # count(*) is never NULL
    assert stats["best"] == float | None  # max() of nothing, or of NULLs, is NULL
    assert stats["best_or_zero"] is float  # COALESCE with a constant
    assert stats["small_sum"] is int  # "!" override
    assert stats["maybe"] == int | None  # "?" override
    assert stats["checked_at"] is datetime.datetime
    assert stats["via_subquery"] is str  # NOT NULL through a derived table
    row = await kinds.stats(conn)
    assert (row.total, row.best, row.best_or_zero, row.small_sum) == (2, 4.5, 4.5, 10)

    for struct, fetched in (
        (kinds.AuthorHauntingsRow, await kinds.author_hauntings(conn)),
        (kinds.HauntingAuthorsRow, await kinds.haunting_authors(conn)),
        (kinds.StatsRow, [row]),
    ):
        for r in fetched:
            for name, annotation in hints(struct).items():
                assert getattr(r, name) is not None or admits_none(annotation), (struct, name)


# -- routing ----------------------------------------------------------------------------------


def test_read_only_detection_is_baked_in(kinds: ModuleType) -> None:
    import inspect

    def route(fn: Any) -> str:
        source = inspect.getsource(fn)
        return "replica" if "reader(db)" in source or "readonly=True" in source else "primary"

    assert route(kinds.get_author) == "replica"
    assert route(kinds.stats) == "replica"
    assert route(kinds.iter_series) == "replica"
    assert route(kinds.lock_author) == "primary"  # FOR UPDATE
    assert route(kinds.call_volatile) == "primary"  # volatile function (pg_proc.provolatile)
    assert route(kinds.insert_via_cte) == "primary"  # data-modifying CTE
    assert route(kinds.create_author) == "primary"


async def test_database_routes_reads_to_the_replica(kinds: ModuleType, pg_server_dsn: str) -> None:
    async with (
        scratch_database(pg_server_dsn, SCHEMA) as primary_dsn,
        scratch_database(pg_server_dsn, SCHEMA) as replica_dsn,
    ):
        primary = await create_pool(primary_dsn, min_size=1, max_size=2)
        replica = await create_pool(replica_dsn, min_size=1, max_size=2)
        db = Database(primary, replica)
        try:
            await kinds.create_author(replica, name="OnReplica", email=None, kind="human")
            made = await kinds.create_author(db, name="OnPrimary", email=None, kind="human")
            assert [a.name for a in await kinds.list_authors(db)] == ["OnReplica"]
            assert [a.name for a in await kinds.list_authors(primary)] == ["OnPrimary"]
            assert await kinds.lock_author(db, id=made.id) is not None  # FOR UPDATE: primary
            async with transaction(db) as tx:  # a transaction reads its own writes
                assert [a.name for a in await kinds.list_authors(tx)] == ["OnPrimary"]
            assert [r.n async for r in kinds.iter_series(db, upto=3)] == [1, 2, 3]
        finally:
            await db.close()


async def test_transaction_commits_or_rolls_back_together(kinds: ModuleType, case_dsn: str) -> None:
    pool = await create_pool(case_dsn, min_size=1, max_size=2)
    try:
        with pytest.raises(RuntimeError):
            async with transaction(pool) as tx:
                await kinds.create_author(tx, name="Ghosted", email=None, kind="ghost")
                raise RuntimeError("abort")
        assert "Ghosted" not in [a.name for a in await kinds.list_authors(pool)]
        async with transaction(pool) as tx:
            made = await kinds.create_author(tx, name="Kept", email=None, kind="ghost")
            async with transaction(tx) as inner:  # nested: a savepoint on the same connection
                await kinds.rename_author(inner, name="Kept too", id=made.id)
        assert (await kinds.get_author(pool, id=made.id)).name == "Kept too"
        await kinds.delete_authors_by_kind(pool, kind="ghost")
    finally:
        await pool.close()


async def test_statement_cache_disabled_for_pgbouncer_transaction_mode(
    kinds: ModuleType, case_dsn: str
) -> None:
    pool = await create_pool(case_dsn, min_size=1, max_size=2, statement_cache_size=0)
    try:
        for _ in range(3):
            assert (await kinds.echo_json(pool, doc=[1, {"a": True}])).doc == [1, {"a": True}]
            assert await kinds.hauntings_by_ids(pool, ids=[]) == []
        assert [r.n async for r in kinds.iter_series(pool, upto=4, prefetch=2)] == [1, 2, 3, 4]
    finally:
        await pool.close()


# -- the lexical layer ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("sql", "found"),
    [
        ("SELECT @a, sqlc.arg(b), sqlc.narg('c'), $4", ["a", "b", "c", 4]),
        ("SELECT '@no', $$ @no $$, $tag$ $1 $tag$, \"@no\" -- @no\n, @yes", ["yes"]),
        ("SELECT /* @no /* nested @no */ */ @yes", ["yes"]),
        ("SELECT E'it\\'s @no', 'it''s @no', @yes", ["yes"]),
        ("SELECT tags @> @tags::text[], x::int, a$1, u@x", ["tags"]),
    ],
)
def test_parameters_are_found_outside_strings_and_comments(sql: str, found: list[object]) -> None:
    params, _ = scan(sql)
    assert [p.name if p.name is not None else p.number for p in params] == found


def test_doc_comments_become_docstrings(kinds: ModuleType) -> None:
    assert kinds.get_author.__doc__ == "One author by id."
    assert kinds.iter_series.__doc__ == "A large read through a server-side cursor."
    assert kinds.list_authors.__doc__ == "Run ListAuthors (:many)."


def test_parse_file_keeps_lines(tmp_path: Path) -> None:
    text = "-- header\n\n-- name: A :one\n-- doc\nSELECT\n  1 AS x;\n-- name: B :exec\nSELECT 2;\n"
    queries, issues = parse_file(tmp_path / "x.sql", text)
    assert issues == []
    assert [(q.name, q.kind, q.line, q.sql_line, q.doc) for q in queries] == [
        ("A", "one", 3, 5, ["doc"]),
        ("B", "exec", 7, 8, []),
    ]
    assert queries[0].sql == "SELECT\n  1 AS x"


# -- errors a DBA can act on ------------------------------------------------------------


async def issues_for(dsn: str, tmp_path: Path, text: str) -> list[Issue]:
    queries = tmp_path / "queries"
    queries.mkdir(exist_ok=True)
    (queries / "bad.sql").write_text(text)
    with pytest.raises(CodegenError) as caught:
        await generate(dsn, queries, tmp_path / "out")
    for issue in caught.value.issues:
        assert issue.path.name == "bad.sql"
        assert str(issue).startswith(f"{issue.path}:{issue.line}: ")
    return caught.value.issues


CASES_ = {
    "syntax error": (
        "-- name: Broken :one\n-- doc\nSELECT id\nFROM authors\nWHERE AND id = @id;\n",
        5,
        "Broken",
        ['syntax error at or near "AND"', "[SQLSTATE 42601]"],
    ),
    "unknown column, with PostgreSQL's hint": (
        "-- name: Typo :one\nSELECT\n    nme\nFROM authors;\n",
        3,
        "Typo",
        [
            'column "nme" does not exist',
            'HINT: Perhaps you meant to reference the column "authors.name"',
        ],
    ),
    "unknown table": (
        "-- name: NoTable :many\nSELECT 1 AS x FROM\n  ghosts;\n",
        3,
        "NoTable",
        ['relation "ghosts" does not exist', "[SQLSTATE 42P01]"],
    ),
    "constraint detail is kept": (
        "-- name: BadCopy :copyfrom\nINSERT INTO bulk (a, b) VALUES (@a, upper(@b));\n",
        1,
        "BadCopy",
        ["the value for column b must be a bare parameter"],
    ),
    "duplicate name": (
        "-- name: Twice :one\nSELECT 1 AS x;\n\n-- name: Twice :one\nSELECT 2 AS x;\n",
        4,
        "Twice",
        ["duplicate query name (first defined at line 1)"],
    ),
    "unknown kind": (
        "-- name: Single :single\nSELECT 1 AS x;\n",
        1,
        "Single",
        ["unknown kind ':single'", "HINT: use one of :one, :many, :exec, :execrows"],
    ),
    "missing -- name: before the first statement": (
        "-- a header comment\nSELECT 1;\n\n-- name: Fine :one\nSELECT 1 AS x;\n",
        2,
        None,
        ["SQL without a `-- name:` annotation"],
    ),
    "missing -- name: for a second statement": (
        "-- name: First :exec\nDELETE FROM bulk;\n\nDELETE FROM authors;\n",
        4,
        None,
        ["SQL without a `-- name:` annotation", "second statement follows First"],
    ),
    "unused positional parameter": (
        "-- name: Gap :many\nSELECT a FROM bulk WHERE a = $1 OR a = $3;\n",
        1,
        "Gap",
        ["unused parameter $2 (the query uses up to $3)"],
    ),
    "parameter whose type PostgreSQL cannot infer": (
        "-- name: Untyped :one\nSELECT\n    @thing IS NULL AS missing;\n",
        3,
        "Untyped",
        ["could not determine data type of parameter $1 (@thing)", "HINT: add a cast"],
    ),
    "unnamed result column": (
        "-- name: Unnamed :one\nSELECT 1 + 1;\n",
        1,
        "Unnamed",
        ["result column 1 is named '?column?'", "HINT: alias it: `1 + 1 AS some_name`"],
    ),
    "rows expected from a statement that returns none": (
        "-- name: NoRows :one\nDELETE FROM bulk WHERE a = @a;\n",
        1,
        "NoRows",
        [":one needs a statement that returns rows", "RETURNING"],
    ),
}


@pytest.mark.parametrize(("text", "line", "query", "phrases"), CASES_.values(), ids=CASES_.keys())
async def test_error_names_file_line_query_and_postgres_message(
    case_dsn: str, tmp_path: Path, text: str, line: int, query: str | None, phrases: list[str]
) -> None:
    issues = await issues_for(case_dsn, tmp_path, text)
    assert len(issues) == 1, issues
    issue = issues[0]
    assert (issue.line, issue.query) == (line, query), str(issue)
    for phrase in phrases:
        assert phrase in str(issue), str(issue)


async def test_every_problem_is_reported_at_once(case_dsn: str, tmp_path: Path) -> None:
    text = (
        "-- name: A :one\nSELECT nope FROM authors;\n\n"
        "-- name: B :weird\nSELECT 1 AS x;\n\n"
        "-- name: C :many\nSELECT name FROM authors;\n"
    )
    issues = await issues_for(case_dsn, tmp_path, text)
    assert [(i.line, i.query) for i in issues] == [(2, "A"), (4, "B")]


async def test_constraint_detail_and_position_from_postgres(case_dsn: str, tmp_path: Path) -> None:
    text = (
        "-- name: Lines :many\n"
        "-- several lines of doc\n"
        "-- and more\n"
        "SELECT a.name\n"
        "FROM authors AS a\n"
        "WHERE a.kind = 'ghost'\n"
        "  AND a.created_at > 'not a date';\n"
    )
    issues = await issues_for(case_dsn, tmp_path, text)
    assert issues[0].line == 7
    assert "invalid input syntax for type timestamp with time zone" in issues[0].message


# -- drift ------------------------------------------------------------------------------


QUERIES = """\
-- name: GetAuthorContact :one
-- An author's name and email.
SELECT a.name, a.email FROM authors AS a WHERE a.id = @id;

-- name: ListBulk :many
SELECT b.a, b.b FROM bulk AS b ORDER BY b.a;
"""


async def _setup(dsn: str, tmp_path: Path) -> tuple[Path, Path]:
    queries, out = tmp_path / "queries", tmp_path / "out"
    queries.mkdir()
    (queries / "drift.sql").write_text(QUERIES)
    write(await generate(dsn, queries, out), out)
    assert await check(dsn, queries, out) == []
    return queries, out


async def _alter(dsn: str, sql: str) -> None:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute(sql)
    finally:
        await conn.close()


async def test_column_type_change_is_reported(pg_server_dsn: str, tmp_path: Path) -> None:
    schema = SCHEMA
    async with scratch_database(pg_server_dsn, schema) as dsn:
        queries, out = await _setup(dsn, tmp_path)
        await _alter(
            dsn,
            "ALTER TABLE authors ALTER COLUMN email TYPE bytea USING convert_to(email, 'UTF8');"
            "ALTER TABLE bulk ALTER COLUMN b SET NOT NULL",
        )
        problems = await check(dsn, queries, out)
        text = "\n".join(problems)
        assert "out/drift.py: types changed" in text
        assert "GetAuthorContactRow.email: str | None -> bytes | None" in text
        assert "ListBulkRow.b: str | None -> str" in text
        assert await run(dsn, check=True, queries_dir=queries, out_dir=out) == 1


async def test_query_that_no_longer_prepares_is_reported(
    pg_server_dsn: str, tmp_path: Path
) -> None:
    async with scratch_database(pg_server_dsn, SCHEMA) as dsn:
        queries, out = await _setup(dsn, tmp_path)
        await _alter(dsn, "ALTER TABLE authors DROP COLUMN email")
        problems = await check(dsn, queries, out)
        assert len(problems) == 1
        assert problems[0].startswith(f"{queries / 'drift.sql'}:3: GetAuthorContact: ")
        assert "column a.email does not exist" in problems[0]


async def test_sql_edit_without_regenerating_and_missing_or_extra_files(
    pg_server_dsn: str, tmp_path: Path
) -> None:
    async with scratch_database(pg_server_dsn, SCHEMA) as dsn:
        queries, out = await _setup(dsn, tmp_path)
        (queries / "drift.sql").write_text(
            QUERIES + "\n-- name: CountBulk :one\nSELECT count(*) AS n FROM bulk;\n"
        )
        (queries / "more.sql").write_text("-- name: One :one\nSELECT 1 AS one;\n")
        (out / "stale.py").write_text("# Code generated by hand\n")
        problems = await check(dsn, queries, out)
        text = "\n".join(problems)
        assert "queries/drift.sql changed without regenerating" in text
        assert "count_bulk() -> added: CountBulkRow | None" in text
        assert "out/more.py is missing" in text
        assert "out/stale.py has no query file queries/stale.sql" in text
        (out / "stale.py").unlink()
        assert await run(dsn, check=False, queries_dir=queries, out_dir=out) == 0
        assert await check(dsn, queries, out) == []


async def test_hand_edit_of_generated_code_is_reported(pg_server_dsn: str, tmp_path: Path) -> None:
    async with scratch_database(pg_server_dsn, SCHEMA) as dsn:
        queries, out = await _setup(dsn, tmp_path)
        path = out / "drift.py"
        path.write_text(path.read_text().replace("An author's name", "A name"))
        problems = await check(dsn, queries, out)
        assert problems == [
            f"{path} differs from the generator's output (edited by hand?): run `make generate`"
        ]


def test_mypy_rejects_a_wrongly_typed_argument(tmp_path: Path) -> None:
    snippet = tmp_path / "use_queries.py"
    snippet.write_text(
        textwrap.dedent(
            """\
            from service.store.db import Executor
            from service.store.queries import ghosts


            async def ok(db: Executor) -> str | None:
                row = await ghosts.get_ghost_detail(db, slug="grey-lady", include_drafts=False)
                await ghosts.list_ghost_ids_by_slugs(db, slugs=["grey-lady"])
                return None if row is None else row.name


            async def wrong(db: Executor) -> None:
                await ghosts.get_ghost_detail(db, slug=42, include_drafts=False)
                await ghosts.list_ghost_ids_by_slugs(db, slugs=[42])
                row = await ghosts.get_ghost_detail(db, slug="x", include_drafts=False)
                assert row is not None
                row.name = "frozen"
                print(row.origin.upper())
            """
        )
    )
    result = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-incremental", str(snippet)],
        capture_output=True,
        text=True,
        cwd=ROOT,
        check=False,
    )
    out = result.stdout
    assert result.returncode == 1, out
    errors = [line for line in out.splitlines() if ": error:" in line]
    assert [int(line.split(":")[1]) for line in errors] == [12, 13, 16, 17], out
    assert 'Argument "slug" to "get_ghost_detail" has incompatible type "int"' in out
    assert 'List item 0 has incompatible type "int"; expected "str"' in out
    assert 'Item "None" of "str | None" has no attribute "upper"' in out
