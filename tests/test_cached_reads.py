"""Cached public reads over HTTP: hits, invalidation by every write, editors, stampedes,
session revocation across processes, and Redis going away (service/cache/catalog.py)."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import uuid
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import asyncpg
import pytest
import redis.asyncio as redis
from aiohttp import web
from aiohttp.test_utils import TestClient, TestServer
from apicheck import PASSWORD, SignedIn, bearer, sign_up
from cachepeek import peek

from service.app import create_app
from service.cache.catalog import Keys
from service.cache.engine import CACHE, Cache
from service.config import Settings
from service.dev.embedded import EmbeddedRedis
from service.domain.passwords import token_hash
from service.store.redis import REDIS
from service.web.auth import forget_sessions

Client = TestClient[web.Request, web.Application]
Headers = dict[str, str]
Json = Any

ANONYMOUS: Headers = {}
# Bounds that only turn a hang into a failure; nothing here measures speed.
NO_HANG = 30.0


async def get(client: Client, path: str, headers: Headers = ANONYMOUS) -> tuple[int, Json]:
    """Status and body; a problem's request_id (new each time) is left out."""
    response = await client.get(path, headers=headers)
    body = await response.json()
    if response.status >= 400:
        body.pop("request_id", None)
    return response.status, body


async def ok(client: Client, path: str, headers: Headers = ANONYMOUS) -> Json:
    status, body = await get(client, path, headers)
    assert status == 200, (path, body)
    return body


async def send(client: Client, method: str, path: str, headers: Headers, body: Json = None) -> Json:
    response = await client.request(method, path, json=body, headers=headers)
    assert response.status < 300, (method, path, await response.text())
    return None if response.status == 204 else await response.json()


@dataclasses.dataclass
class World:
    """Published content with every kind of link, an editor and a commenting reader."""

    client: Client
    conn: asyncpg.Connection
    editor: Headers
    alice: Headers
    alice_token: str
    comment_id: str

    @property
    def cache(self) -> Cache:
        return self.client.app[CACHE]

    async def patch(self, path: str, body: Json) -> Json:
        return await send(self.client, "PATCH", path, self.editor, body)


async def ghost(client: Client, editor: Headers, slug: str, **fields: Any) -> Json:
    body = {
        "slug": slug,
        "name": slug.replace("-", " ").title(),
        "entity_type": "apparition",
        "danger_level": 2,
        "status": "published",
        "tags": ["uk"],
    } | fields
    return await send(client, "POST", "/v1/ghosts", editor, body)


async def story(client: Client, editor: Headers, slug: str, *ghosts: str, **fields: Any) -> Json:
    body = {
        "slug": slug,
        "title": slug.replace("-", " ").title(),
        "status": "published",
        "tags": ["train"],
        "ghosts": [{"slug": g} for g in ghosts],
    } | fields
    return await send(client, "POST", "/v1/stories", editor, body)


async def relate(conn: asyncpg.Connection, source: str, target: str) -> None:
    await conn.execute(
        "INSERT INTO ghost_entity_relationships (source_id, target_id, relationship_type)"
        " SELECT s.id, t.id, 'related' FROM ghost_entities s, ghost_entities t"
        " WHERE s.slug = $1 AND t.slug = $2",
        source,
        target,
    )


@pytest.fixture
async def world(client: Client, conn: asyncpg.Connection, editor: SignedIn) -> World:
    alice = await sign_up(client, "alice")
    for slug in ("grey-lady", "white-lady", "black-dog"):
        await ghost(client, editor.headers, slug)
    await relate(conn, "grey-lady", "white-lady")
    await story(client, editor.headers, "night-walk", "grey-lady")
    await story(client, editor.headers, "lonely-road")
    await conn.execute(
        "INSERT INTO feature_flags (key, enabled, rollout_percent) VALUES"
        " ('digital-twin', true, 100), ('recommendations-v2', false, 0)"
    )
    comment = await send(
        client,
        "POST",
        "/v1/stories/night-walk/comments",
        alice.headers,
        {"body": "I saw her too."},
    )
    return World(client, conn, editor.headers, alice.headers, alice.token, comment["id"])


