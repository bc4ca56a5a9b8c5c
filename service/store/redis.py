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
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, Final, Literal, TypeVar

import redis.asyncio as redis
from aiohttp import web
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import NoScriptError, RedisError

from service.config import Settings

log = logging.getLogger("service.store.redis")

T = TypeVar("T")
BreakerState = Literal["closed", "open", "half-open"]

REDIS = web.AppKey("redis", redis.Redis)

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
        client: redis.Redis,
        work: Callable[[], Awaitable[T]],
        *,
        within: float,
        optional: bool = False,
    ) -> T:
        """`work()` (a round trip on `client`) if the policy lets it go to Redis now, given
        `within` seconds; RedisUnavailable when the policy skips it or the call fails."""
        now = time.monotonic()
        recently_failed = self._failed_at is not None and now - self._failed_at < (
            REDIS_RETRY_INTERVAL
        )
        if (optional and self.breaker.failures and recently_failed) or not self.breaker.allow():
            self._unavailable_at = now
            raise RedisUnavailable(skipped=True)
        try:
            async with asyncio.timeout(within):
                result = await work()
        except REDIS_ERRORS as exc:
            self._failed_at = self._unavailable_at = time.monotonic()
            if isinstance(exc, RedisConnectionError):
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


class PipelinedScripts:
    """Lua scripts whose calls in one turn of the event loop go to Redis together.

    Under load many requests look up the cache at once; sending their script calls as one
    pipeline (one write, one read of all the replies, on one connection) costs a fraction of
    one round trip each, and with a single caller it is one plain round trip. Calls keep their
    order. A script Redis does not know yet (NOSCRIPT: a restart, a flush) is loaded, and its
    calls sent again.
    """

    def __init__(self, client: redis.Redis) -> None:
        self._client = client
        self._sources: dict[str, str] = {}
        self._queue: list[tuple[tuple[str | int | bytes, ...], asyncio.Future[Any]]] = []
        self._sending: set[asyncio.Task[None]] = set()

    def script(self, source: str) -> Callable[..., Awaitable[Any]]:
        """A coroutine function calling `source` with `keys=` and `args=` (like redis-py's)."""
        sha = hashlib.sha1(source.encode(), usedforsecurity=False).hexdigest()
        self._sources[sha] = source

        def call(*, keys: Sequence[str], args: Sequence[str | int | bytes]) -> Awaitable[Any]:
            return self._call(("EVALSHA", sha, len(keys), *keys, *args))

        return call

    async def _call(self, command: tuple[str | int | bytes, ...]) -> Any:
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        if not self._queue:
            asyncio.get_running_loop().call_soon(self._flush)
        self._queue.append((command, future))
        try:
            return await future
        except NoScriptError:
            await self._client.script_load(self._sources[str(command[1])])
            return await self._client.execute_command(*command)  # type: ignore[no-untyped-call]

    def _flush(self) -> None:
        batch, self._queue = self._queue, []
        task = asyncio.get_running_loop().create_task(self._send(batch))
        self._sending.add(task)
        task.add_done_callback(self._sending.discard)

    async def _send(
        self, batch: list[tuple[tuple[str | int | bytes, ...], asyncio.Future[Any]]]
    ) -> None:
        try:
            async with self._client.pipeline(transaction=False) as pipe:
                for command, _ in batch:
                    pipe.execute_command(*command)
                replies = await pipe.execute(raise_on_error=False)
        except BaseException as exc:
            for _, future in batch:
                if not future.done():
                    future.set_exception(exc if isinstance(exc, Exception) else RedisError(exc))
            if not isinstance(exc, Exception):
                raise
            return
        for (_, future), reply in zip(batch, replies, strict=True):
            if future.done():
                continue  # its caller gave up (timeout, cancellation)
            if isinstance(reply, Exception):
                future.set_exception(reply)
            else:
                future.set_result(reply)
