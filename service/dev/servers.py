"""Which PostgreSQL and Redis the service uses: the configured ones, or embedded ones it starts."""

from __future__ import annotations

import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit, urlunsplit

from service.config import Settings
from service.dev.embedded import EmbeddedPostgres, EmbeddedRedis, EmbeddedStandby, pg_bin_dir


@dataclass(frozen=True, slots=True)
class Servers:
    """Resolved connection URLs, and whether they point at the embedded servers."""

    database_url: str
    redis_url: str
    embedded_database: bool
    embedded_redis: bool
    redis_cache_url: str = ""  # the cache's Redis; "" means redis_url


def embedded_postgres(settings: Settings) -> EmbeddedPostgres:
    """The development PostgreSQL under DATA_DIR/postgres."""
    return EmbeddedPostgres(settings.data_path / "postgres")


def embedded_replica(settings: Settings) -> EmbeddedStandby:
    """The development streaming replica of the embedded PostgreSQL, under DATA_DIR."""
    return EmbeddedStandby(settings.data_path / "postgres-replica", embedded_postgres(settings))


def start_replica(settings: Settings, *, quiet: bool = False) -> str:
    """Start (or reuse) the streaming replica of the embedded PostgreSQL; its URL."""
    if settings.database_url:
        raise ValueError(
            "a replica is made of the embedded PostgreSQL; DATABASE_URL names another server "
            "(unset it, or make a standby of that server yourself)"
        )
    embedded_postgres(settings).start()
    replica = embedded_replica(settings)
    url = replica.start()
    _announce(quiet, "PostgreSQL 18 streaming replica (embedded)", url, replica.data_dir, "psql")
    return url


def embedded_redis(settings: Settings) -> EmbeddedRedis:
    """The development Redis under DATA_DIR/redis: rate limits and quotas, never evicted."""
    return EmbeddedRedis(settings.data_path / "redis")


def embedded_redis_cache(settings: Settings) -> EmbeddedRedis:
    """The development cache Redis under DATA_DIR/redis-cache: REDIS_CACHE_MAXMEMORY, past
    which the least recently used entries are evicted (allkeys-lru)."""
    return EmbeddedRedis(
        settings.data_path / "redis-cache",
        maxmemory=settings.redis_cache_maxmemory,
        policy="allkeys-lru",
    )


def resolve_database(settings: Settings, *, start: bool = True, quiet: bool = False) -> str:
    """DATABASE_URL when set, else the embedded PostgreSQL's URL (started unless running).

    Pipeline commands (migrate, rollback, migrate-status) use this: they never start Redis.
    """
    if settings.database_url:
        return settings.database_url
    pg = embedded_postgres(settings)
    database_url = pg.start() if start else pg.url()
    _announce(quiet, "PostgreSQL 18 (embedded)", database_url, pg.data_dir, "make psql")
    return database_url


def resolve(settings: Settings, *, start: bool = True, quiet: bool = False) -> Servers:
    """Use DATABASE_URL / REDIS_URL when set, else start (or reuse) the embedded servers."""
    database_url = resolve_database(settings, start=start, quiet=quiet)
    redis_url = settings.redis_url
    if not redis_url:
        redis = embedded_redis(settings)
        redis_url = redis.start() if start else redis.url()
        _announce(quiet, "Redis (embedded)", redis_url, redis.data_dir, "make redis-cli")
    cache_url = settings.redis_cache_url
    if not cache_url and not settings.redis_url:
        cache = embedded_redis_cache(settings)
        cache_url = cache.start() if start else cache.url()
        shell = "make redis-cli ARGS=--cache"
        _announce(quiet, "Redis for the cache (embedded)", cache_url, cache.data_dir, shell)
    return Servers(
        database_url,
        redis_url,
        not settings.database_url,
        not settings.redis_url,
        cache_url or redis_url,
    )


def _announce(quiet: bool, what: str, url: str, data: object, shell: str) -> None:
    if not quiet:
        print(f"{what}: {url}  (data: {data}; shell: `{shell}`)", file=sys.stderr)


