"""The embedded PostgreSQL asks for a password (scram-sha-256), generated at initdb and kept in
its data directory (mode 0600); data directories made when it trusted every local user are
switched over on their next start."""

from __future__ import annotations

import asyncio
import stat
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import pytest

from service.dev.embedded import EmbeddedPostgres
from service.dev.servers import psql_command


@pytest.fixture
def server() -> Iterator[EmbeddedPostgres]:
    """A fresh throw-away server of this test's own (initdb runs in the test)."""
    with tempfile.TemporaryDirectory(prefix="gp-test-auth-") as tmp:
        pg = EmbeddedPostgres(Path(tmp) / "pg", throwaway=True)
        try:
            yield pg
        finally:
            pg.destroy()


def without_password(url: str) -> str:
    parts = urlsplit(url)
    return parts._replace(netloc=parts.netloc.replace(f":{parts.password}@", "@")).geturl()


async def refused_without_password(url: str) -> bool:
    try:
        connection = await asyncpg.connect(without_password(url))
    except asyncpg.InvalidPasswordError:
        return True
    await connection.close()
    return False


def hba_methods(pg: EmbeddedPostgres) -> set[str]:
    lines = (pg.data_dir / "pg_hba.conf").read_text().splitlines()
    return {line.split()[-1] for line in lines if line.strip() and not line.startswith("#")}


async def test_a_new_server_asks_for_its_generated_password(server: EmbeddedPostgres) -> None:
    url = await asyncio.to_thread(server.start)

    mode = server.password_file.stat().st_mode
    assert stat.S_IMODE(mode) == 0o600
    assert urlsplit(url).password == server.password() != ""
    assert hba_methods(server) == {"scram-sha-256"}
    assert await refused_without_password(url)
    connection = await asyncpg.connect(url)
    assert await connection.fetchval("SHOW password_encryption") == "scram-sha-256"
    await connection.close()


async def test_psql_gets_the_password_from_the_environment_not_argv(
    server: EmbeddedPostgres,
) -> None:
    url = await asyncio.to_thread(server.start)
    argv, env = psql_command(url)

    assert server.password() not in " ".join(argv)
    assert env["PGPASSWORD"] == server.password()
    done = await asyncio.to_thread(
        subprocess.run,
        [*argv, "-X", "-Atc", "SELECT current_user"],
        env=env,
        capture_output=True,
        text=True,
        check=True,
        timeout=30,
    )
    assert done.stdout.strip() == "postgres"


async def test_a_data_directory_that_trusted_everyone_is_switched_to_a_password(
    server: EmbeddedPostgres, capfd: pytest.CaptureFixture[str]
) -> None:
    # What releases before passwords left behind: trust in pg_hba.conf and no password file.
    await asyncio.to_thread(server.start)
    await asyncio.to_thread(server.stop)
    hba = server.data_dir / "pg_hba.conf"
    hba.write_text(hba.read_text().replace("scram-sha-256", "trust"))
    server.password_file.unlink()
    with pytest.raises(RuntimeError, match=r"no embedded\.password"):
        server.password()

    url = await asyncio.to_thread(server.start)

    assert "now asks for a generated password" in capfd.readouterr().err
    assert stat.S_IMODE(server.password_file.stat().st_mode) == 0o600
    assert hba_methods(server) == {"scram-sha-256"}
    deadline = time.monotonic() + 10  # pg_ctl reload is asynchronous
    while not await refused_without_password(url):
        assert time.monotonic() < deadline, "still trusted after the reload"
        await asyncio.sleep(0.05)
    connection = await asyncpg.connect(url)
    assert await connection.fetchval("SELECT current_database()") == "ghostypedia"
    await connection.close()
