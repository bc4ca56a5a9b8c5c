"""Structure of one statement, from pglast's parse tree (libpg_query, PostgreSQL's own parser).

Answers what PostgreSQL's describe does not: which result columns are reached only through inner
joins (nullability), which table column a parameter is compared with or stored into (naming,
`Literal` types, nullable INSERT values), where `*` must be expanded, and whether the statement
only reads.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from pglast import ast, parse_sql
from pglast.enums import (
    A_Expr_Kind,
    JoinType,
    ReturningOptionKind,
    SetOperation,
    SQLValueFunctionOp,
    SubLinkType,
)
from pglast.keywords import COL_NAME_KEYWORDS, RESERVED_KEYWORDS, TYPE_FUNC_NAME_KEYWORDS
from pglast.stream import RawStream

from service.dev.codegen.catalog import Catalog, Column

# Operators that, on non-NULL operands, never yield NULL (they are strict and total).
_NONNULL_OPS = frozenset(
    {"+", "-", "*", "/", "%", "^", "||", "=", "<>", "!=", "<", ">", "<=", ">="}
    | {"@@", "@>", "<@", "&&", "~~", "!~~", "~~*", "!~~*", "~", "~*", "!~", "!~*"}
)
# Functions that never return NULL, whatever their arguments.
_NONNULL_FUNCS = frozenset(
    {"count", "row_number", "rank", "dense_rank", "percent_rank", "cume_dist", "now"}
    | {"json_build_object", "jsonb_build_object", "json_build_array", "jsonb_build_array"}
    | {"concat", "num_nulls", "num_nonnulls", "gen_random_uuid", "uuidv4", "uuidv7", "random"}
    | {"clock_timestamp", "statement_timestamp", "transaction_timestamp", "pg_backend_pid"}
)
# Never NULL when their first argument is not NULL (the others may be).
_FIRST_ARG_FUNCS = frozenset({"format", "concat_ws", "ntile"})
# Built-in STRICT functions that still answer NULL for some non-NULL arguments (no match, a
# missing key or path, an empty array, an unknown object): never taken to be NOT NULL.
_NULLABLE_STRICT = frozenset(
    {"array_length", "array_upper", "array_lower", "array_ndims", "array_dims"}
    | {"substring", "regexp_match", "regexp_substr", "nullif", "format_type", "current_setting"}
    | {"json_extract_path", "json_extract_path_text", "jsonb_extract_path"}
    | {"jsonb_extract_path_text", "json_array_element", "json_array_element_text"}
    | {"jsonb_array_element", "jsonb_array_element_text", "jsonb_set_lax"}
    | {"obj_description", "col_description", "shobj_description", "txid_status"}
    | {"inet_client_addr", "inet_client_port", "inet_server_addr", "inet_server_port"}
    | {"to_char", "scale", "min_scale", "date_part", "extract", "ts_lexize"}  # '', NaN, infinity
)
# Casts that turn a JSON null into SQL NULL ('null'::jsonb::int is NULL)
_JSON_NULLING_CASTS = frozenset(
    {"int2", "int4", "int8", "smallint", "integer", "bigint", "int", "numeric", "decimal"}
    | {"float4", "float8", "real", "double precision", "float", "bool", "boolean"}
)
_NULLABLE_PREFIXES = ("pg_", "to_reg", "has_", "jsonb_path_", "json_object_field", "jsonb_object")
# lower()/upper() of a range are NULL for an empty or unbounded range: trusted only on text
_TEXT_ONLY = frozenset({"lower", "upper"})
_TEXT_TYPES = frozenset({"text", "varchar", "bpchar", "char", "name", "citext"})
# Aggregates that, in a GROUP BY query (every group has a row), are NULL only when all their
# inputs are, or never (array_agg and friends collect NULLs into the result).
_GROUP_AGGS = frozenset({"sum", "min", "max", "avg", "bit_and", "bit_or", "bit_xor"})
_GROUP_AGGS |= {"bool_and", "bool_or", "every", "string_agg"}
_GROUP_AGGS_ALWAYS = frozenset({"array_agg", "json_agg", "jsonb_agg", "json_object_agg"})
_GROUP_AGGS_ALWAYS |= {"jsonb_object_agg"}
# Set-returning functions in FROM whose values are never NULL when their arguments are not.
_SRF_NONNULL = frozenset(
    {"generate_series", "generate_subscripts", "regexp_split_to_table", "regexp_matches"}
    | {"json_object_keys", "jsonb_object_keys", "json_array_elements", "jsonb_array_elements"}
)
# Set-returning functions with named output columns: (name, never NULL) each.
_SRF_COLUMNS: dict[str, list[tuple[str, bool]]] = {
    "json_array_elements": [("value", True)],
    "jsonb_array_elements": [("value", True)],
    "json_array_elements_text": [("value", False)],
    "jsonb_array_elements_text": [("value", False)],
    "json_each": [("key", True), ("value", True)],
    "jsonb_each": [("key", True), ("value", True)],
    "json_each_text": [("key", True), ("value", False)],
    "jsonb_each_text": [("key", True), ("value", False)],
}
_QUOTE_FREE = re.compile(r"^[a-z_][a-z0-9_$]*$")
_KEYWORDS = set(RESERVED_KEYWORDS) | set(TYPE_FUNC_NAME_KEYWORDS) | set(COL_NAME_KEYWORDS)


def quote_ident(name: str) -> str:
    """Quote an identifier only when PostgreSQL needs it."""
    if _QUOTE_FREE.match(name) and name not in _KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'


@dataclass(frozen=True, slots=True)
class OutCol:
    """One output column of a (sub)query: its name and whether it can be NULL."""

    name: str
    nonnull: bool
    origin: tuple[int, int] | None = None  # (relid, attnum) of a plain table column


@dataclass(slots=True)
class Source:
    """A FROM item visible under a name."""

    name: str
    relid: int | None
    columns: list[OutCol] | None  # None: unknown (a function, a VALUES list, ...)
    nullable: bool  # on the nullable side of an outer join


@dataclass(slots=True)
class Scope:
    sources: list[Source]
    parent: Scope | None = None
    ctes: dict[str, list[OutCol] | None] = field(default_factory=dict)
    grouped: bool = False  # a GROUP BY query: an aggregate sees at least one row

    def cte(self, name: str) -> tuple[bool, list[OutCol] | None]:
        scope: Scope | None = self
        while scope is not None:
            if name in scope.ctes:
                return True, scope.ctes[name]
            scope = scope.parent
        return False, None


@dataclass(frozen=True, slots=True)
class ParamContext:
    """The table column a parameter is compared with or written to."""

    column: str
    relid: int | None
    attnum: int | None
    written: bool  # an INSERT value or UPDATE SET value: NULL is meaningful


@dataclass(slots=True)
class CopyTarget:
    schema: str | None
    table: str
    relid: int
    columns: list[Column]
    param_numbers: list[int]


@dataclass(slots=True)
class Analysis:
    statement: str  # select, insert, update, delete, other
    readonly: bool
    nonnull: list[bool] | None  # per output column; None when the analysis could not follow
    params: dict[int, ParamContext]
    param_names: dict[int, str]
    star_edits: list[tuple[int, int, str]]
    copy: CopyTarget | None
    copy_problem: str | None
    targets: list[Any] | None = None  # the result targets (ResTarget), for messages

    def target_sql(self, i: int) -> str | None:
        """Result column `i`'s expression as SQL, when known (deparsed only for messages)."""
        if self.targets is None or i >= len(self.targets):
            return None
        try:
            return str(RawStream()(self.targets[i].val))
        except Exception:  # a message nicety only
            return None

    star_spans: dict[int, tuple[int, int]] = field(default_factory=dict)


