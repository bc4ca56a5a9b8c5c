"""Typed keys for what the application holds (settings, pools, clients)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import redis.asyncio as redis
from aiohttp import web

from service.cache import Cache
from service.config import Settings
from service.db import Database

if TYPE_CHECKING:
    from service.auth import CurrentUser
    from service.metrics import Metrics
    from service.problems import RecentErrors
    from service.ratelimit import RateLimiter

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
REDIS = web.AppKey("redis", redis.Redis)
CACHE = web.AppKey("cache", Cache)
STARTED_AT = web.AppKey("started_at", float)
# Declared by annotation: their modules import this one.
METRICS: web.AppKey[Metrics] = web.AppKey("metrics")
RATE_LIMITER: web.AppKey[RateLimiter] = web.AppKey("rate_limiter")
RECENT_ERRORS: web.AppKey[RecentErrors] = web.AppKey("recent_errors")
REQUEST_ID = web.RequestKey("request_id", str)
# Who signed the request, looked up once per request (None: nobody, or a dead token).
CURRENT_USER: web.RequestKey[CurrentUser | None] = web.RequestKey("current_user")
