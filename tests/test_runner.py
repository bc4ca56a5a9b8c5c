"""Serving: the access log line, ACCESS_LOG, and the event loop UVLOOP picks."""

from __future__ import annotations

import asyncio
import logging

import aiohttp
import pytest
import uvloop
from aiohttp import web

from service.config import Settings
from service.runner import AccessLogger, event_loop
from service.web.request import request_id_middleware


async def _ping(request: web.Request) -> web.Response:
    return web.json_response({"ok": True})


async def _serve_once(caplog: pytest.LogCaptureFixture, *, access_log: bool) -> list[str]:
    app = web.Application(middlewares=[request_id_middleware])
    app.router.add_get("/ping", _ping)
    logger = logging.getLogger("aiohttp.access")
    runner = web.AppRunner(
        app, access_log=logger if access_log else None, access_log_class=AccessLogger
    )
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    port = runner.addresses[0][1]
    try:
        with caplog.at_level(logging.INFO, logger="aiohttp.access"):
            async with (
                aiohttp.ClientSession() as session,
                session.get(
                    f"http://127.0.0.1:{port}/ping?x=1", headers={"X-Request-ID": "r-1"}
                ) as response,
            ):
                assert response.status == 200
            await asyncio.sleep(0.05)  # the line is written after the response is sent
    finally:
        await runner.cleanup()
    return [r.getMessage() for r in caplog.records if r.name == "aiohttp.access"]


async def test_one_access_line_per_request(caplog: pytest.LogCaptureFixture) -> None:
    lines = await _serve_once(caplog, access_log=True)
    assert len(lines) == 1
    assert lines[0].startswith("127.0.0.1 ")
    assert '"GET /ping?x=1 HTTP/1.1" 200 ' in lines[0]
    assert lines[0].endswith("request_id=r-1")


async def test_access_log_off_writes_nothing(caplog: pytest.LogCaptureFixture) -> None:
    assert await _serve_once(caplog, access_log=False) == []


@pytest.mark.parametrize(("enabled", "kind"), [(True, uvloop.Loop), (False, asyncio.BaseEventLoop)])
def test_uvloop_setting_picks_the_loop(enabled: bool, kind: type) -> None:
    loop = event_loop(Settings(uvloop=enabled))
    try:
        assert isinstance(loop, kind)
        assert isinstance(loop, uvloop.Loop) == enabled
    finally:
        loop.close()