def children(node: Any) -> Iterator[Any]:
    """Direct child nodes of a pglast node (lists flattened)."""
    for slot in node.__slots__:
        value = getattr(node, slot, None)
        if isinstance(value, ast.Node):
            yield value
        elif isinstance(value, list | tuple):
            for item in value:
                if isinstance(item, ast.Node):
                    yield item
                elif isinstance(item, list | tuple):
                    yield from (x for x in item if isinstance(x, ast.Node))


def walk(node: Any) -> Iterator[Any]:
    """Every node under `node`, itself included."""
    stack = [node]
    while stack:
        n = stack.pop()
        yield n
        stack.extend(reversed(list(children(n))))


def _strip(node: Any) -> Any:
    while isinstance(node, ast.TypeCast | ast.CollateClause):
        node = node.arg
    return node


def _names(fields: Any) -> list[str] | None:
    """Name parts of a ColumnRef, or None when it ends in `*`."""
    out: list[str] = []
    for f in fields:
        if not isinstance(f, ast.String):
            return None
        out.append(str(f.sval))
    return out


def _derived_name(node: Any) -> str:
    """The column name PostgreSQL gives an unaliased target (FigureColname, roughly)."""
    node = _strip(node) if isinstance(node, ast.CollateClause) else node
    if isinstance(node, ast.ColumnRef):
        parts = _names(node.fields)
        return parts[-1] if parts else "?column?"
    if isinstance(node, ast.FuncCall) and node.funcname:
        return str(node.funcname[-1].sval)
    if isinstance(node, ast.TypeCast):
        inner = _derived_name(node.arg)
        if inner != "?column?":
            return inner
        names = node.typeName.names if node.typeName else ()
        return str(names[-1].sval) if names else "?column?"
    if isinstance(node, ast.CoalesceExpr):
        return "coalesce"
    return "?column?"


def _pnum(node: Any) -> int:
    return int(node.number)


def _returning(stmt: Any) -> list[Any]:
    clause = getattr(stmt, "returningClause", None)
    if clause is None:
        return []
    return list(clause.exprs or ())


