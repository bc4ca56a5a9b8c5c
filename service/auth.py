"""Who is calling: session tokens from a Bearer header or the session cookie, roles, and 401/403."""

from __future__ import annotations

import datetime
import re
import uuid
from typing import Literal

import msgspec
from aiohttp import web

from service.appkeys import CURRENT_USER, DATABASE, SETTINGS
from service.db import writer
from service.passwords import token_hash
from service.problems import Problem
from service.queries import sessions as session_queries

SESSION_COOKIE = "gp_session"
EDITOR_ROLES = frozenset({"editor", "admin"})

# RFC 6750 b64token; anything else cannot be one of our tokens, so it is not looked up.
_TOKEN = re.compile(r"[A-Za-z0-9._~+/-]+=*")
_MAX_TOKEN_LENGTH = 512


class CurrentUser(msgspec.Struct, frozen=True):
    """The signed-in user of a request and the session it came with."""

    id: uuid.UUID
    email: str
    username: str
    display_name: str
    role: Literal["reader", "editor", "admin"]
    tier: Literal["free", "premium", "pro"]
    session_id: uuid.UUID


def presented_token(request: web.Request) -> str | None:
    """The token the client sent: `Authorization: Bearer` first, else the session cookie."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, credentials = header.strip().partition(" ")
        if scheme.lower() == "bearer":
            # A Bearer header is the client's choice of credentials: a bad one is not
            # silently replaced by whatever cookie the browser also holds.
            return credentials.strip()
    return request.cookies.get(SESSION_COOKIE)


def _well_formed(token: str) -> bool:
    return 0 < len(token) <= _MAX_TOKEN_LENGTH and _TOKEN.fullmatch(token) is not None


def session_timeouts(request: web.Request) -> tuple[datetime.timedelta, datetime.timedelta]:
    """(absolute lifetime, idle timeout) of sessions, from the settings."""
    settings = request.app[SETTINGS]
    return (
        datetime.timedelta(seconds=settings.session_max_age),
        datetime.timedelta(seconds=settings.session_idle_timeout),
    )


async def current_user(request: web.Request) -> CurrentUser | None:
    """The user whose live session token the request carries, or None; memoized per request."""
    if CURRENT_USER in request:
        return request[CURRENT_USER]
    user = await _lookup(request)
    request[CURRENT_USER] = user
    return user


async def _lookup(request: web.Request) -> CurrentUser | None:
    token = presented_token(request)
    if token is None or not _well_formed(token):
        return None
    # Always the primary: a replica may lag behind a sign-in or, worse, a revocation.
    db = writer(request.app[DATABASE])
    row = await session_queries.get_session_user_by_token_hash(db, token_hash=token_hash(token))
    if row is None:
        return None
    if row.needs_touch:
        _, idle_timeout = session_timeouts(request)
        await session_queries.touch_session(db, idle_timeout=idle_timeout, id=row.session_id)
    return CurrentUser(
        id=row.id,
        email=row.email,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        tier=row.tier,
        session_id=row.session_id,
    )


async def require_user(request: web.Request) -> CurrentUser:
    """The signed-in user, or a 401 problem with a `WWW-Authenticate: Bearer` challenge."""
    user = await current_user(request)
    if user is not None:
        return user
    challenge = 'Bearer realm="ghostypedia"'
    detail = "sign in: send a session token as `Authorization: Bearer <token>`"
    if presented_token(request) is not None:
        challenge += ', error="invalid_token"'
        detail = "the session token is invalid, expired or revoked; sign in again"
    raise Problem(
        401, "Unauthorized", detail, type="unauthorized", headers={"WWW-Authenticate": challenge}
    )


async def require_role(request: web.Request, *roles: str) -> CurrentUser:
    """The signed-in user when their role is one of `roles`; else 401 (not signed in) or 403."""
    user = await require_user(request)
    if user.role not in roles:
        raise Problem(
            403, "Forbidden", f"this needs the role {' or '.join(roles)}", type="forbidden"
        )
    return user


def can_edit(user: CurrentUser | None) -> bool:
    """Whether `user` may edit content (editors and admins)."""
    return user is not None and user.role in EDITOR_ROLES
