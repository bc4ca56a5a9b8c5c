"""Accounts and sessions: register, sign in and out, the signed-in user, their sessions."""

from __future__ import annotations

import datetime
import logging
import uuid
from typing import Annotated

import asyncpg
import msgspec
from aiohttp import web

from service.cache.catalog import SESSIONS, author_renamed
from service.cache.engine import CACHE
from service.domain import audit
from service.domain.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_DISTINCT_CHARACTERS,
    MIN_PASSWORD_LENGTH,
    hash_password,
    new_token,
    password_problems,
    token_hash,
    verify_password,
)
from service.store.db import DATABASE, Connection, JSONValue, transaction, writer
from service.store.queries import sessions as session_queries
from service.store.queries import users as user_queries
from service.web.api import (
    Routes,
    no_content,
    not_found,
    patched,
    path_param,
    read_body,
    read_query,
    respond,
    validation_problem,
)
from service.web.auth import (
    CurrentUser,
    clear_session_cookie,
    forget_sessions,
    require_user,
    session_timeouts,
    set_session_cookie,
)
from service.web.paging import CreatedPosition, Page, PageQuery, page_of, position
from service.web.problems import Problem, problem_for
from service.web.ratelimit import (
    Decision,
    count_password_attempt,
    locked_now,
    login_subject,
    password_accepted,
)
from service.web.request import client_address

log = logging.getLogger("service.handlers.accounts")

routes = Routes(tag="accounts")

# The users table's CHECK patterns, so bad input is a 422 naming the field; NUL is excluded
# everywhere because PostgreSQL text cannot hold it.
Email = Annotated[
    str,
    msgspec.Meta(
        max_length=254,
        pattern=r"^[^@\s\x00]+@[^@\s\x00]+\.[^@\s\x00]+$",
        examples=["ada@example.org"],
    ),
]
Username = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z0-9_]{3,32}$",
        description="3 to 32 lower-case letters, digits or underscores",
        examples=["night_walker"],
    ),
]
DisplayName = Annotated[
    str, msgspec.Meta(min_length=1, max_length=80, pattern=r"^[^\x00]*[^\s\x00][^\x00]*$")
]
Login = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=254,
        pattern=r"^[^\x00]*$",
        description="the email or the username",
    ),
]
# The length policy is password_problems()'s; this bound only keeps hashing cheap.
Password = Annotated[str, msgspec.Meta(max_length=MAX_PASSWORD_LENGTH)]
NewPassword = Annotated[
    str,
    msgspec.Meta(
        max_length=MAX_PASSWORD_LENGTH,
        description=(
            f"at least {MIN_PASSWORD_LENGTH} characters (NIST SP 800-63B for a password that is "
            f"the only factor), at least {MIN_DISTINCT_CHARACTERS} of them different, not a "
            "common password, not containing the username or email; a 422 says which rule"
        ),
        examples=["lantern-in-the-fog"],
    ),
]

# Which field a unique violation on users is about.
_UNIQUE_FIELDS = {"users_email_lower_key": "email", "users_username_key": "username"}
_MAX_USER_AGENT = 512  # sessions.user_agent CHECK


class RegisterBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new account."""

    email: Email
    username: Username
    password: NewPassword
    display_name: DisplayName


class LoginBody(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Credentials: `login` is the email or the username."""

    login: Login
    password: Password


