"""Media uploads: upload -> detail -> download -> delete, content-addressed files shared by
equal uploads and removed by a job once unreferenced, and bad uploads refused unwritten."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import aiohttp
import asyncpg
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient
from apicheck import Headers, SignedIn, get_json, run_due_jobs
from PIL import Image

from service.config import Settings
from service.domain.media import LocalMediaStore
from service.jobs import queue as jobs
from service.jobs.schedules import PURGE_MEDIA
from service.store.db import Connection

Client = TestClient[web.Request, web.Application]
MAX_BYTES = 64 * 1024


@pytest.fixture
def settings(migrated_dsn: str, redis_url: str, tmp_path: Path) -> Settings:
    """The app's settings with its own media directory and a small upload limit."""
    return Settings(
        database_url=migrated_dsn,
        redis_url=redis_url,
        db_pool_min_size=1,
        data_dir=str(tmp_path),
        media_max_bytes=MAX_BYTES,
    )


def image(kind: str = "PNG", size: tuple[int, int] = (3, 2), colour: str = "red") -> bytes:
    """A small image of `kind` (Pillow's format name)."""
    out = io.BytesIO()
    Image.new("RGB", size, colour).save(out, format=kind)
    return out.getvalue()


def form(data: bytes | None, alt_text: str | None = "A grey figure", **extra: str) -> Any:
    body = aiohttp.FormData(default_to_multipart=True)
    if data is not None:
        body.add_field("file", data, filename="upload.bin", content_type="application/octet-stream")
    if alt_text is not None:
        body.add_field("alt_text", alt_text)
    for name, value in extra.items():
        body.add_field(name, value)
    return body


async def upload(
    client: Client, path: str, headers: Headers, body: Any, status: int = 201
) -> dict[str, Any]:
    response = await client.post(path, data=body, headers=headers)
    answer: dict[str, Any] = await response.json()
    assert response.status == status, answer
    return answer


@pytest.fixture
async def parents(client: Client, editor: SignedIn) -> None:
    """A published entity `grey-lady` and a published story `the-knock`."""
    ghost = {"slug": "grey-lady", "name": "Grey Lady", "entity_type": "apparition"}
    response = await client.post(
        "/v1/ghosts",
        json=ghost | {"danger_level": 2, "status": "published"},
        headers=editor.headers,
    )
    assert response.status == 201
    story = {"slug": "the-knock", "title": "The Knock", "body": "Knock.", "status": "published"}
    response = await client.post("/v1/stories", json=story, headers=editor.headers)
    assert response.status == 201


def stored(settings: Settings) -> list[str]:
    return sorted(LocalMediaStore(settings.media_path).digests())


@pytest.mark.usefixtures("parents")
async def test_media_round_trip_leaves_no_file_behind(
    client: Client,
    editor: SignedIn,
    settings: Settings,
    worker: jobs.Worker,
    wconn: Connection,
    pool: asyncpg.Pool,
) -> None:
    png, jpeg, webp = image("PNG"), image("JPEG", (4, 5)), image("WEBP", (6, 7))
    # Cached before the uploads: each upload and delete drops its parent's cached page.
    assert (await get_json(client, "/v1/ghosts/grey-lady"))["media"] == []
    assert (await get_json(client, "/v1/stories/the-knock"))["media"] == []
    made = [
        await upload(
            client, "/v1/ghosts/grey-lady/media", editor.headers, form(png, "Second", position="5")
        ),
        # Without a position it goes after the others: position 1.
        await upload(client, "/v1/ghosts/grey-lady/media", editor.headers, form(jpeg, "First")),
    ]
    made.append(await upload(client, "/v1/stories/the-knock/media", editor.headers, form(webp)))
    assert [(m["mime_type"], m["width"], m["height"]) for m in made] == [
        ("image/png", 3, 2),
        ("image/jpeg", 4, 5),
        ("image/webp", 6, 7),
    ]
    detail = await get_json(client, "/v1/ghosts/grey-lady")
    assert [m["alt_text"] for m in detail["media"]] == ["First", "Second"]  # by position
    story = await get_json(client, "/v1/stories/the-knock")
    assert [m["id"] for m in story["media"]] == [made[2]["id"]]

    for item, content in zip(made, (png, jpeg, webp), strict=True):
        response = await client.get(item["url"])
        assert response.status == 200
        assert await response.read() == content
        assert response.content_type == item["mime_type"]
        assert response.headers["Cache-Control"] == "public, max-age=31536000, immutable"
        again = await client.get(item["url"], headers={"If-None-Match": response.headers["ETag"]})
        assert again.status == 304
    assert len(stored(settings)) == 3

    response = await client.delete(made[0]["url"], headers=editor.headers)
    assert response.status == 204
    await run_due_jobs(worker, wconn, pool)
    assert len(stored(settings)) == 2
    assert (await client.get(made[0]["url"])).status == 404
    detail = await get_json(client, "/v1/ghosts/grey-lady")
    assert [m["alt_text"] for m in detail["media"]] == ["First"]
    # Deleting the parents takes their media and, through the job, their files.
    assert (await client.delete("/v1/ghosts/grey-lady", headers=editor.headers)).status == 204
    assert (await client.delete("/v1/stories/the-knock", headers=editor.headers)).status == 204
    await run_due_jobs(worker, wconn, pool)
    assert stored(settings) == []
    assert await pool.fetchval("SELECT count(*) FROM media") == 0


