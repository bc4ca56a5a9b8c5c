"""The admin surface (role admin only, every change audited): the audit trail, accounts,
feature flags.

- Deactivating an account revokes all its sessions in the same transaction and drops their
  cached copies after the commit, so every process refuses its tokens at once; a deactivated
  account cannot sign in, and its sessions are not accepted even if one slipped through.
- Role and tier changes drop the cached copies of the account's sessions after the commit
  (they carry the role and tier), so they apply to the next request, in every process.
- Flag changes drop the cached GET /v1/flags after the commit. The cache is Redis, shared by
  every worker process, so all of them serve the change from their next read; if Redis could
  not be reached, the invalidation is replayed once it answers, and in any case no worker
  serves a copy older than TTL_SHORT (5 minutes): the bound on how late a change is seen.
"""

from __future__ import annotations

import datetime
import uuid
from typing import Annotated

import msgspec
from aiohttp import web

from service.cache.catalog import Keys
from service.cache.engine import CACHE
from service.domain.audit import Action as AuditAction
from service.store.db import DATABASE, JSONValue, transaction, writer
from service.store.queries import admin as admin_queries
from service.store.queries import audit as audit_queries
from service.store.queries import sessions as session_queries
from service.store.queries.enums import AuditEventsTargetType, UsersRole, UsersTier
from service.web.api import (
    Routes,
    no_content,
    not_found,
    path_param,
    read_body,
    read_query,
    respond,
    validation_problem,
)
from service.web.audit import audited, changed_fields
from service.web.auth import forget_sessions, require_role
from service.web.paging import CreatedPosition, ListQuery, Page, Position, page_of, position
from service.web.problems import Problem

routes = Routes(tag="admin")

FlagKey = Annotated[
    str,
    msgspec.Meta(
        pattern=r"^[a-z][a-z0-9_.-]{0,63}$",
        description="a lower-case letter, then up to 63 letters, digits, `_`, `.` or `-`",
        examples=["semantic_search"],
    ),
]
Percent = Annotated[int, msgspec.Meta(ge=0, le=100, description="the share of users (%)")]
FlagDescription = Annotated[str, msgspec.Meta(max_length=500, pattern=r"^[^\x00]*$")]
Prefix = Annotated[
    str,
    msgspec.Meta(
        min_length=1,
        max_length=254,
        pattern=r"^[^\x00]*$",
        description="the start of a username or email (case-insensitive)",
    ),
]
Action = Annotated[str, msgspec.Meta(pattern=r"^[a-z_]+(\.[a-z_]+)+$", max_length=64)]


async def require_admin(request: web.Request) -> None:
    """401 when nobody is signed in, 403 for anyone but an admin."""
    await require_role(request, "admin")


# ---- the audit trail ---------------------------------------------------------------------------


class AuditQuery(ListQuery, frozen=True, forbid_unknown_fields=True):
    """Filters of the audit trail: actor, action, target and the time range [since, until)."""

    actor_id: uuid.UUID | None = None
    action: Action | None = None
    target_type: AuditEventsTargetType | None = None
    target_id: uuid.UUID | None = None
    since: datetime.datetime | None = None
    until: datetime.datetime | None = None


class AuditPosition(CreatedPosition, frozen=True, tag="admin-audit"):
    """Where a newest-first page of the audit trail ended."""


class AuditEvent(msgspec.Struct, frozen=True):
    """One recorded action: who (actor), what (action), to what (target), when, from where."""

    id: uuid.UUID
    actor_id: uuid.UUID | None
    actor_username: str | None
    action: str
    target_type: AuditEventsTargetType
    target_id: uuid.UUID | None
    ip: str | None
    details: dict[str, JSONValue]
    created_at: datetime.datetime


def _event(row: audit_queries.ListAuditEventsRow) -> AuditEvent:
    details = row.details if isinstance(row.details, dict) else {}
    return AuditEvent(
        id=row.id,
        actor_id=row.actor_id,
        actor_username=row.actor_username,
        action=row.action,
        target_type=row.target_type,
        target_id=row.target_id,
        ip=None if row.ip is None else str(row.ip),
        details=details,
        created_at=row.created_at,
    )


