"""Thin Redis cache: cache-aside JSON bodies that never outlive a finished write.

Generic: callers bring their own namespaces, keys and TTLs (the app's are in
service/cache/catalog.py). How it works:

- Entries live at `gp:v1:<namespace>:g<generation>:<rest>`, where `gp:v1:gen:<namespace>`
  holds the namespace's generation: invalidating a whole namespace (lists, searches) is one
  INCR, and old entries simply expire. Bodies are the exact JSON bytes sent, so a hit costs
  no encoding.
- A miss takes a lease (`<entry>#lease`, SET NX PX) before loading. The body is stored only
  if the generation and the lease are still the ones seen before the load (one Lua script).
  An invalidation deletes the entry with its lease, or bumps the generation, so a load that
  began before a write can never put the old body back.
- Concurrent misses load once per process (single flight) and, across processes, once per
  lease: the others poll Redis for up to CACHE_LEASE_WAIT, then load without storing.
- Fail open: Redis errors and timeouts (CACHE_TIMEOUT per round trip) make a call answer
  from its loader. When to stop calling Redis is the process's one Redis policy, shared with
  the rate limiter and quotas (RedisHealth, service/store/redis.py: a circuit breaker).
- Invalidations that cannot reach Redis are kept in the process and replayed before it reads
  any cached value again, and retried in the background every cool-down; past
  CACHE_MAX_PENDING of them, every namespace the process has used is bumped instead.

Guarantees, for a write that commits and then calls `invalidate()`:

1. In the writing process, no call that starts after `invalidate()` returns answers with a
   body loaded before the commit, whether or not Redis was reachable: missed invalidations
   are replayed before any cached read, and in-process loads that began earlier are not
   joined.
2. In other processes, the same holds when the invalidation reached Redis (the usual case):
   the generation/lease check runs inside Redis, and a caller that joined an in-process load
   whose store Redis refused loads again.
3. When the invalidation could not reach Redis, other processes may still serve the old body
   from Redis until the writer replays it: at most about CACHE_BREAKER_COOLDOWN after Redis
   answers the writer again, even with no traffic. If the writer dies before that (a clean
   shutdown replays once more in `close()`), the old body lives until its own TTL. A Redis
   that restarts empty (no persistence, like the embedded one) has nothing old to serve. A
   durable fix would record invalidations in PostgreSQL in the write's own transaction.
4. Loaders must read from the primary (`db.primary`): a replica that lags behind the commit
   could hand a post-invalidation load the old rows, and they would be cached for the TTL.
5. Redis Cluster (REDIS_CLUSTER=on): the namespace is a hash tag (`gp:v1:{<namespace>}:g...`,
   `gp:v1:gen:{<namespace>}`), so a namespace's entries, leases and generation live in one
   slot, and the client is a ClusterPipe. LOOKUP and INVALIDATE build entry keys from the
   generation they read, so they touch keys not in KEYS; Redis 6 does not check that, and
   Redis 7 allows it within the slot of the declared keys, which the hash tag guarantees.
   INVALIDATE goes once per namespace (one slot each). A failover that loses acknowledged
   writes (asynchronous replication, Cluster or Sentinel) can lose invalidations, like any
   other write. One Redis keeps the untagged keys.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import itertools
import logging
import re
import secrets
import time
import urllib.parse
import uuid
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass
from functools import partial
from typing import Any, Final, TypeVar, cast

from aiohttp import web

from service.config import Settings
from service.store.redis import (
    BreakerState,
    ClusterPipe,
    RedisHealth,
    RedisPipe,
    RedisUnavailable,
)

log = logging.getLogger("service.cache.engine")

T = TypeVar("T")
# Loads the JSON body to cache, or None for "not found"; called at most once per miss.
Loader = Callable[[], Awaitable[bytes | None]]

# How long "not found" is cached when the caller does not say.
NEGATIVE_TTL: Final = 30
PREFIX: Final = "gp:v1"
# Stored for "not found"; a JSON body never starts with a NUL byte, so it cannot be a body.
NOT_FOUND: Final = b"\x00not-found"
# '#' never appears in a key's rest (CacheKey.of escapes it), so a lease cannot be an entry.
LEASE_SUFFIX: Final = "#lease"
# How often a caller waiting on another process's lease looks for the body.
LEASE_POLL: Final = 0.02
# Longer rests (search text) are replaced by a digest to keep keys short.
MAX_REST: Final = 200
NAMESPACE_PATTERN: Final = re.compile(r"[a-z][a-z0-9_-]{0,63}")
# `gen` would put entries next to the generation counters (`gp:v1:gen:<namespace>`).
RESERVED_NAMESPACES: Final = frozenset({"gen"})
# Pending invalidation meaning "every namespace this process has used".
EVERYTHING: Final = ("*", "")


def check_namespace(namespace: str) -> str:
    """`namespace` itself, or ValueError when it cannot be part of a key."""
    if namespace in _CHECKED:
        return namespace
    if not NAMESPACE_PATTERN.fullmatch(namespace) or namespace in RESERVED_NAMESPACES:
        raise ValueError(f"cache namespace {namespace!r} must match [a-z][a-z0-9_-]* (not 'gen')")
    _CHECKED.add(namespace)
    return namespace


# Lease tokens only need to be unique among holders: a random process prefix and a counter
# cost an increment instead of a read of the system's random source per lookup.
_TOKEN_PREFIX = secrets.token_hex(8)
_TOKEN_COUNTER = itertools.count()
# Namespaces already found valid: keys are built on every cached read.
_CHECKED: set[str] = set()
# A part made only of these characters is the same quoted or not.
_UNRESERVED = re.compile(r"[A-Za-z0-9_.~-]+")


def _new_token() -> str:
    """A lease token unique among this process's and others' (see _TOKEN_PREFIX)."""
    return f"{_TOKEN_PREFIX}{next(_TOKEN_COUNTER):x}"


def _quoted(part: str | int | uuid.UUID) -> str:
    text = str(part)
    return text if _UNRESERVED.fullmatch(text) else urllib.parse.quote(text, safe="")


def generation_key(namespace: str) -> str:
    """The Redis key of a namespace's generation counter."""
    return f"{PREFIX}:gen:{namespace}"


