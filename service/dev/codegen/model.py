"""From an annotated query and PostgreSQL's description of it to a typed model of its function."""

from __future__ import annotations

import keyword
import re
from dataclasses import dataclass

from service.dev.codegen.analyze import Analysis, analyze
from service.dev.codegen.catalog import Described, Introspector, PgError
from service.dev.codegen.errors import Issue
from service.dev.codegen.pytypes import PyType, camel, py_type
from service.dev.codegen.source import ROW_KINDS, Param, Query, python_name

_IDENT = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_ROWS = ROW_KINDS
_BATCH = ("batchexec", "batchone", "batchmany")


@dataclass(frozen=True, slots=True)
class FieldModel:
    name: str  # Python attribute name
    sql_name: str  # column name as PostgreSQL reports it (suffix stripped)
    type: PyType
    # sqlc.embed(t): the struct's name and its fields, filled from consecutive columns
    nested: tuple[str, tuple[FieldModel, ...]] | None = None

    @property
    def width(self) -> int:
        """How many result columns the field takes."""
        return 1 if self.nested is None else len(self.nested[1])


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
    # :batchone / :batchmany: the statement wrapped so rows carry their set's index (None: it
    # cannot be wrapped, and runs once per set inside one transaction)
    batch_sql: str | None = None

    @property
    def function(self) -> str:
        return snake(self.query.name)

    @property
    def params_struct(self) -> str:
        """The struct of one parameter set (:copyfrom and the batch kinds)."""
        return f"{camel(self.query.name)}Params"

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


# operator does not exist, datatype mismatch, inconsistent parameter types, ambiguous function
_TYPE_ERRORS = frozenset({"42883", "42804", "42P08", "42725"})
_SQL_TYPE_NAMES = {
    "int2": "smallint",
    "int4": "integer",
    "int8": "bigint",
    "float4": "real",
    "float8": "double precision",
    "bool": "boolean",
    "varchar": "character varying",
    "bpchar": "character",
    "timestamptz": "timestamp with time zone",
    "timestamp": "timestamp without time zone",
}


def _type_name(intro: Introspector, typid: int) -> str:
    t = intro.catalog.types.get(typid)
    if t is None:
        return f"type {typid}"
    if t.category == "A" and t.elem:
        return _type_name(intro, t.elem) + "[]"
    return _SQL_TYPE_NAMES.get(t.name, t.name)


def _param_conflict(q: Query, intro: Introspector) -> Issue | None:
    """When a parameter used twice is given two types, say which uses disagree.

    Each later use becomes a parameter of its own; PostgreSQL then types every use alone.
    """
    sql = q.sql
    uses: list[tuple[int, Param, int]] = []  # (number in the variant, parameter, line)
    edits: list[tuple[int, int, str]] = []
    number = len(q.params)
    for p in q.params:
        if len(p.uses) < 2 or p.slice:
            continue
        uses.append((p.number, p, p.uses[0][1]))
        for offset, line in p.uses[1:]:
            token = f"${p.number}"
            if not sql.startswith(token, offset):
                return None
            number += 1
            edits.append((offset, offset + len(token), f"${number}"))
            uses.append((number, p, line))
    if not edits:
        return None
    described = intro.describe(_apply_edits(sql, edits))
    if isinstance(described, PgError):
        return None
    first: dict[str, tuple[int, int]] = {}  # parameter -> (type, line) of its first use
    for n, p, line in uses:
        typid = described.param_types[n - 1]
        seen = first.setdefault(p.name, (typid, line))
        if seen[0] != typid:
            a, b = _type_name(intro, seen[0]), _type_name(intro, typid)
            label = f"@{p.name}" if p.explicit_name else f"${p.number}"
            return Issue(
                q.path,
                line,
                f"{label} is compared with {a} at line {seen[1]} and with {b} at line {line}",
                q.name,
                hint="a parameter has one type: give each use its own parameter, or cast the"
                " column it is compared with",
            )
    return None


def build(q: Query, intro: Introspector) -> tuple[QueryModel | None, list[Issue]]:
    """Prepare, describe and analyse one query; the issues say why it cannot be generated."""
    described = intro.describe(q.sql)
    if isinstance(described, PgError):
        conflict = _param_conflict(q, intro) if described.sqlstate in _TYPE_ERRORS else None
        return None, [conflict or _pg_issue(q, described)]
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
    fields: list[FieldModel] = []
    if q.kind in _ROWS:  # only functions that return rows need names for the columns
        fields, field_issues = _fields(q, described, an, intro)
        issues.extend(field_issues)
    params = _params(q, described, an, intro)
    model = QueryModel(
        query=q,
        sql=_apply_edits(q.sql, an.star_edits),
        readonly=an.readonly,
        params=params,
        fields=fields,
        struct=f"{camel(q.name)}Row" if q.kind in _ROWS else None,
    )
    if q.kind in _BATCH and not params:
        issues.append(
            Issue(
                q.path,
                q.line,
                f":{q.kind} runs once per set of parameters, and this query has none",
                q.name,
                hint="use :exec, :one or :many",
            )
        )
    if q.kind in ("batchone", "batchmany") and not issues:
        model.batch_sql = batch_sql(model.sql, len(params) + 1)
        if isinstance(intro.describe(model.batch_sql), PgError):
            # e.g. a data-modifying WITH, which must stay at the top level: the statement then
            # runs once per set, on one connection inside one transaction
            model.batch_sql = None
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