class Analyzer:
    """Walks one statement with the catalog at hand."""

    def __init__(
        self,
        catalog: Catalog,
        resolve: Callable[[str | None, str], int | None],
        sql: str,
    ) -> None:
        self.catalog = catalog
        self.resolve = resolve
        self.sql = sql
        self.params: dict[int, ParamContext] = {}
        self.param_names: dict[int, str] = {}
        self.star_edits: list[tuple[int, int, str]] = []
        self.star_spans: dict[int, tuple[int, int]] = {}  # location -> (first column, count)
        self.readonly = True
        self.root: Scope | None = None

    # -- scopes ---------------------------------------------------------------------------

    def relation_source(self, rv: Any, scope: Scope | None, nullable: bool) -> Source:
        name = rv.alias.aliasname if rv.alias else rv.relname
        if rv.schemaname is None and scope is not None:
            found, cols = scope.cte(rv.relname)
            if found:
                return Source(name, None, self._rename(cols, rv.alias), nullable)
        relid = self.resolve(rv.schemaname, rv.relname)
        if relid is None or relid not in self.catalog.relations:
            return Source(name, None, None, nullable)
        traced = self.view_nonnull(relid) if relid in self.catalog.views else None
        cols = [
            OutCol(
                c.name,
                c.notnull or self._domain_notnull(c.typid) or bool(traced and traced[i]),
                (relid, c.attnum),
            )
            for i, c in enumerate(self.catalog.relations[relid])
        ]
        return Source(name, relid, self._rename(cols, rv.alias), nullable)

    def view_nonnull(self, relid: int) -> list[bool] | None:
        """NOT NULL per column of a view or materialized view, from its definition."""
        cache = self.catalog.view_nonnull
        if relid not in cache:
            cache[relid] = None  # a view that (indirectly) reads itself stays unknown
            try:
                stmt = parse_sql(self.catalog.views[relid])[0].stmt
                inner = Analyzer(self.catalog, self.resolve, self.catalog.views[relid])
                cols = inner.statement(stmt, Scope([]))
            except Exception:  # a definition pglast cannot follow: every column may be NULL
                cols = None
            width = len(self.catalog.relations.get(relid, ()))
            cache[relid] = None if cols is None or len(cols) != width else [c.nonnull for c in cols]
        return cache[relid]

    def _domain_notnull(self, typid: int) -> bool:
        t = self.catalog.types.get(typid)
        return bool(t and t.typtype == "d" and t.notnull)

    @staticmethod
    def _rename(cols: list[OutCol] | None, alias: Any) -> list[OutCol] | None:
        if cols is None or alias is None or not alias.colnames:
            return cols
        names = [c.sval for c in alias.colnames]
        return [
            OutCol(names[i], c.nonnull, c.origin) if i < len(names) else c
            for i, c in enumerate(cols)
        ]

    def from_items(self, items: Any, scope: Scope, nullable: bool = False) -> list[Source]:
        out: list[Source] = []
        for item in items or ():
            out.extend(self.from_item(item, scope, nullable))
        return out

    def from_item(self, item: Any, scope: Scope, nullable: bool) -> list[Source]:
        if isinstance(item, ast.RangeVar):
            return [self.relation_source(item, scope, nullable)]
        if isinstance(item, ast.RangeSubselect):
            inner = Scope([], scope)
            cols = self.select(item.subquery, inner)
            name = str(item.alias.aliasname) if item.alias else ""
            return [Source(name, None, self._rename(cols, item.alias), nullable)]
        if isinstance(item, ast.JoinExpr):
            jt = item.jointype
            left = self.from_item(
                item.larg, scope, nullable or jt in (JoinType.JOIN_RIGHT, JoinType.JOIN_FULL)
            )
            right = self.from_item(
                item.rarg, scope, nullable or jt in (JoinType.JOIN_LEFT, JoinType.JOIN_FULL)
            )
            both = left + right
            if item.quals is not None:
                self.expr(item.quals, Scope(both, scope))
            if item.alias is not None:
                return [*both, Source(str(item.alias.aliasname), None, None, nullable)]
            return both
        if isinstance(item, ast.RangeFunction):
            known = self.function_source(item, scope, nullable)
            if known is not None:
                return [known]
        # functions, ROWS FROM, VALUES, XMLTABLE, ...: columns unknown, so never non-null
        for node in walk(item):
            if isinstance(node, ast.FuncCall):
                self.func(node)
            elif isinstance(node, ast.SubLink) and node.subselect is not None:
                self.select(node.subselect, Scope([], scope))
        alias = getattr(item, "alias", None)
        return [Source(alias.aliasname if alias else "", None, None, nullable)]

    def function_source(self, item: Any, scope: Scope, nullable: bool) -> Source | None:
        """A set-returning function in FROM whose columns are known (generate_series, ...)."""
        if item.is_rowsfrom or len(item.functions or ()) != 1:
            return None
        call, coldefs = item.functions[0]
        if not isinstance(call, ast.FuncCall) or coldefs or not call.funcname:
            return None
        name = str(call.funcname[-1].sval)
        args = list(call.args or ())
        for a in args:
            self.expr(a, scope)
        args_nonnull = all(self.nonnull(a, scope) for a in args)
        alias = item.alias
        if name in _SRF_COLUMNS:
            cols = [OutCol(n, ok and args_nonnull) for n, ok in _SRF_COLUMNS[name]]
        elif name in _SRF_NONNULL or (name == "unnest" and len(args) == 1):
            value = name != "unnest" and args_nonnull and name in self.catalog.set_returning
            cols = [OutCol(str(alias.aliasname) if alias else name, value)]
        else:
            return None
        if item.ordinality:
            cols.append(OutCol("ordinality", True))
        source_name = str(alias.aliasname) if alias else name
        return Source(source_name, None, self._rename(cols, alias), nullable)

    def lookup(self, parts: list[str], scope: Scope) -> tuple[bool, OutCol | None, Source | None]:
        """Resolve a column reference: (found, column, source)."""
        s: Scope | None = scope
        col = parts[-1]
        qual = parts[-2] if len(parts) > 1 else None
        while s is not None:
            unknown = False
            for src in s.sources:
                if qual is not None and src.name != qual:
                    continue
                if src.columns is None:
                    if qual is not None:
                        return True, None, src
                    unknown = True
                    continue
                for c in src.columns:
                    if c.name == col:
                        return True, c, src
            if unknown:
                return True, None, None
            s = s.parent
        return False, None, None

    # -- statements -----------------------------------------------------------------------

    def with_clause(self, wc: Any, scope: Scope) -> None:
        if wc is None:
            return
        for cte in wc.ctes:
            q = cte.ctequery
            cols: list[OutCol] | None
            names = [str(n.sval) for n in cte.aliascolnames or ()]
            if wc.recursive and isinstance(q, ast.SelectStmt) and q.op == SetOperation.SETOP_UNION:
                cols = self.recursive_cte(cte.ctename, q, names, scope)
            else:
                cols = _renamed(self.statement(q, Scope([], scope)), names)
            scope.ctes[cte.ctename] = cols

    def recursive_cte(
        self, name: str, q: Any, names: list[str], scope: Scope
    ) -> list[OutCol] | None:
        """A column of a recursive CTE is NOT NULL only when both branches say so.

        Start from the non-recursive branch, analyse the recursive one against it, and repeat
        until nothing changes (each round can only turn columns nullable).
        """
        scope.ctes[name] = None  # while the first branch is analysed
        first = _renamed(self.select(q.larg, Scope([], scope)), names)
        if first is None:
            self.select(q.rarg, Scope([], scope))
            return None
        cols = [OutCol(c.name, c.nonnull) for c in first]
        for _ in range(len(cols) + 1):
            scope.ctes[name] = cols
            step = self.select(q.rarg, Scope([], scope))
            if step is None or len(step) != len(cols):
                return None
            merged = [
                OutCol(c.name, c.nonnull and r.nonnull) for c, r in zip(cols, step, strict=True)
            ]
            if merged == cols:
                break
            cols = merged
        return cols

    def statement(self, stmt: Any, scope: Scope) -> list[OutCol] | None:
        if isinstance(stmt, ast.SelectStmt):
            return self.select(stmt, scope)
        if isinstance(stmt, ast.InsertStmt | ast.UpdateStmt | ast.DeleteStmt | ast.MergeStmt):
            self.readonly = False
            return self.dml(stmt, scope)
        self.readonly = False
        return None

    def select(self, stmt: Any, scope: Scope) -> list[OutCol] | None:
        self.with_clause(stmt.withClause, scope)
        if stmt.intoClause is not None or stmt.lockingClause:
            self.readonly = False
        if stmt.op != SetOperation.SETOP_NONE:
            left = self.select(stmt.larg, Scope([], scope))
            right = self.select(stmt.rarg, Scope([], scope))
            self._tail(stmt, Scope([], scope))
            if left is None or right is None or len(left) != len(right):
                return None
            return [
                OutCol(a.name, a.nonnull and b.nonnull) for a, b in zip(left, right, strict=True)
            ]
        if stmt.valuesLists:
            rows = [list(r) for r in stmt.valuesLists]
            for r in rows:
                for v in r:
                    self.expr(v, scope)
            width = len(rows[0])
            return [
                OutCol(f"column{i + 1}", all(self.nonnull(r[i], scope) for r in rows))
                for i in range(width)
            ]
        local = Scope([], scope)
        local.sources = self.from_items(stmt.fromClause, local)
        grouping_sets = any(isinstance(g, ast.GroupingSet) for g in stmt.groupClause or ())
        local.grouped = bool(stmt.groupClause) and not grouping_sets
        out: list[OutCol] | None = []
        for target in stmt.targetList or ():
            cols = self.target(target, local)
            if cols is None or out is None:
                out = None
                continue
            self._span(target, scope, len(out), len(cols))
            out.extend(cols)
        if grouping_sets and out is not None:
            out = [OutCol(c.name, False) for c in out]
        for part in (stmt.whereClause, stmt.havingClause):
            if part is not None:
                self.expr(part, local)
        for part in (stmt.groupClause, stmt.distinctClause, stmt.windowClause):
            for node in part or ():
                if isinstance(node, ast.Node):
                    self.expr(node, local)
        self._tail(stmt, local)
        return out

    def _tail(self, stmt: Any, scope: Scope) -> None:
        for node in stmt.sortClause or ():
            self.expr(node, scope)
        for part, name in ((stmt.limitCount, "limit"), (stmt.limitOffset, "offset")):
            if part is None:
                continue
            p = _strip(part)
            if isinstance(p, ast.ParamRef):
                self.param_names.setdefault(_pnum(p), name)
            self.expr(part, scope)

    def _span(self, target: Any, scope: Scope, first: int, count: int) -> None:
        """Remember which result columns a top-level `x.*` became (for sqlc.embed)."""
        if (
            scope is self.root
            and isinstance(target.val, ast.ColumnRef)
            and target.val.location is not None
        ):
            self.star_spans[target.val.location] = (first, count)

    def target(self, target: Any, scope: Scope) -> list[OutCol] | None:
        val = target.val
        if isinstance(val, ast.ColumnRef):
            parts = _names(val.fields)
            if parts is None:
                return self.star(val, scope)
        self.expr(val, scope)
        return [
            OutCol(
                target.name or _derived_name(val), self.nonnull(val, scope), self.origin(val, scope)
            )
        ]

    def star(self, ref: Any, scope: Scope) -> list[OutCol] | None:
        quals = [f.sval for f in ref.fields if isinstance(f, ast.String)]
        sources = [s for s in scope.sources if not quals or s.name == quals[-1]]
        if not sources:
            return None
        out: list[OutCol] = []
        relation_only = all(s.relid is not None for s in sources)
        pieces: list[str] = []
        for src in sources:
            if src.columns is None:
                return None
            for c in src.columns:
                out.append(OutCol(c.name, c.nonnull and not src.nullable, c.origin))
                qualify = bool(quals) or len(scope.sources) > 1
                prefix = f"{quote_ident(src.name)}." if qualify else ""
                pieces.append(prefix + quote_ident(c.name))
        if relation_only and pieces:
            end = self.sql.index("*", ref.location) + 1
            text = ", ".join(pieces)
            line_start = self.sql.rfind("\n", 0, ref.location) + 1
            if ref.location - line_start + len(text) > 90:
                line = self.sql[line_start:]
                indent = line[: len(line) - len(line.lstrip())] + "    "
                text = f"\n{indent}" + f",\n{indent}".join(pieces)
            self.star_edits.append((ref.location, end, text))
        return out

    def origin(self, val: Any, scope: Scope) -> tuple[int, int] | None:
        if isinstance(val, ast.ColumnRef):
            parts = _names(val.fields)
            if parts:
                found, col, _ = self.lookup(parts, scope)
                if found and col is not None:
                    return col.origin
        return None

    def dml(self, stmt: Any, scope: Scope) -> list[OutCol] | None:
        self.with_clause(stmt.withClause, scope)
        target = self.relation_source(stmt.relation, None, False)
        local = Scope([target], scope)
        if isinstance(stmt, ast.InsertStmt):
            self.insert_params(stmt, target, local)
            if stmt.onConflictClause is not None:
                occ = stmt.onConflictClause
                excluded = Source("excluded", target.relid, target.columns, False)
                conflict_scope = Scope([target, excluded], scope)
                self.set_targets(occ.targetList or (), target, conflict_scope)
                if occ.whereClause is not None:
                    self.expr(occ.whereClause, conflict_scope)
        elif isinstance(stmt, ast.UpdateStmt):
            local.sources = [target, *self.from_items(stmt.fromClause, local)]
            self.set_targets(stmt.targetList or (), target, local)
            if stmt.whereClause is not None:
                self.expr(stmt.whereClause, local)
        elif isinstance(stmt, ast.DeleteStmt):
            local.sources = [target, *self.from_items(stmt.usingClause, local)]
            if stmt.whereClause is not None:
                self.expr(stmt.whereClause, local)
        else:  # MERGE: follow it for parameters, result nullability is unknown
            for node in children(stmt):
                self.expr(node, local)
            return None
        kind = type(stmt).__name__
        old_new = []
        if target.columns is not None:
            # RETURNING old.* / new.* (PostgreSQL 18), or the names WITH (OLD AS o, NEW AS n)
            # gives them: the row that is not there (old of an INSERT, new of a DELETE) is NULL
            names = {"old": "old", "new": "new"}
            clause = getattr(stmt, "returningClause", None)
            for option in getattr(clause, "options", None) or ():
                which = (
                    "old" if option.option == ReturningOptionKind.RETURNING_OPTION_OLD else "new"
                )
                names[which] = str(option.value)
            old_new = [
                Source(names["old"], target.relid, target.columns, kind == "InsertStmt"),
                Source(names["new"], target.relid, target.columns, kind == "DeleteStmt"),
            ]
        ret_scope = Scope([*local.sources, *old_new], scope)
        out: list[OutCol] | None = []
        for t in _returning(stmt):
            if isinstance(t.val, ast.ColumnRef) and _names(t.val.fields) is None:
                quals = [f.sval for f in t.val.fields or () if isinstance(f, ast.String)]
                star_scope = ret_scope if quals else Scope(local.sources, scope)
                cols = self.star(t.val, star_scope)
            else:
                cols = self.target(t, ret_scope)
            if cols is None or out is None:
                out = None
                continue
            self._span(t, scope, len(out), len(cols))
            out.extend(cols)
        return out

    def insert_params(self, stmt: Any, target: Source, scope: Scope) -> None:
        columns = self.insert_columns(stmt, target)
        sel = stmt.selectStmt
        if sel is None:
            return
        rows: list[list[Any]] = []
        if sel.valuesLists:
            rows = [list(r) for r in sel.valuesLists]
            for r in rows:
                for v in r:
                    self.expr(v, scope)
        else:
            self.select(sel, Scope([], scope))
            if sel.op == SetOperation.SETOP_NONE and not sel.fromClause:
                rows = [[t.val for t in sel.targetList or ()]]
        for r in rows:
            for v, col in zip(r, columns, strict=False):
                self.bind(v, col, target, written=True)

    def insert_columns(self, stmt: Any, target: Source) -> list[OutCol | None]:
        if target.columns is None:
            return []
        if not stmt.cols:
            return list(target.columns)
        by_name = {c.name: c for c in target.columns}
        return [by_name.get(rt.name) for rt in stmt.cols]

    def set_targets(self, targets: Any, target: Source, scope: Scope) -> None:
        by_name = {c.name: c for c in target.columns or ()}
        for rt in targets:
            self.expr(rt.val, scope)
            if not rt.indirection:
                self.bind(rt.val, by_name.get(rt.name), target, written=True)

    def bind(self, value: Any, col: OutCol | None, src: Source | None, written: bool) -> None:
        """Remember that parameter `value` (if it is one) stands for table column `col`."""
        value = _strip(value)
        if not isinstance(value, ast.ParamRef) or col is None:
            return
        relid, attnum = col.origin if col.origin else (None, None)
        ctx = ParamContext(col.name, relid, attnum, written)
        number = _pnum(value)
        prior = self.params.get(number)
        if prior is None or (written and not prior.written):
            self.params[number] = ctx
        self.param_names.setdefault(number, col.name)

    # -- expressions ----------------------------------------------------------------------

    def func(self, node: Any) -> None:
        name = node.funcname[-1].sval if node.funcname else ""
        if name in self.catalog.volatile_functions:
            self.readonly = False

    def expr(self, node: Any, scope: Scope) -> None:
        """Visit an expression: parameter contexts, volatile calls, nested subqueries."""
        stack = [node]
        while stack:
            n = stack.pop()
            if isinstance(n, ast.SubLink):
                if n.testexpr is not None:
                    stack.append(n.testexpr)
                if n.subselect is not None:
                    self.statement(n.subselect, Scope([], scope))
                continue
            if isinstance(n, ast.SelectStmt):
                self.select(n, Scope([], scope))
                continue
            if isinstance(n, ast.FuncCall):
                self.func(n)
            elif isinstance(n, ast.A_Expr):
                self.compare(n, scope)
            stack.extend(children(n))

    def compare(self, node: Any, scope: Scope) -> None:
        if node.kind not in (A_Expr_Kind.AEXPR_OP, A_Expr_Kind.AEXPR_OP_ANY):
            return
        left, right = _strip(node.lexpr), _strip(node.rexpr)
        if isinstance(left, ast.RowExpr) and isinstance(right, ast.RowExpr):
            for a, b in zip(left.args or (), right.args or (), strict=False):
                self.compare_pair(_strip(a), _strip(b), scope)
            return
        self.compare_pair(left, right, scope)

    def compare_pair(self, left: Any, right: Any, scope: Scope) -> None:
        if isinstance(left, ast.ParamRef):
            left, right = right, left
        if not (isinstance(right, ast.ParamRef) and isinstance(left, ast.ColumnRef)):
            return
        parts = _names(left.fields)
        if not parts:
            return
        found, col, src = self.lookup(parts, scope)
        if found and col is not None:
            self.bind(right, col, src, written=False)
        else:
            self.param_names.setdefault(_pnum(right), parts[-1])

    def call_nonnull(self, node: Any, scope: Scope) -> bool:
        """Whether a function call can return NULL here (aggregates, STRICT functions, ...)."""
        name = str(node.funcname[-1].sval) if node.funcname else ""
        args = list(node.args or ())
        if name in _NONNULL_FUNCS:
            return name != "now" or not args
        if name in _FIRST_ARG_FUNCS:
            return bool(args) and self.nonnull(args[0], scope)
        if name in self.catalog.aggregates:
            if not scope.grouped or node.over is not None or node.agg_filter is not None:
                return False
            if name in _GROUP_AGGS_ALWAYS:
                return True
            if name == "string_agg":
                args = args[:1]
            return name in _GROUP_AGGS and all(self.nonnull(a, scope) for a in args)
        if node.over is not None or node.agg_star or node.agg_distinct or node.agg_filter:
            return False
        if name in _NULLABLE_STRICT or name.startswith(_NULLABLE_PREFIXES) or not args:
            return False
        if (name, len(args)) not in self.catalog.strict_functions:
            return False
        if name in _TEXT_ONLY and not self.texty(args[0], scope):
            return False
        return all(self.nonnull(a, scope) for a in args)

    def json_nulling(self, cast: Any, scope: Scope) -> bool:
        """A cast to a number or boolean of what may be JSON: a JSON null becomes NULL."""
        names: Any = cast.typeName.names if cast.typeName else ()
        if not names or str(names[-1].sval) not in _JSON_NULLING_CASTS:
            return False
        arg = cast.arg
        if isinstance(arg, ast.ColumnRef):
            origin = self.origin(arg, scope)
            if origin is None:
                return True  # a computed column of a subquery: its type is not known here
            col = self.catalog.columns.get(origin)
            t = self.catalog.types.get(col.typid) if col else None
            return t is None or t.name in ("json", "jsonb")
        if isinstance(arg, ast.FuncCall) and arg.funcname:
            return str(arg.funcname[-1].sval).startswith(("json", "to_json"))
        return False

    def texty(self, node: Any, scope: Scope) -> bool:
        """True when the expression is certainly of a string type (not a range)."""
        if isinstance(node, ast.TypeCast):
            names: Any = node.typeName.names if node.typeName else ()
            return bool(names) and str(names[-1].sval) in _TEXT_TYPES
        if isinstance(node, ast.A_Const):
            return isinstance(node.val, ast.String)
        origin = self.origin(node, scope)
        if origin is not None:
            col = self.catalog.columns.get(origin)
            t = self.catalog.types.get(col.typid) if col else None
            while t is not None and t.typtype == "d":
                t = self.catalog.types.get(t.base)
            return t is not None and t.name in _TEXT_TYPES
        if isinstance(node, ast.FuncCall) and node.funcname:
            return str(node.funcname[-1].sval) in _TEXT_ONLY | {"btrim", "trim", "concat"}
        return False

    def one_value(self, sub: Any, scope: Scope) -> bool:
        """A scalar subquery that always yields one row with a non-NULL value (`SELECT count(*)
        FROM ...`): no GROUP BY, HAVING, LIMIT or set function, and an aggregate (or no FROM)."""
        if not isinstance(sub, ast.SelectStmt) or sub.op != SetOperation.SETOP_NONE:
            return False
        if sub.groupClause or sub.havingClause or sub.limitCount or sub.limitOffset:
            return False
        if sub.valuesLists or len(sub.targetList or ()) != 1 or sub.withClause is not None:
            return False
        targets: Any = sub.targetList
        calls = [n for n in self.shallow(targets[0].val) if isinstance(n, ast.FuncCall)]
        names = {str(c.funcname[-1].sval) for c in calls if c.funcname}
        if names & self.catalog.set_returning:
            return False
        aggregated = any(
            str(c.funcname[-1].sval) in self.catalog.aggregates and c.over is None
            for c in calls
            if c.funcname
        )
        if not aggregated and (sub.fromClause or sub.whereClause):
            return False
        cols = self.select(sub, Scope([], scope))
        return bool(cols) and cols is not None and cols[0].nonnull

    @staticmethod
    def shallow(node: Any) -> Iterator[Any]:
        """Nodes of an expression, not descending into subqueries."""
        stack = [node]
        while stack:
            n = stack.pop()
            yield n
            if not isinstance(n, ast.SubLink | ast.SelectStmt):
                stack.extend(children(n))

    def nonnull(self, node: Any, scope: Scope) -> bool:
        """True only when PostgreSQL cannot return NULL for this expression."""
        if isinstance(node, ast.TypeCast) and self.json_nulling(node, scope):
            return False
        if isinstance(node, ast.TypeCast | ast.CollateClause):
            return self.nonnull(node.arg, scope)
        if isinstance(node, ast.A_Const):
            return not node.isnull
        if isinstance(node, ast.ColumnRef):
            parts = _names(node.fields)
            if not parts:
                return False
            found, col, src = self.lookup(parts, scope)
            return bool(found and col is not None and src is not None) and bool(
                col and col.nonnull and src and not src.nullable
            )
        if isinstance(node, ast.CoalesceExpr | ast.MinMaxExpr):  # GREATEST/LEAST skip NULLs
            return any(self.nonnull(a, scope) for a in node.args or ())
        if isinstance(node, ast.FuncCall):
            return self.call_nonnull(node, scope)
        if isinstance(node, ast.SQLValueFunction):
            return node.op != SQLValueFunctionOp.SVFOP_CURRENT_SCHEMA  # NULL on an empty path
        if isinstance(node, ast.NullTest | ast.BooleanTest):
            return True
        if isinstance(node, ast.A_ArrayExpr):
            return True
        if isinstance(node, ast.SubLink):
            if node.subLinkType == SubLinkType.EXPR_SUBLINK:
                return self.one_value(node.subselect, scope)
            return node.subLinkType in (SubLinkType.EXISTS_SUBLINK, SubLinkType.ARRAY_SUBLINK)
        if isinstance(node, ast.A_Expr) and node.kind == A_Expr_Kind.AEXPR_DISTINCT:
            return True  # IS DISTINCT FROM
        if isinstance(node, ast.A_Expr) and node.kind in (
            A_Expr_Kind.AEXPR_LIKE,
            A_Expr_Kind.AEXPR_ILIKE,
            A_Expr_Kind.AEXPR_BETWEEN,
            A_Expr_Kind.AEXPR_NOT_BETWEEN,
            A_Expr_Kind.AEXPR_IN,
        ):
            rexpr: Any = node.rexpr
            operands: list[Any] = [node.lexpr]
            operands += list(rexpr) if isinstance(rexpr, list | tuple) else [rexpr]
            return all(x is not None and self.nonnull(x, scope) for x in operands)
        if isinstance(node, ast.BoolExpr):
            return all(self.nonnull(a, scope) for a in node.args or ())
        if isinstance(node, ast.A_Expr) and node.kind == A_Expr_Kind.AEXPR_OP:
            op = node.name[-1].sval if node.name else ""
            operands = [x for x in (node.lexpr, node.rexpr) if x is not None]
            return op in _NONNULL_OPS and all(self.nonnull(x, scope) for x in operands)
        if isinstance(node, ast.CaseExpr):
            results = [w.result for w in node.args or ()]
            return node.defresult is not None and all(
                self.nonnull(r, scope) for r in [*results, node.defresult]
            )
        return False


