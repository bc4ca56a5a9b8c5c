"""The cache's lean Redis client (RedisPipe) against a real Redis: order, faults, handshake."""

from __future__ import annotations

import asyncio
import os
import signal
from collections.abc import AsyncIterator
from urllib.parse import urlsplit, urlunsplit

import pytest
import redis.asyncio as redis
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import ResponseError

from service.dev.embedded import EmbeddedRedis, free_port
from service.store.redis import RedisPipe

TIMEOUT = 0.3


@pytest.fixture
async def pipe(redis_url: str) -> AsyncIterator[RedisPipe]:
    client = RedisPipe(redis_url, timeout=TIMEOUT)
    yield client
    await client.close()


def ours(server: EmbeddedRedis | None) -> EmbeddedRedis:
    if server is None:
        pytest.skip("an external Redis (TEST_REDIS_URL) is not ours to stop")
    return server


async def test_calls_of_one_turn_get_their_own_replies_in_order(pipe: RedisPipe) -> None:
    replies = await asyncio.gather(*(pipe.call("INCR", "counter") for _ in range(200)))
    assert replies == list(range(1, 201))
    assert await pipe.call("SET", "k", b"\x00binary\r\n") == b"OK"
    assert await pipe.call("GET", "k") == b"\x00binary\r\n"
    assert await pipe.call("GET", "missing") is None


async def test_an_error_reply_fails_only_its_own_call(pipe: RedisPipe) -> None:
    await pipe.call("SET", "text", "x")
    results = await asyncio.gather(
        pipe.call("INCR", "n"), pipe.call("INCR", "text"), pipe.call("INCR", "n"),
        return_exceptions=True,
    )  # fmt: skip
    assert results[0] == 1 and results[2] == 2
    assert isinstance(results[1], ResponseError)


async def test_a_call_given_up_leaves_the_order_intact(pipe: RedisPipe) -> None:
    slow = asyncio.ensure_future(pipe.call("INCR", "a"))
    slow.cancel()
    assert await pipe.call("INCR", "b") == 1
    assert await pipe.call("GET", "a") == b"1"  # it still ran; its reply was dropped


async def test_scripts_are_loaded_again_after_a_flush(pipe: RedisPipe, redis_url: str) -> None:
    double = pipe.script("return tonumber(ARGV[1]) * 2")
    assert await double(keys=[], args=[21]) == 42
    raw = redis.Redis.from_url(redis_url)
    await raw.script_flush()
    await raw.aclose()
    assert await double(keys=[], args=[4]) == 8


async def test_a_hung_redis_fails_calls_after_the_timeout_then_recovers(
    pipe: RedisPipe, redis_server: EmbeddedRedis | None
) -> None:
    server = ours(redis_server)
    assert await pipe.call("PING") == b"PONG"
    pid = int(server.pid_file.read_text())
    os.kill(pid, signal.SIGSTOP)
    try:
        with pytest.raises(TimeoutError):
            await pipe.call("PING")
    finally:
        os.kill(pid, signal.SIGCONT)
    assert await pipe.call("PING") == b"PONG"  # on a new connection


async def test_a_restarted_redis_fails_waiting_calls_then_recovers(
    pipe: RedisPipe, redis_server: EmbeddedRedis | None
) -> None:
    server = ours(redis_server)
    assert await pipe.call("PING") == b"PONG"
    await asyncio.to_thread(server.stop)
    try:
        with pytest.raises(RedisConnectionError):
            await pipe.call("PING")
    finally:
        await asyncio.to_thread(server.start)
    assert await pipe.call("PING") == b"PONG"


async def test_nothing_listening_is_a_connection_error() -> None:
    client = RedisPipe(f"redis://127.0.0.1:{free_port()}/0", timeout=TIMEOUT)
    with pytest.raises(RedisConnectionError):
        await client.call("PING")
    await client.close()
    with pytest.raises(RedisConnectionError):
        await client.call("PING")  # closed for good


async def test_the_url_selects_the_database(redis_url: str) -> None:
    parts = urlsplit(redis_url)
    database = 15 if parts.path.strip("/") != "15" else 14
    other = urlunsplit(parts._replace(path=f"/{database}"))
    client = RedisPipe(other, timeout=TIMEOUT)
    raw = redis.Redis.from_url(other)
    try:
        await client.call("SET", "where", "selected")
        assert await raw.get("where") == b"selected"
    finally:
        await raw.delete("where")
        await raw.aclose()
        await client.close()


async def test_a_password_in_the_url_is_sent(redis_url: str) -> None:
    raw = redis.Redis.from_url(redis_url)
    user = f"pipe-{os.getpid()}"
    await raw.acl_setuser(user, enabled=True, passwords=["+s3cret-pipe"], commands=["+ping"])
    parts = urlsplit(redis_url)
    try:
        right = RedisPipe(
            urlunsplit(parts._replace(netloc=f"{user}:s3cret-pipe@{parts.hostname}:{parts.port}")),
            timeout=TIMEOUT,
        )
        assert await right.call("PING") == b"PONG"
        await right.close()
        wrong = RedisPipe(
            urlunsplit(parts._replace(netloc=f"{user}:wrong@{parts.hostname}:{parts.port}")),
            timeout=TIMEOUT,
        )
        with pytest.raises(RedisConnectionError):
            await wrong.call("PING")
        await wrong.close()
    finally:
        await raw.acl_deluser(user)
        await raw.aclose()
