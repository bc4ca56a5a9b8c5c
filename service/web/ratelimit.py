"""Sliding-window rate limits kept in Redis, applied to every request by a middleware.

Policies come from the settings as "requests/seconds" ("0" turns one off):

- `anonymous` (RATE_LIMIT_ANONYMOUS): per client IP, for requests without a live session;
- `user` (RATE_LIMIT_USER): per user id, for signed-in requests;
- `auth` (RATE_LIMIT_AUTH): per client IP on `POST /v1/auth/login` and `/v1/auth/register`,
  on top of the other two, against password guessing;
- `account` (RATE_LIMIT_ACCOUNT): per account, for password checks that fail (sign-in, and
  `current_password` in `PATCH /v1/me`), whichever addresses they come from. Handlers call
  `count_password_attempt` before checking a password and `password_accepted` after a right
  one: an account whose window is full is locked (429) until its oldest failure leaves it.

By default `auth` (10/60) and `account` (10/900) are on and `anonymous` and `user` are off:
those two would cost every request, cached reads included, a Redis round trip more.

Anonymous views and shares are counted once per client IP and item per window
(ANONYMOUS_INTERACTION_WINDOW, `first_in_window`), so one client cannot move trending.

`/health*` and `/metrics` are exempt. Each subject has a sorted set
`gp:v1:rl:<policy>:{<subject>}` (a hash tag: a subject's sets share a Redis Cluster slot)
of the requests it made in the last window, scored by Redis server time in microseconds (one
clock for every process). One Lua script trims the sets, and counts the request in all of them
or, when any is full, in none: a rejected request uses up nothing. A set holds at most `quota`
members and expires one window after its newest.

Responses carry the IETF draft headers, one list item per policy that applied:

    RateLimit-Policy: "anonymous";q=120;w=60
    RateLimit: "anonymous";r=119;t=60

`r` is what is left in the window and `t` the seconds until the oldest counted request leaves
it, freeing one unit. Over a limit the answer is a 429 problem whose `Retry-After` is that `t`.

When Redis is down or slower than REDIS_SOCKET_TIMEOUT, or the process's Redis policy skips it
(RedisHealth, service/store/redis.py: after a failed call, and while the breaker is open),
`anonymous` and `user` fail open (no `RateLimit` item for them), while `auth` and `account` are
counted by an in-process limiter with the same policy, so each process still limits sign-in
attempts (and de-duplicates anonymous interactions in its own memory).

IPv6 clients are limited per /64, which is what one host is usually given.

On a Redis Cluster the script runs once per subject (a signed-in user signing in again counts
against the user's limit and the IP's `auth`): a request one subject refuses is still counted
against the other subject's limits.
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import hashlib
import ipaddress
import logging
import math
import secrets
import time
from collections import Counter, OrderedDict, deque
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from functools import partial
from typing import Any, Final

from aiohttp import web
from redis.asyncio.cluster import RedisCluster
from redis.commands.core import AsyncScript

from service.config import Settings
from service.store.redis import REDIS, REDIS_HEALTH, RedisClient, RedisHealth, RedisUnavailable
from service.web.auth import current_user
from service.web.problems import Problem, problem_response
from service.web.request import Handler, Network, client_address, parse_networks

log = logging.getLogger("service.web.ratelimit")

KEY_PREFIX: Final = "gp:v1:rl"
ANONYMOUS: Final = "anonymous"
USER: Final = "user"
AUTH: Final = "auth"
ACCOUNT: Final = "account"
# Policies that fail closed: counted in this process while Redis cannot be asked.
LOCAL_POLICIES: Final = frozenset({AUTH, ACCOUNT})
AUTH_ROUTES: Final = frozenset({("POST", "/v1/auth/login"), ("POST", "/v1/auth/register")})
# Subjects the in-process limiter remembers; the least recently seen are forgotten first.
LOCAL_SUBJECTS: Final = 10_000

# KEYS: one sliding log per policy. ARGV: a unique token, then (quota, window ms) per key.
# Returns {allowed, then (remaining, microseconds until the oldest entry leaves) per key}.
SLIDING_WINDOW: Final = """
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local stamp = t[1] .. string.format('%06d', tonumber(t[2]))
local allowed = 1
local counts = {}
for i, key in ipairs(KEYS) do
  local window = tonumber(ARGV[2 * i + 1]) * 1000
  redis.call('ZREMRANGEBYSCORE', key, '-inf', string.format('%.0f', now - window))
  counts[i] = redis.call('ZCARD', key)
  if counts[i] >= tonumber(ARGV[2 * i]) then allowed = 0 end
