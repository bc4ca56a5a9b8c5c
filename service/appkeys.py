"""Typed keys for what the application holds (settings, pools, clients)."""

from __future__ import annotations

import redis.asyncio as redis
from aiohttp import web

from service.config import Settings
from service.db import Database

SETTINGS = web.AppKey("settings", Settings)
DATABASE = web.AppKey("database", Database)
REDIS = web.AppKey("redis", redis.Redis)
STARTED_AT = web.AppKey("started_at", float)
REQUEST_ID = web.RequestKey("request_id", str)
