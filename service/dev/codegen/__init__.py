"""Typed query generator: `queries/*.sql` (sqlc annotations) -> `service/store/queries/*.py`.

Every query is prepared and described against a migrated database, so parameter and result
types come from PostgreSQL itself; nullability comes from the catalog and join analysis.

    files = await generate(dsn, queries_dir, out_dir)   # path -> source, nothing written
    write(files, out_dir)                               # write, remove stale generated files
    problems = await check(dsn, queries_dir, out_dir)   # drift messages, [] when current
    code = await run(dsn, check=False)                  # CLI entry: prints, returns exit code
"""

from __future__ import annotations

import asyncio
import hashlib
import keyword
import re
import subprocess
import sys
import time
from pathlib import Path

from service.dev.codegen.catalog import Introspector
from service.dev.codegen.drift import compare
from service.dev.codegen.errors import CodegenError, Issue
from service.dev.codegen.model import QueryModel, build
from service.dev.codegen.pytypes import ENUMS_MODULE
from service.dev.codegen.render import (
    HEADER,
    PROJECT_ROOT,
    aliases_of,
    format_sources,
    render_enums,
    render_module,
)
from service.dev.codegen.source import parse_file

__all__ = [
    "DEFAULT_OUT_DIR",
    "DEFAULT_QUERIES_DIR",
    "CodegenError",
    "Issue",
    "apply_schema",
    "check",
    "generate",
    "run",
    "write",
]

DEFAULT_QUERIES_DIR = PROJECT_ROOT / "queries"
DEFAULT_OUT_DIR = PROJECT_ROOT / "service" / "store" / "queries"

_INIT = f'''{HEADER.format(source="queries/*.sql")}
"""Generated, typed query functions: one module per file in queries/ (see service.dev.codegen)."""
'''


def _generate_sync(dsn: str, queries_dir: Path, out_dir: Path) -> dict[Path, str]:
    sql_files = sorted(queries_dir.glob("*.sql"))
    out: dict[Path, str] = {out_dir / "__init__.py": _INIT}
    unformatted: dict[Path, str] = {}  # rendered, formatted by one ruff run at the end
    issues: list[Issue] = []
    parsed = []
    modules: dict[str, Path] = {}
    for path in sql_files:
        raw = path.read_bytes()
        queries, file_issues = parse_file(_display(path), raw.decode())
        issues.extend(file_issues)
        parsed.append((path, hashlib.sha256(raw).hexdigest(), queries))
        module = module_name(path.stem)
        if modules.setdefault(module, path) != path:
            issues.append(
                Issue(
                    _display(path),
                    1,
                    f"{path.name} and {modules[module].name} would both be {module}.py",
                    hint="rename one of the query files",
                )
            )
        if module == ENUMS_MODULE:
            issues.append(
                Issue(
                    _display(path),
                    1,
                    f"{ENUMS_MODULE}.py is the generated module of Literal types",
                    hint="give this query file another name",
                )
            )
    intro = Introspector(dsn)
    aliases: dict[str, str] = {}
    try:
        for path, digest, queries in parsed:
            models: list[QueryModel] = []
            for q in queries:
                model, query_issues = build(q, intro)
                issues.extend(query_issues)
                if model is not None:
                    models.append(model)
                    issues.extend(_collect_aliases(model, aliases))
            target = out_dir / f"{module_name(path.stem)}.py"
            source = f"{queries_dir.name}/{path.name}"
            unformatted[target] = render_module(source, digest, models)
    finally:
        intro.close()
    if aliases:
        unformatted[out_dir / f"{ENUMS_MODULE}.py"] = render_enums(aliases)
    if issues:
        raise CodegenError(sorted(issues, key=lambda i: (str(i.path), i.line)))
    out.update(format_sources(unformatted))
    return out


def module_name(stem: str) -> str:
    """The Python module for a query file: `audit-log.sql` -> audit_log, `2024.sql` -> q_2024."""
    name = re.sub(r"\W", "_", stem)
    if not name or name[0].isdigit():
        name = f"q_{name}"
    return f"{name}_" if keyword.iskeyword(name) else name