class MeUpdate(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Changes to the signed-in account; a new email or password needs `current_password`."""

    display_name: DisplayName | msgspec.UnsetType = msgspec.UNSET
    email: Email | msgspec.UnsetType = msgspec.UNSET
    password: NewPassword | msgspec.UnsetType = msgspec.UNSET
    current_password: Password | msgspec.UnsetType = msgspec.UNSET


class Account(msgspec.Struct, frozen=True):
    """A user account as its owner sees it."""

    id: uuid.UUID
    email: str
    username: str
    display_name: str
    role: user_queries.UsersRole
    tier: user_queries.UsersTier
    created_at: datetime.datetime
    updated_at: datetime.datetime


class SignedIn(msgspec.Struct, frozen=True):
    """A new session: send `token` as `Authorization: Bearer <token>` (or rely on the cookie).

    It ends at `expires_at`, or earlier if unused until `idle_expires_at` (which moves
    forward as the session is used).
    """

    token: str
    session_id: uuid.UUID
    expires_at: datetime.datetime
    idle_expires_at: datetime.datetime
    user: Account


class SessionPosition(CreatedPosition, frozen=True, tag="sessions"):
    """Where a newest-first page of the user's sessions ended."""


class SessionInfo(msgspec.Struct, frozen=True):
    """One live session of the signed-in user; `current` marks the one making this request."""

    id: uuid.UUID
    created_at: datetime.datetime
    last_seen_at: datetime.datetime
    expires_at: datetime.datetime
    idle_expires_at: datetime.datetime
    ip: str | None
    user_agent: str | None
    current: bool


def _account(row: user_queries.GetUserByIdRow | user_queries.GetUserByLoginRow) -> Account:
    return Account(
        id=row.id,
        email=row.email,
        username=row.username,
        display_name=row.display_name,
        role=row.role,
        tier=row.tier,
        created_at=row.created_at,
        updated_at=row.updated_at,
    )


def _user_agent(request: web.Request) -> str | None:
    agent = request.headers.get("User-Agent")
    if not agent:
        return None
    # Headers arrive with undecodable bytes as surrogates, which PostgreSQL text cannot hold.
    cleaned = agent.encode("utf-8", "replace").decode("utf-8").replace("\x00", "")
    return cleaned[:_MAX_USER_AGENT]


def _duplicate_problem(exc: asyncpg.UniqueViolationError) -> Problem:
    field = _UNIQUE_FIELDS.get(getattr(exc, "constraint_name", None) or "", "")
    if not field:
        generic = problem_for(exc)
        assert generic is not None  # every unique violation maps to a 409
        return generic
    message = "is already registered" if field == "email" else "is taken"
    return Problem(
        409,
        "Conflict",
        f"that {field} {message}",
        type="conflict",
        errors=[{"field": field, "message": message}],
    )


def _password_problem(password: str, *, email: str, username: str) -> Problem | None:
    problems = password_problems(password, email=email, username=username)
    if not problems:
        return None
    return validation_problem([{"field": "password", "message": m} for m in problems])


async def _start_session(
    request: web.Request, conn: Connection, user_id: uuid.UUID
) -> tuple[str, session_queries.CreateSessionRow]:
    """A new session for `user_id`: the token for the client and the stored row."""
    max_age, idle_timeout = session_timeouts(request)
    token = new_token()
    row = await session_queries.create_session(
        conn,
        user_id=user_id,
        token_hash=token_hash(token),
        max_age=max_age,
        idle_timeout=idle_timeout,
        ip=client_address(request),
        user_agent=_user_agent(request),
    )
    assert row is not None  # INSERT ... RETURNING always returns the row
    return token, row


def _signed_in_response(
    request: web.Request,
    token: str,
    session: session_queries.CreateSessionRow,
    user: user_queries.GetUserByIdRow | user_queries.GetUserByLoginRow,
    *,
    status: int,
) -> web.Response:
    body = SignedIn(
        token=token,
        session_id=session.id,
        expires_at=session.expires_at,
        idle_expires_at=session.idle_expires_at,
        user=_account(user),
    )
    response = respond(request, body, status=status, private=True)
    set_session_cookie(request, response, token)
    return response


@routes.route(
    "POST", "/v1/auth/register", body=RegisterBody, response=SignedIn, status=201, errors=[409]
)
async def register(request: web.Request) -> web.Response:
    """Create an account (role reader, tier free) and sign it in.

    A taken email or username is a 409: the answer signs the new account in, so it cannot be
    the same for an address that has one. Attempts are limited per client address.
    """
    body = await read_body(request, RegisterBody)
    problem = _password_problem(body.password, email=body.email, username=body.username)
    if problem is not None:
        raise problem
    password_hash = await hash_password(body.password)
    try:
        async with transaction(request.app[DATABASE]) as conn:
            user = await user_queries.create_user(
                conn,
                email=body.email,
                username=body.username,
                display_name=body.display_name,
                password_hash=password_hash,
                role="reader",
                tier="free",
            )
            assert user is not None  # INSERT ... RETURNING always returns the row
            token, session = await _start_session(request, conn, user.id)
    except asyncpg.UniqueViolationError as exc:
        raise _duplicate_problem(exc) from None
    return _signed_in_response(request, token, session, user, status=201)


@routes.route("POST", "/v1/auth/login", body=LoginBody, response=SignedIn, errors=[401])
async def login(request: web.Request) -> web.Response:
    """Sign in with email or username and password; every sign-in gets a new token."""
    body = await read_body(request, LoginBody)
    db = writer(request.app[DATABASE])  # a replica may not have the account registered a moment ago
    # Usernames are lower case (CHECK) and emails compare case-insensitively.
    login = body.login.strip().lower()
    user = await user_queries.get_user_by_login(db, login=login)
    # Attempts count against the account whichever address they come from; an unknown login
    # is limited the same way, so a lock reveals nothing either.
    attempt = await count_password_attempt(
        request, login_subject(login) if user is None else str(user.id)
    )
    # Verify even for an unknown login so the answer and its timing reveal nothing.
    verified = await verify_password(user.password_hash if user else None, body.password)
    ip = client_address(request)
    if user is None or not verified or user.deactivated_at is not None:
        reason = "unknown_login" if user is None else "wrong_password" if not verified else None
        # Only someone who knows the password learns that the account is deactivated.
        await audit.record(
            db,
            "auth.login_failed",
            "user",
            None if user is None else user.id,
            actor_id=None,
            ip=ip,
            details={"login": body.login, "reason": reason or "deactivated"},
        )
        if not verified and locked_now(attempt):
            await _record_lock(request, attempt, None if user is None else user.id, body.login)
        raise Problem(
            401,
            "Unauthorized",
            "the login or password is wrong" if reason else "this account is deactivated",
            type="unauthorized",
            headers={"WWW-Authenticate": 'Bearer realm="ghostypedia"'},
        )
    await password_accepted(request, attempt)
    async with transaction(db) as conn:
        token, session = await _start_session(request, conn, user.id)
        await audit.record(
            conn,
            "auth.login_succeeded",
            "user",
            user.id,
            actor_id=user.id,
            ip=ip,
            details={"session_id": str(session.id)},
        )
    return _signed_in_response(request, token, session, user, status=200)


@routes.route("POST", "/v1/auth/logout", status=204, auth=True)
async def logout(request: web.Request) -> web.Response:
    """End the current session at once and clear the session cookie."""
    user = await require_user(request)
    revoked = await _revoke_session(request, user, user.session_id)
    if revoked is not None:
        await forget_sessions(request.app[CACHE], [revoked.token_hash])
    response = no_content()
    clear_session_cookie(request, response)
    return response


@routes.route("GET", "/v1/me", response=Account, auth=True, private=True)
async def get_me(request: web.Request) -> web.Response:
    """The signed-in account."""
    user = await require_user(request)
    row = await user_queries.get_user_by_id(writer(request.app[DATABASE]), id=user.id)
    if row is None:
        raise not_found("account")
    return respond(request, _account(row), private=True)


@routes.route(
    "PATCH", "/v1/me", body=MeUpdate, response=Account, auth=True, private=True, errors=[409]
)
async def update_me(request: web.Request) -> web.Response:
    """Change display name, email or password; email and password changes need the current one.

    A password change also signs out every other session of the account.
    """
    user = await require_user(request)
    body = await read_body(request, MeUpdate)
    display_name = patched(body.display_name, None)
    email = patched(body.email, None)
    password = patched(body.password, None)
    if display_name is None and email is None and password is None:
        raise validation_problem(
            [{"field": "", "message": "send display_name, email or password to change"}]
        )
    password_hash = None
    if email is not None or password is not None:
        await _check_current_password(request, user, patched(body.current_password, None))
        if password is not None:
            problem = _password_problem(password, email=email or user.email, username=user.username)
            if problem is not None:
                raise problem
            password_hash = await hash_password(password)
    try:
        async with transaction(request.app[DATABASE]) as conn:
            row = await user_queries.update_user(
                conn,
                id=user.id,
                display_name=display_name,
                email=email,
                password_hash=password_hash,
            )
            if row is None:
                raise not_found("account")
            revoked = []
            if password_hash is not None:
                # Whoever knew the old password keeps no session made with it.
                revoked = await session_queries.revoke_other_sessions_for_user(
                    conn, user_id=user.id, keep_id=user.session_id
                )
                await audit.record(
                    conn,
                    "account.password_changed",
                    "user",
                    user.id,
                    actor_id=user.id,
                    ip=client_address(request),
                    details={"sessions_revoked": len(revoked)},
                )
            if email is not None and email != user.email:
                await audit.record(
                    conn,
                    "account.email_changed",
                    "user",
                    user.id,
                    actor_id=user.id,
                    ip=client_address(request),
                    details={"old_email": user.email, "new_email": email},
                )
    except asyncpg.UniqueViolationError as exc:
        raise _duplicate_problem(exc) from None
    # Cached sessions carry the account (email, display name): drop those still live, and
    # the ones just revoked, now that the change has committed.
    await forget_sessions(request.app[CACHE], [r.token_hash for r in revoked])
    try:
        live = await session_queries.list_live_session_token_hashes_for_user(
            writer(request.app[DATABASE]), user_id=user.id
        )
    except Exception:
        log.exception("cannot list the sessions of a changed account; dropping every session")
        await request.app[CACHE].invalidate(namespaces=[SESSIONS])
    else:
        await forget_sessions(request.app[CACHE], [r.token_hash for r in live])
    if display_name is not None:
        await author_renamed(request.app, user.id)
    return respond(request, _account(row), private=True)


async def _check_current_password(
    request: web.Request, user: CurrentUser, current_password: str | None
) -> None:
    """422 naming current_password unless it is given and right."""
    if current_password is None:
        raise validation_problem(
            [{"field": "current_password", "message": "required to change email or password"}]
        )
    # A stolen token must not make an unlimited password oracle: these checks count against the
    # account like sign-ins do.
    attempt = await count_password_attempt(request, str(user.id))
    credentials = await user_queries.get_user_credentials_by_id(
        writer(request.app[DATABASE]), id=user.id
    )
    stored = credentials.password_hash if credentials else None
    if not await verify_password(stored, current_password):
        if locked_now(attempt):
            await _record_lock(request, attempt, user.id, None)
        raise validation_problem([{"field": "current_password", "message": "is wrong"}])
    await password_accepted(request, attempt)


async def _record_lock(
    request: web.Request, attempt: Decision | None, user_id: uuid.UUID | None, login: str | None
) -> None:
    """Audit that failed password attempts have just locked an account (user_id None: an
    unknown `login`)."""
    assert attempt is not None
    policy = attempt.limit.policy
    details: dict[str, JSONValue] = {
        "failures": policy.quota,
        "window_seconds": policy.window,
        "locked_seconds": attempt.reset_seconds,
        "via": "password_change" if login is None else "login",
    }
    if login is not None:
        details["login"] = login
    await audit.record(
        writer(request.app[DATABASE]),
        "auth.account_locked",
        "user",
        user_id,
        actor_id=user_id if login is None else None,  # a password change: the signed-in user
        ip=client_address(request),
        details=details,
    )


@routes.route(
    "GET",
    "/v1/me/sessions",
    query=PageQuery,
    response=Page[SessionInfo],
    auth=True,
    private=True,
)
async def list_my_sessions(request: web.Request) -> web.Response:
    """The signed-in user's live sessions, newest first."""
    user = await require_user(request)
    query = read_query(request, PageQuery)
    after = position(query.cursor, SessionPosition)
    # The primary, so a session revoked a moment ago is not listed from a lagging replica.
    rows = await session_queries.list_live_sessions_for_user(
        writer(request.app[DATABASE]),
        user_id=user.id,
        after_created_at=after.created_at if after else None,
        after_id=after.id if after else None,
        max_rows=query.limit + 1,
    )
    items = [
        SessionInfo(
            id=row.id,
            created_at=row.created_at,
            last_seen_at=row.last_seen_at,
            expires_at=row.expires_at,
            idle_expires_at=row.idle_expires_at,
            ip=None if row.ip is None else str(row.ip),
            user_agent=row.user_agent,
            current=row.id == user.session_id,
        )
        for row in rows
    ]
    page = page_of(items, query.limit, lambda item: SessionPosition(item.created_at, item.id))
    return respond(request, page, private=True)


async def _revoke_session(
    request: web.Request, user: CurrentUser, session_id: uuid.UUID
) -> session_queries.RevokeSessionRow | None:
    """Revoke one live session of `user` and audit it in one transaction; None if not theirs."""
    async with transaction(request.app[DATABASE]) as conn:
        revoked = await session_queries.revoke_session(conn, id=session_id, user_id=user.id)
        if revoked is not None:
            await audit.record(
                conn,
                "session.revoked",
                "session",
                session_id,
                actor_id=user.id,
                ip=client_address(request),
                details={"current": session_id == user.session_id},
            )
    return revoked


@routes.route("DELETE", "/v1/me/sessions/{id}", status=204, auth=True, errors=[404])
async def revoke_my_session(request: web.Request) -> web.Response:
    """Sign out one of the signed-in user's sessions at once (404 for anyone else's)."""
    user = await require_user(request)
    session_id = path_param(request, "id", uuid.UUID)
    revoked = await _revoke_session(request, user, session_id)
    if revoked is None:
        raise not_found("session")
    await forget_sessions(request.app[CACHE], [revoked.token_hash])
    response = no_content()
    if session_id == user.session_id:
        clear_session_cookie(request, response)
    return response
