"""The committed generated code (service/store/queries/) reads like code written by hand."""

from __future__ import annotations

import ast
import re
import tomllib
from pathlib import Path

import pytest

from service.dev.codegen import DEFAULT_OUT_DIR, DEFAULT_QUERIES_DIR
from service.dev.codegen.render import line_length, sql_literal

GENERATED = sorted(DEFAULT_OUT_DIR.glob("*.py"))
ROOT = Path(__file__).resolve().parents[1]
# a parameter as written in a query file, or as the generator rewrites it
PARAM = re.compile(r"\$\d+|@[A-Za-z_]\w*|sqlc\.n?arg\(\s*['\"]?\w+['\"]?\s*\)")


def sql_lines() -> set[str]:
    """Every line of every query file, parameters blanked out."""
    return {
        PARAM.sub("?", line)
        for path in DEFAULT_QUERIES_DIR.glob("*.sql")
        for line in path.read_text().splitlines()
    }


def test_generated_lines_fit_unless_they_are_sql_copied_from_a_query_file() -> None:
    written = sql_lines()
    long = [
        f"{path.name}:{n}: {len(line)} characters"
        for path in GENERATED
        for n, line in enumerate(path.read_text().splitlines(), 1)
        if len(line) > line_length() and PARAM.sub("?", line) not in written
    ]
    assert long == []
    assert line_length() <= 120


@pytest.mark.parametrize("path", GENERATED, ids=lambda p: p.name)
def test_no_lint_finding_is_silenced_for_a_whole_file(path: Path) -> None:
    text = path.read_text()
    assert not re.search(r"^#\s*(ruff|flake8)\s*:\s*noqa", text, re.MULTILINE | re.IGNORECASE)
    for line in text.splitlines():
        if "# noqa" in line:  # per statement, and naming what it silences
            assert re.search(r"# noqa: [A-Z]+\d+", line), line
    ignores = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["ruff"]["lint"]
    assert not any("queries" in pattern for pattern in ignores.get("per-file-ignores", {}))


def test_each_literal_type_is_defined_once_and_imported_elsewhere() -> None:
    defined: dict[str, list[str]] = {}
    for path in GENERATED:
        tree = ast.parse(path.read_text())
        for node in tree.body:
            if (
                isinstance(node, ast.AnnAssign | ast.Assign)
                and isinstance(node.value, ast.Subscript)
                and ast.unparse(node.value.value) == "Literal"
            ):
                target = node.target if isinstance(node, ast.AnnAssign) else node.targets[0]
                defined.setdefault(ast.unparse(target), []).append(path.name)
    assert defined, "no Literal types found"
    assert {name: files for name, files in defined.items() if files != ["enums.py"]} == {}
    ghosts = (DEFAULT_OUT_DIR / "ghosts.py").read_text()
    assert "from .enums import" in ghosts and "GhostEntitiesEntityType" in ghosts


def test_sql_constants_start_with_their_name_line_and_name_their_source() -> None:
    ghosts = (DEFAULT_OUT_DIR / "ghosts.py").read_text()
    line = (
        (DEFAULT_QUERIES_DIR / "ghosts.sql")
        .read_text()
        .split("\n")
        .index("-- name: GetGhostDetail :one")
    )
    source = f"queries/ghosts.sql:{line + 1}"
    assert (
        'GET_GHOST_DETAIL = """-- name: GetGhostDetail :one\n'
        f"SELECT /* GetGhostDetail {source} */\n    g.id,\n"
    ) in ghosts
    assert f'GET_GHOST_DETAIL_STATS = QueryStats("GetGhostDetail", "{source}")' in ghosts


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 1",
        'SELECT 1 AS "one!"',  # ends in a double quote
        r"SELECT replace(@p, '\', '\\') || '%'",  # backslashes stay as written
        "SELECT '\\'",  # ends in a backslash
        'SELECT 1 AS "a""""b"',  # holds triple double quotes
        'SELECT \'\'\'\' AS "a""""b"',  # holds both kinds of triple quote
        "SELECT 1\n  -- trailing spaces are dropped   \n",
    ],
)
def test_sql_literal_is_python_for_any_sql(sql: str) -> None:
    literal = sql_literal("-- name: Q :one", sql)
    expected = "-- name: Q :one\n" + "\n".join(ln.rstrip() for ln in sql.strip("\n").split("\n"))
    assert ast.literal_eval(literal) == expected + "\n"
    if "'''" not in sql or '"""' not in sql:
        assert sql.strip().split("\n")[0] in literal  # the lines themselves, unescaped
