"""Generator coverage of sqlc's kinds, annotation styles and macros (tests/codegen_cases/).

Each case in queries/coverage.sql is checked against the generated Python: its signature and
row types, and what it does on a real PostgreSQL.
"""

from __future__ import annotations

import re
import subprocess
import sys
import typing
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from types import ModuleType
from typing import Any, Literal

import asyncpg
import msgspec
import pytest
from test_codegen import CASES, ROOT, SCHEMA, generate_package, issues_for, scratch_database
from test_codegen import conn as conn  # the rolled-back connection fixture, shared


@pytest.fixture(scope="module")
async def case_dsn(pg_server_dsn: str) -> AsyncIterator[str]:
    async with scratch_database(pg_server_dsn, SCHEMA) as dsn:
        yield dsn


@pytest.fixture(scope="module")
async def gen(case_dsn: str, tmp_path_factory: pytest.TempPathFactory) -> dict[str, ModuleType]:
    return await generate_package(case_dsn, CASES / "queries", tmp_path_factory.mktemp("gen"))


@pytest.fixture(scope="module")
def cov(gen: dict[str, ModuleType]) -> ModuleType:
    return gen["coverage"]


def hints(obj: Any) -> dict[str, Any]:
    return typing.get_type_hints(obj)


async def author(conn: Any, name: str, kind: str = "human") -> uuid.UUID:
    return uuid.UUID(
        str(
            await conn.fetchval(
                "INSERT INTO authors (name, kind) VALUES ($1, $2) RETURNING id", name, kind
            )
        )
    )


# -- annotations and kinds ----------------------------------------------------------------


async def test_block_comment_annotation(cov: ModuleType, conn: Any) -> None:
    ann = await author(conn, "Ann")
    assert cov.block_annotated.__doc__ == "A block-comment annotation, as sqlc also accepts."
    assert (await cov.block_annotated(conn, id=ann)) == cov.BlockAnnotatedRow("Ann")


async def test_exec_kinds_need_no_column_names(cov: ModuleType, conn: Any) -> None:
    assert await cov.placeholder(conn) is None  # `SELECT 1` has a column named ?column?
    assert await cov.placeholder_rows(conn) == 1
    assert hints(cov.placeholder_rows)["return"] is int


async def test_execresult_returns_the_status_and_the_row_count(cov: ModuleType, conn: Any) -> None:
    ann = await author(conn, "Ann")
    for title in ("a", "b"):
        await conn.execute("INSERT INTO hauntings (author_id, title) VALUES ($1, $2)", ann, title)
    result = await cov.retitle_hauntings(conn, title="same", author_id=ann)
    assert (result.status, result.rows) == ("UPDATE 2", 2)
    assert hints(cov.retitle_hauntings)["return"] is cov.CommandResult


async def test_batchexec_sends_every_set_in_one_executemany(cov: ModuleType, conn: Any) -> None:
    assert hints(cov.AddBulkParams) == {"a": int, "b": str | None}
    await cov.add_bulk(conn, params=[cov.AddBulkParams(a=i, b=None) for i in range(100)])
    await cov.add_bulk(conn, params=[])
    assert await conn.fetchval("SELECT count(*) FROM bulk WHERE b IS NULL") == 100


async def test_batchone_answers_each_set_in_order(cov: ModuleType, conn: Any) -> None:
    ann = await author(conn, "Ann")
    bob = await author(conn, "Bob")
    names = ["Bob", "Nobody", "Ann", "Bob"]
    found = await cov.author_by_name(conn, params=[cov.AuthorByNameParams(name=n) for n in names])
    assert [None if r is None else r.id for r in found] == [bob, None, ann, bob]
    assert await cov.author_by_name(conn, params=[]) == []
    returned = hints(cov.author_by_name)["return"]
    assert typing.get_origin(returned) is list
    assert typing.get_args(returned) == (cov.AuthorByNameRow | None,)
    made = await cov.create_authors(conn, params=[cov.CreateAuthorsParams(name=n) for n in "xyz"])
    assert [r.name for r in made if r is not None] == ["x", "y", "z"]


class Counting(asyncpg.Connection):
    """A connection that counts the calls that each cost a round trip."""

    calls = 0

    async def fetchmany(self, *args: Any, **kwargs: Any) -> Any:
        Counting.calls += 1
        return await super().fetchmany(*args, **kwargs)

    async def fetch(self, *args: Any, **kwargs: Any) -> Any:
        Counting.calls += 1
        return await super().fetch(*args, **kwargs)

    async def fetchrow(self, *args: Any, **kwargs: Any) -> Any:
        Counting.calls += 1
        return await super().fetchrow(*args, **kwargs)