# Every cached route, as an anonymous reader asks for it.
CACHED_ROUTES = [
    "/v1/ghosts/grey-lady",
    "/v1/ghosts/grey-lady/related",
    "/v1/ghosts/grey-lady/stories",
    "/v1/ghosts",
    "/v1/ghosts?q=lady&tags=uk&type=apparition&min_danger=1&limit=5",
    "/v1/ghosts?sort=name&limit=1",
    "/v1/ghosts/suggest?prefix=gr",
    "/v1/stories/night-walk",
    "/v1/stories",
    "/v1/stories?ghost=grey-lady&sort=title",
    "/v1/stories/night-walk/comments",
    "/v1/flags",
    "/v1/search?q=lady",
]


# ---- hits --------------------------------------------------------------------------------------


@pytest.mark.parametrize("path", CACHED_ROUTES)
async def test_a_second_read_is_a_hit_with_the_same_bytes(world: World, path: str) -> None:
    cache, client = world.cache, world.client
    first = await client.get(path)
    assert first.status == 200
    await cache.settled()  # a miss answers before its store lands (one round trip a request)
    hits, loads = cache.hits, cache.loads
    second = await client.get(path)
    assert second.status == 200
    assert (cache.hits, cache.loads) == (hits + 1, loads)
    assert await second.read() == await first.read()
    assert second.headers["ETag"] == first.headers["ETag"]
    assert "public" in second.headers["Cache-Control"]
    repeat = await client.get(path, headers={"If-None-Match": second.headers["ETag"]})
    assert repeat.status == 304


async def test_equivalent_query_strings_share_one_entry(world: World) -> None:
    cache, client = world.cache, world.client
    await ok(client, "/v1/ghosts?tags=uk&limit=20&sort=recent")
    loads = cache.loads
    for same in ("/v1/ghosts?tags=uk", "/v1/ghosts?limit=20&tags=uk,uk", "/v1/ghosts?tags=uk"):
        await ok(client, same)
    assert cache.loads == loads


async def test_every_page_of_a_list_is_cached_and_cursors_still_page(world: World) -> None:
    client = world.client
    seen: list[str] = []
    cursor = None
    for _ in range(2):  # twice: the second walk is served from the cache
        seen, cursor = [], None
        while True:
            path = "/v1/ghosts?sort=name&limit=1" + (f"&cursor={cursor}" if cursor else "")
            page = await ok(client, path)
            seen += [item["slug"] for item in page["items"]]
            if (cursor := page["next_cursor"]) is None:
                break
    assert seen == ["black-dog", "grey-lady", "white-lady"]
    loads = world.cache.loads
    await ok(client, "/v1/ghosts?sort=name&limit=1")
    assert world.cache.loads == loads


async def test_bad_parameters_are_still_422_and_never_cached(world: World) -> None:
    for path in ("/v1/ghosts?sort=relevance", "/v1/ghosts?cursor=nonsense", "/v1/ghosts?x=1"):
        for _ in range(2):
            status, body = await get(world.client, path)
            assert status == 422, body


# ---- invalidation ------------------------------------------------------------------------------


Write = Callable[[World], Awaitable[Any]]
Check = Callable[[int, Json], bool]


def names(body: Json, key: str = "items", field: str = "name") -> list[str]:
    return [item[field] for item in body[key]]


async def rename_grey_lady(w: World) -> None:
    await w.patch("/v1/ghosts/grey-lady", {"name": "Grey Countess"})


async def move_grey_lady(w: World) -> None:
    await w.patch("/v1/ghosts/grey-lady", {"slug": "grey-countess"})


