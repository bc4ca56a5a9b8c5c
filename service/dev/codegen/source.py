"""Reading query files: `-- name:` annotations, doc comments, and sqlc-style parameters.

Only the lexical work is done here (where do statements and parameters start, outside strings
and comments); the structure of the SQL itself is left to pglast and PostgreSQL.
"""

from __future__ import annotations

import difflib
import keyword
import re
from dataclasses import dataclass, field
from pathlib import Path

from service.dev.codegen.errors import Issue

KINDS = (
    "one",
    "many",
    "exec",
    "execrows",
    "execresult",
    "copyfrom",
    "iter",
    "batchexec",
    "batchone",
    "batchmany",
)
# Kinds whose function returns rows, so every result column needs a Python name.
ROW_KINDS = frozenset({"one", "many", "iter", "batchone", "batchmany"})
MACROS = ("arg", "narg", "slice", "embed")

# `-- name: X :kind` or `/* name: X :kind */` on a line of its own
_NAME_LINE = re.compile(
    r"^\s*(?:--\s*name\s*:(?P<rest>.*)|/\*\s*name\s*:(?P<block>.*?)\*/\s*)$", re.IGNORECASE
)
_NAME_REST = re.compile(r"^\s*(?P<name>\S+)\s+:(?P<kind>\S+)\s*(?P<extra>.*)$")
_QUERY_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9_]*$")
_IDENT_START = re.compile(r"[A-Za-z_]")
_IDENT_REST = re.compile(r"[\w$]+")  # what `_ident_char` accepts, as a run
_PLAIN = re.compile(r"[^\w$\-/'\"@();]+")  # nothing `scan` looks at
_IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_SQLC_FUNC = re.compile(
    r"sqlc\.(?P<fn>[A-Za-z_]+)\([ \t]*(?P<q>['\"]?)(?P<name>[A-Za-z_][A-Za-z0-9_.]*)(?P=q)[ \t]*\)"
)
_IN_BEFORE = re.compile(r"(?P<not>\bNOT\s+)?\bIN\s*\(\s*$", re.IGNORECASE)
_PAREN_AFTER = re.compile(r"^\s*\)")
_DOLLAR_TAG = re.compile(r"\$(?:[A-Za-z_\x80-\uffff][A-Za-z0-9_\x80-\uffff]*)?\$")


@dataclass(frozen=True, slots=True)
class ParamToken:
    """A parameter as written in the SQL text."""

    start: int
    end: int
    name: str | None  # None for positional $n
    number: int | None  # set for positional $n
    nullable: bool  # sqlc.narg(...)
    macro: str = "arg"  # arg, narg, slice, embed, or an unknown name (an error)


@dataclass(slots=True)
class Param:
    """One parameter of a query after rewriting: number `$n`, Python name, nullability hint."""

    number: int
    name: str
    explicit_name: bool  # named in the SQL (@name / sqlc.arg) rather than positional
    narg: bool
    line: int
    slice: bool = False  # sqlc.slice(name): a list, sent as one array parameter
    # (offset in `sql`, file line) of every use, to name the parameter in type errors
    uses: list[tuple[int, int]] = field(default_factory=list)


@dataclass(slots=True)
class Query:
    """One annotated statement of a query file."""

    path: Path
    name: str
    kind: str
    doc: list[str]
    line: int  # line of the `-- name:` annotation
    sql_line: int  # file line of the first line of `original_sql`
    original_sql: str
    sql: str  # parameters rewritten to $n
    params: list[Param] = field(default_factory=list)
    # (offset in `sql` just after a rewritten parameter, original minus rewritten length so far)
    shifts: list[tuple[int, int]] = field(default_factory=list)
    # sqlc.embed(x): (offset in `sql` of the `x.*` it became, the table or alias x)
    embeds: list[tuple[int, str]] = field(default_factory=list)

    def line_of(self, offset: int) -> int:
        """File line of a character offset into `sql` (rewriting never adds or removes lines)."""
        return self.sql_line + self.sql.count("\n", 0, max(0, min(offset, len(self.sql))))

    def excerpt(self, offset: int) -> str:
        """The line of the file at `offset` into `sql`, with a caret under that character."""
        shift = 0
        for after, delta in self.shifts:
            if after <= offset:
                shift = delta
        original = min(max(0, offset + shift), len(self.original_sql))
        start = self.original_sql.rfind("\n", 0, original) + 1
        end = self.original_sql.find("\n", original)
        line = self.original_sql[start : end if end >= 0 else None]
        return f"{line}\n{' ' * (original - start)}^"


