"""HTTP plumbing shared by every handler: routes with schemas, input parsing, responses.

Lists and their cursors are service/web/paging.py's.
"""

from __future__ import annotations

import functools
import hashlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Final, TypeVar

import msgspec
from aiohttp import web

from service.web.problems import Problem
from service.web.request import Handler

T = TypeVar("T")
StructT = TypeVar("StructT", bound=msgspec.Struct)

JSON_CONTENT_TYPE = "application/json"
# Public reads may be stored, but must be revalidated (If-None-Match) before each use.
PUBLIC_CACHE_CONTROL: Final = "public, max-age=0, must-revalidate"
MAX_BODY_BYTES = 256 * 1024


@dataclass(frozen=True, slots=True)
class Endpoint:
    """One route and what OpenAPI says about it."""

    method: str
    path: str
    handler: Handler
    summary: str
    tag: str
    body: type | None = None
    query: type | None = None
    response: Any = None
    status: int = 200
    errors: tuple[int, ...] = ()
    auth: bool = False
    private: bool = False
    # Other success statuses answered with the same body, e.g. 200 for an idempotent repeat
    # of a 201 create.
    also: tuple[int, ...] = ()


@dataclass
class Routes:
    """The endpoints of one resource module, registered by decorators and added in `setup`."""

    tag: str
    endpoints: list[Endpoint] = field(default_factory=list)

    def route(
        self,
        method: str,
        path: str,
        *,
        body: type | None = None,
        query: type | None = None,
        response: Any = None,
        status: int = 200,
        errors: Iterable[int] = (),
        auth: bool = False,
        private: bool = False,
        also: Iterable[int] = (),
    ) -> Callable[[Handler], Handler]:
        """Register a handler; its docstring's first line is the OpenAPI summary."""

        def register(handler: Handler) -> Handler:
            summary = (handler.__doc__ or "").strip().splitlines()[0] if handler.__doc__ else ""
            self.endpoints.append(
                Endpoint(
                    method, path, handler, summary, self.tag, body, query, response, status,
                    tuple(sorted(set(errors))), auth, private, tuple(sorted(set(also))),
                )
            )  # fmt: skip
            return handler

        return register

    def setup(self, app: web.Application) -> None:
        """Add every endpoint to the app's router."""
        for endpoint in self.endpoints:
            app.router.add_route(endpoint.method, endpoint.path, endpoint.handler)


# ---- input -------------------------------------------------------------------------------------


def _field_errors(data: Any, model: type[msgspec.Struct], *, strict: bool) -> list[dict[str, str]]:
    """Every problem with `data` as `model`, one entry per field (msgspec stops at the first)."""
    if not isinstance(data, dict):
        return [{"field": "", "message": "expected a JSON object"}]
    info = msgspec.inspect.type_info(model)
    assert isinstance(info, msgspec.inspect.StructType)
    known = {f.encode_name: f for f in info.fields}
    errors = [{"field": name, "message": "unknown field"} for name in data if name not in known]
    hints = msgspec.structs.fields(model)
    for field_info, hint in zip(info.fields, hints, strict=True):
        name = field_info.encode_name
        if name not in data:
            if field_info.required:
                errors.append({"field": name, "message": "required"})
            continue
        try:
            msgspec.convert(data[name], hint.type, strict=strict)
        except msgspec.ValidationError as exc:
            message = str(exc).split(" - at ", 1)[0]
            errors.append({"field": name, "message": message})
    return errors


def validation_problem(errors: list[dict[str, str]]) -> Problem:
    """422 naming each bad field."""
    names = ", ".join(e["field"] or "body" for e in errors)
    return Problem(
        422, "Unprocessable Content", f"invalid fields: {names}", type="validation", errors=errors
    )


def convert(data: Any, model: type[StructT], *, strict: bool = True) -> StructT:
    """Validate `data` into `model`, or raise a 422 Problem that lists every bad field."""
    try:
        return msgspec.convert(data, model, strict=strict)
    except msgspec.ValidationError as exc:
        errors = _field_errors(data, model, strict=strict)
        if not errors:  # a cross-field rule in __post_init__: its message names the problem
            errors = [{"field": "", "message": str(exc)}]
        raise validation_problem(errors) from None