async def hide_grey_lady(w: World) -> None:
    await w.patch("/v1/ghosts/grey-lady", {"status": "draft"})


async def delete_grey_lady(w: World) -> None:
    await send(w.client, "DELETE", "/v1/ghosts/grey-lady", w.editor)


async def rename_white_lady(w: World) -> None:
    await w.patch("/v1/ghosts/white-lady", {"name": "Pale Lady"})


async def retitle_night_walk(w: World) -> None:
    await w.patch("/v1/stories/night-walk", {"title": "Night Stroll"})


async def move_night_walk(w: World) -> None:
    await w.patch("/v1/stories/night-walk", {"slug": "night-stroll"})


async def unpublish_night_walk(w: World) -> None:
    await w.patch("/v1/stories/night-walk", {"status": "draft"})


async def delete_night_walk(w: World) -> None:
    await send(w.client, "DELETE", "/v1/stories/night-walk", w.editor)


async def unlink_night_walk(w: World) -> None:
    await w.patch("/v1/stories/night-walk", {"ghosts": [{"slug": "black-dog"}]})


async def link_lonely_road(w: World) -> None:
    await w.patch("/v1/stories/lonely-road", {"ghosts": [{"slug": "grey-lady"}]})


async def new_story_about_grey_lady(w: World) -> None:
    await story(w.client, w.editor, "dark-lane", "grey-lady", title="Dark Lane")


async def new_ghost(w: World) -> None:
    await ghost(w.client, w.editor, "green-lady", name="Grey Green Lady")


async def comment(w: World) -> None:
    await send(
        w.client, "POST", "/v1/stories/night-walk/comments", w.alice, {"body": "Me as well."}
    )


async def edit_comment(w: World) -> None:
    await send(w.client, "PATCH", f"/v1/comments/{w.comment_id}", w.alice, {"body": "Edited."})


async def delete_comment(w: World) -> None:
    await send(w.client, "DELETE", f"/v1/comments/{w.comment_id}", w.alice)


async def alice_renames_herself(w: World) -> None:
    await send(w.client, "PATCH", "/v1/me", w.alice, {"display_name": "Alice Liddell"})


def first_comment(body: Json) -> Json:
    return body["items"][0]


