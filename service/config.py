"""Configuration: every setting declared once, with its default and help text."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any

from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = ROOT / "db" / "migrations"


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
    cache_timeout: float = setting(
        0.5, "seconds one cache round trip to Redis may take before the loader answers instead"
    )
    cache_breaker_failures: int = setting(
        5, "consecutive Redis failures after which the cache stops calling Redis for a cool-down"
    )
    cache_breaker_cooldown: float = setting(
        5.0, "seconds the cache skips Redis once its breaker opens; then one call probes it"
    )
    cache_lease_ttl: float = setting(
        5.0, "seconds one process holds the right to fill a missing cache entry"
    )
    cache_lease_wait: float = setting(
        0.5, "seconds a cache miss waits for another process's load before loading itself"
    )
    cache_max_pending: int = setting(
        1000,
        "invalidations a process keeps while Redis is unreachable; past that it bumps every "
        "namespace it uses",
    )
    redis_required: bool = setting(
        True, "whether /health/ready answers 503 while Redis is unreachable (false: Redis optional)"
    )
    trusted_proxies: str = setting(
        "",
        "comma-separated addresses or CIDR ranges of reverse proxies whose X-Forwarded-For is "
        "believed; unset: the peer address is the client",
    )
    rate_limit_anonymous: str = setting(
        "0",
        "requests/seconds per client IP without a session, e.g. 120/60 (sliding window); "
        "0 turns the limit off",
    )
    rate_limit_user: str = setting(
        "0", "requests/seconds per signed-in user, e.g. 600/60 (sliding window); 0 turns it off"
    )
    rate_limit_auth: str = setting(
        "0",
        "sign-in and registration attempts/seconds per client IP, e.g. 10/60, kept per process "
        "while Redis is down; 0 turns it off",
    )
    quota_conversation_messages: str = setting(
        "20,200,1000", "conversation messages a day for the tiers free,premium,pro (UTC days)"
    )
    shutdown_timeout: float = setting(15.0, "seconds in-flight requests get to finish on shutdown")
    log_level: str = setting("INFO", "logging level: DEBUG, INFO, WARNING, ERROR")
    access_log: bool = setting(
        True,
        "one access-log line per request (on|off); off behind a proxy or load balancer that "
        "already logs requests",
    )
    uvloop: bool = setting(True, "run the event loop on uvloop where it is installed (on|off)")
    session_idle_timeout: int = setting(
        7 * 24 * 3600, "seconds a session may go unused before it ends"
    )
    session_max_age: int = setting(
        30 * 24 * 3600, "seconds a session lasts at most, however often it is used (cookie Max-Age)"
    )
    job_poll_interval: float = setting(
        5.0,
        "seconds an idle job worker waits for a NOTIFY before polling (and sweeping stale jobs)",
    )
    job_lock_timeout: float = setting(
        60.0, "seconds after its claim a running job whose worker died is re-queued"
    )
    job_retry_base: float = setting(
        10.0, "seconds before a failed job's first retry; doubles per attempt, ±10% jitter"
    )
    job_retry_max: float = setting(3600.0, "longest wait before a retry, in seconds")
    job_stop_timeout: float = setting(
        30.0, "seconds a stopping job worker lets its current job finish before releasing it"
    )

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
                values[f.name] = _boolean(raw) if kind is bool else kind(raw)
            except ValueError as exc:
                raise ValueError(
                    f"{f.name.upper()}={raw!r} is not a valid {kind.__name__}"
                ) from exc
        return cls(**values)

    @property
    def data_path(self) -> Path:
        """The data directory as an absolute path."""
        return ROOT / self.data_dir


def _boolean(raw: str) -> bool:
    """A boolean setting's value: true/false, yes/no, on/off or 1/0 (bool("false") is True)."""
    value = raw.strip().lower()
    if value in _TRUE:
        return True
    if value in _FALSE:
        return False
    raise ValueError(raw)


_TRUE = frozenset({"1", "true", "yes", "on"})
_FALSE = frozenset({"0", "false", "no", "off"})


def _shown(default: Any) -> str:
    return str(default).lower() if isinstance(default, bool) else str(default)


def describe() -> list[tuple[str, str, str]]:
    """(variable, default, help) for every setting, for docs and `--help`."""
    return [(f.name.upper(), _shown(f.default), str(f.metadata["help"])) for f in fields(Settings)]


SETTINGS = web.AppKey("settings", Settings)
