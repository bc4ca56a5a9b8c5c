"""The Redis client the app shares, and the one policy for Redis being unreachable.

What "Redis cannot answer now" looks like: REDIS_ERRORS, or a call that takes longer than its
timeout. Every call to Redis goes through the app's `RedisHealth` (`app[REDIS_HEALTH]`), which
decides for all callers together when to stop calling, and hears how each call went:

- A circuit breaker: after CACHE_BREAKER_FAILURES consecutive failed calls (of any caller) it
  opens, and every caller skips Redis for CACHE_BREAKER_COOLDOWN seconds; then one call probes
  it, and a success closes the breaker for everyone. A failed probe restarts the cool-down.
- Callers that run on every request and can do without Redis (`optional=True`: the rate
  limiter) also skip it for REDIS_RETRY_INTERVAL after any failure, so that a Redis that hangs
  costs one timeout rather than one per request until the breaker opens.
- A connection the server closed (restart, failover) drops the client's idle connections:
  they are dead too, and each would fail one more call.

What each caller does instead of failing the request:

- the cache (service/cache/engine.py) fails open: loads from PostgreSQL, and keeps missed
  invalidations to replay once Redis answers again;
- sessions: while Redis was unusable in the last SESSION_CACHE_TTL, they are read from
  PostgreSQL, since a revocation made meanwhile may not have reached the cached copy
  (service/web/auth.py);
- rate limits let requests through, except sign-in attempts, limited per process
  (service/web/ratelimit.py);
- quotas refuse the action with 503, since an uncounted costly action is worse than a refused
  one (service/web/quotas.py).

/health shows the breaker's state (as the cache's), and /metrics counts skipped and failed
calls per caller.

With REDIS_CLUSTER=on, REDIS is a `redis.asyncio.RedisCluster` (it routes each command by its
keys' slot and follows MOVED/ASK) and the cache talks through ClusterPipe instead of RedisPipe.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import hashlib
import logging
import socket
import ssl
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any, Final, Literal, TypeVar, cast

import hiredis
import redis.asyncio as redis
from aiohttp import web
from redis.asyncio.cluster import RedisCluster
from redis.asyncio.connection import SSLConnection, parse_url
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, RedisError, ResponseError

from service.config import Settings

log = logging.getLogger("service.store.redis")

T = TypeVar("T")
BreakerState = Literal["closed", "open", "half-open"]

# The app's client: one Redis, or a Redis Cluster (REDIS_CLUSTER=on).
RedisClient = redis.Redis | RedisCluster
REDIS: Final = web.AppKey[RedisClient]("redis")

# What Redis being slow, down or refusing looks like (TimeoutError is an OSError).
REDIS_ERRORS: Final = (RedisError, OSError)
# Seconds optional callers leave Redis alone after a failed call.
REDIS_RETRY_INTERVAL: Final = 1.0


class Breaker:
    """Opens after `threshold` consecutive failures; after `cooldown` s lets one probe through."""

    def __init__(self, threshold: int, cooldown: float) -> None:
        self.threshold = threshold
        self.cooldown = cooldown
        self.failures = 0
        self.opened_at: float | None = None
        self.probing = False

    @property
    def state(self) -> BreakerState:
        """closed: calls go to Redis; open: skipped; half-open: one probe may go."""
        if self.opened_at is None:
            return "closed"
        if self.probing or time.monotonic() - self.opened_at >= self.cooldown:
            return "half-open"
        return "open"

    def allow(self) -> bool:
        """Whether a call may go to Redis now; when half-open, only one at a time."""
        if self.opened_at is None:
            return True
        if self.probing or time.monotonic() - self.opened_at < self.cooldown:
            return False
        self.probing = True
        return True

    def succeeded(self) -> bool:
        """Record a success; True when it closes the breaker."""
        was_open = self.opened_at is not None
        self.failures = 0
        self.opened_at = None
        self.probing = False
        return was_open

    def failed(self) -> bool:
        """Record a failure; True when it opens a closed breaker."""
        was_closed = self.opened_at is None
        self.failures += 1
        self.probing = False
        if not was_closed or self.failures >= self.threshold:
            self.opened_at = time.monotonic()  # a failed probe restarts the cool-down
        return was_closed and self.opened_at is not None

    def probe_now(self) -> None:
        """End the cool-down early: the next call probes Redis."""
        if self.opened_at is not None:
            self.opened_at = time.monotonic() - self.cooldown

    def abandoned(self) -> None:
        """A call was cancelled: no verdict, but it must not keep the probe slot."""
        self.probing = False


class RedisUnavailable(Exception):
    """Redis was not used for this call: `skipped` by the policy, or the call failed."""

    def __init__(self, *, skipped: bool) -> None:
        super().__init__("Redis skipped" if skipped else "Redis call failed")
        self.skipped = skipped


class RedisHealth:
    """The one Redis-outage policy of a process; see the module docstring."""

    def __init__(self, failures: int, cooldown: float) -> None:
        self.breaker = Breaker(failures, cooldown)
        # time.monotonic() of the last failed call, and of the last call that found Redis
        # unusable (failed, or skipped by the policy).
        self._failed_at: float | None = None
        self._unavailable_at: float | None = None

    @classmethod
    def from_settings(cls, settings: Settings) -> RedisHealth:
        """The policy the settings describe."""
        return cls(settings.cache_breaker_failures, settings.cache_breaker_cooldown)

    @property
    def state(self) -> BreakerState:
        """The circuit breaker's state."""
        return self.breaker.state

    @property
    def cooldown(self) -> float:
        """Seconds Redis is skipped once the breaker opens."""
        return self.breaker.cooldown

    def unavailable_within(self, seconds: float) -> bool:
        """Whether a call found Redis unusable (down, slow, skipped) in the last `seconds`."""
        at = self._unavailable_at
        return at is not None and time.monotonic() - at < seconds

    def probe_now(self) -> None:
        """Let the next call probe Redis, cool-down or not (a last chance before exiting)."""
        self.breaker.probe_now()

    async def call(
        self,
        client: RedisClient | None,
        work: Callable[[], Awaitable[T]],
        *,
        within: float | None,
        optional: bool = False,
    ) -> T:
        """`work()` (a round trip on `client`) if the policy lets it go to Redis now, given
        `within` seconds (None: `work` bounds itself, as RedisPipe's calls do); RedisUnavailable
        when the policy skips it or the call fails."""
        now = time.monotonic()
        recently_failed = self._failed_at is not None and now - self._failed_at < (
            REDIS_RETRY_INTERVAL
        )
        if (optional and self.breaker.failures and recently_failed) or not self.breaker.allow():
            self._unavailable_at = now
            raise RedisUnavailable(skipped=True)
        try:
            if within is None:
                result = await work()
            else:
                async with asyncio.timeout(within):
                    result = await work()
        except REDIS_ERRORS as exc:
            self._failed_at = self._unavailable_at = time.monotonic()
            if isinstance(client, redis.Redis) and isinstance(exc, RedisConnectionError):
                # The server closed this connection (restart, failover): the idle ones in the
                # pool are dead too, and each would fail a call and push the breaker open.
                with contextlib.suppress(*REDIS_ERRORS):
                    await client.connection_pool.disconnect(inuse_connections=False)
            if self.breaker.failed():
                log.warning(
                    "Redis unavailable (%s: %s); skipping it for %.1fs: pages from PostgreSQL, "
                    "rate limits open, quotas refused",
                    type(exc).__name__,
                    exc,
                    self.breaker.cooldown,
                )
            raise RedisUnavailable(skipped=False) from exc
        except BaseException:
            self.breaker.abandoned()
            raise
        if self.breaker.succeeded():
            log.warning("Redis reachable again")
        return result


