"""RFC 9457 problem responses, and the one middleware that turns exceptions into them."""

from __future__ import annotations

import datetime
import logging
from collections import deque
from typing import Any

import asyncpg
import msgspec
from aiohttp import web

from service.store.db import WritersBusy
from service.web.request import REQUEST_ID, Handler

log = logging.getLogger("service.web.problems")

PROBLEM_TYPE_BASE = "https://ghostypedia.example/problems/"
CONTENT_TYPE = "application/problem+json"


class Problem(Exception):
    """An error that becomes an application/problem+json response."""

    def __init__(
        self,
        status: int,
        title: str,
        detail: str = "",
        *,
        type: str = "",
        errors: list[dict[str, str]] | None = None,
        headers: dict[str, str] | None = None,
        extra: dict[str, Any] | None = None,
    ) -> None:
        super().__init__(detail or title)
        self.status = status
        self.title = title
        self.detail = detail
        self.type = type
        self.errors = errors
        self.headers = headers or {}
        self.extra = extra or {}


def problem_response(request: web.Request, problem: Problem) -> web.Response:
    """Serialize a Problem, with the request id and the request path as `instance`."""
    return encode_problem(problem, instance=request.path, request_id=request.get(REQUEST_ID, ""))


def encode_problem(problem: Problem, *, instance: str, request_id: str) -> web.Response:
    """A Problem as a response; `instance` is the request's path, or "" when it has none."""
    body: dict[str, Any] = {
        "type": PROBLEM_TYPE_BASE + problem.type if problem.type else "about:blank",
        "title": problem.title,
        "status": problem.status,
        "detail": problem.detail or problem.title,
        "instance": instance,
        "request_id": request_id,
        **problem.extra,
    }
    if problem.errors is not None:
        body["errors"] = problem.errors
    return web.Response(
        status=problem.status,
        body=msgspec.json.encode(body) + b"\n",
        content_type=CONTENT_TYPE,
        headers=problem.headers,
    )


def unavailable(detail: str, retry_after: int = 2) -> Problem:
    """503 for a database or pool that cannot serve right now."""
    return Problem(
        503,
        "Service Unavailable",
        detail,
        type="unavailable",
        headers={"Retry-After": str(retry_after)},
    )


def busy(retry_after: int = 1) -> Problem:
    """503 for a write that met a lock held by another change: retrying shortly succeeds."""
    return Problem(
        503,
        "Service Unavailable",
        "busy: another change holds what this request needs; retry shortly",
        type="busy",
        headers={"Retry-After": str(retry_after)},
    )


# Errors that mean "the database cannot serve now", not "the request is wrong". Connection
# classes (08: gone, never opened), operator intervention (57: shutdown, cancel, starting up),
# and asyncpg's own states of a connection the server dropped mid-protocol during a shutdown
# (InterfaceError "connection is closed", InternalClientError "cannot switch to state 12").
_UNAVAILABLE = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.OperatorInterventionError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.InternalClientError,
    asyncpg.exceptions.TooManyConnectionsError,
    ConnectionError,
    OSError,
    TimeoutError,
)
# Errors that mean "another transaction is in the way; the same request succeeds if retried":
# a lock wait over DB_LOCK_TIMEOUT (55P03), a deadlock or serialization failure (class 40), or
# every write slot of the pool taken by writers waiting on locks.
_BUSY = (
    asyncpg.exceptions.LockNotAvailableError,
    asyncpg.exceptions.TransactionRollbackError,
    WritersBusy,
)


def problem_for(exc: BaseException) -> Problem | None:
    """Map a known exception to a Problem; None for the unexpected."""
    if isinstance(exc, Problem):
        return exc
    if isinstance(exc, asyncpg.exceptions.UniqueViolationError):
        return Problem(409, "Conflict", _constraint_detail(exc, "already exists"), type="conflict")
    if isinstance(exc, asyncpg.exceptions.ForeignKeyViolationError):
        return Problem(
            409, "Conflict", _constraint_detail(exc, "refers to a missing row"), type="conflict"
        )
    if isinstance(exc, asyncpg.exceptions.CheckViolationError):
        return Problem(
            422,
            "Unprocessable Content",
            _constraint_detail(exc, "is out of range"),
            type="validation",
        )
    if isinstance(exc, asyncpg.exceptions.DataError) or (
        # asyncpg's client-side "invalid input for query argument" (e.g. an int out of range)
        isinstance(exc, asyncpg.exceptions.InterfaceError) and isinstance(exc, ValueError)
    ):
        # A value PostgreSQL cannot take (NUL in text, out of range, bad encoding): the
        # request's fault, not an outage. Name no value and no SQL.
        sqlstate = getattr(exc, "sqlstate", None)
        detail = "a value cannot be stored or compared" + (
            f" (SQLSTATE {sqlstate})" if sqlstate else ""
        )
        return Problem(422, "Unprocessable Content", detail, type="validation")
    if isinstance(exc, _BUSY):
        return busy()
    if isinstance(exc, _UNAVAILABLE):
        return unavailable("the database is unavailable; try again shortly")
    return None


def _constraint_detail(exc: asyncpg.PostgresError, what: str) -> str:
    # Name the constraint, never echo SQL or row values.
    constraint = getattr(exc, "constraint_name", None) or "a constraint"
    return f"a value {what} ({constraint})"


class RecentErrors:
    """The last unexpected errors (exception type, time, method, path, request id) for /health."""

    def __init__(self, size: int = 20) -> None:
        self._items: deque[dict[str, str]] = deque(maxlen=size)
        self.total = 0

    def record(self, request: web.Request, exc: BaseException) -> None:
        """Remember one error; its message is left out, as it may hold request data."""
        self.total += 1
        self._items.append(
            {
                "type": f"{type(exc).__module__}.{type(exc).__qualname__}",
                "time": datetime.datetime.now(datetime.UTC).isoformat(timespec="milliseconds"),
                "method": request.method,
                "path": request.path,
                "request_id": request.get(REQUEST_ID, ""),
            }
        )

    def latest(self) -> list[dict[str, str]]:
        """The remembered errors, newest first."""
        return list(reversed(self._items))


RECENT_ERRORS = web.AppKey("recent_errors", RecentErrors)


@web.middleware
async def problem_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Turn every exception into a problem+json response; log the unexpected ones."""
    try:
        return await handler(request)
    except web.HTTPException as exc:
        if exc.status < 400:
            raise
        # Keep headers such as Allow; the body and its type are ours.
        headers = {
            k: v
            for k, v in exc.headers.items()
            if k.lower() not in ("content-type", "content-length")
        }
        default_text = f"{exc.status}: {exc.reason}"
        detail = "" if exc.text in (None, default_text) else str(exc.text)
        return problem_response(request, Problem(exc.status, exc.reason, detail, headers=headers))
    except Exception as exc:
        problem = problem_for(exc)
        if problem is None:
            log.exception("unhandled error on %s %s", request.method, request.path)
            recent = request.app.get(RECENT_ERRORS)
            if recent is not None:
                recent.record(request, exc)
            problem = Problem(
                500, "Internal Server Error", "an unexpected error occurred", type="internal"
            )
        return problem_response(request, problem)