SCENARIOS: list[tuple[str, str, Write, Check]] = [
    # the entity page: itself, its related entities, its stories
    ("ghost renamed", "/v1/ghosts/grey-lady", rename_grey_lady,
     lambda s, b: b["name"] == "Grey Countess"),
    ("ghost unpublished", "/v1/ghosts/grey-lady", hide_grey_lady, lambda s, b: s == 404),
    ("ghost deleted", "/v1/ghosts/grey-lady", delete_grey_lady, lambda s, b: s == 404),
    ("ghost moved", "/v1/ghosts/grey-lady", move_grey_lady, lambda s, b: s == 404),
    ("related renamed", "/v1/ghosts/grey-lady", rename_white_lady,
     lambda s, b: names(b["related"]) == ["Pale Lady"]),
    ("related renamed (other side)", "/v1/ghosts/white-lady", rename_grey_lady,
     lambda s, b: names(b["related"]) == ["Grey Countess"]),
    ("linked story retitled", "/v1/ghosts/grey-lady", retitle_night_walk,
     lambda s, b: names(b["stories"], field="title") == ["Night Stroll"]),
    ("linked story unlinked", "/v1/ghosts/grey-lady", unlink_night_walk,
     lambda s, b: b["stories"]["items"] == []),
    ("story linked", "/v1/ghosts/grey-lady", link_lonely_road,
     lambda s, b: len(b["stories"]["items"]) == 2),
    ("story created", "/v1/ghosts/grey-lady", new_story_about_grey_lady,
     lambda s, b: "Dark Lane" in names(b["stories"], field="title")),
    ("linked story deleted", "/v1/ghosts/grey-lady", delete_night_walk,
     lambda s, b: b["stories"]["items"] == []),
    ("related page", "/v1/ghosts/grey-lady/related", rename_white_lady,
     lambda s, b: names(b) == ["Pale Lady"]),
    ("related page, ghost gone", "/v1/ghosts/grey-lady/related", delete_grey_lady,
     lambda s, b: s == 404),
    ("related page of the other", "/v1/ghosts/white-lady/related", hide_grey_lady,
     lambda s, b: b["items"] == []),
    ("stories page", "/v1/ghosts/grey-lady/stories", retitle_night_walk,
     lambda s, b: names(b, field="title") == ["Night Stroll"]),
    ("stories page, unlinked", "/v1/ghosts/grey-lady/stories", unlink_night_walk,
     lambda s, b: b["items"] == []),
    ("stories page, new story", "/v1/ghosts/grey-lady/stories", new_story_about_grey_lady,
     lambda s, b: len(b["items"]) == 2),
    # lists and autocomplete
    ("list, ghost created", "/v1/ghosts", new_ghost, lambda s, b: len(b["items"]) == 4),
    ("list, ghost renamed", "/v1/ghosts?sort=name", rename_grey_lady,
     lambda s, b: "Grey Countess" in names(b)),
    ("list, ghost deleted", "/v1/ghosts", delete_grey_lady, lambda s, b: len(b["items"]) == 2),
    ("search, ghost renamed", "/v1/ghosts?q=countess", rename_grey_lady,
     lambda s, b: names(b) == ["Grey Countess"]),
    ("cross-content search, ghost renamed", "/v1/search?q=countess&kind=ghost", rename_grey_lady,
     lambda s, b: names(b, field="title") == ["Grey Countess"]),
    ("suggest, ghost renamed", "/v1/ghosts/suggest?prefix=grey", rename_grey_lady,
     lambda s, b: names(b) == ["Grey Countess"]),
    ("suggest, ghost created", "/v1/ghosts/suggest?prefix=grey", new_ghost,
     lambda s, b: "Grey Green Lady" in names(b)),
    ("story list, story retitled", "/v1/stories?sort=title", retitle_night_walk,
     lambda s, b: "Night Stroll" in names(b, field="title")),
    ("story list, story created", "/v1/stories", new_story_about_grey_lady,
     lambda s, b: len(b["items"]) == 3),
    ("story list by ghost, ghost moved", "/v1/stories?ghost=grey-countess", move_grey_lady,
     lambda s, b: names(b, field="slug") == ["night-walk"]),
    ("story list by ghost, story linked", "/v1/stories?ghost=grey-lady", link_lonely_road,
     lambda s, b: len(b["items"]) == 2),
    # the story page: itself and its entities
    ("story retitled", "/v1/stories/night-walk", retitle_night_walk,
     lambda s, b: b["title"] == "Night Stroll"),
    ("story unpublished", "/v1/stories/night-walk", unpublish_night_walk, lambda s, b: s == 404),
    ("story moved", "/v1/stories/night-walk", move_night_walk, lambda s, b: s == 404),
    ("story relinked", "/v1/stories/night-walk", unlink_night_walk,
     lambda s, b: names(b, key="ghosts") == ["Black Dog"]),
    ("its ghost renamed", "/v1/stories/night-walk", rename_grey_lady,
     lambda s, b: names(b, key="ghosts") == ["Grey Countess"]),
    ("its ghost moved", "/v1/stories/night-walk", move_grey_lady,
     lambda s, b: names(b, key="ghosts", field="slug") == ["grey-countess"]),
    ("its ghost deleted", "/v1/stories/night-walk", delete_grey_lady,
     lambda s, b: b["ghosts"] == []),
    ("its ghost unpublished", "/v1/stories/night-walk", hide_grey_lady,
     lambda s, b: b["ghosts"] == []),
    # comment threads
    ("comment posted", "/v1/stories/night-walk/comments", comment,
     lambda s, b: len(b["items"]) == 2),
    ("comment edited", "/v1/stories/night-walk/comments", edit_comment,
     lambda s, b: first_comment(b)["body"] == "Edited."),
    ("comment deleted", "/v1/stories/night-walk/comments", delete_comment,
     lambda s, b: first_comment(b)["deleted"] is True),
    ("author renamed", "/v1/stories/night-walk/comments", alice_renames_herself,
     lambda s, b: first_comment(b)["author"]["display_name"] == "Alice Liddell"),
    ("threads of an unpublished story", "/v1/stories/night-walk/comments",
     unpublish_night_walk, lambda s, b: s == 404),
    ("threads of a moved story", "/v1/stories/night-walk/comments", move_night_walk,
     lambda s, b: s == 404),
    ("threads of a deleted story", "/v1/stories/night-walk/comments", delete_night_walk,
     lambda s, b: s == 404),
]  # fmt: skip


