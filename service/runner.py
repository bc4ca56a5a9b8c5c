"""Serving the app: one process, or several worker processes sharing the port.

Each process serves two listeners:

- the public one, HOST:PORT (shared by the workers through SO_REUSEPORT): the API, the docs,
  `/health/live` and `/health/ready`;
- the internal one, INTERNAL_HOST:INTERNAL_PORT+n for worker n (loopback by default, 0 turns
  it off): `/metrics` and the detailed `/health` of that process (service.app's
  create_internal_app). A port per worker rather than a shared one, so that a scraper reaches
  every worker and each series stays one process's.

Requests aiohttp cannot parse (garbage, a request line or header over 8190 bytes) never reach
the app: the connection handler answers them itself. Ours answers a problem+json 400 that
repeats nothing of the request and logs one warning line (aiohttp's answers text/plain with
the start of the offending line, and logs an error with a traceback).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import multiprocessing
import os
import signal
from http import HTTPStatus
from types import FrameType
from typing import Final

from aiohttp import web
from aiohttp.abc import AbstractAccessLogger
from aiohttp.http_exceptions import HttpProcessingError, LineTooLong
from aiohttp.web_protocol import RequestHandler

from service.app import create_app, create_internal_app
from service.config import Settings
from service.web.headers import DEFAULT_CSP, EVERY_RESPONSE
from service.web.problems import Problem, encode_problem
from service.web.request import REQUEST_ID_HEADER, new_request_id

log = logging.getLogger("service.runner")

TOO_LONG: Final = "the request line or a header field is longer than this server accepts"
MALFORMED: Final = "the request is not valid HTTP/1.1"


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


class ProblemRequestHandler(RequestHandler):
    """aiohttp's connection handler, answering requests it cannot parse with a problem."""

    def handle_error(
        self,
        request: web.BaseRequest,
        status: int = 500,
        exc: BaseException | None = None,
        message: str | None = None,
    ) -> web.StreamResponse:
        """A 400 problem for a protocol error, naming nothing the client sent; aiohttp's own
        answer (a 500 for an error escaping the app) otherwise."""
        if not isinstance(exc, HttpProcessingError):
            return super().handle_error(request, status, exc, message)
        request_id = new_request_id()
        # One line, without the exception's message: it quotes the request.
        log.warning(
            "unparsable request from %s answered %d: %s request_id=%s",
            request.remote,
            status,
            type(exc).__name__,
            request_id,
        )
        detail = TOO_LONG if isinstance(exc, LineTooLong) else MALFORMED
        response = encode_problem(
            Problem(status, HTTPStatus(status).phrase, detail, type="malformed"),
            instance="",  # its path, if it had one, is the client's input
            request_id=request_id,
        )
        response.headers.update(EVERY_RESPONSE)
        response.headers["Content-Security-Policy"] = DEFAULT_CSP
        response.headers[REQUEST_ID_HEADER] = request_id
        response.force_close()
        return response


class _Server(web.Server):
    """aiohttp's Server making ProblemRequestHandlers: Server.__call__ has no hook for the
    handler's class, so this repeats its one line (aiohttp 3.10 to 3.14) with ours.
    tests/test_security.py sends unparsable requests and fails if this stops working."""

    def __call__(self) -> RequestHandler:
        return ProblemRequestHandler(self, loop=self._loop, **self._kwargs)


class AppRunner(web.AppRunner):
    """aiohttp's AppRunner whose connections are ProblemRequestHandlers."""

    async def _make_server(self) -> web.Server:
        server = await super()._make_server()  # starts the app
        return _Server(
            server.request_handler,
            request_factory=server.request_factory,
            handler_cancellation=server.handler_cancellation,
            **server._kwargs,
        )


async def listen(
    settings: Settings, *, reuse_port: bool = False, worker: int = 0, handle_signals: bool = False
) -> tuple[AppRunner, AppRunner | None]:
    """Start the app and its listeners (the internal one unless INTERNAL_PORT=0); the caller
    cleans the runners up, the internal one first. With `handle_signals` SIGINT and SIGTERM
    raise GracefulExit."""
    app = create_app(settings)
    runner = AppRunner(
        app,
        handle_signals=handle_signals,
        shutdown_timeout=settings.shutdown_timeout,
        access_log=logging.getLogger("aiohttp.access") if settings.access_log else None,
        access_log_class=AccessLogger,
    )
    await runner.setup()
    try:
        await web.TCPSite(runner, settings.host, settings.port, reuse_port=reuse_port).start()
        if not settings.internal_port:
            return runner, None
        internal = AppRunner(
            create_internal_app(app), shutdown_timeout=settings.shutdown_timeout, access_log=None
        )
        await internal.setup()
        try:
            port = settings.internal_port + worker
            await web.TCPSite(internal, settings.internal_host, port).start()
        except BaseException:
            await internal.cleanup()
            raise
    except BaseException:
        await runner.cleanup()
        raise
    return runner, internal


async def _serve(settings: Settings, *, reuse_port: bool, worker: int) -> None:
    runner, internal = await listen(
        settings, reuse_port=reuse_port, worker=worker, handle_signals=True
    )
    try:
        addresses = [*runner.addresses, *(internal.addresses if internal else [])]
        log.info("worker %d (pid %d) listening on %s", worker, os.getpid(), addresses)
        await asyncio.Event().wait()  # until SIGINT/SIGTERM raise GracefulExit (handle_signals)
    finally:
        if internal is not None:
            await internal.cleanup()
        await runner.cleanup()  # stops accepting, lets in-flight requests finish, closes


def serve(settings: Settings, *, reuse_port: bool = False, worker: int = 0) -> None:
    """Serve until SIGINT/SIGTERM, then let in-flight requests finish (graceful shutdown).

    What web.run_app does, with this module's AppRunner and two listeners."""
    logging.basicConfig(
        level=settings.log_level.upper(), format="%(asctime)s %(levelname)s %(name)s %(message)s"
    )
    loop = event_loop(settings)
    asyncio.set_event_loop(loop)
    main = loop.create_task(_serve(settings, reuse_port=reuse_port, worker=worker))
    try:
        loop.run_until_complete(main)
    except (web.GracefulExit, KeyboardInterrupt):
        pass
    finally:
        try:
            if not main.done():
                main.cancel()  # its `finally` shuts down gracefully
                with contextlib.suppress(asyncio.CancelledError):
                    loop.run_until_complete(main)
        finally:
            rest = asyncio.all_tasks(loop)
            for task in rest:
                task.cancel()
            loop.run_until_complete(asyncio.gather(*rest, return_exceptions=True))
            loop.run_until_complete(loop.shutdown_asyncgens())
            loop.close()
            asyncio.set_event_loop(None)


def serve_workers(settings: Settings) -> int:
    """Run `settings.workers` processes on one port; forward SIGINT/SIGTERM to them."""
    if settings.workers <= 1:
        serve(settings)
        return 0
    context = multiprocessing.get_context("spawn")
    workers = [
        context.Process(
            target=serve,
            args=(settings,),
            kwargs={"reuse_port": True, "worker": n},
            name=f"web-{n}",
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
