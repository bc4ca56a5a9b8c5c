"""Say how committed generated code differs from what the generator writes now, and why."""

from __future__ import annotations

import ast
from pathlib import Path

from service.dev.codegen.render import SOURCE_MARK


def _rel(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd()))
    except ValueError:
        return str(path)


def _digest(text: str) -> str | None:
    for line in text.splitlines()[:5]:
        if line.startswith(SOURCE_MARK):
            return line[len(SOURCE_MARK) :].strip()
    return None


def _shape(text: str) -> dict[str, str]:
    """Public surface of a generated module: struct fields, signatures, SQL constants."""
    try:
        tree = ast.parse(text)
    except SyntaxError:
        return {}
    out: dict[str, str] = {}
    for node in tree.body:
        if isinstance(node, ast.ClassDef):
            for item in node.body:
                if isinstance(item, ast.AnnAssign) and isinstance(item.target, ast.Name):
                    out[f"{node.name}.{item.target.id}"] = ast.unparse(item.annotation)
        elif isinstance(node, ast.AsyncFunctionDef):
            for arg in node.args.kwonlyargs:
                ann = ast.unparse(arg.annotation) if arg.annotation else "?"
                out[f"{node.name}({arg.arg})"] = ann
            out[f"{node.name}() ->"] = ast.unparse(node.returns) if node.returns else "?"
            out[f"{node.name}() routing"] = (
                "replica" if "reader(db)" in ast.unparse(node) else "primary"
            )
        elif isinstance(node, ast.Assign) and len(node.targets) == 1:
            target = node.targets[0]
            if not isinstance(target, ast.Name) or target.id == "__all__":
                continue
            if isinstance(node.value, ast.Constant) and isinstance(node.value.value, str):
                out[f"{target.id} (SQL)"] = " ".join(node.value.value.split())
            else:
                out[target.id] = ast.unparse(node.value)
    return out


def _structure(old: str, new: str) -> list[str]:
    a, b = _shape(old), _shape(new)
    lines: list[str] = []
    for key in sorted(a.keys() | b.keys()):
        if key not in b:
            lines.append(f"{key} removed (was {a[key]})")
        elif key not in a:
            lines.append(f"{key} added: {b[key]}")
        elif a[key] != b[key]:
            if key.endswith("(SQL)"):
                lines.append(f"{key} changed")
            else:
                lines.append(f"{key}: {a[key]} -> {b[key]}")
    return lines


def compare(files: dict[Path, str], out_dir: Path, queries_dir: Path) -> list[str]:
    """Drift messages for each generated file that is missing, extra or different on disk."""
    problems: list[str] = []
    for path, text in sorted(files.items()):
        rel = _rel(path)
        if not path.exists():
            problems.append(f"{rel} is missing: run `make generate`")
            continue
        disk = path.read_text()
        if disk == text:
            continue
        source = f"{queries_dir.name}/{path.stem}.sql"
        details = _structure(disk, text)
        if _digest(disk) != _digest(text):
            problems.append(f"{source} changed without regenerating {rel}: run `make generate`")
            problems.extend(f"  {rel}: {d}" for d in details)
        elif details:
            problems.append(
                f"{rel}: types changed: the schema no longer matches the generated code"
                " (run `make generate` and review the callers)"
            )
            problems.extend(f"  {rel}: {d}" for d in details)
        else:
            problems.append(
                f"{rel} differs from the generator's output (edited by hand?): run `make generate`"
            )
    for path in sorted(out_dir.glob("*.py")):
        if path not in files:
            problems.append(
                f"{_rel(path)} has no query file {queries_dir.name}/{path.stem}.sql:"
                " delete it or run `make generate`"
            )
    return problems