@pytest.mark.parametrize(
    ("path", "write", "check"),
    [scenario[1:] for scenario in SCENARIOS],
    ids=[scenario[0] for scenario in SCENARIOS],
)
async def test_a_write_through_the_api_is_seen_by_the_next_read(
    world: World, path: str, write: Write, check: Check
) -> None:
    before = await get(world.client, path)
    assert not check(*before), "the scenario must change what the route shows"
    await world.cache.settled()
    hits = world.cache.hits
    assert await get(world.client, path) == before
    assert world.cache.hits > hits  # it was cached
    await write(world)
    status, body = await get(world.client, path)
    assert check(status, body), body


async def test_a_moved_story_has_its_threads_at_the_new_slug(world: World) -> None:
    await ok(world.client, "/v1/stories/night-walk/comments")
    assert (await get(world.client, "/v1/stories/night-stroll/comments"))[0] == 404
    await move_night_walk(world)
    threads = await ok(world.client, "/v1/stories/night-stroll/comments")
    assert len(threads["items"]) == 1


@pytest.mark.parametrize(
    ("path", "create"),
    [
        ("/v1/ghosts/green-lady", new_ghost),
        ("/v1/ghosts/green-lady/related", new_ghost),
        ("/v1/ghosts/green-lady/stories", new_ghost),
        ("/v1/stories/dark-lane", new_story_about_grey_lady),
        ("/v1/stories/dark-lane/comments", new_story_about_grey_lady),
        ("/v1/ghosts/grey-countess", move_grey_lady),
        ("/v1/stories/night-stroll", move_night_walk),
    ],
)
async def test_not_found_is_cached_until_the_page_is_created(
    world: World, path: str, create: Write
) -> None:
    cache = world.cache
    assert (await get(world.client, path))[0] == 404
    loads = cache.loads
    assert (await get(world.client, path))[0] == 404
    assert cache.loads == loads  # the 404 came from the cache
    await create(world)
    await ok(world.client, path)


async def test_a_write_on_one_instance_is_seen_at_once_by_another(
    world: World, settings: Settings
) -> None:
    async with TestClient(TestServer(create_app(settings))) as other:
        assert (await ok(other, "/v1/ghosts/grey-lady"))["name"] == "Grey Lady"
        await other.app[CACHE].settled()
        assert (await ok(other, "/v1/ghosts/grey-lady"))["name"] == "Grey Lady"
        assert other.app[CACHE].hits >= 1
        await rename_grey_lady(world)
        assert (await ok(other, "/v1/ghosts/grey-lady"))["name"] == "Grey Countess"
        assert names(await ok(other, "/v1/stories/night-walk"), key="ghosts") == ["Grey Countess"]


# ---- editors -----------------------------------------------------------------------------------