async def read_body(request: web.Request, model: type[StructT]) -> StructT:
    """Parse a JSON request body into `model` (unknown fields rejected, every error reported)."""
    if request.content_type != JSON_CONTENT_TYPE:
        raise Problem(
            415, "Unsupported Media Type", "send the body as application/json", type="media-type"
        )
    too_large = Problem(
        413, "Content Too Large", f"the body is over {MAX_BODY_BYTES} bytes", type="too-large"
    )
    if (request.content_length or 0) > MAX_BODY_BYTES:
        raise too_large
    # read(n) returns what has arrived, up to n bytes: keep reading to the end or the limit.
    chunks: list[bytes] = []
    size = 0
    while chunk := await request.content.read(MAX_BODY_BYTES + 1 - size):
        chunks.append(chunk)
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise too_large
    raw = b"".join(chunks)
    try:
        data = msgspec.json.decode(raw)
    except msgspec.DecodeError as exc:
        raise Problem(
            400, "Bad Request", f"the body is not valid JSON: {exc}", type="malformed"
        ) from None
    except UnicodeDecodeError:
        raise Problem(400, "Bad Request", "the body is not UTF-8", type="malformed") from None
    except RecursionError:
        raise Problem(
            400, "Bad Request", "the body is nested too deeply", type="malformed"
        ) from None
    return convert(data, model)


def read_query(request: web.Request, model: type[StructT]) -> StructT:
    """Parse query-string parameters into `model`; strings convert to the declared types."""
    arrays = list_fields(model)
    data: dict[str, Any] = {}
    for key in request.query:
        values = request.query.getall(key)
        data[key] = values if key in arrays or len(values) > 1 else values[0]
    return convert(data, model, strict=False)


@functools.cache
def list_fields(model: type[msgspec.Struct]) -> frozenset[str]:
    """Query fields declared as lists: `?tags=a` is then `["a"]`, as `?tags=a&tags=b` is."""
    info = msgspec.inspect.type_info(model)
    assert isinstance(info, msgspec.inspect.StructType)
    array_types = (
        msgspec.inspect.ListType,
        msgspec.inspect.SetType,
        msgspec.inspect.FrozenSetType,
        msgspec.inspect.VarTupleType,
    )
    names = set()
    for field_info in info.fields:
        kind = field_info.type
        options = kind.types if isinstance(kind, msgspec.inspect.UnionType) else (kind,)
        if any(isinstance(option, array_types) for option in options):
            names.add(field_info.encode_name)
    return frozenset(names)


def patched(value: T | msgspec.UnsetType, current: T) -> T:
    """A PATCH body field's new value, or `current` when the body left the field out."""
    return current if isinstance(value, msgspec.UnsetType) else value


def path_param(request: web.Request, name: str, kind: type[T]) -> T:
    """A path parameter converted to `kind` (uuid.UUID, str, int), or 404 when it cannot be."""
    raw = request.match_info[name]
    # PostgreSQL text cannot hold NUL, so no row can have such a key.
    if "\x00" not in raw:
        try:
            return msgspec.convert(raw, kind, strict=False)
        except msgspec.ValidationError:
            pass
    raise Problem(404, "Not Found", f"no such {name}", type="not-found")


# ---- output ------------------------------------------------------------------------------------


_encoder = msgspec.json.Encoder()


def respond(
    request: web.Request,
    data: Any,
    *,
    status: int = 200,
    private: bool = False,
    etag: bool = False,
    headers: dict[str, str] | None = None,
) -> web.Response:
    """JSON response: personal data `private, no-store`; public GETs an ETag (304 on match)."""
    body = data if isinstance(data, bytes) else encode_json(data)
    if etag and not private and status == 200:
        return respond_tagged(request, body, etag_of(body), headers)
    response_headers = dict(headers or {})
    if private:
        response_headers["Cache-Control"] = "private, no-store"
    return web.Response(
        status=status, body=body, content_type=JSON_CONTENT_TYPE, headers=response_headers
    )


def encode_json(data: Any) -> bytes:
    """A JSON response body: the encoded value and a newline, so that a terminal's prompt
    does not run into curl's output; JSON parsers ignore the trailing white space."""
    return _encoder.encode(data) + b"\n"


def etag_of(body: bytes) -> str:
    """The strong ETag of a response body (ETAG_LENGTH characters, quotes included)."""
    return '"' + hashlib.blake2b(body, digest_size=16).hexdigest() + '"'


ETAG_LENGTH: Final = 34


def respond_tagged(
    request: web.Request, body: bytes, etag: str, headers: dict[str, str] | None = None
) -> web.Response:
    """A public JSON body whose ETag is known; 304 when If-None-Match names it."""
    response_headers = {"ETag": etag, "Cache-Control": PUBLIC_CACHE_CONTROL}
    if headers:
        response_headers.update(headers)
    match = request.headers.get("If-None-Match")
    if match is not None and etag in {t.strip() for t in match.split(",")}:
        return web.Response(status=304, headers=response_headers)
    # The type as a plain header: aiohttp's content_type= parses and rebuilds it each time.
    response_headers["Content-Type"] = JSON_CONTENT_TYPE
    return web.Response(body=body, headers=response_headers)


def no_content(*, private: bool = True) -> web.Response:
    """204 with no body."""
    return web.Response(
        status=204, headers={"Cache-Control": "private, no-store"} if private else {}
    )


def not_found(what: str) -> Problem:
    """404 naming what was not found."""
    return Problem(404, "Not Found", f"{what} not found", type="not-found")
