"""Which PostgreSQL and Redis the service uses: the configured ones, or embedded ones it starts."""

from __future__ import annotations

import secrets
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from service.config import Settings
from service.dev.embedded import EmbeddedPostgres, EmbeddedRedis, pg_bin_dir


@dataclass(frozen=True, slots=True)
class Servers:
    """Resolved connection URLs, and whether they point at the embedded servers."""

    database_url: str
    redis_url: str
    embedded_database: bool
    embedded_redis: bool


def embedded_postgres(settings: Settings) -> EmbeddedPostgres:
    """The development PostgreSQL under DATA_DIR/postgres."""
    return EmbeddedPostgres(settings.data_path / "postgres")


def embedded_redis(settings: Settings) -> EmbeddedRedis:
    """The development Redis under DATA_DIR/redis."""
    return EmbeddedRedis(settings.data_path / "redis")


def resolve(settings: Settings, *, start: bool = True, quiet: bool = False) -> Servers:
    """Use DATABASE_URL / REDIS_URL when set, else start (or reuse) the embedded servers."""
    database_url, redis_url = settings.database_url, settings.redis_url
    if not database_url:
        pg = embedded_postgres(settings)
        database_url = pg.start() if start else pg.url()
        _announce(quiet, "PostgreSQL 18 (embedded)", database_url, pg.data_dir, "make psql")
    if not redis_url:
        redis = embedded_redis(settings)
        redis_url = redis.start() if start else redis.url()
        _announce(quiet, "Redis (embedded)", redis_url, redis.data_dir, "make redis-cli")
    return Servers(database_url, redis_url, not settings.database_url, not settings.redis_url)


def _announce(quiet: bool, what: str, url: str, data: object, shell: str) -> None:
    if not quiet:
        print(f"{what}: {url}  (data: {data}; shell: `{shell}`)", file=sys.stderr)


def stop_embedded(settings: Settings) -> None:
    """Stop the embedded development servers if they run."""
    embedded_postgres(settings).stop()
    embedded_redis(settings).stop()


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


def psql_command(database_url: str) -> list[str]:
    """argv for an interactive psql on the database."""
    return [str(pg_bin_dir() / "psql"), database_url]
