"""What PostgreSQL knows: catalog facts and the described shape of each prepared statement.

asyncpg does not expose the table OID / column number of result columns, so this module talks
libpq through psycopg's low-level `pgconn.prepare` / `describe_prepared`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import psycopg
from pglast import ast, parse_sql
from pglast.enums import A_Expr_Kind, BoolExprType
from psycopg import pq


@dataclass(frozen=True, slots=True)
class PgType:
    oid: int
    name: str
    schema: str
    typtype: str  # b base, c composite, d domain, e enum, p pseudo, r range, m multirange
    category: str
    elem: int  # element type for arrays (typcategory 'A')
    base: int  # base type for domains
    notnull: bool  # domain NOT NULL


@dataclass(frozen=True, slots=True)
class Column:
    relid: int
    attnum: int
    name: str
    typid: int
    notnull: bool


@dataclass(frozen=True, slots=True)
class ResultColumn:
    name: str
    typid: int
    table: int  # 0 when not a plain table column
    tablecol: int


@dataclass(frozen=True, slots=True)
class Described:
    param_types: list[int]
    columns: list[ResultColumn]


@dataclass(frozen=True, slots=True)
class PgError:
    message: str
    detail: str | None
    hint: str | None
    position: int | None  # 1-based character position into the statement
    sqlstate: str | None


@dataclass(slots=True)
class Catalog:
    server_version: str
    types: dict[int, PgType] = field(default_factory=dict)
    enums: dict[int, list[str]] = field(default_factory=dict)
    columns: dict[tuple[int, int], Column] = field(default_factory=dict)
    relations: dict[int, list[Column]] = field(default_factory=dict)
    relnames: dict[int, str] = field(default_factory=dict)
    checks: dict[tuple[int, int], list[str]] = field(default_factory=dict)
    volatile_functions: set[str] = field(default_factory=set)
    # (name, number of arguments) of functions whose every overload is STRICT, returns one value
    # (not a set, not an aggregate or window function), and is built in or from an extension
    strict_functions: set[tuple[str, int]] = field(default_factory=set)
    views: dict[int, str] = field(default_factory=dict)  # view / materialized view -> SELECT
    view_nonnull: dict[int, list[bool] | None] = field(default_factory=dict)  # traced views
    aggregates: set[str] = field(default_factory=set)  # names of aggregate functions
    set_returning: set[str] = field(default_factory=set)  # names of set-returning functions
    _regclass: dict[tuple[str | None, str], int | None] = field(default_factory=dict)


# Extensions whose STRICT functions answer NULL only for NULL input (not e.g. hstore's fetchval)
_TRUSTED_EXTENSIONS = ("pg_trgm", "unaccent", "citext", "pgcrypto", "fuzzystrmatch", "uuid-ossp")


def _text(v: bytes | None) -> str:
    return "" if v is None else v.decode()


class Introspector:
    """A libpq connection that reads the catalog once and describes statements on demand."""

    def __init__(self, dsn: str) -> None:
        self.conn = psycopg.connect(dsn, autocommit=True)
        self.catalog = self._load()

    def close(self) -> None:
        self.conn.close()

    def _rows(self, sql: str, *args: object) -> list[tuple[Any, ...]]:
        with self.conn.cursor() as cur:
            cur.execute(sql.encode(), args or None)
            return list(cur.fetchall())

    def _load(self) -> Catalog:
        version = self._rows("SHOW server_version")[0][0]
        cat = Catalog(server_version=str(version))
        for row in self._rows(
            """SELECT t.oid::int, t.typname::text, n.nspname::text, t.typtype::text,
                      t.typcategory::text, t.typelem::int, t.typbasetype::int, t.typnotnull
               FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace"""
        ):
            oid, name, schema, typtype, cat_, elem, base, notnull = row
            cat.types[int(oid)] = PgType(
                int(oid),
                str(name),
                str(schema),
                str(typtype),
                str(cat_),
                int(elem),
                int(base),
                bool(notnull),
            )
        for typid, label in self._rows(
            "SELECT enumtypid::int, enumlabel::text FROM pg_enum ORDER BY enumtypid, enumsortorder"
        ):
            cat.enums.setdefault(int(typid), []).append(str(label))
        for relid, attnum, attname, typid, notnull, relname in self._rows(
            """SELECT a.attrelid::int, a.attnum::int, a.attname::text, a.atttypid::int,
                      a.attnotnull, c.relname::text
               FROM pg_attribute a
               JOIN pg_class c ON c.oid = a.attrelid
               JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE a.attnum > 0 AND NOT a.attisdropped
                 AND c.relkind IN ('r', 'v', 'm', 'p', 'f')
                 AND n.nspname NOT IN ('pg_catalog', 'information_schema')
                 AND n.nspname NOT LIKE 'pg_toast%'
               ORDER BY a.attrelid, a.attnum"""
        ):
            col = Column(
                int(relid),
                int(attnum),
                str(attname),
                int(typid),
                bool(notnull),
            )
            cat.columns[(col.relid, col.attnum)] = col
            cat.relnames[col.relid] = str(relname)
            cat.relations.setdefault(col.relid, []).append(col)
        for relid, attnum, definition in self._rows(
            """SELECT conrelid::int, conkey[1]::int, pg_get_constraintdef(oid)
               FROM pg_constraint
               WHERE contype = 'c' AND conrelid <> 0 AND cardinality(conkey) = 1
               ORDER BY conrelid, conkey[1], conname"""
        ):
            key = (int(relid), int(attnum))
            column = cat.columns.get(key)
            if column is None:
                continue
            values = allowed_values(str(definition), column.name)
            if values is None:
                continue
            prior = cat.checks.get(key)
            cat.checks[key] = values if prior is None else [v for v in prior if v in values]
        strict: dict[tuple[str, int], bool] = {}
        for name, nargs, ok in self._rows(
            # a user-defined overload of the same name makes the name unsure
            """SELECT p.proname::text, p.pronargs::int,
                      p.proisstrict AND NOT p.proretset AND p.prokind = 'f'
                      AND (p.pronamespace = 'pg_catalog'::regnamespace
                           OR EXISTS (SELECT FROM pg_depend d
                                      JOIN pg_extension e ON e.oid = d.refobjid
                                      WHERE d.classid = 'pg_proc'::regclass
                                        AND d.objid = p.oid AND d.deptype = 'e'
                                        AND e.extname = ANY (%s)))
               FROM pg_proc p""",
            list(_TRUSTED_EXTENSIONS),
        ):
            fn = (str(name), int(nargs))
            strict[fn] = strict.get(fn, True) and bool(ok)
        cat.strict_functions = {fn for fn, ok in strict.items() if ok}
        for name, kind, retset in self._rows(
            "SELECT DISTINCT proname::text, prokind::text, proretset FROM pg_proc"
            " WHERE prokind = 'a' OR proretset"
        ):
            if kind == "a":
                cat.aggregates.add(str(name))
            if retset:
                cat.set_returning.add(str(name))
        for relid, definition in self._rows(
            """SELECT c.oid::int, pg_get_viewdef(c.oid)
               FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
               WHERE c.relkind IN ('v', 'm')
                 AND n.nspname NOT IN ('pg_catalog', 'information_schema')"""
        ):
            cat.views[int(relid)] = str(definition)
        cat.volatile_functions = {
            str(r[0])
            for r in self._rows(
                "SELECT DISTINCT proname::text FROM pg_proc WHERE provolatile = 'v'"
            )
        }
        return cat

    def relation(self, schema: str | None, name: str) -> int | None:
        """OID of a table or view as PostgreSQL resolves the name (search_path included)."""
        key = (schema, name)
        if key not in self.catalog._regclass:
            ident = psycopg.sql.Identifier(*(p for p in (schema, name) if p is not None))
            qualified = ident.as_string(self.conn)
            oid = self._rows("SELECT to_regclass(%s)::oid::int", qualified)[0][0]
            self.catalog._regclass[key] = None if oid is None else int(oid)
        return self.catalog._regclass[key]

    def describe(self, sql: str) -> Described | PgError:
        """Prepare and describe one statement; PostgreSQL's own error when it does not prepare."""
        # the unnamed statement: each prepare replaces the last, so nothing to deallocate
        pg = self.conn.pgconn
        res = pg.prepare(b"", sql.encode())
        if res.status != pq.ExecStatus.COMMAND_OK:
            return _error(res)
        desc = pg.describe_prepared(b"")
        if desc.status != pq.ExecStatus.COMMAND_OK:
            return _error(desc)
        params = [desc.param_type(i) for i in range(desc.nparams)]
        cols = [
            ResultColumn(_text(desc.fname(i)), desc.ftype(i), desc.ftable(i), desc.ftablecol(i))
            for i in range(desc.nfields)
        ]
        return Described(params, cols)


