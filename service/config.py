"""Configuration: every setting declared once, with its default and help text."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def setting(default: Any, help: str) -> Any:
    """Declare one setting: its default and the help text shown in the README and `--help`."""
    return field(default=default, metadata={"help": help})


@dataclass(frozen=True, slots=True)
class Settings:
    """Service settings, read from environment variables of the same name in upper case."""

    database_url: str = setting(
        "", "PostgreSQL URL; unset starts the embedded PostgreSQL 18 under DATA_DIR/postgres"
    )
    database_replica_url: str = setting(
        "", "read-only replica URL; read-only generated queries go there when set"
    )
    redis_url: str = setting("", "Redis URL; unset starts the embedded Redis under DATA_DIR/redis")
    data_dir: str = setting(
        ".data", "where embedded servers keep their data (relative to the repo)"
    )
    host: str = setting("127.0.0.1", "address the HTTP server listens on")
    port: int = setting(8080, "port the HTTP server listens on")
    workers: int = setting(1, "HTTP worker processes sharing the port (SO_REUSEPORT)")
    db_pool_min_size: int = setting(2, "connections each process keeps open")
    db_pool_max_size: int = setting(10, "most connections each process opens")
    db_pool_timeout: float = setting(
        2.0, "seconds a request waits for a free connection before answering 503"
    )
    db_command_timeout: float = setting(10.0, "seconds before a statement is cancelled")
    db_statement_cache_size: int = setting(
        256, "prepared statements cached per connection; 0 behind PgBouncer transaction mode"
    )
    redis_socket_timeout: float = setting(0.25, "seconds before a Redis call is given up")
    shutdown_timeout: float = setting(15.0, "seconds in-flight requests get to finish on shutdown")
    log_level: str = setting("INFO", "logging level: DEBUG, INFO, WARNING, ERROR")

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read settings from the environment, converting each to its declared type."""
        env = os.environ if env is None else env
        values: dict[str, Any] = {}
        for f in fields(cls):
            raw = env.get(f.name.upper())
            if raw is None or raw == "":
                continue
            kind: type[Any] = type(f.default)
            try:
                values[f.name] = kind(raw)
            except ValueError as exc:
                raise ValueError(
                    f"{f.name.upper()}={raw!r} is not a valid {kind.__name__}"
                ) from exc
        return cls(**values)

    @property
    def data_path(self) -> Path:
        """The data directory as an absolute path."""
        return ROOT / self.data_dir


def describe() -> list[tuple[str, str, str]]:
    """(variable, default, help) for every setting, for docs and `--help`."""
    return [(f.name.upper(), str(f.default), str(f.metadata["help"])) for f in fields(Settings)]