def stop_embedded(settings: Settings) -> None:
    """Stop the embedded development servers if they run."""
    embedded_replica(settings).stop()
    embedded_postgres(settings).stop()
    embedded_redis(settings).stop()
    embedded_redis_cache(settings).stop()


def run_dir(settings: Settings) -> Path:
    """Where `make run` and `python -m service worker` record their process ids."""
    return settings.data_path / "run"


@contextmanager
def recorded(settings: Settings, role: str, pid: int | None = None) -> Iterator[Path]:
    """Record process `pid` (default: this one) as `role` until the block ends, for `make stop`."""
    pid = os.getpid() if pid is None else pid
    directory = run_dir(settings)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / f"{role}.{pid}.pid"
    path.write_text(f"{pid}\n")
    try:
        yield path
    finally:
        path.unlink(missing_ok=True)


def _ours(pid: int) -> bool:
    """Whether `pid` is alive and runs this package (not a process that reused the id)."""
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return False
        except PermissionError:
            return False
        return True  # no /proc (macOS): trust the record
    return b"service" in cmdline or b"multiprocessing" in cmdline


def stop_processes(settings: Settings) -> list[str]:
    """SIGTERM every recorded process (HTTP server, job workers), wait for them; their names."""
    directory = run_dir(settings)
    stopped: list[tuple[Path, int]] = []
    for path in sorted(directory.glob("*.pid")) if directory.exists() else []:
        try:
            pid = int(path.read_text().strip())
        except (OSError, ValueError):
            path.unlink(missing_ok=True)
            continue
        if not _ours(pid):
            path.unlink(missing_ok=True)
            continue
        with suppress(ProcessLookupError):
            os.kill(pid, signal.SIGTERM)
        stopped.append((path, pid))
    deadline = time.monotonic() + settings.shutdown_timeout + settings.job_stop_timeout + 5
    for path, pid in stopped:
        while _ours(pid) and time.monotonic() < deadline:
            time.sleep(0.05)
        if _ours(pid):
            with suppress(ProcessLookupError):
                os.kill(pid, signal.SIGKILL)
        path.unlink(missing_ok=True)
    return [path.name.rsplit(".", 2)[0] + f" (pid {pid})" for path, pid in stopped]


def with_database(url: str, database: str) -> str:
    """The same server URL pointing at another database."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(path=f"/{database}"))


def create_database(server_url: str, name: str, *, template: str = "") -> str:
    """Create database `name` (a copy of `template` when given) on the server of `server_url`."""
    maintenance = with_database(server_url, "postgres")
    options = [f"--template={template}"] if template else []
    _pg_tool("createdb", f"--maintenance-db={maintenance}", *options, name)
    return with_database(server_url, name)


def drop_database(server_url: str, name: str) -> None:
    """Drop database `name`, disconnecting its sessions."""
    maintenance = with_database(server_url, "postgres")
    _pg_tool("dropdb", f"--maintenance-db={maintenance}", "--if-exists", "--force", name)


def _pg_tool(tool: str, *args: str) -> None:
    result = subprocess.run(
        [str(pg_bin_dir() / tool), *args], capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise RuntimeError(f"{tool} failed: {result.stderr.strip()}")


@contextmanager
def scratch_database(server_url: str, prefix: str = "gp_scratch") -> Iterator[str]:
    """A new empty database on the server of `server_url`, dropped on exit."""
    name = f"{prefix}_{secrets.token_hex(6)}"
    url = create_database(server_url, name)
    try:
        yield url
    finally:
        drop_database(server_url, name)


def psql_command(database_url: str) -> tuple[list[str], dict[str, str]]:
    """argv and environment for an interactive psql on the database: a password in the URL
    travels in PGPASSWORD, since argv is visible to every local user (`ps`)."""
    parts = urlsplit(database_url)
    env = dict(os.environ)
    if parts.password is not None:
        env["PGPASSWORD"] = unquote(parts.password)
        netloc = parts.netloc.rpartition("@")[2]
        user = parts.username
        database_url = urlunsplit(parts._replace(netloc=f"{user}@{netloc}" if user else netloc))
    return [str(pg_bin_dir() / "psql"), database_url], env
