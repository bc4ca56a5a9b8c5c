"""Who is calling: session tokens from a Bearer header or the session cookie, roles, and 401/403.

Session lookups are cached in Redis (namespace `sessions`, keyed by the token's hash), shared
by every process, for at most SESSION_CACHE_TTL seconds, and a cached copy is used only until
the session would next need a touch (its last_seen_at once a minute) or would end (its idle or
absolute expiry, whichever is first): then PostgreSQL is asked again.

- Revocation through the API (logout, DELETE /v1/me/sessions/{id}, a password change signing
  out the other sessions) drops the cached copies after its commit, so every process rejects
  the token at once. So do account changes (PATCH /v1/me), since the copy carries the user.
- Revocation, expiry, role or tier changed in SQL, behind the API's back, show after at most
  SESSION_CACHE_TTL (or sooner with `forget_sessions`).
- When the revoking process could not reach Redis, its invalidation is replayed once Redis
  answers it again (service/cache/); until then another process that reaches Redis may still
  accept the token, for at most SESSION_CACHE_TTL after the copy was cached. A process whose
  own calls to Redis failed in the last SESSION_CACHE_TTL seconds does not trust the cache at
  all and asks PostgreSQL: a Redis outage is usually everyone's, so processes that lived
  through it never serve a copy cached before it.
"""

from __future__ import annotations

import asyncio
import datetime
import logging
import re
import time
import uuid
from collections.abc import Iterable
from functools import partial
from typing import Final

import msgspec
from aiohttp import web

from service.cache.catalog import Keys
from service.cache.engine import CACHE, Cache, CacheKey, Loader
from service.config import SETTINGS
from service.domain.passwords import token_hash
from service.store.db import DATABASE, writer
from service.store.queries import sessions as session_queries
from service.store.queries.enums import UsersRole, UsersTier
from service.web.problems import Problem
from service.web.request import is_secure

log = logging.getLogger("service.web.auth")

SESSION_COOKIE = "gp_session"
# The cookie's name when it is Secure: browsers accept a `__Host-` cookie only from HTTPS, with
# Path=/ and no Domain, so neither plain HTTP nor a sibling subdomain can plant or replace it.
SECURE_SESSION_COOKIE = "__Host-" + SESSION_COOKIE
# Who may write content and see drafts; `require_role(request, *EDITOR_ROLES)` and can_edit.
EDITOR_ROLES: Final = ("editor", "admin")
# Seconds a session lookup stays in the cache: the bound on how late a change made in SQL
# (revoked_at, expiries, role, tier) is seen. Changes through the API are seen at once.
SESSION_CACHE_TTL: Final = 60
# How often use of a session is recorded (GetSessionUserByTokenHash's needs_touch: a minute).
TOUCH_EVERY: Final = 60.0

# RFC 6750 b64token; anything else cannot be one of our tokens, so it is not looked up.
_TOKEN = re.compile(r"[A-Za-z0-9._~+/-]+=*")
_MAX_TOKEN_LENGTH = 512


class CurrentUser(msgspec.Struct, frozen=True):
    """The signed-in user of a request and the session it came with."""

    id: uuid.UUID
    email: str
    username: str
    display_name: str
    role: UsersRole
    tier: UsersTier
    session_id: uuid.UUID


# Who signed the request, looked up once per request (None: nobody, or a dead token).
CURRENT_USER: web.RequestKey[CurrentUser | None] = web.RequestKey("current_user")


class CachedSession(msgspec.Struct, frozen=True):
    """A live session as cached: its user, and until when (Unix time) this copy may be used."""

    user: CurrentUser
    use_until: float


_decode_session = msgspec.json.Decoder(CachedSession).decode
_encode = msgspec.json.Encoder().encode


def presented_token(request: web.Request) -> str | None:
    """The token the client sent: `Authorization: Bearer` first, else the session cookie."""
    header = request.headers.get("Authorization")
    if header is not None:
        scheme, _, credentials = header.strip().partition(" ")
        if scheme.lower() == "bearer":
            # A Bearer header is the client's choice of credentials: a bad one is not
            # silently replaced by whatever cookie the browser also holds.
            return credentials.strip()
    cookies = request.cookies
    if not cookies:
        return None
    # Only the name this request would set: a secure request ignores a plain `gp_session`
    # (which plain HTTP could have planted).
    return cookies.get(session_cookie_name(request))


