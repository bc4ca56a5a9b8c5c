"""The admin API: accounts (find, role and tier, deactivation) and feature flags, admins only."""

from __future__ import annotations

from typing import Any

import pytest
import redis.asyncio as redis
from aiohttp import web
from aiohttp.test_utils import TestClient
from apicheck import PASSWORD, SignedIn, at, get_json, sign_up
from cachepeek import peek

from service.cache.catalog import Keys

Client = TestClient[web.Request, web.Application]

# Every admin endpoint, with a body where it takes one ({id} and {key} filled in per test).
ENDPOINTS: list[tuple[str, str, Any]] = [
    ("GET", "/v1/admin/audit", None),
    ("GET", "/v1/admin/users", None),
    ("GET", "/v1/admin/users/{id}", None),
    ("PATCH", "/v1/admin/users/{id}", {"tier": "pro"}),
    ("POST", "/v1/admin/users/{id}/deactivate", None),
    ("POST", "/v1/admin/users/{id}/reactivate", None),
    ("GET", "/v1/admin/flags", None),
    ("POST", "/v1/admin/flags", {"key": "night_mode"}),
    ("PATCH", "/v1/admin/flags/{key}", {"enabled": True}),
    ("DELETE", "/v1/admin/flags/{key}", None),
]


@pytest.mark.parametrize(("who", "status"), [("anonymous", 401), ("reader", 403), ("editor", 403)])
async def test_only_admins_may_call_the_admin_api(
    client: Client, reader: SignedIn, editor: SignedIn, who: str, status: int
) -> None:
    """Every admin endpoint refuses this role, and nothing changes."""
    headers = {"reader": reader.headers, "editor": editor.headers}.get(who, {})
    await client.post("/v1/admin/flags", json={"key": "night_mode"}, headers=headers)
    for method, path, body in ENDPOINTS:
        url = path.format(id=reader.user["id"], key="night_mode")
        response = await client.request(method, url, json=body, headers=headers)
        problem = await response.json()
        assert response.status == status, (method, path, problem)
        assert response.content_type == "application/problem+json"
    me = await get_json(client, "/v1/me", reader.headers)
    assert (me["role"], me["tier"]) == ("reader", "free")


async def test_find_users_by_username_or_email_prefix(client: Client, admin: SignedIn) -> None:
    for name in ("banshee_a", "banshee_b", "wraith"):
        await sign_up(client, name, email=f"{name}@haunt.example.org")
    await sign_up(client, "poltergeist", email="banshee_fan@example.org")
    found = await get_json(client, "/v1/admin/users", admin.headers, q="BANSHEE")
    assert [u["username"] for u in found["items"]] == ["banshee_a", "banshee_b", "poltergeist"]
    names: list[str] = []
    cursor = None
    while True:
        params = {"limit": "2"} | ({"cursor": cursor} if cursor else {})
        page = await get_json(client, at("/v1/admin/users", params), admin.headers)
        names += [u["username"] for u in page["items"]]
        if (cursor := page["next_cursor"]) is None:
            break
    assert names == sorted(names) and len(names) == 5
    one = await get_json(client, f"/v1/admin/users/{admin.user['id']}", admin.headers)
    assert one["username"] == "moderator" and one["deactivated_at"] is None


async def test_role_and_tier_changes_apply_to_the_next_request(
    client: Client, reader: SignedIn, admin: SignedIn
) -> None:
    await get_json(client, "/v1/me", reader.headers)  # the session is cached now
    path = f"/v1/admin/users/{reader.user['id']}"
    response = await client.patch(
        path, json={"role": "editor", "tier": "premium"}, headers=admin.headers
    )
    assert response.status == 200
    me = await get_json(client, "/v1/me", reader.headers)
    assert (me["role"], me["tier"]) == ("editor", "premium")
    made = await client.post(
        "/v1/ghosts",
        json={"slug": "wisp", "name": "Wisp", "entity_type": "apparition", "danger_level": 1},
        headers=reader.headers,
    )
    assert made.status == 201  # an editor now, at once
    bad = await client.patch(path, json={"role": "overlord"}, headers=admin.headers)
    assert bad.status == 422
    empty = await client.patch(path, json={}, headers=admin.headers)
    assert empty.status == 422
    missing = await client.patch(
        "/v1/admin/users/00000000-0000-0000-0000-000000000000",
        json={"tier": "pro"},
        headers=admin.headers,
    )
    assert missing.status == 404


