"""`python -m service run --workers N`: several processes share the port, each has an internal
listener of its own (INTERNAL_PORT+n: /metrics, /health), and SIGTERM lets in-flight requests
finish before the processes exit 0."""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from pathlib import Path

import aiohttp
import asyncpg
import pytest
from apicheck import check_problem

from service.config import ROOT
from service.dev.embedded import free_port

SHUTDOWN_TIMEOUT = 10.0
# Generous bounds that prove "no hang", never speed.
START_TIMEOUT = 60.0
TOKEN = "A" * 43  # well-formed, belongs to nobody: its lookup reaches the sessions table

pytestmark = pytest.mark.skipif(sys.platform != "linux", reason="reads /proc")


@dataclass
class Server:
    process: subprocess.Popen[bytes]
    port: int
    internal_port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def output(self) -> str:
        return self.log.read_text(errors="replace")[-4000:]


def children(pid: int) -> list[int]:
    """Pids whose parent is `pid`."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            # the command name is in parentheses and may hold spaces: split after it
            fields = (entry / "stat").read_text().rpartition(")")[2].split()
            if int(fields[1]) == pid:
                found.append(int(entry.name))
    return found


def tcp_sockets() -> dict[int, tuple[int, int, str]]:
    """inode -> (local port, remote port, state) for every IPv4/IPv6 TCP socket."""
    sockets = {}
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        with contextlib.suppress(FileNotFoundError):
            for line in Path(table).read_text().splitlines()[1:]:
                fields = line.split()
                local, remote, state, inode = fields[1], fields[2], fields[3], int(fields[9])
                sockets[inode] = (
                    int(local.rpartition(":")[2], 16),
                    int(remote.rpartition(":")[2], 16),
                    state,
                )
    return sockets


def socket_inodes(pid: int) -> set[int]:
    inodes = set()
    with contextlib.suppress(OSError):
        for fd in Path(f"/proc/{pid}/fd").iterdir():
            with contextlib.suppress(OSError):
                target = os.readlink(fd)
                if target.startswith("socket:["):
                    inodes.add(int(target[8:-1]))
    return inodes


LISTEN = "0A"  # TCP state in /proc/net/tcp


def listening_workers(server: Server) -> list[int]:
    """Children of the server process with a listening socket on its port."""
    sockets = tcp_sockets()
    return [
        pid
        for pid in children(server.process.pid)
        if any(
            sockets.get(inode, (0, 0, ""))[0] == server.port and sockets[inode][2] == LISTEN
            for inode in socket_inodes(pid)
        )
    ]


def serving_pid(workers: list[int], client_port: int, server_port: int) -> int | None:
    """The worker holding the server end of the connection from `client_port`."""
    sockets = tcp_sockets()
    for pid in workers:
        for inode in socket_inodes(pid):
            local, remote, _ = sockets.get(inode, (0, 0, ""))
            if local == server_port and remote == client_port:
                return pid
    return None


def free_internal_ports(count: int) -> int:
    """The first of `count` consecutive ports on 127.0.0.1 that nothing listens on now."""
    while True:
        first = free_port()
        if first + count <= 65536 and all(_free(first + n) for n in range(1, count)):
            return first


def _free(port: int) -> bool:
    with socket.socket() as probe:
        try:
            probe.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


@pytest.fixture
def server(migrated_dsn: str, redis_url: str, tmp_path: Path) -> Iterator[Server]:
    """`python -m service run --workers 2` on a free port, on this test's database and Redis."""
    port = free_port()
    internal_port = free_internal_ports(2)
    env = {
        **os.environ,
        "DATABASE_URL": migrated_dsn,
        "REDIS_URL": redis_url,
        "HOST": "127.0.0.1",
        "PORT": str(port),
        "INTERNAL_PORT": str(internal_port),
        "SHUTDOWN_TIMEOUT": str(SHUTDOWN_TIMEOUT),
        "DB_POOL_MIN_SIZE": "1",
        "DATA_DIR": str(tmp_path / "data"),
        "LOG_LEVEL": "WARNING",
    }
    log = tmp_path / "server.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "service", "run", "--workers", "2"],
            cwd=ROOT,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    running = Server(process, port, internal_port, log)
    try:
        deadline = time.monotonic() + START_TIMEOUT
        while len(listening_workers(running)) < 2:
            assert process.poll() is None, f"server exited:\n{running.output()}"
            assert time.monotonic() < deadline, f"2 workers not listening:\n{running.output()}"
            time.sleep(0.1)
        yield running
    finally:
        if process.poll() is None:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=SHUTDOWN_TIMEOUT + 5)
            except subprocess.TimeoutExpired:
                for pid in children(process.pid):
                    with contextlib.suppress(ProcessLookupError):
                        os.kill(pid, signal.SIGKILL)
                process.kill()
                process.wait()