@dataclass(frozen=True, slots=True)
class CacheKey:
    """One cached entry: its namespace (invalidated as a whole) and the rest of its key."""

    namespace: str
    rest: str

    def __post_init__(self) -> None:
        check_namespace(self.namespace)
        if not self.rest or "#" in self.rest:
            raise ValueError(f"cache key rest {self.rest!r} must be non-empty, without '#'")

    @classmethod
    def of(cls, namespace: str, *parts: str | int | uuid.UUID) -> CacheKey:
        """A key from parts, each escaped so that two lists of parts never give one key."""
        rest = ":".join(_quoted(part) for part in parts)
        if len(rest) > MAX_REST:
            # '!' is escaped in parts, so a digest cannot equal a rest built from parts.
            rest = "!" + hashlib.blake2b(rest.encode(), digest_size=16).hexdigest()
        return cls(namespace, rest)

    @property
    def prefix(self) -> str:
        """The entry key up to its generation."""
        return f"{PREFIX}:{self.namespace}:g"

    @property
    def suffix(self) -> str:
        """The entry key after its generation."""
        return f":{self.rest}"

    def entry(self, generation: bytes) -> str:
        """The Redis key of this entry in `generation`."""
        return f"{self.prefix}{generation.decode()}{self.suffix}"


# ---- Lua --------------------------------------------------------------------------------------

# A missing counter starts at the server clock in microseconds rather than at 0, so a counter
# that was evicted or deleted never repeats a generation whose entries may still exist.
_GENERATION = """
local function generation(counter)
  local g = redis.call('GET', counter)
  if not g then
    local now = redis.call('TIME')
    g = now[1] .. string.format('%06d', tonumber(now[2]))
    redis.call('SET', counter, g)
  end
  return g
end
"""

# KEYS: generation. ARGV: prefix, suffix, lease token, lease ms.
# Returns {generation, 'hit', body} | {generation, 'lease'} (load, then STORE) | {gen, 'wait'}.
LOOKUP = (
    _GENERATION
    + """
local g = generation(KEYS[1])
local entry = ARGV[1] .. g .. ARGV[2]
local body = redis.call('GET', entry)
if body then return {g, 'hit', body} end
if redis.call('SET', entry .. '#lease', ARGV[3], 'NX', 'PX', ARGV[4]) then
  return {g, 'lease'}
end
return {g, 'wait'}
"""
)

