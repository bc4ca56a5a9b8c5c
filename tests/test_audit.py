"""The audit trail: every sensitive action leaves exactly one record, in its own transaction,
and GET /v1/admin/audit lists them newest first, filtered and keyset-paged, for admins only."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from apicheck import PASSWORD, SignedIn, at, get_json, sign_up

Client = TestClient[web.Request, web.Application]


class Cast:
    """Who may act in a case: the client, an admin, and a reader and an editor signed up on
    first use (each sign-up hashes a password: a case pays only for those it needs)."""

    def __init__(self, client: Client, admin: SignedIn) -> None:
        self.client = client
        self.admin = admin
        self._reader: SignedIn | None = None
        self._editor: SignedIn | None = None

    async def reader(self) -> SignedIn:
        if self._reader is None:
            self._reader = await sign_up(self.client, "rita")
        return self._reader

    async def editor(self) -> SignedIn:
        if self._editor is None:
            self._editor = await sign_up(self.client, "eddie", role="editor")
        return self._editor

    async def call(
        self, method: str, path: str, who: SignedIn | None, status: int, body: Any = None
    ) -> Any:
        headers = who.headers if who else {}
        response = await self.client.request(method, path, json=body, headers=headers)
        text = await response.text()
        assert response.status == status, text
        return await response.json() if text else None


# What a case did: (the actor's username or None, the target type, the target id or None).
Done = tuple[str | None, str, str | None]
Act = Callable[[Cast], Awaitable[Done]]

GHOST = {"slug": "grey-lady", "name": "Grey Lady", "entity_type": "apparition", "danger_level": 2}
STORY = {"slug": "the-knock", "title": "The Knock", "body": "Knock.", "status": "published"}


async def _ghost(c: Cast) -> str:
    made = await c.call(
        "POST", "/v1/ghosts", await c.editor(), 201, GHOST | {"status": "published"}
    )
    return str(made["id"])


async def _story(c: Cast) -> str:
    made = await c.call("POST", "/v1/stories", await c.editor(), 201, STORY)
    return str(made["id"])


async def _comment(c: Cast) -> str:
    await _story(c)
    made = await c.call(
        "POST", "/v1/stories/the-knock/comments", await c.editor(), 201, {"body": "Boo."}
    )
    return str(made["id"])


async def login_succeeded(c: Cast) -> Done:
    body = {"login": (await c.reader()).username, "password": PASSWORD}
    await c.call("POST", "/v1/auth/login", None, 200, body)
    return (await c.reader()).username, "user", (await c.reader()).user["id"]


async def login_failed(c: Cast) -> Done:
    body = {"login": (await c.reader()).username, "password": "not the password at all"}
    await c.call("POST", "/v1/auth/login", None, 401, body)
    return None, "user", (await c.reader()).user["id"]


async def password_changed(c: Cast) -> Done:
    body = {"password": "a brand new passphrase", "current_password": PASSWORD}
    await c.call("PATCH", "/v1/me", await c.reader(), 200, body)
    return (await c.reader()).username, "user", (await c.reader()).user["id"]


async def email_changed(c: Cast) -> Done:
    body = {"email": "rita@elsewhere.example.org", "current_password": PASSWORD}
    await c.call("PATCH", "/v1/me", await c.reader(), 200, body)
    return (await c.reader()).username, "user", (await c.reader()).user["id"]


async def session_revoked(c: Cast) -> Done:
    await c.call("POST", "/v1/auth/logout", await c.reader(), 204)
    return (await c.reader()).username, "session", (await c.reader()).session_id


async def role_changed(c: Cast) -> Done:
    path = f"/v1/admin/users/{(await c.reader()).user['id']}"
    await c.call("PATCH", path, c.admin, 200, {"role": "editor"})
    return c.admin.username, "user", (await c.reader()).user["id"]


async def tier_changed(c: Cast) -> Done:
    path = f"/v1/admin/users/{(await c.reader()).user['id']}"
    await c.call("PATCH", path, c.admin, 200, {"tier": "pro"})
    return c.admin.username, "user", (await c.reader()).user["id"]


async def deactivated(c: Cast) -> Done:
    path = f"/v1/admin/users/{(await c.reader()).user['id']}/deactivate"
    await c.call("POST", path, c.admin, 200)
    return c.admin.username, "user", (await c.reader()).user["id"]


async def reactivated(c: Cast) -> Done:
    path = f"/v1/admin/users/{(await c.reader()).user['id']}"
    await c.call("POST", path + "/deactivate", c.admin, 200)
    await c.call("POST", path + "/reactivate", c.admin, 200)
    return c.admin.username, "user", (await c.reader()).user["id"]


async def ghost_created(c: Cast) -> Done:
    return (await c.editor()).username, "ghost", await _ghost(c)


async def ghost_updated(c: Cast) -> Done:
    ghost_id = await _ghost(c)
    await c.call("PATCH", "/v1/ghosts/grey-lady", c.admin, 200, {"danger_level": 4})
    return c.admin.username, "ghost", ghost_id


async def ghost_deleted(c: Cast) -> Done:
    ghost_id = await _ghost(c)
    await c.call("DELETE", "/v1/ghosts/grey-lady", await c.editor(), 204)
    return (await c.editor()).username, "ghost", ghost_id


async def story_created(c: Cast) -> Done:
    return (await c.editor()).username, "story", await _story(c)


async def story_updated(c: Cast) -> Done:
    story_id = await _story(c)
    await c.call("PATCH", "/v1/stories/the-knock", await c.editor(), 200, {"title": "The Knocking"})
    return (await c.editor()).username, "story", story_id


async def story_deleted(c: Cast) -> Done:
    story_id = await _story(c)
    await c.call("DELETE", "/v1/stories/the-knock", c.admin, 204)
    return c.admin.username, "story", story_id


async def comment_created(c: Cast) -> Done:
    return (await c.editor()).username, "comment", await _comment(c)


async def comment_updated(c: Cast) -> Done:
    comment_id = await _comment(c)
    await c.call("PATCH", f"/v1/comments/{comment_id}", await c.editor(), 200, {"body": "Boo!"})
    return (await c.editor()).username, "comment", comment_id


async def comment_deleted(c: Cast) -> Done:
    comment_id = await _comment(c)
    await c.call("DELETE", f"/v1/comments/{comment_id}", c.admin, 204)
    return c.admin.username, "comment", comment_id


async def flag_created(c: Cast) -> Done:
    made = await c.call("POST", "/v1/admin/flags", c.admin, 201, {"key": "night_mode"})
    return c.admin.username, "flag", str(made["id"])


async def flag_updated(c: Cast) -> Done:
    made = await c.call("POST", "/v1/admin/flags", c.admin, 201, {"key": "night_mode"})
    await c.call("PATCH", "/v1/admin/flags/night_mode", c.admin, 200, {"enabled": True})
    return c.admin.username, "flag", str(made["id"])


async def flag_deleted(c: Cast) -> Done:
    made = await c.call("POST", "/v1/admin/flags", c.admin, 201, {"key": "night_mode"})
    await c.call("DELETE", "/v1/admin/flags/night_mode", c.admin, 204)
    return c.admin.username, "flag", str(made["id"])


CASES: dict[str, Act] = {
    "auth.login_succeeded": login_succeeded,
    "auth.login_failed": login_failed,
    "account.password_changed": password_changed,
    "account.email_changed": email_changed,
    "session.revoked": session_revoked,
    "user.role_changed": role_changed,
    "user.tier_changed": tier_changed,
    "user.deactivated": deactivated,
    "user.reactivated": reactivated,
    "ghost.created": ghost_created,
    "ghost.updated": ghost_updated,
    "ghost.deleted": ghost_deleted,
    "story.created": story_created,
    "story.updated": story_updated,
    "story.deleted": story_deleted,
    "comment.created": comment_created,
    "comment.updated": comment_updated,
    "comment.deleted": comment_deleted,
    "flag.created": flag_created,
    "flag.updated": flag_updated,
    "flag.deleted": flag_deleted,
}


async def events(client: Client, admin: SignedIn, **filters: str) -> list[dict[str, Any]]:
    """Every audit event matching `filters`, newest first, following next_cursor."""
    found: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = filters | {"limit": "100"} | ({"cursor": cursor} if cursor else {})
        page = await get_json(client, at("/v1/admin/audit", params), admin.headers)
        found += page["items"]
        if (cursor := page["next_cursor"]) is None:
            return found


@pytest.mark.parametrize("action", list(CASES))
async def test_each_sensitive_action_is_recorded_once(
    client: Client, admin: SignedIn, action: str
) -> None:
    before = {event["id"] for event in await events(client, admin, action=action)}
    actor, target_type, target_id = await CASES[action](Cast(client, admin))
    new = [e for e in await events(client, admin, action=action) if e["id"] not in before]
    assert len(new) == 1, new
    event = new[0]
    assert event["actor_username"] == actor
    assert (event["target_type"], event["target_id"]) == (target_type, target_id)
    assert event["ip"] == "127.0.0.1"


async def test_a_failed_action_records_nothing(
    client: Client, editor: SignedIn, admin: SignedIn
) -> None:
    """The record shares the action's transaction: a write that rolls back leaves none."""
    cast = Cast(client, admin)
    cast._editor = editor
    await _ghost(cast)
    await cast.call("POST", "/v1/ghosts", editor, 409, GHOST)  # the slug is taken
    assert len(await events(client, admin, action="ghost.created")) == 1


