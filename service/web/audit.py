"""Audit records from a request: the actor is the signed-in user, the IP the client address."""

from __future__ import annotations

import uuid

import msgspec
from aiohttp import web

from service.domain import audit
from service.store.db import Executor, JSONValue
from service.store.queries.enums import AuditEventsTargetType
from service.web.auth import CurrentUser
from service.web.request import client_address


def changed_fields(patch: msgspec.Struct) -> list[JSONValue]:
    """The fields a PATCH body sets, for an audit record's details."""
    return [name for name in patch.__struct_fields__ if getattr(patch, name) is not msgspec.UNSET]


async def audited(
    request: web.Request,
    db: Executor,
    action: audit.Action,
    target_type: AuditEventsTargetType,
    target_id: uuid.UUID | None,
    actor: CurrentUser | None,
    details: dict[str, JSONValue] | None = None,
) -> None:
    """Record `action` by `actor` from this request's client on `db` (the action's transaction)."""
    await audit.record(
        db,
        action,
        target_type,
        target_id,
        actor_id=None if actor is None else actor.id,
        ip=client_address(request),
        details=details,
    )