# KEYS: generation, entry, lease. ARGV: generation seen by LOOKUP, lease token, body, ttl ms.
# Stores only if nothing invalidated the entry since LOOKUP: 1 stored, 0 refused.
STORE = """
if redis.call('GET', KEYS[1]) ~= ARGV[1] then return 0 end
if redis.call('GET', KEYS[3]) ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[2], ARGV[3], 'PX', ARGV[4])
redis.call('DEL', KEYS[3])
return 1
"""

# KEYS: lease. ARGV: token. Gives the lease back if it is still ours (the load failed).
RELEASE = """
if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end
return 0
"""

# KEYS: generation counters. ARGV: (prefix, suffix) per counter; an empty suffix bumps the
# generation, any other deletes that entry and its lease (so a load in flight cannot store).
INVALIDATE = (
    _GENERATION
    + """
for i, counter in ipairs(KEYS) do
  local prefix, suffix = ARGV[2 * i - 1], ARGV[2 * i]
  if suffix == '' then
    generation(counter)
    redis.call('INCR', counter)
  else
    local entry = prefix .. generation(counter) .. suffix
    redis.call('DEL', entry, entry .. '#lease')
  end
end
return #KEYS
"""
)


class _Unavailable(Exception):
    """Redis could not be used for this call (down, slow, breaker open, replay pending)."""


# What a load starts from, as its caller's lookup found it: nothing yet (look up), Redis
# unusable (load without it), another caller's lease (wait for its body), or the lease taken
# (generation, token).
LOOK_UP: Final = "look up"
UNAVAILABLE: Final = "unavailable"
WAIT: Final = "wait"
_Start = str | tuple[bytes, str]