end
local result = {allowed}
for i, key in ipairs(KEYS) do
  local window_ms = tonumber(ARGV[2 * i + 1])
  if allowed == 1 then
    redis.call('ZADD', key, stamp, stamp .. ':' .. ARGV[1])
    redis.call('PEXPIRE', key, window_ms)
    counts[i] = counts[i] + 1
  end
  local oldest = redis.call('ZRANGE', key, 0, 0, 'WITHSCORES')
  local reset = 0
  if oldest[2] then reset = tonumber(oldest[2]) + window_ms * 1000 - now end
  result[#result + 1] = tonumber(ARGV[2 * i]) - counts[i]
  result[#result + 1] = reset
end
return result
"""

# KEYS: one key. ARGV: a value, its lifetime in seconds. The value already there, or nil after
# setting it: the caller that gets nil is the first in the window.
FIRST_IN_WINDOW: Final = """
local old = redis.call('GET', KEYS[1])
if old then return old end
redis.call('SET', KEYS[1], ARGV[1], 'EX', tonumber(ARGV[2]))
return false
"""


@dataclass(frozen=True, slots=True)
class Policy:
    """At most `quota` requests in any `window` seconds."""

    name: str
    quota: int
    window: int

    @classmethod
    def parse(cls, name: str, value: str, *, setting: str) -> Policy | None:
        """A policy from "requests/seconds" (e.g. "120/60"); None for "0" (no limit)."""
        text = value.strip()
        if text in ("", "0"):
            return None
        quota, slash, window = text.partition("/")
        try:
            policy = cls(name, int(quota), int(window))
        except ValueError:
            policy = None
        if not slash or policy is None or policy.quota < 1 or policy.window < 1:
            raise ValueError(f"{setting}={value!r}: expected requests/seconds such as 120/60, or 0")
        return policy

    @property
    def header(self) -> str:
        """This policy as a RateLimit-Policy list item."""
        return f'"{self.name}";q={self.quota};w={self.window}'


@dataclass(frozen=True, slots=True)
class Limit:
    """A policy applied to one subject (a client IP or a user id)."""

    policy: Policy
    subject: str

    @property
    def key(self) -> str:
        """The Redis key of the subject's sliding log."""
        return f"{KEY_PREFIX}:{self.policy.name}:{{{self.subject}}}"


@dataclass(frozen=True, slots=True)
class Decision:
    """Where one limit stands after a request: `known` is False when it could not be asked."""

    limit: Limit
    allowed: bool
    remaining: int = 0
    reset: float = 0.0  # seconds until the oldest counted request leaves the window
    known: bool = True

    @property
    def reset_seconds(self) -> int:
        """`reset` rounded up to whole seconds, as the headers give it."""
        return max(0, math.ceil(self.reset))

    @property
    def header(self) -> str:
        """This decision as a RateLimit list item."""
        return f'"{self.limit.policy.name}";r={max(self.remaining, 0)};t={self.reset_seconds}'


class LocalLimiter:
    """Sliding logs in this process's memory: the fallback while Redis cannot be asked."""

    def __init__(self, max_subjects: int = LOCAL_SUBJECTS) -> None:
        self._logs: OrderedDict[str, deque[float]] = OrderedDict()
        self._max_subjects = max_subjects

    def hit(self, limits: Sequence[Limit], now: float | None = None) -> list[Decision]:
        """Count a request against every limit, or against none when one is used up."""
        now = time.monotonic() if now is None else now
        logs = []
        for limit in limits:
            log_ = self._logs.pop(limit.key, None) or deque()
            self._logs[limit.key] = log_  # most recently seen last
            while log_ and log_[0] <= now - limit.policy.window:
                log_.popleft()
            logs.append(log_)
        while len(self._logs) > self._max_subjects:
            self._logs.popitem(last=False)
        allowed = all(
            len(log_) < limit.policy.quota for limit, log_ in zip(limits, logs, strict=True)
        )
        decisions = []
        for limit, log_ in zip(limits, logs, strict=True):
            if allowed:
                log_.append(now)
            reset = log_[0] + limit.policy.window - now if log_ else 0.0
            decisions.append(Decision(limit, allowed, limit.policy.quota - len(log_), reset))
        return decisions

    def forget(self, key: str) -> None:
        """Drop a subject's log (a right password forgives the account's failures)."""
        self._logs.pop(key, None)


class LocalOnce:
    """`first_in_window` in this process's memory, while Redis cannot be asked."""

    def __init__(self, max_keys: int = LOCAL_SUBJECTS) -> None:
        self._values: OrderedDict[str, tuple[float, str]] = OrderedDict()
        self._max_keys = max_keys

    def first(self, key: str, value: str, window: float, now: float | None = None) -> str | None:
        """None when `key` is new or expired (then it holds `value`), else what it holds."""
        now = time.monotonic() if now is None else now
        held = self._values.get(key)
        if held is not None and held[0] > now:
            return held[1]
        self.set(key, value, window, now)
        return None

    def set(self, key: str, value: str, window: float, now: float | None = None) -> None:
        """Let `key` hold `value` for `window` seconds."""
        now = time.monotonic() if now is None else now
        self._values.pop(key, None)
        self._values[key] = (now + window, value)
        while len(self._values) > self._max_keys:
            self._values.popitem(last=False)

    def forget(self, key: str) -> None:
        """Drop `key`."""
        self._values.pop(key, None)


class RateLimiter:
    """The configured policies, the Redis script that applies them, and the local fallback."""

    def __init__(
        self,
        *,
        anonymous: Policy | None,
        user: Policy | None,
        auth: Policy | None,
        account: Policy | None = None,
        interaction_window: int = 0,
        trusted_proxies: Iterable[ipaddress.IPv4Network | ipaddress.IPv6Network] = (),
        timeout: float = 0.25,
    ) -> None:
        self.anonymous = anonymous
        self.user = user
        self.auth = auth
        self.account = account
        self.interaction_window = interaction_window
        self.trusted_proxies = tuple(trusted_proxies)
        self.timeout = timeout
        self.local = LocalLimiter()
        self.local_once = LocalOnce()
        self._script: AsyncScript | None = None
        self._once_script: AsyncScript | None = None
        # For /metrics: rejections per policy, and how often each policy went without Redis.
        self.rejections: Counter[str] = Counter()
        self.fallbacks: Counter[tuple[str, str]] = Counter()
        self.redis_errors = 0

    @classmethod
    def from_settings(cls, settings: Settings) -> RateLimiter:
        """The limiter the settings describe; ValueError names a malformed setting."""
        return cls(
            anonymous=Policy.parse(
                ANONYMOUS, settings.rate_limit_anonymous, setting="RATE_LIMIT_ANONYMOUS"
            ),
            user=Policy.parse(USER, settings.rate_limit_user, setting="RATE_LIMIT_USER"),
            auth=Policy.parse(AUTH, settings.rate_limit_auth, setting="RATE_LIMIT_AUTH"),
            account=Policy.parse(
                ACCOUNT, settings.rate_limit_account, setting="RATE_LIMIT_ACCOUNT"
            ),
            interaction_window=settings.anonymous_interaction_window,
            trusted_proxies=parse_networks(settings.trusted_proxies),
            timeout=settings.redis_socket_timeout,
        )

    @property
    def policies(self) -> list[Policy]:
        """The policies that are on."""
        policies = (self.anonymous, self.user, self.auth, self.account)
        return [p for p in policies if p is not None]

    def may_limit(self, request: web.Request) -> bool:
        """Whether any policy may apply to `request`: with the defaults (sign-in limits only)
        a read is let through here, before any work."""
        if self.user is not None or self.anonymous is not None:
            return True
        return self.auth is not None and (request.method, request.path) in AUTH_ROUTES

    async def limits_for(self, request: web.Request) -> list[Limit]:
        """The limits a request counts against: its user's or its IP's, and `auth` to sign in."""
        signing_in = self.auth is not None and (request.method, request.path) in AUTH_ROUTES
        if not signing_in and self.user is None and self.anonymous is None:
            return []  # the defaults: reads cost no Redis round trip for limits
        ip = client_ip(request, self.trusted_proxies)
        limits = []
        if self.user is not None or self.anonymous is not None:
            user_id = await _user_id(request)
            if user_id is None:
                if self.anonymous is not None:
                    limits.append(Limit(self.anonymous, ip))
            elif self.user is not None:
                limits.append(Limit(self.user, user_id))
        if signing_in and self.auth is not None:
            limits.append(Limit(self.auth, ip))
        return limits

    async def check(
        self, client: RedisClient, limits: Sequence[Limit], health: RedisHealth
    ) -> list[Decision]:
        """Count a request against `limits` in Redis, or fall back when Redis cannot answer."""
        if not limits:
            return []
        if isinstance(client, RedisCluster) and len({lim.subject for lim in limits}) > 1:
            return await self._check_per_subject(client, limits, health)
        script = self._script_for(client)
        keys = [limit.key for limit in limits]
        args: list[str | int] = [secrets.token_hex(6)]
        args += [v for limit in limits for v in (limit.policy.quota, limit.policy.window * 1000)]
        try:
            raw = await health.call(
                client, partial(script, keys=keys, args=args), within=self.timeout, optional=True
            )
        except RedisUnavailable as exc:
            if not exc.skipped:
                self.redis_errors += 1
                log.warning("rate limits without Redis for now: %s", type(exc.__cause__).__name__)
            return self._without_redis(limits)
        return _decisions(limits, raw)

    async def _check_per_subject(
        self, client: RedisClient, limits: Sequence[Limit], health: RedisHealth
    ) -> list[Decision]:
        """`check` on a cluster, one script per subject (one slot each); allowed if all are."""
        subjects: dict[str, list[Limit]] = {}
        for limit in limits:
            subjects.setdefault(limit.subject, []).append(limit)
        answers = await asyncio.gather(
            *(self.check(client, group, health) for group in subjects.values())
        )
        found = {d.limit: d for decisions in answers for d in decisions}
        allowed = all(d.allowed for d in found.values())
        return [dataclasses.replace(found[limit], allowed=allowed) for limit in limits]

    async def forget(self, client: RedisClient, limit: Limit, health: RedisHealth) -> None:
        """Empty one subject's log, in Redis and in this process."""
        self.local.forget(limit.key)
        with contextlib.suppress(RedisUnavailable):  # else the failures age out of the window
            await health.call(
                client, partial(client.delete, limit.key), within=self.timeout, optional=True
            )

    async def first_in_window(
        self, client: RedisClient, health: RedisHealth, key: str, value: str, window: int
    ) -> str | None:
        """Claim `key` for `window` seconds with `value`: None for the first caller, else the
        value already claimed. Without Redis, this process's memory decides."""
        if self._once_script is None or self._once_script.registered_client is not client:
            self._once_script = client.register_script(FIRST_IN_WINDOW)
        call = partial(self._once_script, keys=[key], args=[value, window])
        try:
            held = await health.call(client, call, within=self.timeout, optional=True)
        except RedisUnavailable:
            self.fallbacks["once", "local"] += 1
            return self.local_once.first(key, value, window)
        return None if held is None else held.decode() if isinstance(held, bytes) else str(held)

    async def replace_claim(
        self, client: RedisClient, health: RedisHealth, key: str, value: str | None
    ) -> None:
        """Change what a claimed key holds, keeping its expiry; None drops the claim."""
        try:
            if value is None:
                self.local_once.forget(key)
                await health.call(
                    client, partial(client.delete, key), within=self.timeout, optional=True
                )
            else:
                change = partial(client.set, key, value, xx=True, keepttl=True)
                await health.call(client, change, within=self.timeout, optional=True)
        except RedisUnavailable:
            if value is not None:
                self.local_once.set(key, value, self.interaction_window)

    def _without_redis(self, limits: Sequence[Limit]) -> list[Decision]:
        """`auth` and `account` limits counted in this process; the others let it through."""
        local = [limit for limit in limits if limit.policy.name in LOCAL_POLICIES]
        counted = {d.limit: d for d in self.local.hit(local)} if local else {}
        decisions = []
        for limit in limits:
            mode = "local" if limit in counted else "open"
            self.fallbacks[limit.policy.name, mode] += 1
            decisions.append(counted.get(limit) or Decision(limit, True, known=False))
        return decisions

    def _script_for(self, client: RedisClient) -> AsyncScript:
        if self._script is None or self._script.registered_client is not client:
            self._script = client.register_script(SLIDING_WINDOW)
        return self._script


RATE_LIMITER = web.AppKey("rate_limiter", RateLimiter)


def _decisions(limits: Sequence[Limit], raw: Any) -> list[Decision]:
    allowed = bool(int(raw[0]))
    return [
        Decision(limit, allowed, int(raw[1 + 2 * i]), int(raw[2 + 2 * i]) / 1_000_000)
        for i, limit in enumerate(limits)
    ]


async def _user_id(request: web.Request) -> str | None:
    """The signed-in user's id; None when anonymous, or when the session cannot be looked up
    (the handler meets that failure itself; meanwhile the request is limited by its IP)."""
    try:
        user = await current_user(request)
    except Exception as exc:  # the database is down or slow: limit by IP instead
        log.debug("session lookup for rate limiting failed: %s", type(exc).__name__)
        return None
    return None if user is None else str(user.id)


# ---- middleware --------------------------------------------------------------------------------


def exempt(request: web.Request) -> bool:
    """Health checks and metrics scrapes are never limited."""
    path = request.path
    return path == "/metrics" or path == "/health" or path.startswith("/health/")


def headers(decisions: Sequence[Decision]) -> dict[str, str]:
    """RateLimit-Policy for every limit that applied; RateLimit for those Redis could count."""
    if not decisions:
        return {}
    result = {"RateLimit-Policy": ", ".join(d.limit.policy.header for d in decisions)}
    known = [d.header for d in decisions if d.known]
    if known:
        result["RateLimit"] = ", ".join(known)
    return result


def too_many_requests(decisions: Sequence[Decision]) -> Problem:
    """429 naming the exhausted policy, with Retry-After and the RateLimit headers."""
    denied = [d for d in decisions if d.known and d.remaining <= 0] or list(decisions)
    worst = max(denied, key=lambda d: d.reset)
    retry_after = max(1, worst.reset_seconds)
    policy = worst.limit.policy
    if policy.name == ACCOUNT:
        detail = (
            f"this account is locked after {policy.quota} failed password attempts within "
            f"{policy.window} s; try again in {retry_after} s"
        )
    else:
        detail = (
            f"the {policy.name} rate limit allows {policy.quota} requests per {policy.window} s; "
            f"try again in {retry_after} s"
        )
    return Problem(
        429,
        "Too Many Requests",
        detail,
        type="rate-limited",
        headers={**headers(decisions), "Retry-After": str(retry_after)},
        extra={"policy": policy.name, "retry_after": retry_after},
    )


@web.middleware
async def ratelimit_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Count the request against its limits: 429 when over one, RateLimit headers either way.

    It runs outside the problem middleware, so error responses carry the headers too.
    """
    limiter = request.app.get(RATE_LIMITER)
    if limiter is None or not limiter.may_limit(request) or exempt(request):
        return await handler(request)
    limits = await limiter.limits_for(request)
    decisions = await limiter.check(request.app[REDIS], limits, request.app[REDIS_HEALTH])
    if not all(d.allowed for d in decisions):
        for d in decisions:
            if d.known and d.remaining <= 0:
                limiter.rejections[d.limit.policy.name] += 1
        return problem_response(request, too_many_requests(decisions))
    extra = headers(decisions)
    try:
        response = await handler(request)
    except web.HTTPException as exc:  # redirects and the like, re-raised by the problem middleware
        exc.headers.update(extra)
        raise
    if not response.prepared:
        for name, value in extra.items():
            # A handler's own limit (an account lock) keeps its items, after the middleware's.
            own = response.headers.get(name)
            response.headers[name] = f"{value}, {own}" if own else value
    return response


# ---- for handlers: password attempts per account, interactions once per window ------------------


async def count_password_attempt(request: web.Request, account: str) -> Decision | None:
    """Count a password check against `account` (a user id, or what an unknown login names)
    before it is made; 429 while the account is locked. None when RATE_LIMIT_ACCOUNT is 0.

    The decision's `remaining` is 0 when this attempt used the last one: if the password then
    turns out wrong, the account is locked from now on (`locked_now`).
    """
    limiter = request.app.get(RATE_LIMITER)
    if limiter is None or limiter.account is None:
        return None
    limit = Limit(limiter.account, account)
    (decision,) = await limiter.check(request.app[REDIS], [limit], request.app[REDIS_HEALTH])
    if not decision.allowed:
        limiter.rejections[ACCOUNT] += 1
        raise too_many_requests([decision])
    return decision


def locked_now(decision: Decision | None) -> bool:
    """Whether a failed attempt counted by `decision` locks its account."""
    return decision is not None and decision.known and decision.remaining <= 0


async def password_accepted(request: web.Request, decision: Decision | None) -> None:
    """A right password: forgive the account's failed attempts."""
    limiter = request.app.get(RATE_LIMITER)
    if limiter is not None and decision is not None:
        await limiter.forget(request.app[REDIS], decision.limit, request.app[REDIS_HEALTH])


def login_subject(login: str) -> str:
    """The account subject for a login that names no account: a digest, so that what people
    type (often someone's email) is not kept in Redis."""
    return "login:" + hashlib.sha256(login.encode()).hexdigest()[:32]


@dataclass(frozen=True, slots=True)
class Claim:
    """The right to count something once per window: `held` is None for the first claimant,
    else the value the first one left."""

    key: str
    held: str | None


async def claim_once(request: web.Request, what: str, value: str) -> Claim | None:
    """Claim `what` (e.g. "share:ghost:black-shuck") for this request's client IP for
    ANONYMOUS_INTERACTION_WINDOW seconds, leaving `value`; None when that setting is 0."""
    limiter = request.app.get(RATE_LIMITER)
    if limiter is None or limiter.interaction_window <= 0:
        return None
    key = f"{KEY_PREFIX}:once:{what}:{client_ip(request, limiter.trusted_proxies)}"
    client, health = request.app[REDIS], request.app[REDIS_HEALTH]
    held = await limiter.first_in_window(client, health, key, value, limiter.interaction_window)
    return Claim(key, held)


async def settle_claim(request: web.Request, claim: Claim, value: str | None) -> None:
    """Leave `value` in a claim this request won (keeping its expiry), or give it up (None)."""
    limiter = request.app[RATE_LIMITER]
    await limiter.replace_claim(request.app[REDIS], request.app[REDIS_HEALTH], claim.key, value)


def client_ip(request: web.Request, trusted: Sequence[Network] = ()) -> str:
    """The address to limit (see `client_address`); IPv6 addresses are grouped by /64."""
    client = client_address(request, trusted)
    if client is None:
        return "unknown"
    if isinstance(client, ipaddress.IPv6Address):
        return str(ipaddress.IPv6Network((client, 64), strict=False))
    return str(client)