def _ident_char(c: str) -> bool:
    return c.isalnum() or c in "_$"


def scan(sql: str) -> tuple[list[ParamToken], list[int]]:
    """Find parameters outside strings, identifiers and comments, and top-level `;` offsets."""
    params: list[ParamToken] = []
    semicolons: list[int] = []
    i, n = 0, len(sql)
    depth = 0
    while i < n:
        c = sql[i]
        prev = sql[i - 1] if i else ""
        if c == "-" and sql.startswith("--", i):
            j = sql.find("\n", i)
            i = n if j < 0 else j + 1
        elif c == "/" and sql.startswith("/*", i):
            level, i = 1, i + 2
            while i < n and level:
                if sql.startswith("/*", i):
                    level, i = level + 1, i + 2
                elif sql.startswith("*/", i):
                    level, i = level - 1, i + 2
                else:
                    i += 1
        elif c == "'":
            escape = prev in "eE" and (i < 2 or not _ident_char(sql[i - 2]))
            i += 1
            while i < n:
                if escape and sql[i] == "\\":
                    i += 2
                elif sql[i] == "'":
                    if i + 1 < n and sql[i + 1] == "'":
                        i += 2
                    else:
                        break
                else:
                    i += 1
            i += 1
        elif c == '"':
            i += 1
            while i < n:
                if sql[i] == '"':
                    if i + 1 < n and sql[i + 1] == '"':
                        i += 2
                    else:
                        break
                else:
                    i += 1
            i += 1
        elif c == "$" and not _ident_char(prev):
            m = re.match(r"\$(\d+)", sql[i:])
            if m:
                params.append(ParamToken(i, i + m.end(), None, int(m.group(1)), False))
                i += m.end()
                continue
            t = _DOLLAR_TAG.match(sql, i)
            if t:
                close = sql.find(t.group(0), t.end())
                i = n if close < 0 else close + len(t.group(0))
            else:
                i += 1
        elif c == "@" and prev not in "@:" and not _ident_char(prev):
            m = _IDENT.match(sql, i + 1)
            if m:
                params.append(ParamToken(i, m.end(), m.group(0), None, False))
                i = m.end()
            else:
                i += 1
        elif c in "sS" and not _ident_char(prev) and prev != ".":
            m = _SQLC_FUNC.match(sql, i)
            if m:
                fn = m.group("fn")
                params.append(ParamToken(i, m.end(), m.group("name"), None, fn == "narg", fn))
                i = m.end()
            else:
                i += 1
                while i < n and _ident_char(sql[i]):
                    i += 1
        elif c == "(":
            depth += 1
            i += 1
        elif c == ")":
            depth -= 1
            i += 1
        elif c == ";":
            semicolons.append(i)
            i += 1
        elif _ident_char(c):
            # skip the rest of an identifier so `a$1` or `x@y` inside one never match
            m = _IDENT_REST.match(sql, i)
            i = m.end() if m else i + 1
        else:
            m = _PLAIN.match(sql, i)  # whitespace and operators, in one step
            i = m.end() if m else i + 1
    return params, semicolons


def python_name(name: str) -> str:
    """A keyword-safe Python identifier for a SQL parameter or column name."""
    return f"{name}_" if keyword.iskeyword(name) or name == "db" else name