def _collect_aliases(model: QueryModel, aliases: dict[str, str]) -> list[Issue]:
    """Add the model's Literal aliases to `aliases`; one name must mean one set of values."""
    issues: list[Issue] = []
    for name, definition in sorted(aliases_of([model])):
        known = aliases.setdefault(name, definition)
        if known != definition:
            q = model.query
            issues.append(
                Issue(
                    q.path,
                    q.line,
                    f"the Literal type {name} would be both {known} and {definition}",
                    q.name,
                    hint="two enum types or CHECK-constrained columns share one Python name",
                )
            )
    return issues


def _display(path: Path) -> Path:
    """Paths in messages relative to the working directory when possible."""
    try:
        return path.resolve().relative_to(Path.cwd())
    except ValueError:
        return path


def apply_schema(dsn: str, schema: Path) -> None:
    """Run a schema file (plain SQL, or a pg_dump) with psql; CodegenError when it fails."""
    from service.dev.embedded import pg_bin_dir

    if not schema.is_file():
        raise CodegenError([Issue(_display(schema), 1, "schema file not found")])
    result = subprocess.run(
        [
            str(pg_bin_dir() / "psql"),
            "--quiet",
            "--no-psqlrc",
            "--set=ON_ERROR_STOP=1",
            f"--file={schema}",
            dsn,
        ],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        # psql says `psql:FILE:LINE: ERROR:  message`
        found = re.search(r":(\d+): (?:ERROR|FATAL):\s+(.*)", result.stderr)
        line, message = (int(found[1]), found[2]) if found else (1, result.stderr.strip())
        raise CodegenError([Issue(_display(schema), line, f"the schema does not apply: {message}")])


async def generate(dsn: str, queries_dir: Path, out_dir: Path) -> dict[Path, str]:
    """Generated source per output file; raises CodegenError listing every problem found."""
    return await asyncio.to_thread(_generate_sync, dsn, queries_dir, out_dir)


def write(files: dict[Path, str], out_dir: Path) -> list[Path]:
    """Write generated files that changed and delete generated files with no query file."""
    out_dir.mkdir(parents=True, exist_ok=True)
    changed: list[Path] = []
    for path, text in sorted(files.items()):
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            changed.append(path)
    for stale in sorted(out_dir.glob("*.py")):
        if stale not in files and stale.read_text().startswith("# Code generated by"):
            stale.unlink()
            changed.append(stale)
    return changed


async def check(dsn: str, queries_dir: Path, out_dir: Path) -> list[str]:
    """Human-readable drift between query files, the schema and the committed code ([] = ok)."""
    try:
        files = await generate(dsn, queries_dir, out_dir)
    except CodegenError as err:
        return [str(i) for i in err.issues]
    return compare(files, out_dir, queries_dir)


_check = check  # `run` takes a `check` flag


async def run(
    dsn: str,
    *,
    check: bool,
    queries_dir: Path = DEFAULT_QUERIES_DIR,
    out_dir: Path = DEFAULT_OUT_DIR,
) -> int:
    """`generate` / `check` for the CLI: prints what it did or found, returns the exit code."""
    if check:
        problems = await _check(dsn, queries_dir, out_dir)
        for p in problems:
            print(p, file=sys.stderr)
        if problems:
            print(f"{len(problems)} problem(s): run `make generate`", file=sys.stderr)
            return 1
        print("generated queries are current")
        return 0
    started = time.perf_counter()
    try:
        files = await generate(dsn, queries_dir, out_dir)
    except CodegenError as err:
        for issue in err.issues:
            print(issue, file=sys.stderr)
        print(f"{len(err.issues)} problem(s); nothing written", file=sys.stderr)
        return 1
    changed = write(files, out_dir)
    elapsed = time.perf_counter() - started
    for path in changed:
        print(f"wrote {_display(path)}" if path.exists() else f"removed {_display(path)}")
    print(f"generated {len(files) - 1} modules in {elapsed:.2f} s, {len(changed)} changed")
    return 0