async def test_filters_by_actor_target_and_time(
    client: Client, reader: SignedIn, editor: SignedIn, admin: SignedIn
) -> None:
    cast = Cast(client, admin)
    cast._editor = editor
    ghost_id = await _ghost(cast)
    await cast.call("PATCH", "/v1/ghosts/grey-lady", admin, 200, {"danger_level": 3})
    everything = await events(client, admin)
    by_editor = await events(client, admin, actor_id=editor.user["id"])
    assert {e["action"] for e in by_editor} == {"ghost.created"}
    on_ghost = await events(client, admin, target_type="ghost", target_id=ghost_id)
    assert [e["action"] for e in on_ghost] == ["ghost.updated", "ghost.created"]
    newest = everything[0]["created_at"]
    assert await events(client, admin, since=newest) == everything[:1]
    assert everything[0] not in await events(client, admin, until=newest)


async def test_pages_follow_each_other_without_gaps(client: Client, admin: SignedIn) -> None:
    for percent in range(5):
        await client.post("/v1/admin/flags", json={"key": f"f{percent}"}, headers=admin.headers)
    everything = await events(client, admin)
    paged: list[dict[str, Any]] = []
    cursor = None
    while True:
        params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = await get_json(client, at("/v1/admin/audit", params), admin.headers)
        paged += page["items"]
        if (cursor := page["next_cursor"]) is None:
            break
    assert paged == everything
    assert len(everything) >= 5


@pytest.mark.parametrize(("who", "status"), [("anonymous", 401), ("reader", 403), ("editor", 403)])
async def test_only_admins_read_the_trail(
    client: Client, reader: SignedIn, editor: SignedIn, who: str, status: int
) -> None:
    headers = {"reader": reader.headers, "editor": editor.headers}.get(who, {})
    problem = await get_json(client, "/v1/admin/audit", headers, status=status)
    assert problem["status"] == status


async def test_bad_filters_and_foreign_cursors_are_422(
    client: Client, reader: SignedIn, admin: SignedIn
) -> None:
    await get_json(client, "/v1/admin/audit", admin.headers, status=422, since="yesterday")
    await get_json(client, "/v1/admin/audit", admin.headers, status=422, target_type="planet")
    users = await get_json(client, "/v1/admin/users", admin.headers, limit="1")
    assert users["next_cursor"] is not None
    problem = await get_json(
        client, "/v1/admin/audit", admin.headers, status=422, cursor=users["next_cursor"]
    )
    assert problem["errors"][0]["field"] == "cursor"