async def test_batchmany_groups_rows_by_set_in_one_round_trip(
    cov: ModuleType, case_dsn: str
) -> None:
    conn = await asyncpg.connect(case_dsn, connection_class=Counting)
    try:
        async with conn.transaction():
            ann, bob = await author(conn, "Ann"), await author(conn, "Bob")
            for who, title in ((ann, "a1"), (bob, "b1"), (ann, "a2")):
                await conn.execute(
                    "INSERT INTO hauntings (author_id, title) VALUES ($1, $2)", who, title
                )
            Counting.calls = 0
            sets = [cov.HauntingsOfAuthorParams(author_id=x) for x in (bob, uuid.uuid4(), ann)]
            found = await cov.hauntings_of_author(conn, params=sets)
            assert [[r.title for r in rows] for rows in found] == [["b1"], [], ["a1", "a2"]]
            assert Counting.calls == 1  # one pipelined fetchmany, not a query per set
            await conn.execute("DELETE FROM hauntings; DELETE FROM authors")
    finally:
        await conn.close()


async def test_batches_that_cannot_be_wrapped_run_once_per_set_in_one_transaction(
    cov: ModuleType, conn: Any
) -> None:
    assert "WITH batch AS" not in cov.RENAME_VIA_CTE  # a data-modifying WITH stays on top
    ann, bob = await author(conn, "Ann"), await author(conn, "Bob")
    await conn.execute("INSERT INTO hauntings (author_id, title) VALUES ($1, 'a'), ($1, 'b')", ann)
    sets = [cov.RenameViaCteParams(name=n, id=i) for n, i in (("Bo", bob), ("X", uuid.uuid4()))]
    renamed = await cov.rename_via_cte(conn, params=sets)
    assert [None if r is None else r.name for r in renamed] == ["Bo", None]
    gone = await cov.archive_via_cte(
        conn, params=[cov.ArchiveViaCteParams(author_id=x) for x in (bob, ann)]
    )
    assert [[r.title for r in rows] for rows in gone] == [[], ["a", "b"]]


# -- macros and parameters -------------------------------------------------------------------


async def test_slice_is_one_array_parameter(cov: ModuleType, conn: Any) -> None:
    for n in ("Ann", "Bob", "Cy"):
        await author(conn, n)
    assert "= ANY($1)" in cov.AUTHORS_IN_SLICE and "sqlc" not in cov.AUTHORS_IN_SLICE
    assert hints(cov.authors_in_slice)["names"] == list[str]
    assert [r.name for r in await cov.authors_in_slice(conn, names=["Cy", "Ann"])] == ["Ann", "Cy"]
    assert await cov.authors_in_slice(conn, names=[]) == []
    rows = await cov.authors_not_in_slice(conn, names=["Bob"], kinds=["human"])
    assert [r.name for r in rows] == ["Ann", "Cy"]
    # NOT IN spread over three lines: the lines after it keep their numbers
    assert cov.AUTHORS_NOT_IN_SLICE.count("\n") == 6


async def test_positional_and_named_parameters_mix(cov: ModuleType, conn: Any) -> None:
    assert list(hints(cov.mixed_params)) == ["db", "a", "b", "return"]
    await conn.execute("INSERT INTO bulk (a, b) VALUES (1, 'x'), (5, 'x'), (7, 'y')")
    assert [r.a for r in await cov.mixed_params(conn, a=2, b="x")] == [5]


async def test_embed_is_a_nested_struct(cov: ModuleType, conn: Any) -> None:
    ann = await author(conn, "Ann")
    await conn.execute("INSERT INTO hauntings (author_id, title) VALUES ($1, 'attic')", ann)
    assert hints(cov.EmbedAuthorRow) == {"a": cov.EmbedAuthorA, "title": str}
    assert hints(cov.EmbedAuthorA)["name"] is str and hints(cov.EmbedAuthorA)["email"] == str | None
    [row] = await cov.embed_author(conn)
    assert (row.a.id, row.a.name, row.a.kind, row.title) == (ann, "Ann", "human", "attic")


async def test_duplicate_column_names_get_a_suffix(cov: ModuleType, conn: Any) -> None:
    names = list(hints(cov.SelfJoinRow))
    assert names == ["id", "name", "email", "kind", "created_at"] + [
        f"{n}_2" for n in ("id", "name", "email", "kind", "created_at")
    ]
    ann, bob = await author(conn, "Ann"), await author(conn, "Bob")
    rows = await cov.self_join(conn)
    assert [(r.id, r.id_2) for r in rows] == [(ann, bob), (bob, ann)]


async def test_returning_old_and_new(cov: ModuleType, conn: Any) -> None:
    assert hints(cov.RenameReturningOldNewRow) == {
        "old_name": str,
        "new_name": str,
        "email": str | None,
    }
    aliased = hints(cov.RenameReturningAliasesRow)
    assert aliased["before"] is str and aliased["name"] is str and aliased["id"] is uuid.UUID
    assert aliased["kind"] == Literal["human", "ghost"]
    # a DELETE has no new row, so new.* is always NULL
    assert hints(cov.DeleteReturningOldRow) == {"gone": str, "nothing": str | None}
    ann = await author(conn, "Ann")
    row = await cov.rename_returning_aliases(conn, name="Anne", id=ann)
    assert (row.before, row.name) == ("Ann", "Anne")
    gone = await cov.delete_returning_old(conn, id=ann)
    assert (gone.gone, gone.nothing) == ("Anne", None)