def _only_comments(text: str) -> bool:
    """True when text holds nothing but whitespace and comments."""
    stripped = re.sub(r"--[^\n]*", "", text)
    stripped = re.sub(r"/\*.*?\*/", "", stripped, flags=re.DOTALL)
    return not stripped.strip()


def parse_file(path: Path, text: str) -> tuple[list[Query], list[Issue]]:
    """Split a query file into annotated queries; collect every problem instead of stopping."""
    lines = text.splitlines()
    issues: list[Issue] = []
    headers: list[tuple[int, str, str]] = []  # (line index, name, kind)
    for idx, line in enumerate(lines):
        m = _NAME_LINE.match(line)
        if not m:
            continue
        rest = _NAME_REST.match(
            m.group("rest") if m.group("rest") is not None else m.group("block")
        )
        if rest is None:
            issues.append(
                Issue(
                    path,
                    idx + 1,
                    f"malformed annotation {line.strip()!r}",
                    hint="write `-- name: GetThing :one` (kinds: "
                    + ", ".join(f":{k}" for k in KINDS)
                    + ")",
                )
            )
            headers.append((idx, "", ""))
            continue
        name, kind = rest.group("name"), rest.group("kind")
        if not _QUERY_NAME.match(name):
            issues.append(
                Issue(
                    path,
                    idx + 1,
                    f"query name {name!r} must be letters, digits and _ (CamelCase by convention)",
                    query=name,
                )
            )
        if kind not in KINDS:
            issues.append(
                Issue(
                    path,
                    idx + 1,
                    f"unknown kind ':{kind}'",
                    query=name,
                    hint="use one of " + ", ".join(f":{k}" for k in KINDS),
                )
            )
        headers.append((idx, name, kind))

    first = headers[0][0] if headers else len(lines)
    preamble = "\n".join(lines[:first])
    if not _only_comments(preamble):
        bad = next(
            i
            for i, ln in enumerate(lines[:first])
            if ln.strip() and not ln.strip().startswith("--")
        )
        issues.append(
            Issue(
                path,
                bad + 1,
                "SQL without a `-- name:` annotation",
                hint="start each statement with `-- name: QueryName :kind`",
            )
        )

    queries: list[Query] = []
    seen: dict[str, int] = {}
    for h, (idx, name, kind) in enumerate(headers):
        end = headers[h + 1][0] if h + 1 < len(headers) else len(lines)
        body = idx + 1
        doc: list[str] = []
        while (
            body < end
            and lines[body].lstrip().startswith("--")
            and not _NAME_LINE.match(lines[body])
        ):
            doc.append(re.sub(r"^\s*--\s?", "", lines[body]).rstrip())
            body += 1
        while doc and not doc[-1].strip():
            doc.pop()
        sql = "\n".join(lines[body:end]).rstrip()
        if not name or kind not in KINDS:
            continue
        if name in seen:
            issues.append(
                Issue(
                    path,
                    idx + 1,
                    f"duplicate query name (first defined at line {seen[name]})",
                    query=name,
                    hint="each query name becomes a function; give this one another name",
                )
            )
            continue
        seen[name] = idx + 1
        if _only_comments(sql):
            issues.append(Issue(path, idx + 1, "annotation is not followed by SQL", query=name))
            continue
        q = Query(path, name, kind, doc, idx + 1, body + 1, sql, sql)
        problems = _split_check(q) or _rewrite_params(q)
        issues.extend(problems)
        if not problems:  # only statements that make sense lexically go to PostgreSQL
            queries.append(q)
    return queries, issues


def _split_check(q: Query) -> list[Issue]:
    """Reject a second statement hiding under one annotation, and trim the final `;`."""
    _, semis = scan(q.original_sql)
    for pos in semis:
        if not _only_comments(q.original_sql[pos + 1 :]):
            nxt = pos + 1
            while nxt < len(q.original_sql) and q.original_sql[nxt].isspace():
                nxt += 1
            line = q.sql_line + q.original_sql.count("\n", 0, nxt)
            return [
                Issue(
                    q.path,
                    line,
                    "SQL without a `-- name:` annotation (a second statement follows"
                    f" {q.name} in the same block)",
                    hint="add `-- name: QueryName :kind` above it",
                )
            ]
    if semis:
        q.original_sql = q.original_sql[: semis[-1]].rstrip()
    q.sql = q.original_sql
    return []