def _error(res: pq.abc.PGresult) -> PgError:
    F = pq.DiagnosticField

    def get(f: pq.DiagnosticField) -> str | None:
        v = res.error_field(f)
        return None if v is None else v.decode(errors="replace")

    pos = get(F.STATEMENT_POSITION)
    return PgError(
        message=get(F.MESSAGE_PRIMARY) or res.get_error_message(),
        detail=get(F.MESSAGE_DETAIL),
        hint=get(F.MESSAGE_HINT),
        position=int(pos) if pos else None,
        sqlstate=get(F.SQLSTATE),
    )


def allowed_values(definition: str, column: str) -> list[str] | None:
    """The literal set a CHECK constraint allows for `column`, e.g. `col IN ('a', 'b')`."""
    expr = definition.strip()
    if not expr.upper().startswith("CHECK"):
        return None
    expr = expr[5:].strip()
    if expr.upper().endswith("NOT VALID"):
        expr = expr[: -len("NOT VALID")].strip()
    try:
        stmt: Any = parse_sql(f"SELECT 1 WHERE {expr}")[0].stmt
    except Exception:
        return None
    return _values_in(stmt.whereClause, column)


def _strip_cast(node: Any) -> Any:
    while isinstance(node, ast.TypeCast):
        node = node.arg
    return node