@pytest.mark.usefixtures("parents")
async def test_a_shared_file_goes_only_when_nothing_refers_to_it(
    client: Client,
    editor: SignedIn,
    settings: Settings,
    worker: jobs.Worker,
    wconn: Connection,
    pool: asyncpg.Pool,
) -> None:
    png = image()
    first = await upload(client, "/v1/ghosts/grey-lady/media", editor.headers, form(png))
    await upload(client, "/v1/stories/the-knock/media", editor.headers, form(png))
    assert len(stored(settings)) == 1  # same content, one file
    assert (await client.delete(first["url"], headers=editor.headers)).status == 204
    await run_due_jobs(worker, wconn, pool)
    assert len(stored(settings)) == 1  # the story's media still shows it
    assert (await client.delete("/v1/stories/the-knock", headers=editor.headers)).status == 204
    await run_due_jobs(worker, wconn, pool)
    assert stored(settings) == []


@pytest.mark.usefixtures("parents")
@pytest.mark.parametrize(
    ("body", "status"),
    [
        pytest.param(lambda: form(image(size=(200, 200), colour="white") * 400), 413, id="large"),
        pytest.param(lambda: form(image("GIF")), 415, id="gif"),
        pytest.param(lambda: form(b"<svg xmlns='http://www.w3.org/2000/svg'/>"), 415, id="svg"),
        pytest.param(lambda: form(image()[:30]), 415, id="truncated-png"),
        pytest.param(lambda: form(image(), alt_text=None), 422, id="no-alt-text"),
        pytest.param(lambda: form(image(), alt_text="   "), 422, id="blank-alt-text"),
        pytest.param(lambda: form(None), 422, id="no-file"),
        pytest.param(lambda: form(image(), position="-1"), 422, id="bad-position"),
    ],
)
async def test_bad_uploads_are_refused_and_nothing_is_written(
    client: Client,
    editor: SignedIn,
    settings: Settings,
    pool: asyncpg.Pool,
    body: Any,
    status: int,
) -> None:
    problem = await upload(client, "/v1/ghosts/grey-lady/media", editor.headers, body(), status)
    assert problem["status"] == status
    assert stored(settings) == []
    assert await pool.fetchval("SELECT count(*) FROM media") == 0


@pytest.mark.usefixtures("parents")
async def test_only_editors_and_admins_upload_or_delete(
    client: Client, reader: SignedIn, editor: SignedIn, settings: Settings
) -> None:
    for headers, status in (({}, 401), (reader.headers, 403)):
        await upload(client, "/v1/ghosts/grey-lady/media", headers, form(image()), status)
    made = await upload(client, "/v1/ghosts/grey-lady/media", editor.headers, form(image()))
    for headers, status in (({}, 401), (reader.headers, 403)):
        response = await client.delete(made["url"], headers=headers)
        assert response.status == status
    await upload(client, "/v1/ghosts/no-such-ghost/media", editor.headers, form(image()), 404)
    assert len(stored(settings)) == 1


async def test_the_retention_sweep_removes_orphaned_files(
    settings: Settings, worker: jobs.Worker, wconn: Connection, pool: asyncpg.Pool
) -> None:
    """A file no row refers to (its row deleted in SQL, say) goes with retention.media."""
    store = LocalMediaStore(settings.media_path)
    digest = "ab" * 32
    await store.put(digest, b"orphan")
    await jobs.enqueue(pool, PURGE_MEDIA, {"root": str(settings.media_path)})
    await run_due_jobs(worker, wconn, pool)
    assert not await store.exists(digest)


def test_each_database_keeps_its_media_apart(tmp_path: Path) -> None:
    """Databases sharing a data directory (tests, a restored copy) never sweep each other's."""
    paths = {
        Settings(database_url=f"postgresql://localhost/{name}", data_dir=str(tmp_path)).media_path
        for name in ("ghostypedia", "ghostypedia_restored")
    }
    assert len(paths) == 2
    assert all(path.parent == tmp_path / "media" for path in paths)