# -- errors ----------------------------------------------------------------------------------


ERRORS = {
    "unknown macro": (
        "-- name: Typo :one\nSELECT a.name FROM authors AS a\nWHERE a.id = sqlc.nrag(id);\n",
        3,
        ["unknown macro sqlc.nrag; did you mean sqlc.narg?"],
    ),
    "unnamed column of a row kind": (
        "-- name: Exists :one\nSELECT count(*) > 0 FROM authors;\n",
        1,
        ["result column 1 is named '?column?'", "alias it: `count(*) > 0 AS some_name`"],
    ),
    "embed outside the result": (
        "-- name: Nested :many\nSELECT x.n FROM (\n"
        "  SELECT sqlc.embed(a) FROM authors AS a\n) AS x (n);\n",
        3,
        ["sqlc.embed(a) must be a result column of the statement itself"],
    ),
    "one parameter, two types": (
        "-- name: Clash :many\n-- doc\nSELECT h.title\nFROM hauntings AS h\n"
        "JOIN authors AS a ON a.id = h.author_id\nWHERE h.id = @key\n   OR a.name = @key;\n",
        7,
        ["@key is compared with bigint at line 6 and with text at line 7"],
    ),
    "batch kind without parameters": (
        "-- name: All :batchmany\nSELECT a.name FROM authors AS a;\n",
        1,
        [":batchmany runs once per set of parameters"],
    ),
}


@pytest.mark.parametrize(("text", "line", "phrases"), ERRORS.values(), ids=ERRORS.keys())
async def test_errors(
    case_dsn: str, tmp_path: Path, text: str, line: int, phrases: list[str]
) -> None:
    issues = await issues_for(case_dsn, tmp_path, text)
    assert len(issues) == 1, issues
    assert issues[0].line == line, str(issues[0])
    for phrase in phrases:
        assert phrase in str(issues[0]), str(issues[0])


# -- the command line on any folder ----------------------------------------------------------


def test_generate_command_on_a_folder_with_a_schema_file(tmp_path: Path) -> None:
    out = tmp_path / "out"
    command = [
        sys.executable, "-m", "service", "generate",
        "--queries", str(CASES / "queries"), "--out", str(out),
        "--schema", str(CASES / "schema.sql"),
    ]  # fmt: skip
    made = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    assert made.returncode == 0, made.stderr
    assert re.search(r"generated \d+ modules in \d+\.\d+ s", made.stdout), made.stdout
    assert {p.name for p in out.glob("*.py")} >= {"kinds.py", "coverage.py", "enums.py"}
    again = subprocess.run([*command, "--check"], capture_output=True, text=True, cwd=ROOT)
    assert again.returncode == 0, again.stderr
    (out / "coverage.py").write_text("# Code generated by hand\n")
    stale = subprocess.run([*command, "--check"], capture_output=True, text=True, cwd=ROOT)
    assert stale.returncode == 1 and "coverage.py" in stale.stderr


def test_generate_command_reports_a_schema_that_does_not_apply(tmp_path: Path) -> None:
    schema = tmp_path / "schema.sql"
    schema.write_text("CREATE TABLE t (a int);\nCREATE TABLE u (b nosuchtype);\n")
    command = [
        sys.executable, "-m", "service", "generate", "--queries", str(CASES / "queries"),
        "--out", str(tmp_path / "out"), "--schema", str(schema),
    ]  # fmt: skip
    made = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    assert made.returncode == 2
    assert f"{schema}:2: the schema does not apply" in made.stderr
    assert 'type "nosuchtype" does not exist' in made.stderr


async def test_any_query_and_file_name_gives_importable_python(
    case_dsn: str, tmp_path: Path
) -> None:
    queries = tmp_path / "queries"
    queries.mkdir()
    (queries / "import.sql").write_text(
        "-- name: get_author :one\nSELECT a.name FROM authors AS a WHERE a.id = @id;\n"
    )
    (queries / "audit-log.sql").write_text("-- name: Ping :exec\nSELECT 1;\n")
    gen = await generate_package(case_dsn, queries, tmp_path / "pkg")
    assert set(gen) >= {"import_", "audit_log"}
    assert gen["import_"].get_author.__name__ == "get_author"
    assert "GetAuthorRow" in gen["import_"].__all__


async def test_column_names_that_are_not_identifiers(cov: ModuleType, conn: Any) -> None:
    assert typing.get_type_hints(cov.SpacedNamesRow) == {
        "full_name": str,
        "author_kind": Literal["human", "ghost"],
    }
    row = await cov.spaced_names(conn, id=await author(conn, "Ann"))
    assert msgspec.to_builtins(row) == {"Full Name": "Ann", "author-kind": "human"}