# Routes whose answer depends on who asks (drafts); suggest, comments and flags never show
# drafts, so they are cached for editors too.
EDITORS_BYPASS = [
    "/v1/ghosts/white-lady",
    "/v1/ghosts/white-lady/related",
    "/v1/ghosts/white-lady/stories",
    "/v1/ghosts",
    "/v1/ghosts?q=lady&sort=name",
    "/v1/stories/lonely-road",
    "/v1/stories",
    "/v1/stories?ghost=grey-lady&sort=title",
]


@pytest.mark.parametrize(
    "path",
    [
        "/v1/ghosts/secret-one",
        "/v1/ghosts/grey-lady",
        "/v1/ghosts/grey-lady/related",
        "/v1/ghosts/grey-lady/stories",
        "/v1/ghosts?sort=name",
        "/v1/stories/draft-tale",
        "/v1/stories?sort=title",
    ],
)
async def test_editors_see_drafts_past_the_cache_and_nobody_else_does(
    world: World, path: str
) -> None:
    await ghost(world.client, world.editor, "secret-one", status="draft")
    await relate(world.conn, "grey-lady", "secret-one")
    await story(world.client, world.editor, "draft-tale", "grey-lady", status="draft")
    anonymous = await get(world.client, path)
    response = await world.client.get(path, headers=world.editor)
    assert response.status == 200
    assert response.headers["Cache-Control"] == "private, no-store"
    assert "ETag" not in response.headers
    as_editor = await response.json()
    assert as_editor != anonymous[1]
    assert "secret" in str(as_editor) or "draft" in str(as_editor)
    # What the editor saw was not stored: readers still get the public page.
    assert await get(world.client, path) == anonymous
    assert await get(world.client, path, world.alice) == anonymous


async def test_editors_reads_store_nothing(world: World, raw: redis.Redis) -> None:
    await ok(world.client, "/v1/ghosts/black-dog", world.editor)  # the session is cached once
    before = {key async for key in raw.scan_iter(match="gp:v1:*")}
    for path in EDITORS_BYPASS:
        await ok(world.client, path, world.editor)
    after = {key async for key in raw.scan_iter(match="gp:v1:*")}
    assert after == before


# ---- stampedes ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path", ["/v1/ghosts/grey-lady", "/v1/ghosts/nobody", "/v1/stories/night-walk/comments"]
)
async def test_concurrent_cold_reads_of_one_page_load_it_once(world: World, path: str) -> None:
    cache = world.cache
    loads = cache.loads
    async with asyncio.timeout(NO_HANG):
        answers = await asyncio.gather(*(get(world.client, path) for _ in range(100)))
    assert len({str(answer) for answer in answers}) == 1
    assert cache.loads == loads + 1


# ---- sessions ----------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def second_instance(settings: Settings) -> AsyncIterator[Client]:
    """Another process, as far as the cache is concerned: its own app, pool and Redis client."""
    async with TestClient(TestServer(create_app(settings))) as other:
        yield other


async def sign_out(client: Client, token: str, other_token: str) -> None:
    assert (await client.post("/v1/auth/logout", headers=bearer(token))).status == 204


async def revoke_from_another_session(client: Client, token: str, other_token: str) -> None:
    me = await ok(client, "/v1/me/sessions", bearer(token))
    current = next(item["id"] for item in me["items"] if item["current"])
    response = await client.delete(f"/v1/me/sessions/{current}", headers=bearer(other_token))
    assert response.status == 204


async def change_password_elsewhere(client: Client, token: str, other_token: str) -> None:
    body = {"password": "a much better passphrase", "current_password": PASSWORD}
    await send(client, "PATCH", "/v1/me", bearer(other_token), body)