def batch_sql(sql: str, index_param: int) -> str:
    """`sql` wrapped so that each row says which parameter set produced it.

    asyncpg's fetchmany sends every parameter set in one pipelined round trip but returns the
    rows of all of them as one list; the extra parameter tags each row with its set's index.
    MATERIALIZED keeps the rows in the order the statement produced them.
    """
    return (
        f"WITH batch AS MATERIALIZED (\n{sql}\n)\n"
        f"SELECT ${index_param}::int4 AS batch_index, batch.* FROM batch"
    )


def _fields(
    q: Query, described: Described, an: Analysis, intro: Introspector
) -> tuple[list[FieldModel], list[Issue]]:
    issues: list[Issue] = []
    embeds: dict[int, tuple[int, str]] = {}  # first column -> (columns, table or alias)
    for offset, name in q.embeds:
        span = an.star_spans.get(offset)
        if span is None:
            issues.append(
                Issue(
                    q.path,
                    q.line_of(offset),
                    f"sqlc.embed({name}) must be a result column of the statement itself",
                    q.name,
                    hint=f"write sqlc.embed({name}) in the SELECT list or RETURNING of the query",
                )
            )
        else:
            embeds[span[0]] = (span[1], name)
    fields: list[FieldModel] = []
    seen: set[str] = set()
    i = 0
    while i < len(described.columns):
        if i in embeds:
            count, name = embeds[i]
            inner = _columns(q, described, an, intro, range(i, i + count), set(), issues)
            struct = f"{camel(q.name)}{camel(name)}"
            container = any(f.type.container for f in inner)
            imports = frozenset().union(*(f.type.imports for f in inner))
            aliases = frozenset().union(*(f.type.aliases for f in inner))
            t = PyType(struct, imports, container, aliases)
            attr = _unique(python_name(name), seen)
            fields.append(FieldModel(attr, attr, t, nested=(struct, tuple(inner))))
            i += count
        else:
            fields.extend(_columns(q, described, an, intro, range(i, i + 1), seen, issues))
            i += 1
    return fields, issues


def _unique(attr: str, seen: set[str]) -> str:
    """`attr`, or the same name twice (e.g. `SELECT *` over a self-join): attr_2, attr_3, ..."""
    if attr in seen:
        n = 2
        while f"{attr}_{n}" in seen:
            n += 1
        attr = f"{attr}_{n}"
    seen.add(attr)
    return attr


def _columns(
    q: Query,
    described: Described,
    an: Analysis,
    intro: Introspector,
    indexes: range,
    seen: set[str],
    issues: list[Issue],
) -> list[FieldModel]:
    cat = intro.catalog
    fields: list[FieldModel] = []
    nonnull = an.nonnull if an.nonnull and len(an.nonnull) == len(described.columns) else None
    for i in indexes:
        col = described.columns[i]
        name = col.name
        forced: bool | None = None
        if name.endswith("!"):
            name, forced = name[:-1], True
        elif name.endswith("?"):
            name, forced = name[:-1], False
        spelled = re.sub(r"[^A-Za-z0-9_]+", "_", name).strip("_").lower()
        if col.name != "?column?" and not _IDENT.match(name) and _IDENT.match(spelled):
            # e.g. "First Name": the field is first_name-like, JSON keeps the column's name
            attr = _unique(python_name(spelled), seen)
            t = py_type(cat, col.typid, (col.table, col.tablecol) if col.table else None)
            is_nonnull = forced if forced is not None else bool(nonnull and nonnull[i])
            fields.append(FieldModel(attr, name, t if is_nonnull else t.optional()))
            continue
        if name == "?column?" or not _IDENT.match(name):
            expr = an.target_sql(i)
            example = f"`{expr} AS some_name`" if expr else "`count(*) > 0 AS has_rows`"
            issues.append(
                Issue(
                    q.path,
                    q.line,
                    f"result column {i + 1} is named {col.name!r}, not a Python identifier,"
                    f" and :{q.kind} returns rows with a field per column",
                    q.name,
                    hint=f'alias it: {example} (`AS "some_name!"` also declares it NOT NULL)',
                )
            )
            continue
        attr = _unique(python_name(name), seen)
        t = py_type(cat, col.typid, (col.table, col.tablecol) if col.table else None)
        is_nonnull = forced if forced is not None else bool(nonnull and nonnull[i])
        if not is_nonnull:
            t = t.optional()
        fields.append(FieldModel(attr, name if attr == python_name(name) else attr, t))
    return fields


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
