"""Service code reaches the database only through generated functions: no SQL strings in it."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from service.config import ROOT

SERVICE = ROOT / "service"
# Where SQL text is allowed, and why.
ALLOWED = {
    SERVICE / "store" / "queries": "generated from queries/*.sql",
    SERVICE / "dev" / "codegen": "the generator reads the catalog to type the queries it generates",
    SERVICE
    / "dev"
    / "seed.py": "bulk seeding uses COPY (table names, no SQL text) and VACUUM ANALYZE",
}
SQL = re.compile(
    r"\b(SELECT\b.+\bFROM|INSERT\s+INTO|UPDATE\s+\w+\s+SET|DELETE\s+FROM|CREATE\s+(TABLE|INDEX|DATABASE)"
    r"|ALTER\s+TABLE|DROP\s+(TABLE|DATABASE)|TRUNCATE\s|VACUUM\b)",
    re.IGNORECASE | re.DOTALL,
)


def _checked_files() -> list[Path]:
    return [
        path
        for path in sorted(SERVICE.rglob("*.py"))
        if not any(path == allowed or allowed in path.parents for allowed in ALLOWED)
    ]


def sql_strings(path: Path) -> list[tuple[int, str]]:
    """String literals in `path` that look like SQL statements."""
    tree = ast.parse(path.read_text(), filename=str(path))
    return [
        (node.lineno, node.value[:60])
        for node in ast.walk(tree)
        if isinstance(node, ast.Constant)
        and isinstance(node.value, str)
        and not _is_docstring(tree, node)
        and SQL.search(node.value)
    ]


def _is_docstring(tree: ast.AST, constant: ast.Constant) -> bool:
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and body[0].value is constant:
                return True
    return False


@pytest.mark.parametrize("path", _checked_files(), ids=lambda p: str(p.relative_to(ROOT)))
def test_service_module_holds_no_sql(path: Path) -> None:
    found = sql_strings(path)
    assert not found, f"SQL in {path.relative_to(ROOT)}: move it to queries/*.sql: {found}"


def test_the_detector_finds_sql(tmp_path: Path) -> None:
    sample = tmp_path / "sample.py"
    sample.write_text('Q = "select id from ghost_entities where slug = $1"\nN = "a selection"\n')
    assert [line for line, _ in sql_strings(sample)] == [1]