@pytest.mark.parametrize(
    "revoke", [sign_out, revoke_from_another_session, change_password_elsewhere]
)
async def test_revocation_is_seen_at_once_by_every_instance(
    client: Client, settings: Settings, revoke: Callable[[Client, str, str], Awaitable[None]]
) -> None:
    token = (await sign_up(client, "ada")).token
    response = await client.post("/v1/auth/login", json={"login": "ada", "password": PASSWORD})
    other_token = (await response.json())["token"]
    client.session.cookie_jar.clear()
    async with second_instance(settings) as other:
        assert (await other.get("/v1/me", headers=bearer(token))).status == 200
        hits = other.app[CACHE].hits
        assert (await other.get("/v1/me", headers=bearer(token))).status == 200
        assert other.app[CACHE].hits == hits + 1  # the session came from the cache
        assert (await client.get("/v1/me", headers=bearer(token))).status == 200
        await revoke(client, token, other_token)
        for instance in (other, client):
            response = await instance.get("/v1/me", headers=bearer(token))
            assert response.status == 401
            assert 'error="invalid_token"' in response.headers["WWW-Authenticate"]
        assert (await other.get("/v1/me", headers=bearer(other_token))).status == 200


async def test_a_cached_session_is_never_used_past_its_expiry(
    client: Client, conn: asyncpg.Connection
) -> None:
    ada = await sign_up(client, "ada")
    session_id = uuid.UUID(ada.session_id)
    await conn.execute(
        "UPDATE sessions SET expires_at = now() + interval '3 seconds' WHERE id = $1", session_id
    )
    assert (await client.get("/v1/me", headers=ada.headers)).status == 200
    assert await peek(client.app[REDIS], Keys.session(token_hash(ada.token)))
    ended = "SELECT expires_at <= now() FROM sessions WHERE id = $1"
    async with asyncio.timeout(NO_HANG):  # until PostgreSQL's clock says it has ended
        while True:
            if await conn.fetchval(ended, session_id):
                break
            await asyncio.sleep(0.1)
    # Nothing dropped the cached copy, which would live SESSION_CACHE_TTL: it knew the end.
    assert (await client.get("/v1/me", headers=ada.headers)).status == 401


async def test_a_session_changed_in_sql_is_seen_once_its_copy_is_dropped(
    client: Client, conn: asyncpg.Connection
) -> None:
    token = (await sign_up(client, "ada")).token
    assert (await client.get("/v1/me", headers=bearer(token))).status == 200
    await conn.execute("UPDATE users SET role = 'editor' WHERE username = 'ada'")
    draft = {"slug": "x", "name": "X", "entity_type": "apparition", "danger_level": 1}
    # Behind the API's back: the cached copy (at most SESSION_CACHE_TTL old) still says reader.
    assert (await client.post("/v1/ghosts", json=draft, headers=bearer(token))).status == 403
    await forget_sessions(client.app[CACHE], [token_hash(token)])
    assert (await client.post("/v1/ghosts", json=draft, headers=bearer(token))).status == 201


# ---- Redis going away --------------------------------------------------------------------------


@pytest.fixture
async def raw(redis_url: str) -> AsyncIterator[redis.Redis]:
    """A plain client, to look at what the cache wrote."""
    client = redis.Redis.from_url(redis_url)
    yield client
    await client.aclose()


def ours(server: EmbeddedRedis | None) -> EmbeddedRedis:
    if server is None:
        pytest.skip("an external Redis (TEST_REDIS_URL) is not ours to stop")
    return server