@routes.route(
    "GET",
    "/v1/admin/audit",
    query=AuditQuery,
    response=Page[AuditEvent],
    errors=[403],
    auth=True,
    private=True,
)
async def list_audit_events(request: web.Request) -> web.Response:
    """The audit trail, newest first, filtered by actor, action, target and time (admins)."""
    await require_admin(request)
    query = read_query(request, AuditQuery)
    after = position(query.cursor, AuditPosition)
    rows = await audit_queries.list_audit_events(
        writer(request.app[DATABASE]),
        actor_id=query.actor_id,
        action=query.action,
        target_type=query.target_type,
        target_id=query.target_id,
        since=query.since,
        until=query.until,
        after_created_at=after.created_at if after else None,
        after_id=after.id if after else None,
        max_rows=query.limit + 1,
    )
    page = page_of(rows, query.limit, lambda row: AuditPosition(row.created_at, row.id))
    return respond(
        request, Page([_event(row) for row in page.items], page.next_cursor), private=True
    )


# ---- accounts ----------------------------------------------------------------------------------


class UserListQuery(ListQuery, frozen=True, forbid_unknown_fields=True):
    """`q`: the start of a username or email; accounts come by username."""

    q: Prefix | None = None


class UserPosition(Position, frozen=True, tag="admin-users"):
    """Where a page of accounts by username ended (usernames are unique)."""

    username: str


class AdminUser(msgspec.Struct, frozen=True):
    """An account as admins see it; `deactivated_at` is null while it is active."""

    id: uuid.UUID
    email: str
    username: str
    display_name: str
    role: UsersRole
    tier: UsersTier
    deactivated_at: datetime.datetime | None
    created_at: datetime.datetime
    updated_at: datetime.datetime


