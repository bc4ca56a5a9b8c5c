"""Serving the app: one process, or several worker processes sharing the port."""

from __future__ import annotations

import logging
import multiprocessing
import os
import signal
import sys
from types import FrameType

from aiohttp import web

from service.app import create_app
from service.config import Settings

ACCESS_LOG_FORMAT = '%a "%r" %s %b %Tfs request_id=%{X-Request-ID}o'


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
        access_log_format=ACCESS_LOG_FORMAT,
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
