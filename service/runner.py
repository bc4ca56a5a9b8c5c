"""Serving the app: one process, or several worker processes sharing the port."""

from __future__ import annotations

import asyncio
import logging
import multiprocessing
import os
import signal
import sys
from types import FrameType

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger

from service.app import create_app
from service.config import Settings
from service.web.request import REQUEST_ID_HEADER


class AccessLogger(AbstractAccessLogger):
    """One line per request: client, request line, status, bytes, seconds and request id.

    aiohttp's configurable logger interprets its format for every request; this one is a
    single %-format, filled only when the line is written.
    """

    def log(self, request: web.BaseRequest, response: web.StreamResponse, time: float) -> None:
        """Write the line for one answered request."""
        self.logger.info(
            '%s "%s %s HTTP/%d.%d" %d %d %.6fs request_id=%s',
            request.remote,
            request.method,
            request.path_qs,
            request.version.major,
            request.version.minor,
            response.status,
            response.body_length,
            time,
            response.headers.get(REQUEST_ID_HEADER, "-"),
        )

    @property
    def enabled(self) -> bool:
        """Whether a line would be written at all (the logger's level allows INFO)."""
        return self.logger.isEnabledFor(logging.INFO)


def event_loop(settings: Settings) -> asyncio.AbstractEventLoop:
    """uvloop's loop when UVLOOP is on and it is installed, else asyncio's default."""
    if settings.uvloop:
        try:
            import uvloop
        except ImportError:
            logging.getLogger("service.runner").info(
                "uvloop is not installed: using asyncio's loop"
            )
        else:
            return uvloop.new_event_loop()
    return asyncio.new_event_loop()


def serve(settings: Settings, *, reuse_port: bool = False) -> None:
    """Serve until SIGINT/SIGTERM, then let in-flight requests finish (graceful shutdown)."""
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    web.run_app(
        create_app(settings),
        host=settings.host,
        port=settings.port,
        reuse_port=reuse_port,
        shutdown_timeout=settings.shutdown_timeout,
        access_log=logging.getLogger("aiohttp.access") if settings.access_log else None,
        access_log_class=AccessLogger,
        loop=event_loop(settings),
        print=lambda message: print(message, file=sys.stderr),
    )


def serve_workers(settings: Settings) -> int:
    """Run `settings.workers` processes on one port; forward SIGINT/SIGTERM to them."""
    if settings.workers <= 1:
        serve(settings)
        return 0
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(
            target=serve, args=(settings,), kwargs={"reuse_port": True}, name=f"web-{n}"
        )
        for n in range(settings.workers)
    ]
    for worker in workers:
        worker.start()

    def forward(signum: int, frame: FrameType | None) -> None:
        # Ctrl-C already reached the workers (same process group); SIGTERM may not have.
        for worker in workers:
            if worker.is_alive() and worker.pid is not None:
                os.kill(worker.pid, signal.SIGTERM)

    signal.signal(signal.SIGTERM, forward)
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    for worker in workers:
        worker.join()
    return max((worker.exitcode or 0) for worker in workers)