def _is_column(node: Any, column: str) -> bool:
    node = _strip_cast(node)
    if not isinstance(node, ast.ColumnRef) or not node.fields:
        return False
    last: Any = node.fields[-1]
    return isinstance(last, ast.String) and last.sval == column


def _string_consts(items: Any) -> list[str] | None:
    if not isinstance(items, list | tuple):
        return None
    out: list[str] = []
    for item in items:
        item = _strip_cast(item)
        if not (isinstance(item, ast.A_Const) and isinstance(item.val, ast.String)):
            return None
        out.append(str(item.val.sval))
    return out


def _values_in(node: Any, column: str) -> list[str] | None:
    if isinstance(node, ast.BoolExpr) and node.boolop == BoolExprType.AND_EXPR:
        for arg in node.args or ():
            found = _values_in(arg, column)
            if found is not None:
                return found
        return None
    if not isinstance(node, ast.A_Expr) or not _is_column(node.lexpr, column):
        return None
    op = node.name[-1].sval if node.name else ""
    if node.kind == A_Expr_Kind.AEXPR_IN and op == "=":
        return _string_consts(node.rexpr)
    if node.kind == A_Expr_Kind.AEXPR_OP_ANY and op == "=":
        arr = _strip_cast(node.rexpr)
        if isinstance(arr, ast.A_ArrayExpr):
            return _string_consts(arr.elements)
    if node.kind == A_Expr_Kind.AEXPR_OP and op == "=":
        return _string_consts([node.rexpr])
    return None