async def test_with_redis_stopped_every_route_answers_from_postgresql_and_nothing_stale_follows(
    world: World,
    settings: Settings,
    redis_server: EmbeddedRedis | None,
    raw: redis.Redis,
) -> None:
    server = ours(redis_server)
    quick = dataclasses.replace(
        settings, cache_breaker_cooldown=0.1, cache_timeout=0.2, redis_socket_timeout=0.1
    )
    async with second_instance(quick) as app:
        reader = bearer(world.alice_token)
        primed = {path: await ok(app, path) for path in CACHED_ROUTES}
        assert (await app.get("/v1/me", headers=reader)).status == 200
        assert app.app[CACHE].stores >= len(CACHED_ROUTES)
        # Redis will come back from this snapshot, with every entry above still in it.
        await raw.save()
        snapshot = server.data_dir / "dump.rdb"
        try:
            await asyncio.to_thread(server.stop)
            try:
                for path in CACHED_ROUTES:
                    assert await ok(app, path) == primed[path]
                await send(app, "PATCH", "/v1/ghosts/grey-lady", world.editor, {"name": "Gone"})
                await send(app, "POST", "/v1/auth/logout", reader)
                assert app.app[CACHE].pending_invalidations > 0
                assert (await ok(app, "/v1/ghosts/grey-lady"))["name"] == "Gone"
                assert (await app.get("/v1/me", headers=reader)).status == 401
            finally:
                await asyncio.to_thread(server.start)
        finally:
            snapshot.unlink(missing_ok=True)  # later restarts must come back empty
        await raw.connection_pool.disconnect()  # its connections died with the old server
        assert await raw.exists(*[f"gp:v1:gen:{ns}" for ns in ("ghosts", "sessions")]) == 2

        async def check() -> None:
            assert (await ok(app, "/v1/ghosts/grey-lady"))["name"] == "Gone"
            assert names(await ok(app, "/v1/stories/night-walk"), key="ghosts") == ["Gone"]
            assert names(await ok(app, "/v1/ghosts/white-lady/related")) == ["Gone"]
            assert "Gone" in names(await ok(app, "/v1/ghosts?sort=name"))
            assert (await app.get("/v1/me", headers=reader)).status == 401

        cache = app.app[CACHE]
        async with asyncio.timeout(NO_HANG):
            await check()  # at once, whether or not the breaker has closed yet
            while cache.breaker_state != "closed" or cache.pending_invalidations:
                await check()
                await asyncio.sleep(0.05)
            hits = cache.hits
            await check()
            await cache.settled()
            await check()
        assert cache.hits > hits  # the cache is in use again, and still nothing stale


async def test_after_an_outage_sessions_come_from_postgresql_until_older_copies_are_gone(
    client: Client,
    settings: Settings,
    redis_server: EmbeddedRedis | None,
    raw: redis.Redis,
) -> None:
    """A revocation one process could not send to Redis must not be missed by another process
    that reaches Redis again before the first replays it."""
    server = ours(redis_server)
    token = (await sign_up(client, "ada")).token
    # The revoking process gives up on Redis at the first failure and never retries by itself.
    stubborn = dataclasses.replace(
        settings, cache_breaker_failures=1, cache_breaker_cooldown=3600.0, cache_timeout=0.2
    )
    quick = dataclasses.replace(settings, cache_breaker_cooldown=0.1, cache_timeout=0.2)
    async with second_instance(stubborn) as revoker, second_instance(quick) as reader:
        for instance in (revoker, reader):
            assert (await instance.get("/v1/me", headers=bearer(token))).status == 200
        await raw.save()  # Redis comes back with the copy of the live session
        snapshot = server.data_dir / "dump.rdb"
        try:
            await asyncio.to_thread(server.stop)
            try:
                assert (await reader.get("/v1/me", headers=bearer(token))).status == 200
                assert (await revoker.post("/v1/auth/logout", headers=bearer(token))).status == 204
                assert revoker.app[CACHE].pending_invalidations == 1
            finally:
                await asyncio.to_thread(server.start)
        finally:
            snapshot.unlink(missing_ok=True)
        await raw.connection_pool.disconnect()
        key = Keys.session(token_hash(token))
        generation = await raw.get(f"gp:v1:gen:{key.namespace}")
        assert isinstance(generation, bytes)
        assert await raw.exists(key.entry(generation))  # the copy of the live session is back
        # The reader saw Redis fail: it asks PostgreSQL, though Redis still has the old copy.
        assert (await reader.get("/v1/me", headers=bearer(token))).status == 401
        assert revoker.app[CACHE].pending_invalidations == 1