def _macro_issue(q: Query, t: ParamToken) -> Issue | None:
    """An unknown `sqlc.*` macro, with the known one it most likely meant."""
    if t.macro in MACROS:
        return None
    close = difflib.get_close_matches(t.macro, MACROS, n=1, cutoff=0.5)
    guess = f"; did you mean sqlc.{close[0]}?" if close else ""
    return Issue(
        q.path,
        q.sql_line + q.original_sql.count("\n", 0, t.start),
        f"unknown macro sqlc.{t.macro}{guess}",
        query=q.name,
        hint="the macros are " + ", ".join(f"sqlc.{m}(name)" for m in MACROS),
    )


def _rewrite_params(q: Query) -> list[Issue]:
    """Turn @name / sqlc.arg / sqlc.narg / sqlc.slice into $n, sqlc.embed(t) into t.*.

    Positional `$n` stay as written; named parameters take the numbers after the highest one.
    """
    tokens, _ = scan(q.original_sql)
    issues = [i for t in tokens if (i := _macro_issue(q, t)) is not None]
    if issues:
        return issues
    positional = [t for t in tokens if t.number is not None]
    numbers = sorted({t.number for t in positional if t.number is not None})
    if numbers:
        missing = sorted(set(range(1, numbers[-1] + 1)) - set(numbers))
        if missing:
            issues.append(
                Issue(
                    q.path,
                    q.line,
                    "unused parameter "
                    + ", ".join(f"${m}" for m in missing)
                    + f" (the query uses up to ${numbers[-1]})",
                    query=q.name,
                    hint="number positional parameters $1..$N without gaps",
                )
            )
            return issues
        for num in numbers:
            first = next(t for t in positional if t.number == num)
            line = q.sql_line + q.original_sql.count("\n", 0, first.start)
            q.params.append(Param(num, f"p{num}", False, False, line))
    base = numbers[-1] if numbers else 0
    numbering: dict[str, int] = {}
    out: list[str] = []
    last = 0
    for t in tokens:
        text = q.original_sql
        start, end = t.start, t.end
        line = q.sql_line + text.count("\n", 0, t.start)
        if t.number is not None:
            p = q.params[t.number - 1]
            piece = f"${t.number}"
        elif t.macro == "embed":
            assert t.name is not None
            piece = f"{t.name}.*"
        else:
            assert t.name is not None
            key = t.name.lower()
            if key not in numbering:
                numbering[key] = base + len(numbering) + 1
                q.params.append(Param(numbering[key], python_name(t.name), True, t.nullable, line))
            p = q.params[numbering[key] - 1]
            p.narg = p.narg or t.nullable
            piece = f"${numbering[key]}"
            if t.macro == "slice":
                p.slice = True
                before = _IN_BEFORE.search(text, last, start)
                after = _PAREN_AFTER.match(text[end:])
                if before is not None and after is not None:
                    # `IN (sqlc.slice(ids))` -> `= ANY($n)`; lines are kept where they were
                    op = "<> ALL" if before.group("not") else "= ANY"
                    newlines = text.count("\n", before.start(), end + after.end())
                    start, end = before.start(), end + after.end()
                    piece = f"{op}(${numbering[key]})" + "\n" * newlines
        out.append(text[last:start])
        rewritten = sum(len(x) for x in out)
        if t.macro == "embed":
            assert t.name is not None
            q.embeds.append((rewritten, t.name))
        else:
            p.uses.append((rewritten, line))
        out.append(piece)
        last = end
        rewritten += len(piece)
        q.shifts.append((rewritten, end - rewritten))
    out.append(q.original_sql[last:])
    q.sql = "".join(out)
    q.params.sort(key=lambda p: p.number)
    return issues