def _renamed(cols: list[OutCol] | None, names: list[str]) -> list[OutCol] | None:
    if cols is None or not names:
        return cols
    return [
        OutCol(names[i], c.nonnull, c.origin) if i < len(names) else c for i, c in enumerate(cols)
    ]


def analyze(
    sql: str,
    catalog: Catalog,
    resolve: Callable[[str | None, str], int | None],
) -> Analysis:
    """Analyse one statement (parameters already rewritten to $n)."""
    stmt = parse_sql(sql)[0].stmt
    an = Analyzer(catalog, resolve, sql)
    root = Scope([])
    an.root = root
    cols = an.statement(stmt, root)
    kind = {
        ast.SelectStmt: "select",
        ast.InsertStmt: "insert",
        ast.UpdateStmt: "update",
        ast.DeleteStmt: "delete",
    }.get(type(stmt), "other")
    # data-modifying CTEs or anything beyond SELECT make the statement a write
    readonly = an.readonly and kind == "select"
    if readonly:
        for node in walk(stmt):
            if isinstance(node, ast.InsertStmt | ast.UpdateStmt | ast.DeleteStmt | ast.MergeStmt):
                readonly = False
            elif isinstance(node, ast.FuncCall):
                name = node.funcname[-1].sval if node.funcname else ""
                if name in catalog.volatile_functions:
                    readonly = False
    copy, problem = _copy_target(stmt, catalog, resolve)
    targets = _targets(stmt)
    return Analysis(
        statement=kind,
        readonly=readonly,
        nonnull=None if cols is None else [c.nonnull for c in cols],
        params=an.params,
        param_names=an.param_names,
        star_edits=sorted(set(an.star_edits)),
        star_spans=an.star_spans,
        copy=copy,
        copy_problem=problem,
        targets=targets,
    )