REDIS_HEALTH = web.AppKey("redis_health", RedisHealth)


class RedisPipe:
    """A lean Redis client for the cache's hot path: one connection, calls auto-pipelined.

    The cache makes one script call per request; through redis-py's pipeline that cost about
    50 µs of CPU, through this 11 µs (`python -m bench http` shows the whole request). Calls
    made in one turn of the event loop go out in one write, and replies come back in order on
    the one connection, each to its caller's future (hiredis parses them). A call that times
    out or is cancelled leaves its reply to be read and dropped, so the order never slips.

    Failures look like redis-py's, so the one Redis policy (RedisHealth) handles them alike:
    a lost or refused connection fails every call waiting on it with ConnectionError, and the
    next call connects again; a connection that goes `timeout` seconds owing replies with none
    arriving is dropped (TimeoutError): a reply that late says the link is dead. A script
    Redis does not know (NOSCRIPT: a restart, a flush) is loaded, and the call sent again.
    """

    def __init__(self, url: str, *, timeout: float) -> None:
        self._params = parse_url(url)
        self._timeout = timeout
        self._link: _Link | None = None
        self._connecting: asyncio.Task[None] | None = None
        self._outgoing: list[bytes] = []
        self._outgoing_futures: list[asyncio.Future[Any]] = []
        self._closed = False

    def script(self, source: str) -> Callable[..., Awaitable[Any]]:
        """A coroutine function calling `source` with `keys=` and `args=` (like redis-py's)."""
        sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()

        async def call(*, keys: Sequence[str], args: Sequence[str | int | bytes]) -> Any:
            try:
                return await self.call("EVALSHA", sha, len(keys), *keys, *args)
            except NoScriptError:
                await self.call("SCRIPT", "LOAD", source)
                return await self.call("EVALSHA", sha, len(keys), *keys, *args)

        return call

    def call(self, *args: str | int | bytes) -> asyncio.Future[Any]:
        """Send one command with the others of this turn; its future holds the reply."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Any] = loop.create_future()
        if self._closed:
            future.set_exception(RedisConnectionError("the Redis client is closed"))
            return future
        if not self._outgoing:
            loop.call_soon(self._flush)
        self._outgoing.append(hiredis.pack_command(args))  # type: ignore[arg-type]  # stub: 1-tuple
        self._outgoing_futures.append(future)
        return future

    def _flush(self) -> None:
        if not self._outgoing:
            return
        link = self._link
        if link is None or link.lost:
            if self._connecting is None:
                self._connecting = asyncio.get_running_loop().create_task(self._connect())
            return  # sent once connected
        payload, futures = b"".join(self._outgoing), self._outgoing_futures
        self._outgoing, self._outgoing_futures = [], []
        link.send(payload, futures)

    async def _connect(self) -> None:
        loop = asyncio.get_running_loop()
        params = self._params
        link = _Link(self._timeout)
        try:
            async with asyncio.timeout(self._timeout):
                if "path" in params:
                    await loop.create_unix_connection(lambda: link, params["path"])
                else:
                    tls = ssl.create_default_context() if _uses_tls(params) else None
                    await loop.create_connection(
                        lambda: link, params["host"], params.get("port", 6379), ssl=tls
                    )
        except Exception as exc:  # refused, unreachable, timed out, TLS failed, bad address
            self._connecting = None
            self._fail_outgoing(RedisConnectionError(f"cannot connect to Redis: {exc}"))
            return
        # The handshake goes first, alone: no call may run on a connection it failed on. It
        # ends with a PING even when there is nothing to say: a frozen Redis still accepts
        # connections (the kernel does), and calls sent on one would run late, after their
        # callers gave up on them (an invalidation applied twice, a store long refused).
        hello: list[tuple[str | int | bytes, ...]] = []
        if params.get("password"):
            user = params.get("username")
            hello.append(
                ("AUTH", user, params["password"]) if user else ("AUTH", params["password"])
            )
        if params.get("db"):
            hello.append(("SELECT", params["db"]))
        hello.append(("PING",))
        answers = [loop.create_future() for _ in hello]
        link.send(b"".join(hiredis.pack_command(c) for c in hello), answers)  # type: ignore[arg-type]
        try:
            for answer in answers:
                await answer
        except REDIS_ERRORS as exc:  # refused (ResponseError), dropped or timed out
            link.drop(RedisConnectionError(f"Redis handshake failed: {exc}"))
            self._connecting = None
            self._fail_outgoing(RedisConnectionError(f"Redis handshake failed: {exc}"))
            return
        self._link, self._connecting = link, None
        self._flush()

    def _fail_outgoing(self, error: Exception) -> None:
        futures, self._outgoing_futures, self._outgoing = self._outgoing_futures, [], []
        for future in futures:
            if not future.done():
                future.set_exception(error)

    async def close(self) -> None:
        """Close the connection; calls still owed a reply fail."""
        self._closed = True
        if self._connecting is not None:
            self._connecting.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._connecting
        self._fail_outgoing(RedisConnectionError("the Redis client was closed"))
        if self._link is not None:
            self._link.drop(RedisConnectionError("the Redis client was closed"))


class ClusterPipe:
    """RedisPipe's surface (`script`, `call`, `close`) over a Redis Cluster, for the cache.

    redis-py's RedisCluster sends each call to the master of its first key's slot (EVALSHA's
    keys must share a slot: the cache's keys carry a hash tag per namespace) and follows the
    cluster's MOVED and ASK redirections. Calls are not auto-pipelined; each is bounded by
    `timeout` here, as RedisPipe bounds its own, and a script a node does not know is sent
    whole (EVAL) to that node.
    """

    def __init__(self, url: str, *, timeout: float) -> None:
        self._timeout = timeout
        self._client = RedisCluster.from_url(
            url, socket_timeout=timeout, socket_connect_timeout=timeout
        )

    def script(self, source: str) -> Callable[..., Awaitable[Any]]:
        """A coroutine function calling `source` with `keys=` and `args=` (like RedisPipe's)."""
        sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()

        async def call(*, keys: Sequence[str], args: Sequence[str | int | bytes]) -> Any:
            try:
                return await self.call("EVALSHA", sha, len(keys), *keys, *args)
            except NoScriptError:
                return await self.call("EVAL", source, len(keys), *keys, *args)

        return call

    async def call(self, *args: str | int | bytes) -> Any:
        """One command, routed by its keys, within the timeout."""
        async with asyncio.timeout(self._timeout):
            return await self._client.execute_command(*args)

    async def close(self) -> None:
        """Close every node's connections."""
        await self._client.aclose()


class _Link(asyncio.Protocol):
    """One connection of a RedisPipe: the futures owed replies, in order."""

    def __init__(self, timeout: float) -> None:
        self._timeout = timeout
        self._transport: asyncio.Transport | None = None
        self._reader = hiredis.Reader(replyError=ResponseError)
        self._waiting: collections.deque[asyncio.Future[Any]] = collections.deque()
        self._progress_at = 0.0
        self._watchdog: asyncio.TimerHandle | None = None
        self.lost = False

    def send(self, payload: bytes, futures: list[asyncio.Future[Any]]) -> None:
        """Write `payload`; `futures` get its replies."""
        assert self._transport is not None
        if not self._waiting:
            self._progress_at = time.monotonic()
        self._waiting.extend(futures)
        self._transport.write(payload)
        if self._watchdog is None:
            self._watchdog = asyncio.get_running_loop().call_later(self._timeout, self._check)

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Called by asyncio: the connection is up."""
        # uvloop's transports are not asyncio.Transport subclasses, but have its methods.
        self._transport = cast(asyncio.Transport, transport)
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def data_received(self, data: bytes) -> None:
        """Called by asyncio: hand each complete reply to the oldest waiting call."""
        self._reader.feed(data)
        self._progress_at = time.monotonic()
        while (reply := self._reader.gets()) is not False:
            future = self._waiting.popleft()
            if future.done():
                continue  # its caller gave up (timeout, cancellation)
            if isinstance(reply, ResponseError):
                message = str(reply)
                future.set_exception(
                    NoScriptError(message) if message.startswith("NOSCRIPT") else reply
                )
            else:
                future.set_result(reply)

    def connection_lost(self, exc: Exception | None) -> None:
        """Called by asyncio: every call still owed a reply fails."""
        self.drop(
            RedisConnectionError(
                "Redis closed the connection" if exc is None else f"Redis connection lost: {exc}"
            )
        )

    def drop(self, error: Exception) -> None:
        """Fail every call owed a reply with `error` and close the connection."""
        self.lost = True
        if self._watchdog is not None:
            self._watchdog.cancel()
            self._watchdog = None
        waiting, self._waiting = self._waiting, collections.deque()
        for future in waiting:
            if not future.done():
                future.set_exception(error)
        if self._transport is not None:
            self._transport.abort()

    def _check(self) -> None:
        self._watchdog = None
        if not self._waiting or self.lost:
            return
        silent = time.monotonic() - self._progress_at
        if silent < self._timeout:
            self._watchdog = asyncio.get_running_loop().call_later(
                self._timeout - silent, self._check
            )
            return
        self.drop(TimeoutError(f"Redis sent no reply for {silent:.1f}s"))


def _uses_tls(params: Mapping[str, Any]) -> bool:
    return params.get("connection_class") is SSLConnection
