"""Daily allowances per tier for costly actions, counted in Redis.

Each action has one setting, "free,premium,pro" (e.g. QUOTA_CONVERSATION_MESSAGES="20,200,1000").
A user's count lives at `gp:v1:quota:<action>:<user id>`; one Lua script, on Redis server time,
refuses when the allowance is used up and otherwise INCRs it and sets it to expire at the next
00:00 UTC, so every process shares one count and one clock, and a refused attempt uses nothing.

`consume()` raises a 429 problem (type `.../quota-exceeded`) naming the quota, with
`Retry-After` and `resets_at`. While Redis cannot be asked (down, slow, or skipped by the
process's Redis policy: RedisHealth, service/store/redis.py) it raises 503: a costly action is
refused rather than given away without a count.
"""

from __future__ import annotations

import datetime
import uuid
from functools import partial
from typing import Final, Protocol

import msgspec
from aiohttp import web

from service.config import SETTINGS, Settings
from service.store.queries.enums import UsersTier
from service.store.redis import REDIS, REDIS_HEALTH, RedisClient, RedisHealth, RedisUnavailable
from service.web.metrics import METRICS
from service.web.problems import Problem, unavailable

KEY_PREFIX: Final = "gp:v1:quota"
TIERS: Final = ("free", "premium", "pro")
# Each action and the setting that holds its allowances.
ACTIONS: Final = {"conversation_messages": "quota_conversation_messages"}

# KEYS: the counter. ARGV: the allowance. Returns {allowed, used, reset epoch s, now epoch s}.
CONSUME: Final = """
local now = tonumber(redis.call('TIME')[1])
local resets = now - now % 86400 + 86400
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
if used >= tonumber(ARGV[1]) then return {0, used, resets, now} end
used = redis.call('INCR', KEYS[1])
redis.call('EXPIREAT', KEYS[1], resets)
return {1, used, resets, now}
"""


class QuotaUser(Protocol):
    """Whose allowance is counted (CurrentUser is one)."""

    @property
    def id(self) -> uuid.UUID: ...

    @property
    def tier(self) -> UsersTier: ...


class QuotaState(msgspec.Struct, frozen=True):
    """A user's use of one daily quota after an action was counted."""

    quota: str
    tier: str
    limit: int
    used: int
    remaining: int
    resets_at: datetime.datetime


def allowances(settings: Settings, action: str) -> dict[str, int]:
    """Per-tier daily allowances of `action`; ValueError for an unknown action or bad setting."""
    name = ACTIONS.get(action)
    if name is None:
        raise ValueError(f"no quota named {action!r}; known: {', '.join(sorted(ACTIONS))}")
    raw = str(getattr(settings, name))
    try:
        values = [int(part) for part in raw.split(",")]
    except ValueError:
        values = []
    if len(values) != len(TIERS) or any(v < 0 for v in values) or values != sorted(values):
        raise ValueError(
            f"{name.upper()}={raw!r}: expected {len(TIERS)} non-negative whole numbers for "
            f"{','.join(TIERS)}, none smaller than the one before"
        )
    return dict(zip(TIERS, values, strict=True))


def check_settings(settings: Settings) -> None:
    """Fail at start-up, naming the setting, when a quota setting is malformed."""
    for action in ACTIONS:
        allowances(settings, action)


async def consume(
    target: web.Application | RedisClient,
    user: QuotaUser,
    action: str,
    *,
    settings: Settings | None = None,
) -> QuotaState:
    """Count one `action` against the user's daily allowance; 429 Problem once it is used up.

    `target` is the app (its Redis, Redis policy and settings) or a Redis client (then
    `settings`, or the defaults, give the allowances, and the call has a policy of its own).
    """
    if isinstance(target, web.Application):
        client = target[REDIS]
        settings = target[SETTINGS]
        health = target[REDIS_HEALTH]
    else:
        client = target
        settings = settings or Settings()
        health = RedisHealth.from_settings(settings)
    limit = allowances(settings, action)[user.tier]
    key = f"{KEY_PREFIX}:{action}:{user.id}"
    script = client.register_script(CONSUME)
    try:
        raw = await health.call(
            client, partial(script, keys=[key], args=[limit]), within=settings.redis_socket_timeout
        )
    except RedisUnavailable:
        raise unavailable(f"the {action} quota cannot be checked right now") from None
    allowed, used, resets, now = (int(value) for value in raw)
    resets_at = datetime.datetime.fromtimestamp(resets, datetime.UTC)
    state = QuotaState(action, user.tier, limit, used, max(limit - used, 0), resets_at)
    if not allowed:
        if isinstance(target, web.Application) and (metrics := target.get(METRICS)) is not None:
            metrics.quota_rejections.labels(action, user.tier).inc()
        raise quota_exceeded(state, retry_after=max(1, resets - now))
    return state


def quota_exceeded(state: QuotaState, *, retry_after: int) -> Problem:
    """429 naming the quota, the tier's allowance and when it resets."""
    resets_at = state.resets_at.isoformat().replace("+00:00", "Z")
    return Problem(
        429,
        "Quota Exceeded",
        f"the {state.tier} tier allows {state.limit} {state.quota.replace('_', ' ')} a day; "
        f"the quota resets at {resets_at}",
        type="quota-exceeded",
        headers={"Retry-After": str(retry_after)},
        extra={
            "quota": state.quota,
            "tier": state.tier,
            "limit": state.limit,
            "used": state.used,
            "resets_at": resets_at,
        },
    )