def _targets(stmt: Any) -> list[Any] | None:
    """The result targets of a plain SELECT or of RETURNING, when none of them is a `*`."""
    if isinstance(stmt, ast.SelectStmt):
        if stmt.op != SetOperation.SETOP_NONE:
            return _targets(stmt.larg)
        targets = list(stmt.targetList or ())
    else:
        targets = _returning(stmt)
    stars = any(isinstance(t.val, ast.ColumnRef) and _names(t.val.fields) is None for t in targets)
    return None if stars or not targets else targets


def _copy_target(
    stmt: Any, catalog: Catalog, resolve: Callable[[str | None, str], int | None]
) -> tuple[CopyTarget | None, str | None]:
    if not isinstance(stmt, ast.InsertStmt):
        return None, "a :copyfrom query must be `INSERT INTO table (columns) VALUES (@params)`"
    if stmt.withClause is not None or stmt.onConflictClause is not None or _returning(stmt):
        return None, ":copyfrom cannot use WITH, ON CONFLICT or RETURNING (COPY has none)"
    sel: Any = stmt.selectStmt
    if sel is None or not sel.valuesLists or len(sel.valuesLists) != 1:
        return None, ":copyfrom needs exactly one VALUES row of parameters"
    rv: Any = stmt.relation
    relid = resolve(rv.schemaname, rv.relname)
    if relid is None or relid not in catalog.relations:
        return None, f"unknown table {rv.relname}"
    cols = catalog.relations[relid]
    if stmt.cols:
        by_name = {c.name: c for c in cols}
        chosen = [by_name[rt.name] for rt in stmt.cols if rt.name in by_name]
    else:
        chosen = list(cols)
    numbers: list[int] = []
    for value, col in zip(sel.valuesLists[0], chosen, strict=False):
        if not isinstance(value, ast.ParamRef):
            return None, (
                f"the value for column {col.name} must be a bare parameter (@{col.name}):"
                " COPY sends values as they are, without expressions or casts"
            )
        numbers.append(_pnum(value))
    if len(set(numbers)) != len(numbers):
        return None, ":copyfrom uses one parameter per column; a parameter is repeated"
    return CopyTarget(rv.schemaname, rv.relname, relid, chosen, numbers), None