def _ttl_ms(ttl: int) -> int:
    """`ttl` seconds in ms, up to 10% shorter so entries filled together expire apart."""
    ms = ttl * 1000
    return ms - secrets.randbelow(ms // 10 + 1)


# ---- the cache --------------------------------------------------------------------------------


class Cache:
    """Cache-aside of JSON bodies in Redis that fails open; see the module docstring."""

    def __init__(
        self,
        client: RedisPipe | ClusterPipe,
        settings: Settings,
        *,
        health: RedisHealth | None = None,
    ) -> None:
        self._client = client
        # On a cluster the namespace is a hash tag: one slot per namespace (docstring, 5).
        self._tagged = isinstance(client, ClusterPipe)
        # namespace -> (generation key, entry prefix), built once per namespace.
        self._names: dict[str, tuple[str, str]] = {}
        self._timeout = settings.cache_timeout
        self._lease_ms = max(1, int(settings.cache_lease_ttl * 1000))
        self._lease_wait = settings.cache_lease_wait
        self._max_pending = settings.cache_max_pending
        # The process's Redis policy; a cache of its own (tests, benchmarks) gets its own.
        self._health = health or RedisHealth.from_settings(settings)
        # Lookups and stores of concurrent requests share round trips (one write a turn).
        self._lookup = client.script(LOOKUP)
        self._store = client.script(STORE)
        self._release = client.script(RELEASE)
        self._invalidate = client.script(INVALIDATE)
        self._flights: dict[CacheKey, asyncio.Task[tuple[bytes | None, bool]]] = {}
        # Every fill still running, joinable or not (an invalidation unlists it from _flights).
        self._filling: set[asyncio.Task[tuple[bytes | None, bool]]] = set()
        # Invalidations Redis has not acknowledged: (namespace, rest or "") -> when queued.
        self._pending: dict[tuple[str, str], int] = {}
        self._sequence = itertools.count()
        self._replay_lock = asyncio.Lock()
        self._retry_task: asyncio.Task[None] | None = None
        self._known: set[str] = set()
        self._closed = False
        # Counters for /health and /metrics. get_or_load lookups are hits or misses (loaded
        # with Redis reachable) or bypassed (loaded because Redis could not be used).
        self.hits = 0
        self.misses = 0
        self.bypassed = 0
        self.coalesced = 0
        self.lease_waits = 0
        self.loads = 0
        self.stores = 0
        self.rejected_stores = 0
        self.invalidations = 0
        self.overflows = 0
        self.errors = 0
        self.skipped = 0

    @classmethod
    def from_settings(cls, settings: Settings, *, health: RedisHealth | None = None) -> Cache:
        """A cache with its own connection to the cache's Redis (REDIS_CACHE_URL, else
        REDIS_URL): no retries, a round trip owed longer than CACHE_TIMEOUT drops it, and
        `health` decides when to call Redis."""
        pipe = ClusterPipe if settings.redis_cluster else RedisPipe
        return cls(
            pipe(settings.cache_redis_url, timeout=settings.cache_timeout),
            settings,
            health=health,
        )

    def _keys_of(self, namespace: str) -> tuple[str, str]:
        """(generation key, entry prefix) of `namespace`; tagged on a cluster."""
        names = self._names.get(namespace)
        if names is None:
            tag = f"{{{namespace}}}" if self._tagged else namespace
            names = self._names[namespace] = (f"{PREFIX}:gen:{tag}", f"{PREFIX}:{tag}:g")
        return names

    def _lookup_of(self, key: CacheKey, token: str) -> Callable[[], Awaitable[Any]]:
        """The LOOKUP call for `key` with lease token `token`, for `_redis`."""
        counter, prefix = self._keys_of(key.namespace)
        return partial(
            self._lookup, keys=[counter], args=[prefix, key.suffix, token, self._lease_ms]
        )

    # ---- state ----

    @property
    def health(self) -> RedisHealth:
        """The Redis policy the cache follows (its own when its Redis is not REDIS_URL's)."""
        return self._health

    async def ping(self) -> None:
        """PING the cache's Redis (for /health/ready); raises when it does not answer."""
        await self._client.call("PING")

    @property
    def breaker_state(self) -> BreakerState:
        """The circuit breaker's state."""
        return self._health.state

    @property
    def pending_invalidations(self) -> int:
        """Invalidations waiting for Redis to come back."""
        return len(self._pending)

    def stats(self) -> dict[str, int | str]:
        """Counters and breaker state, for /health and /metrics."""
        return {
            "hits": self.hits,
            "misses": self.misses,
            "bypassed": self.bypassed,
            "coalesced": self.coalesced,
            "lease_waits": self.lease_waits,
            "loads": self.loads,
            "stores": self.stores,
            "rejected_stores": self.rejected_stores,
            "invalidations": self.invalidations,
            "pending_invalidations": self.pending_invalidations,
            "overflows": self.overflows,
            "errors": self.errors,
            "skipped": self.skipped,
            "breaker": self.breaker_state,
        }

    # ---- cache-aside ----

    async def get_or_load(
        self,
        key: CacheKey,
        *,
        ttl: int,
        load: Loader,
        negative_ttl: int = NEGATIVE_TTL,
        early: bool = False,
    ) -> bytes | None:
        """The cached body for `key`, else `load()`'s, stored for `ttl` s (None: `negative_ttl`).

        With `early`, a call that loads answers as soon as its body is loaded, while the store
        goes on behind it: one Redis round trip on the caller's path, hit or miss. A call that
        comes meanwhile joins that store (`settled()` waits for every store still going).
        """
        if ttl <= 0 or negative_ttl <= 0:
            raise ValueError("cache TTLs must be positive")
        self._known.add(key.namespace)
        flight = self._flights.get(key)
        if flight is None or flight.done():
            # The lookup runs in the caller: a hit, the usual answer, costs no task.
            token = _new_token()
            start: _Start
            try:
                reply = await self._redis(self._lookup_of(key, token))
            except _Unavailable:
                start = UNAVAILABLE
            else:
                status = reply[1]
                if status == b"hit":
                    self.hits += 1
                    return None if reply[2] == NOT_FOUND else cast(bytes, reply[2])
                start = (reply[0], token) if status == b"lease" else WAIT
                # Waiting on a lease: another caller here may hold it (same turn's lookups).
                flight = self._flights.get(key) if start == WAIT else None
            if flight is None or flight.done():
                flight, loaded = self._fly(key, ttl, negative_ttl, load, start)
                if early:
                    # Only this caller awaits `loaded`: cancelling it leaves the flight be.
                    return await loaded
                body, _ = await asyncio.shield(flight)
                return body
        self.coalesced += 1
        body, confirmed = await asyncio.shield(flight)
        if confirmed:
            return body
        # That load began before this call, and Redis refused its body: a write in another
        # process invalidated it since. Join or start a load that begins after this call.
        flight = self._flights.get(key)
        if flight is None or flight.done():
            flight, _ = self._fly(key, ttl, negative_ttl, load, LOOK_UP)
        body, _ = await asyncio.shield(flight)
        return body

    def _fly(
        self, key: CacheKey, ttl: int, negative_ttl: int, load: Loader, start: _Start
    ) -> tuple[asyncio.Task[tuple[bytes | None, bool]], asyncio.Future[bytes | None]]:
        """Start the one in-process load of `key` that concurrent callers share: the task
        (body, confirmed) they join, and a future that holds the body as soon as it is known.
        `start` is what the caller's lookup found."""
        loaded: asyncio.Future[bytes | None] = asyncio.get_running_loop().create_future()
        flight = asyncio.create_task(self._fill(key, ttl, negative_ttl, load, loaded, start))
        self._flights[key] = flight
        self._filling.add(flight)
        flight.add_done_callback(partial(self._landed, key, loaded))
        return flight, loaded

    def _landed(
        self,
        key: CacheKey,
        loaded: asyncio.Future[bytes | None],
        flight: asyncio.Task[tuple[bytes | None, bool]],
    ) -> None:
        self._filling.discard(flight)
        if self._flights.get(key) is flight:
            del self._flights[key]
        if flight.cancelled():
            loaded.cancel()
        elif (error := flight.exception()) is not None:
            # also marks it retrieved: every caller may be gone, with nobody to report it to
            if not loaded.done():
                loaded.set_exception(error)
        elif not loaded.done():
            loaded.set_result(flight.result()[0])
        if loaded.done() and not loaded.cancelled():
            loaded.exception()  # retrieved: the loading caller may have been cancelled

    async def _fill(
        self,
        key: CacheKey,
        ttl: int,
        negative_ttl: int,
        load: Loader,
        loaded: asyncio.Future[bytes | None],
        start: _Start,
    ) -> tuple[bytes | None, bool]:
        """(body, whether Redis confirmed no invalidation ran while it was loaded)."""
        if start == UNAVAILABLE:
            self.bypassed += 1
            return await self._load(load), True
        counter, prefix = self._keys_of(key.namespace)
        if isinstance(start, tuple):
            generation, token = start
        else:
            token = _new_token()
            deadline = time.monotonic() + self._lease_wait
            waited = False
            try:
                while True:
                    if start == WAIT:
                        if time.monotonic() >= deadline:
                            # The holder is slow or gone: answer from the loader and leave
                            # the store to the holder. Without the lease nothing checks this
                            # load against invalidations, so it is unconfirmed.
                            self.misses += 1
                            return await self._load(load), False
                        if not waited:
                            waited = True
                            self.lease_waits += 1
                        await asyncio.sleep(LEASE_POLL)
                    reply = await self._redis(self._lookup_of(key, token))
                    generation, status = reply[0], reply[1]
                    if status == b"hit":
                        self.hits += 1
                        return (None if reply[2] == NOT_FOUND else cast(bytes, reply[2])), True
                    if status == b"lease":
                        break
                    start = WAIT
            except _Unavailable:
                self.bypassed += 1
                return await self._load(load), True
        self.misses += 1
        entry = f"{prefix}{generation.decode()}{key.suffix}"
        lease = entry + LEASE_SUFFIX
        try:
            body = await self._load(load)
        except BaseException:
            with contextlib.suppress(_Unavailable):
                await self._redis(partial(self._release, keys=[lease], args=[token]))
            raise
        if not loaded.done():
            loaded.set_result(body)
        stored = await self._try(
            partial(
                self._store,
                keys=[counter, entry, lease],
                args=[
                    generation,
                    token,
                    NOT_FOUND if body is None else body,
                    _ttl_ms(ttl if body is not None else negative_ttl),
                ],
            ),
            default=None,
        )
        if stored == 1:
            self.stores += 1
        elif stored == 0:
            self.rejected_stores += 1
        return body, stored != 0

    async def settled(self) -> None:
        """Wait until every load started so far has stored its body or given up."""
        while self._filling:
            await asyncio.wait(set(self._filling))
            await asyncio.sleep(0)  # let their done callbacks run

    async def _load(self, load: Loader) -> bytes | None:
        self.loads += 1
        return await load()

    # ---- invalidation ----

    async def invalidate(
        self, *, namespaces: Iterable[str] = (), keys: Iterable[CacheKey] = ()
    ) -> bool:
        """Call after commit: drop `keys` and all of `namespaces`; False = queued for replay."""
        items = [(check_namespace(ns), "") for ns in namespaces]
        items += [(key.namespace, key.rest) for key in keys]
        if not items:
            return True
        # A call that starts from now on must not join a load that began before the write.
        wanted = set(items)
        for key in [k for k in self._flights if (k.namespace, "") in wanted]:
            del self._flights[key]
        for key in [k for k in self._flights if (k.namespace, k.rest) in wanted]:
            del self._flights[key]
        self._remember(items)
        try:
            await self._replay()
        except _Unavailable:
            return False
        return True

    def _remember(self, items: Iterable[tuple[str, str]]) -> None:
        """Queue invalidations until Redis acknowledges them."""
        for item in items:
            self._known.add(item[0])
            self._pending[item] = next(self._sequence)
        if len(self._pending) > self._max_pending:
            # Bumping every namespace this process used covers every key it queued.
            self._pending = {EVERYTHING: next(self._sequence)}
            self.overflows += 1
            log.warning("cache: too many invalidations missed Redis; all namespaces will be bumped")

    async def _replay(self) -> None:
        """Send the queued invalidations; _Unavailable (and a retry later) when Redis can't."""
        if not self._pending:
            return
        async with self._replay_lock:
            batch = dict(self._pending)
            if not batch:
                return
            try:
                await self._attempt(partial(self._send, list(batch)))
            except _Unavailable:
                self._retry_later()
                raise
            for item, queued in batch.items():
                # One queued again while this batch was in flight must still be sent.
                if self._pending.get(item) == queued:
                    del self._pending[item]
            self.invalidations += len(batch)

    async def _send(self, items: list[tuple[str, str]]) -> None:
        keys: list[str] = []
        args: list[str] = []
        for namespace, rest in items:
            for ns in sorted(self._known) if (namespace, rest) == EVERYTHING else [namespace]:
                counter, prefix = self._keys_of(ns)
                keys.append(counter)
                args += [prefix, f":{rest}" if rest else ""]
        if not keys:
            return
        if not self._tagged:
            await self._invalidate(keys=keys, args=args)
            return
        # A cluster runs a script on one slot: one call per namespace, all at once.
        slots: dict[str, tuple[list[str], list[str]]] = {}
        for i, counter in enumerate(keys):
            group = slots.setdefault(counter, ([], []))
            group[0].append(counter)
            group[1].extend(args[2 * i : 2 * i + 2])
        await asyncio.gather(*(self._invalidate(keys=k, args=a) for k, a in slots.values()))

    def _retry_later(self) -> None:
        """Keep replaying in the background, so other processes stop seeing old bodies soon."""
        if self._closed or (self._retry_task is not None and not self._retry_task.done()):
            return
        self._retry_task = asyncio.create_task(self._retry_loop())

    async def _retry_loop(self) -> None:
        while self._pending:
            await asyncio.sleep(self._health.cooldown)
            with contextlib.suppress(_Unavailable):
                await self._replay()

    # ---- Redis calls ----

    async def _redis(self, call: Callable[[], Awaitable[T]]) -> T:
        """`call()` after replaying queued invalidations, so no cached read precedes them."""
        if self._pending:
            await self._replay()
        return await self._attempt(call)

    async def _try(self, call: Callable[[], Awaitable[T]], *, default: T) -> T:
        """`_redis(call)`, or `default` when Redis cannot be used."""
        try:
            return await self._redis(call)
        except _Unavailable:
            return default

    async def _attempt(self, call: Callable[[], Awaitable[T]]) -> T:
        """One round trip, bounded by CACHE_TIMEOUT, if the Redis policy lets it go."""
        try:
            return await self._health.call(None, call, within=None)
        except RedisUnavailable as exc:
            if exc.skipped:
                self.skipped += 1
            else:
                self.errors += 1
            raise _Unavailable from exc

    # ---- lifetime ----

    async def close(self) -> None:
        """Replay queued invalidations one last time, then let go of Redis."""
        self._closed = True
        if self._retry_task is not None:
            self._retry_task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._retry_task
        # Stores that callers did not wait for (`early`) get one round trip's time to land.
        with contextlib.suppress(TimeoutError):
            async with asyncio.timeout(self._timeout):
                await self.settled()
        for flight in list(self._filling):
            flight.cancel()
        if self._pending:
            self._health.probe_now()  # the last chance is worth one probe, cool-down or not
        with contextlib.suppress(_Unavailable):
            await self._replay()
        if self._pending:
            log.warning(
                "cache: %d invalidations never reached Redis; other processes may serve "
                "old bodies until their TTLs",
                len(self._pending),
            )
        await self._client.close()


CACHE = web.AppKey("cache", Cache)