async def test_deactivation_ends_every_session_at_once_and_blocks_sign_in(
    client: Client, reader: SignedIn, admin: SignedIn
) -> None:
    second = await client.post(
        "/v1/auth/login", json={"login": reader.username, "password": PASSWORD}
    )
    other = (await second.json())["token"]
    for token in (reader.token, other):  # both sessions cached
        await get_json(client, "/v1/me", {"Authorization": f"Bearer {token}"})
    path = f"/v1/admin/users/{reader.user['id']}"
    response = await client.post(path + "/deactivate", headers=admin.headers)
    deactivated = await response.json()
    assert response.status == 200 and deactivated["deactivated_at"] is not None
    for token in (reader.token, other):
        await get_json(client, "/v1/me", {"Authorization": f"Bearer {token}"}, status=401)
    login = {"login": reader.username, "password": PASSWORD}
    refused = await client.post("/v1/auth/login", json=login)
    assert refused.status == 401
    assert "deactivated" in (await refused.json())["detail"]
    wrong = await client.post("/v1/auth/login", json=login | {"password": "wrong wrong wrong"})
    assert "deactivated" not in (await wrong.json())["detail"]  # says nothing to a guesser

    response = await client.post(path + "/reactivate", headers=admin.headers)
    assert (await response.json())["deactivated_at"] is None
    again = await client.post("/v1/auth/login", json=login)
    assert again.status == 200
    for token in (reader.token, other):  # the old sessions stay ended
        await get_json(client, "/v1/me", {"Authorization": f"Bearer {token}"}, status=401)


async def test_an_admin_cannot_deactivate_themselves(client: Client, admin: SignedIn) -> None:
    response = await client.post(
        f"/v1/admin/users/{admin.user['id']}/deactivate", headers=admin.headers
    )
    assert response.status == 409
    await get_json(client, "/v1/me", admin.headers)


async def test_flag_changes_show_in_the_public_list_at_once(
    client: Client, admin: SignedIn
) -> None:
    async def public_keys() -> list[str]:
        return [f["key"] for f in (await get_json(client, "/v1/flags"))["items"]]

    assert await public_keys() == []  # cached now
    created = await client.post(
        "/v1/admin/flags",
        json={"key": "night_mode", "enabled": True, "rollout_percent": 50, "description": "Dark"},
        headers=admin.headers,
    )
    assert created.status == 201
    assert await public_keys() == ["night_mode"]
    taken = await client.post("/v1/admin/flags", json={"key": "night_mode"}, headers=admin.headers)
    assert taken.status == 409
    bad = await client.post("/v1/admin/flags", json={"key": "Night Mode"}, headers=admin.headers)
    assert bad.status == 422
    changed = await client.patch(
        "/v1/admin/flags/night_mode", json={"enabled": False}, headers=admin.headers
    )
    assert (await changed.json())["enabled"] is False
    assert await public_keys() == []
    every = await get_json(client, "/v1/admin/flags", admin.headers)
    assert [(f["key"], f["rollout_percent"]) for f in every["items"]] == [("night_mode", 50)]
    deleted = await client.delete("/v1/admin/flags/night_mode", headers=admin.headers)
    assert deleted.status == 204
    for method in ("PATCH", "DELETE"):
        gone = await client.request(
            method, "/v1/admin/flags/night_mode", json={"enabled": True}, headers=admin.headers
        )
        assert gone.status == 404
    assert await get_json(client, "/v1/admin/flags", admin.headers) == {"items": []}


async def test_a_flag_write_drops_the_shared_cached_copy(
    client: Client, admin: SignedIn, redis_url: str
) -> None:
    """Every worker reads GET /v1/flags through the one Redis: the drop reaches them all."""
    await get_json(client, "/v1/flags")
    shared = redis.Redis.from_url(redis_url)
    try:
        assert await peek(shared, Keys.enabled_flags()) is not None
        await client.post("/v1/admin/flags", json={"key": "night_mode"}, headers=admin.headers)
        assert await peek(shared, Keys.enabled_flags()) is None
    finally:
        await shared.aclose()
