"""The audit trail: one row per sensitive action, written in the action's own transaction.

Call `record` on the connection of the transaction that performs the action, so that the
action and its record commit (or roll back) together. A failed sign-in changes nothing else:
its record is a transaction of its own.

Actions (`<target>.<verb>`):

| action                    | target  | when                                              |
|---------------------------|---------|---------------------------------------------------|
| auth.login_succeeded      | user    | a sign-in                                         |
| auth.login_failed         | user    | a refused sign-in (target NULL: unknown login)    |
| auth.account_locked       | user    | failed password checks (sign-in or PATCH /v1/me   |
|                           |         | current_password) filled RATE_LIMIT_ACCOUNT: the  |
|                           |         | account is locked (target NULL: unknown login)    |
| account.password_changed  | user    | PATCH /v1/me with a new password                  |
| account.email_changed     | user    | PATCH /v1/me with a new email                     |
| session.revoked           | session | sign-out, DELETE /v1/me/sessions/{id}             |
| user.role_changed         | user    | an admin changed the role                         |
| user.tier_changed         | user    | an admin changed the tier                         |
| user.deactivated          | user    | an admin deactivated the account (sessions end)   |
| user.reactivated          | user    | an admin reactivated it                           |
| ghost.created/updated/deleted, story.created/updated/deleted | by editors and admins  |
| comment.created/updated/deleted | comment | by editors and admins                       |
| flag.created/updated/deleted    | flag    | by admins                                   |
| media.created/deleted           | media   | by editors and admins                       |
"""

from __future__ import annotations

import ipaddress
import uuid
from typing import Literal, TypeAlias

from service.store.db import Executor, JSONValue
from service.store.queries import audit as queries
from service.store.queries.enums import AuditEventsTargetType

Action: TypeAlias = Literal[
    "auth.login_succeeded",
    "auth.login_failed",
    "auth.account_locked",
    "account.password_changed",
    "account.email_changed",
    "session.revoked",
    "user.role_changed",
    "user.tier_changed",
    "user.deactivated",
    "user.reactivated",
    "ghost.created",
    "ghost.updated",
    "ghost.deleted",
    "story.created",
    "story.updated",
    "story.deleted",
    "comment.created",
    "comment.updated",
    "comment.deleted",
    "flag.created",
    "flag.updated",
    "flag.deleted",
    "media.created",
    "media.deleted",
]
Address: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address


async def record(
    db: Executor,
    action: Action,
    target_type: AuditEventsTargetType,
    target_id: uuid.UUID | None,
    *,
    actor_id: uuid.UUID | None,
    ip: Address | None,
    details: dict[str, JSONValue] | None = None,
) -> None:
    """Record one action (pass the connection of the transaction that performs it)."""
    await queries.record_audit_event(
        db,
        actor_id=actor_id,
        action=action,
        target_type=target_type,
        target_id=target_id,
        ip=ip,
        details=details or {},
    )
