"""Errors the generator reports: each names a file, a line and, where there is one, a query."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True, slots=True)
class Issue:
    """One problem found in a query file, phrased for the person who edits SQL."""

    path: Path
    line: int
    message: str
    query: str | None = None
    detail: str | None = None
    hint: str | None = None
    sqlstate: str | None = None
    excerpt: str | None = None  # the offending line with a caret under the position

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}"
        head = (
            f"{where}: {self.query}: {self.message}" if self.query else f"{where}: {self.message}"
        )
        lines = [head]
        if self.sqlstate:
            lines[0] += f" [SQLSTATE {self.sqlstate}]"
        if self.excerpt:
            lines.extend(f"    {ln}" for ln in self.excerpt.splitlines())
        if self.detail:
            lines.append(f"  DETAIL: {self.detail}")
        if self.hint:
            lines.append(f"  HINT: {self.hint}")
        return "\n".join(lines)


class CodegenError(Exception):
    """One or more query files cannot be turned into code; `issues` lists every problem found."""

    def __init__(self, issues: list[Issue]) -> None:
        self.issues = issues
        super().__init__("\n".join(str(i) for i in issues))
