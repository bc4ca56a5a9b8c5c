"""From an annotated query and PostgreSQL's description of it to a typed model of its function."""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

from service.dev.codegen.analyze import Analysis, analyze
from service.dev.codegen.catalog import Described, Introspector, PgError
from service.dev.codegen.errors import Issue
from service.dev.codegen.pytypes import PyType, py_type
from service.dev.codegen.source import Query, python_name

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ROWS = ("one", "many", "iter")


@dataclass(frozen=True, slots=True)
class FieldModel:
    name: str  # Python attribute name
    sql_name: str  # column name as PostgreSQL reports it (suffix stripped)
    type: PyType


@dataclass(frozen=True, slots=True)
class ParamModel:
    number: int
    name: str
    type: PyType


@dataclass(slots=True)
class QueryModel:
    query: Query
    sql: str  # final SQL: parameters as $n, `*` expanded
    readonly: bool
    params: list[ParamModel]
    fields: list[FieldModel]
    struct: str | None  # row struct name (None: no rows)
    struct_alias_of: str | None = None
    copy_table: tuple[str | None, str] | None = None
    copy_fields: list[FieldModel] | None = None

    @property
    def function(self) -> str:
        return snake(self.query.name)

    @property
    def constant(self) -> str:
        return snake(self.query.name).upper()


def snake(name: str) -> str:
    """GetGhostBySlug -> get_ghost_by_slug, GetUserByID -> get_user_by_id."""
    s = re.sub(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])", "_", name)
    return s.lower()


def _pg_issue(q: Query, err: PgError) -> Issue:
    line = q.line if err.position is None else q.line_of(err.position - 1)
    message = err.message
    if err.position is None:  # e.g. an untyped parameter: point at its first use
        first = re.search(r"\$(\d+)", message)
        by_number = {p.number: p for p in q.params}
        if first and int(first.group(1)) in by_number:
            line = by_number[int(first.group(1))].line
    hint = err.hint
    named = {f"${p.number}": p for p in q.params if p.explicit_name}
    for ref in sorted(set(re.findall(r"\$\d+", message)), key=len, reverse=True):
        p = named.get(ref)
        if p is not None:
            message = message.replace(ref, f"{ref} (@{p.name})")
    if err.sqlstate == "42P18" and hint is None:  # could not determine data type of parameter
        hint = "add a cast to the parameter, e.g. @name::text or @ids::uuid[]"
    excerpt = None if err.position is None else q.excerpt(err.position - 1)
    return Issue(q.path, line, message, q.name, err.detail, hint, err.sqlstate, excerpt)


def build(q: Query, intro: Introspector) -> tuple[QueryModel | None, list[Issue]]:
    """Prepare, describe and analyse one query; the issues say why it cannot be generated."""
    described = intro.describe(q.sql)
    if isinstance(described, PgError):
        return None, [_pg_issue(q, described)]
    try:
        an = analyze(q.sql, intro.catalog, intro.relation)
    except Exception as exc:  # pglast is older or newer than the server's grammar
        return None, [Issue(q.path, q.line, f"cannot analyse the statement: {exc}", q.name)]
    issues: list[Issue] = []
    if len(described.param_types) != len(q.params):
        issues.append(
            Issue(
                q.path,
                q.line,
                f"PostgreSQL sees {len(described.param_types)} parameters,"
                f" the query file {len(q.params)}",
                q.name,
            )
        )
        return None, issues
    if q.kind in _ROWS and not described.columns:
        issues.append(
            Issue(
                q.path,
                q.line,
                f":{q.kind} needs a statement that returns rows",
                q.name,
                hint="add RETURNING ... or use :exec / :execrows",
            )
        )
    if q.kind == "iter" and an.statement != "select":
        issues.append(
            Issue(
                q.path,
                q.line,
                ":iter runs through a server-side cursor, which only SELECT or VALUES can feed",
                q.name,
                hint="use :many for INSERT/UPDATE/DELETE ... RETURNING",
            )
        )
    fields, field_issues = _fields(q, described, an, intro)
    issues.extend(field_issues)
    params = _params(q, described, an, intro)
    model = QueryModel(
        query=q,
        sql=_apply_edits(q.sql, an.star_edits),
        readonly=an.readonly,
        params=params,
        fields=fields if q.kind in _ROWS else [],
        struct=f"{q.name}Row" if q.kind in _ROWS else None,
    )
    if q.kind == "copyfrom":
        if an.copy is None:
            issues.append(
                Issue(q.path, q.line, an.copy_problem or ":copyfrom needs an INSERT", q.name)
            )
        else:
            cat = intro.catalog
            model.copy_table = (an.copy.schema, an.copy.table)
            by_number = {p.number: p for p in params}
            model.copy_fields = []
            for col, number in zip(an.copy.columns, an.copy.param_numbers, strict=True):
                t = py_type(cat, col.typid, (col.relid, col.attnum))
                if not col.notnull:
                    t = t.optional()
                model.copy_fields.append(FieldModel(by_number[number].name, col.name, t))
    return (None if issues else model), issues