class UserChange(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new role and/or tier for an account."""

    role: UsersRole | msgspec.UnsetType = msgspec.UNSET
    tier: UsersTier | msgspec.UnsetType = msgspec.UNSET


def _user(row: msgspec.Struct) -> AdminUser:
    return msgspec.convert(row, AdminUser, from_attributes=True)


@routes.route(
    "GET",
    "/v1/admin/users",
    query=UserListQuery,
    response=Page[AdminUser],
    errors=[403],
    auth=True,
    private=True,
)
async def list_users(request: web.Request) -> web.Response:
    """Accounts by username; `q` finds those whose username or email starts with it (admins)."""
    await require_admin(request)
    query = read_query(request, UserListQuery)
    after = position(query.cursor, UserPosition)
    rows = await admin_queries.list_users_for_admin(
        writer(request.app[DATABASE]),
        prefix=None if query.q is None else query.q.strip().lower(),
        after_username=after.username if after else None,
        max_rows=query.limit + 1,
    )
    page = page_of(rows, query.limit, lambda row: UserPosition(row.username))
    return respond(
        request, Page([_user(row) for row in page.items], page.next_cursor), private=True
    )


@routes.route(
    "GET", "/v1/admin/users/{id}", response=AdminUser, errors=[403, 404], auth=True, private=True
)
async def get_user(request: web.Request) -> web.Response:
    """One account (admins)."""
    await require_admin(request)
    user_id = path_param(request, "id", uuid.UUID)
    # (Its row lock, taken outside a transaction, ends with the statement.)
    row = await admin_queries.get_user_for_admin(writer(request.app[DATABASE]), id=user_id)
    if row is None:
        raise not_found("user")
    return respond(request, _user(row), private=True)


async def _forget_sessions_of(request: web.Request, user_id: uuid.UUID) -> None:
    """Drop the cached copies of a user's live sessions (they carry role and tier)."""
    live = await session_queries.list_live_session_token_hashes_for_user(
        writer(request.app[DATABASE]), user_id=user_id
    )
    await forget_sessions(request.app[CACHE], [row.token_hash for row in live])


@routes.route(
    "PATCH",
    "/v1/admin/users/{id}",
    body=UserChange,
    response=AdminUser,
    errors=[403, 404],
    auth=True,
    private=True,
)
async def change_user(request: web.Request) -> web.Response:
    """Change an account's role and/or tier (admins); it applies to its next request."""
    admin = await require_role(request, "admin")
    user_id = path_param(request, "id", uuid.UUID)
    body = await read_body(request, UserChange)
    role = None if isinstance(body.role, msgspec.UnsetType) else body.role
    tier = None if isinstance(body.tier, msgspec.UnsetType) else body.tier
    if role is None and tier is None:
        raise validation_problem([{"field": "", "message": "send role or tier to change"}])
    async with transaction(request.app[DATABASE]) as conn:
        current = await admin_queries.get_user_for_admin(conn, id=user_id)
        if current is None:
            raise not_found("user")
        row = await admin_queries.set_user_role_and_tier(conn, id=user_id, role=role, tier=tier)
        assert row is not None  # the row is locked by get_user_for_admin
        if role is not None and role != current.role:
            await audited(
                request,
                conn,
                "user.role_changed",
                "user",
                user_id,
                admin,
                {"from": current.role, "to": role},
            )
        if tier is not None and tier != current.tier:
            await audited(
                request,
                conn,
                "user.tier_changed",
                "user",
                user_id,
                admin,
                {"from": current.tier, "to": tier},
            )
    await _forget_sessions_of(request, user_id)
    return respond(request, _user(row), private=True)


async def _set_deactivated(request: web.Request, *, deactivate: bool) -> web.Response:
    admin = await require_role(request, "admin")
    user_id = path_param(request, "id", uuid.UUID)
    if deactivate and user_id == admin.id:
        raise Problem(409, "Conflict", "an admin cannot deactivate themselves", type="conflict")
    revoked: list[admin_queries.RevokeAllSessionsForUserRow] = []
    async with transaction(request.app[DATABASE]) as conn:
        current = await admin_queries.get_user_for_admin(conn, id=user_id)
        if current is None:
            raise not_found("user")
        row = await admin_queries.set_user_deactivated(conn, id=user_id, deactivated=deactivate)
        assert row is not None  # the row is locked by get_user_for_admin
        if deactivate:
            revoked = await admin_queries.revoke_all_sessions_for_user(conn, user_id=user_id)
        if (current.deactivated_at is None) == deactivate:  # a change, not a repeat
            details: dict[str, JSONValue] = {"sessions_revoked": len(revoked)} if deactivate else {}
            action: AuditAction = "user.deactivated" if deactivate else "user.reactivated"
            await audited(request, conn, action, "user", user_id, admin, details)
    # Every process refuses the revoked tokens from now on, not after the cache's TTL.
    await forget_sessions(request.app[CACHE], [r.token_hash for r in revoked])
    return respond(request, _user(row), private=True)


@routes.route(
    "POST",
    "/v1/admin/users/{id}/deactivate",
    response=AdminUser,
    errors=[403, 404, 409],
    auth=True,
    private=True,
)
async def deactivate_user(request: web.Request) -> web.Response:
    """Deactivate an account: all its sessions end at once and it cannot sign in (admins)."""
    return await _set_deactivated(request, deactivate=True)


@routes.route(
    "POST",
    "/v1/admin/users/{id}/reactivate",
    response=AdminUser,
    errors=[403, 404],
    auth=True,
    private=True,
)
async def reactivate_user(request: web.Request) -> web.Response:
    """Reactivate a deactivated account: it may sign in again (admins)."""
    return await _set_deactivated(request, deactivate=False)


# ---- feature flags -----------------------------------------------------------------------------


class AdminFlag(msgspec.Struct, frozen=True):
    """A feature flag, enabled or not."""

    id: uuid.UUID
    key: str
    enabled: bool
    rollout_percent: Percent
    description: str
    created_at: datetime.datetime
    updated_at: datetime.datetime


class AdminFlags(msgspec.Struct, frozen=True):
    """Every feature flag, by key."""

    items: list[AdminFlag]


class NewFlag(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """A new feature flag (off unless `enabled`)."""

    key: FlagKey
    enabled: bool = False
    rollout_percent: Percent = 100
    description: FlagDescription = ""


class FlagChange(msgspec.Struct, frozen=True, forbid_unknown_fields=True):
    """Changes to a feature flag."""

    enabled: bool | msgspec.UnsetType = msgspec.UNSET
    rollout_percent: Percent | msgspec.UnsetType = msgspec.UNSET
    description: FlagDescription | msgspec.UnsetType = msgspec.UNSET


def _flag(row: msgspec.Struct) -> AdminFlag:
    return msgspec.convert(row, AdminFlag, from_attributes=True)


def _flag_details(flag: AdminFlag) -> dict[str, JSONValue]:
    return {"key": flag.key, "enabled": flag.enabled, "rollout_percent": flag.rollout_percent}


async def _flags_changed(request: web.Request) -> None:
    """After a flag write commits: every worker's next GET /v1/flags reads the table."""
    await request.app[CACHE].invalidate(keys=[Keys.enabled_flags()])


def _flag_key(request: web.Request) -> str:
    return path_param(request, "key", str)


@routes.route("GET", "/v1/admin/flags", response=AdminFlags, errors=[403], auth=True, private=True)
async def list_all_flags(request: web.Request) -> web.Response:
    """Every feature flag, enabled or not (admins)."""
    await require_admin(request)
    rows = await admin_queries.list_feature_flags(writer(request.app[DATABASE]))
    return respond(request, AdminFlags([_flag(row) for row in rows]), private=True)


@routes.route(
    "POST",
    "/v1/admin/flags",
    body=NewFlag,
    response=AdminFlag,
    status=201,
    errors=[403, 409],
    auth=True,
    private=True,
)
async def create_flag(request: web.Request) -> web.Response:
    """Create a feature flag (admins); GET /v1/flags shows it at once when enabled."""
    admin = await require_role(request, "admin")
    body = await read_body(request, NewFlag)
    async with transaction(request.app[DATABASE]) as conn:
        row = await admin_queries.create_feature_flag(
            conn,
            key=body.key,
            enabled=body.enabled,
            rollout_percent=body.rollout_percent,
            description=body.description,
        )
        assert row is not None  # INSERT ... RETURNING always returns the row
        flag = _flag(row)
        await audited(request, conn, "flag.created", "flag", flag.id, admin, _flag_details(flag))
    await _flags_changed(request)
    return respond(request, flag, status=201, private=True)


@routes.route(
    "PATCH",
    "/v1/admin/flags/{key}",
    body=FlagChange,
    response=AdminFlag,
    errors=[403, 404],
    auth=True,
    private=True,
)
async def change_flag(request: web.Request) -> web.Response:
    """Change a feature flag (admins); GET /v1/flags shows the change at once."""
    admin = await require_role(request, "admin")
    key = _flag_key(request)
    body = await read_body(request, FlagChange)
    async with transaction(request.app[DATABASE]) as conn:
        row = await admin_queries.update_feature_flag(
            conn,
            key=key,
            enabled=None if isinstance(body.enabled, msgspec.UnsetType) else body.enabled,
            rollout_percent=None
            if isinstance(body.rollout_percent, msgspec.UnsetType)
            else body.rollout_percent,
            description=None
            if isinstance(body.description, msgspec.UnsetType)
            else body.description,
        )
        if row is None:
            raise not_found("flag")
        flag = _flag(row)
        details = _flag_details(flag) | {"fields": changed_fields(body)}
        await audited(request, conn, "flag.updated", "flag", flag.id, admin, details)
    await _flags_changed(request)
    return respond(request, flag, private=True)


@routes.route(
    "DELETE", "/v1/admin/flags/{key}", status=204, errors=[403, 404], auth=True, private=True
)
async def delete_flag(request: web.Request) -> web.Response:
    """Delete a feature flag (admins)."""
    admin = await require_role(request, "admin")
    key = _flag_key(request)
    async with transaction(request.app[DATABASE]) as conn:
        row = await admin_queries.delete_feature_flag(conn, key=key)
        if row is None:
            raise not_found("flag")
        await audited(request, conn, "flag.deleted", "flag", row.id, admin, {"key": key})
    await _flags_changed(request)
    return no_content()