async def open_connection(server: Server) -> tuple[asyncio.StreamReader, asyncio.StreamWriter]:
    return await asyncio.open_connection("127.0.0.1", server.port)


async def get_live(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> bytes:
    """One keep-alive request on a raw connection; the status line of the answer."""
    writer.write(b"GET /health/live HTTP/1.1\r\nHost: test\r\n\r\n")
    await writer.drain()
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        int(line.split(b":", 1)[1])
        for line in head.split(b"\r\n")
        if line.lower().startswith(b"content-length:")
    )
    await reader.readexactly(length)
    return head.split(b"\r\n", 1)[0]


async def test_two_workers_share_the_port_and_both_serve_requests(server: Server) -> None:
    workers = listening_workers(server)
    assert len(workers) == 2
    connections = [await open_connection(server) for _ in range(24)]
    try:
        async with asyncio.timeout(10):
            statuses = await asyncio.gather(*(get_live(r, w) for r, w in connections))
        assert set(statuses) == {b"HTTP/1.1 200 OK"}
        # The kernel spreads connections over the SO_REUSEPORT sockets: 24 connections all
        # landing on one of two workers has a chance of 2**-23.
        serving = {
            serving_pid(workers, writer.get_extra_info("sockname")[1], server.port)
            for _, writer in connections
        }
        assert serving == set(workers)
    finally:
        for _, writer in connections:
            writer.close()


async def test_each_worker_serves_its_own_metrics_on_its_internal_port(server: Server) -> None:
    workers = set(listening_workers(server))
    async with aiohttp.ClientSession() as session:
        async with session.get(f"{server.url}/metrics") as public:
            assert public.status == 404
            assert public.content_type == "application/problem+json"
        pids = set()
        for n in range(2):
            url = f"http://127.0.0.1:{server.internal_port + n}"
            async with session.get(f"{url}/metrics") as response:
                assert response.status == 200
                text = await response.text()
            info = next(line for line in text.splitlines() if line.startswith("gp_worker_info{"))
            pids.add(int(info.split('pid="')[1].split('"')[0]))
            async with session.get(f"{url}/health") as response:
                assert response.status == 200
                assert "pools" in await response.json()
        assert pids == workers


@pytest.fixture
async def sessions_locked(migrated_dsn: str) -> AsyncIterator[asyncpg.Connection]:
    """A transaction holding an exclusive lock on `sessions`: token lookups wait for it."""
    connection = await asyncpg.connect(migrated_dsn)
    transaction = connection.transaction()
    await transaction.start()
    await connection.execute("LOCK TABLE sessions IN ACCESS EXCLUSIVE MODE")
    try:
        yield connection
    finally:
        if not connection.is_closed():
            with contextlib.suppress(asyncpg.InterfaceError):
                await transaction.rollback()
            await connection.close()


async def waiting_on_locks(connection: asyncpg.Connection) -> int:
    count: int = await connection.fetchval(
        "SELECT count(*) FROM pg_stat_activity"
        " WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    return count


async def test_sigterm_lets_an_in_flight_request_finish_and_exits_0(
    server: Server, sessions_locked: asyncpg.Connection
) -> None:
    workers = listening_workers(server)
    async with aiohttp.ClientSession() as session:
        in_flight = asyncio.create_task(
            session.get(f"{server.url}/v1/me", headers={"Authorization": f"Bearer {TOKEN}"})
        )
        async with asyncio.timeout(10):  # the request reached the database and waits there
            while await waiting_on_locks(sessions_locked) == 0:
                assert not in_flight.done(), await in_flight
                await asyncio.sleep(0.05)

        server.process.send_signal(signal.SIGTERM)
        # Shutting down: the port stops taking connections while the request still waits.
        async with asyncio.timeout(10):
            while True:
                try:
                    _, writer = await open_connection(server)
                except OSError:
                    break
                writer.close()
                await asyncio.sleep(0.05)
        assert not in_flight.done()
        assert server.process.poll() is None

        await sessions_locked.execute("ROLLBACK")  # let the request's query through
        async with asyncio.timeout(10):
            response = await in_flight
            body = await response.read()
        assert response.status == 401, body
        check_problem(response.status, response.content_type, body, label="GET /v1/me")

    exit_code = await asyncio.to_thread(server.process.wait, SHUTDOWN_TIMEOUT + 5)
    assert exit_code == 0, server.output()
    for pid in workers:
        with pytest.raises(ProcessLookupError):
            os.kill(pid, 0)