def cookie_secure(request: web.Request) -> bool:
    """Whether the session cookie is Secure for this request: COOKIE_SECURE=always, or auto
    (the default) and the request came over HTTPS, directly or through a trusted proxy."""
    mode = request.app[SETTINGS].cookie_secure
    return mode == "always" or (mode == "auto" and is_secure(request))


def session_cookie_name(request: web.Request) -> str:
    """`__Host-gp_session` when the cookie is Secure for this request, else `gp_session`."""
    return SECURE_SESSION_COOKIE if cookie_secure(request) else SESSION_COOKIE


def set_session_cookie(request: web.Request, response: web.StreamResponse, token: str) -> None:
    """Send the session token as an HttpOnly, SameSite=Lax cookie living as long as sessions."""
    secure = cookie_secure(request)
    response.set_cookie(
        SECURE_SESSION_COOKIE if secure else SESSION_COOKIE,
        token,
        max_age=request.app[SETTINGS].session_max_age,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=secure,
    )


def clear_session_cookie(request: web.Request, response: web.StreamResponse) -> None:
    """Tell the browser to drop the session cookie this request would carry."""
    secure = cookie_secure(request)
    response.del_cookie(
        SECURE_SESSION_COOKIE if secure else SESSION_COOKIE,
        path="/",
        httponly=True,
        samesite="Lax",
        secure=secure,
    )


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
    hashed = token_hash(token)
    cache = request.app[CACHE]
    load = partial(_load_session, request, hashed)
    if cache.health.unavailable_within(SESSION_CACHE_TTL):
        # A revocation made while Redis was out of reach may not have reached it yet.
        return _user(await load())
    key = Keys.session(hashed)
    session = await _cached_session(cache, key, load)
    if session is not None and time.time() >= session.use_until:
        # Due for a touch, or past its expiry: drop this copy and ask PostgreSQL again.
        await cache.invalidate(keys=[key])
        session = await _cached_session(cache, key, load)
    return None if session is None else session.user


async def _cached_session(cache: Cache, key: CacheKey, load: Loader) -> CachedSession | None:
    body = await cache.get_or_load(key, ttl=SESSION_CACHE_TTL, load=load)
    try:
        return None if body is None else _decode_session(body)
    except msgspec.DecodeError:  # written by another release: ask PostgreSQL
        log.warning("auth: a cached session could not be read; looking it up again")
        body = await load()
        return None if body is None else _decode_session(body)


def _user(body: bytes | None) -> CurrentUser | None:
    return None if body is None else _decode_session(body).user


async def _load_session(request: web.Request, hashed: bytes) -> bytes | None:
    """The live session of a token hash as a CachedSession body, touched if due; None if dead."""
    # Always the primary: a replica may lag behind a sign-in or, worse, a revocation.
    db = writer(request.app[DATABASE])
    row = await session_queries.get_session_user_by_token_hash(db, token_hash=hashed)
    if row is None:
        return None
    use_for = min(row.touch_in, row.live_for)
    if row.needs_touch:
        _, idle_timeout = session_timeouts(request)
        touched = await session_queries.touch_session(
            db, idle_timeout=idle_timeout, id=row.session_id
        )
        if touched is None:  # it ended a moment ago
            return None
        use_for = min(TOUCH_EVERY, touched.live_for)
    user = CurrentUser(
        id=row.id,
        email=row.email,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        tier=row.tier,
        session_id=row.session_id,
    )
    return _encode(CachedSession(user, time.time() + use_for))


async def forget_sessions(cache: Cache, token_hashes: Iterable[bytes]) -> None:
    """Drop cached copies of sessions: call after a commit that revoked them or changed their
    user (in SQL too, to have it seen at once), so that every process sees the change."""
    keys = [Keys.session(hashed) for hashed in token_hashes]
    if keys:
        await asyncio.shield(cache.invalidate(keys=keys))


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
