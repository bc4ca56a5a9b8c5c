"""A throw-away PgBouncer in front of a PostgreSQL, for tests: the installed binary (Debian's
package `pgbouncer`, found on PATH or in /usr/sbin), run like the embedded servers.

Transaction pooling is what it is here for: each transaction may run on a different server
connection, so the service must keep no session state on its pooled connections (see
service/store/db.py: advisory locks are transaction-scoped, `set_config(..., true)` is
transaction-local, LISTEN stays on the job worker's own JOBS_DATABASE_URL connection).
Prepared statements survive transaction pooling only from PgBouncer 1.21
(`max_prepared_statements`); older ones need DB_STATEMENT_CACHE_SIZE=0, with which asyncpg
sends every query as an unnamed statement.
"""

from __future__ import annotations

import os
import pwd
import re
import shutil
import socket
import subprocess
import time
from pathlib import Path
from urllib.parse import quote

from service.dev.embedded import PG_SYSTEM_USER, free_port

# The first release whose transaction pooling keeps protocol-level prepared statements.
PREPARED_STATEMENTS_SINCE = (1, 21)


def pgbouncer_binary() -> Path | None:
    """The installed pgbouncer: on PATH, else Debian's /usr/sbin/pgbouncer; None if neither."""
    found = shutil.which("pgbouncer")
    if found:
        return Path(found)
    debian = Path("/usr/sbin/pgbouncer")
    return debian if os.access(debian, os.X_OK) else None


def pgbouncer_version(binary: Path) -> tuple[int, int]:
    """(major, minor) of `binary`, from `pgbouncer --version` ('PgBouncer 1.18.0')."""
    output = subprocess.run(
        [str(binary), "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"PgBouncer (\d+)\.(\d+)", output)
    if match is None:
        raise RuntimeError(f"{binary} --version said {output.strip()!r}")
    return int(match[1]), int(match[2])


class PgBouncer:
    """PgBouncer on 127.0.0.1 in front of the server at `host:port`, for one `user`/`password`
    (scram-sha-256 from the client, and to the server with the same password).

    `max_prepared_statements` > 0 needs PgBouncer 1.21 or later.
    """

    def __init__(
        self,
        data_dir: Path,
        *,
        binary: Path,
        host: str,
        port: int,
        user: str,
        password: str,
        pool_mode: str = "transaction",
        pool_size: int = 10,
        max_prepared_statements: int = 0,
    ) -> None:
        self.data_dir = data_dir
        self.binary = binary
        self.server = (host, port)
        self.user, self.password = user, password
        self.pool_mode = pool_mode
        self.pool_size = pool_size
        self.max_prepared_statements = max_prepared_statements
        self.port = 0
        self._process: subprocess.Popen[bytes] | None = None
        # PgBouncer refuses to run as root: then it runs as the embedded PostgreSQL's user.
        self._run_as = PG_SYSTEM_USER if os.geteuid() == 0 else None

    def _config(self) -> str:
        host, port = self.server
        lines = [
            "[databases]",
            f"* = host={host} port={port}",
            "[pgbouncer]",
            "listen_addr = 127.0.0.1",
            f"listen_port = {self.port}",
            "unix_socket_dir =",
            "auth_type = scram-sha-256",
            f"auth_file = {self.data_dir / 'userlist.txt'}",
            f"pool_mode = {self.pool_mode}",
            f"default_pool_size = {self.pool_size}",
            "max_client_conn = 500",
            f"logfile = {self.data_dir / 'pgbouncer.log'}",
            "admin_users =",
            # asyncpg sends these as startup parameters; PgBouncer (1.18) knows neither, and
            # a startup parameter is session state anyway (set per role or database instead).
            "ignore_startup_parameters = extra_float_digits, lock_timeout",
            "server_tls_sslmode = disable",
        ]
        if self.max_prepared_statements:
            lines.append(f"max_prepared_statements = {self.max_prepared_statements}")
        return "\n".join(lines) + "\n"

    def start(self) -> str:
        """Start it on a free port; the URL of the `postgres` database through it.

        As root it runs as the embedded PostgreSQL's user, which must be able to reach
        `data_dir` (a parent created with mode 0700 by root is not enough)."""
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        (self.data_dir / "userlist.txt").write_text(f'"{self.user}" "{self.password}"\n')
        config = self.data_dir / "pgbouncer.ini"
        config.write_text(self._config())
        if self._run_as is not None:
            entry = pwd.getpwnam(self._run_as)
            for path in [self.data_dir, *self.data_dir.iterdir()]:
                os.chown(path, entry.pw_uid, entry.pw_gid)
        output = (self.data_dir / "pgbouncer.out").open("ab")  # errors before its log opens
        self._process = subprocess.Popen(
            [str(self.binary), "-q", str(config)],
            stdout=output,
            stderr=output,
            user=self._run_as,
            group=self._run_as,
            extra_groups=[] if self._run_as else None,
            cwd="/",
        )
        output.close()
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self._process.poll() is not None:
                break
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.2).close()
                return self.url("postgres")
            except OSError:
                time.sleep(0.02)
        tail = "".join(
            path.read_text()[-2000:]
            for path in (self.data_dir / "pgbouncer.out", self.data_dir / "pgbouncer.log")
            if path.exists()
        )
        self.stop()
        raise RuntimeError(f"pgbouncer did not start:\n{tail}")

    def url(self, database: str) -> str:
        """The URL of `database` through this PgBouncer."""
        password = quote(self.password, safe="")
        return f"postgres://{self.user}:{password}@127.0.0.1:{self.port}/{database}?sslmode=disable"

    def stop(self) -> None:
        """Stop it at once (its server connections close with it)."""
        if self._process is not None and self._process.poll() is None:
            self._process.terminate()
            self._process.wait(timeout=10)
        self._process = None