def _fields(
    q: Query, described: Described, an: Analysis, intro: Introspector
) -> tuple[list[FieldModel], list[Issue]]:
    cat = intro.catalog
    issues: list[Issue] = []
    fields: list[FieldModel] = []
    seen: dict[str, str] = {}
    nonnull = an.nonnull if an.nonnull and len(an.nonnull) == len(described.columns) else None
    for i, col in enumerate(described.columns):
        name = col.name
        forced: bool | None = None
        if name.endswith("!"):
            name, forced = name[:-1], True
        elif name.endswith("?"):
            name, forced = name[:-1], False
        if name == "?column?" or not _IDENT.match(name):
            issues.append(
                Issue(
                    q.path,
                    q.line,
                    f"result column {i + 1} is named {col.name!r}, not a Python identifier",
                    q.name,
                    hint='give it an alias: `AS total` (or `AS "total!"` to declare it NOT NULL)',
                )
            )
            continue
        attr = python_name(name)
        if attr in seen:
            issues.append(
                Issue(
                    q.path,
                    q.line,
                    f"result column {name!r} appears twice",
                    q.name,
                    hint="alias one of them, e.g. `s.id AS story_id`",
                )
            )
            continue
        seen[attr] = name
        t = py_type(cat, col.typid, (col.table, col.tablecol) if col.table else None)
        is_nonnull = forced if forced is not None else bool(nonnull and nonnull[i])
        if not is_nonnull:
            t = t.optional()
        fields.append(FieldModel(attr, name, t))
    return fields, issues


def _params(q: Query, described: Described, an: Analysis, intro: Introspector) -> list[ParamModel]:
    cat = intro.catalog
    out: list[ParamModel] = []
    used: set[str] = set()
    for p in q.params:
        typid = described.param_types[p.number - 1]
        ctx = an.params.get(p.number)
        origin: tuple[int, int] | None = None
        nullable = p.narg
        if ctx is not None and ctx.relid is not None and ctx.attnum is not None:
            column = cat.columns.get((ctx.relid, ctx.attnum))
            if column is not None:
                # a Literal only when the parameter has the column's own type (not e.g. text[])
                if column.typid == typid:
                    origin = (ctx.relid, ctx.attnum)
                if ctx.written and not column.notnull:
                    nullable = True
        name = p.name
        if not p.explicit_name:
            guess = an.param_names.get(p.number)
            if guess and _IDENT.match(guess):
                guess = python_name(guess)
                name = guess
                n = 2
                while name in used:
                    name = f"{guess}_{n}"
                    n += 1
        if keyword.iskeyword(name):
            name += "_"
        used.add(name)
        t = py_type(cat, typid, origin)
        out.append(ParamModel(p.number, name, t.optional() if nullable else t))
    return out


def _apply_edits(sql: str, edits: list[tuple[int, int, str]]) -> str:
    for start, end, text in sorted(edits, reverse=True):
        sql = sql[:start] + text + sql[end:]
    return sql
