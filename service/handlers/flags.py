"""Feature flags: the enabled ones, for clients to switch features on.

Admins change flags through /v1/admin/flags (service/handlers/admin.py), which drops the
cached answer in Redis after the commit: every worker serves the change from its next read.
A DBA's edit in SQL is seen by no write here: the answer is cached for TTL_SHORT, so such a
change shows within TTL_SHORT (5 minutes).
"""

from __future__ import annotations

from typing import Annotated

import msgspec
from aiohttp import web

from service.cache.catalog import TTL_SHORT, Keys
from service.store.db import DATABASE
from service.store.queries import feature_flags as flag_queries
from service.web.api import Routes
from service.web.cached import public
from service.web.content import shaped

routes = Routes(tag="flags")


class Flag(msgspec.Struct, frozen=True):
    """An enabled feature flag."""

    key: str
    rollout_percent: Annotated[
        int, msgspec.Meta(ge=0, le=100, description="the share of users (%) it is on for")
    ]
    description: str


class Flags(msgspec.Struct, frozen=True):
    """Every enabled flag, by key."""

    items: list[Flag]


@routes.route("GET", "/v1/flags", response=Flags)
async def list_flags(request: web.Request) -> web.Response:
    """The enabled feature flags (changes show within five minutes)."""
    primary = request.app[DATABASE].primary

    async def load() -> Flags:
        return Flags(shaped(await flag_queries.list_enabled_feature_flags(primary), Flag))

    return await public(request, Keys.enabled_flags(), ttl=TTL_SHORT, load=load)
