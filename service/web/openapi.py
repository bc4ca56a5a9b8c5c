"""OpenAPI 3.1 document built from the registered endpoints, and the docs page that renders it."""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec
from aiohttp import web

from service.web.api import Endpoint, Routes, list_fields, respond

STATIC_DIR = Path(__file__).parent / "static"
PATH_PARAM = re.compile(r"\{(\w+)(?::[^}]*)?\}")
PROBLEM_SCHEMA_REF = "#/components/schemas/ProblemDetails"
PROBLEM_CONTENT_TYPE = "application/problem+json"

ERROR_TITLES = {
    400: "Malformed request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    409: "Conflict",
    413: "Body too large",
    415: "Body is not JSON",
    422: "Invalid input",
    429: "Too many requests",
    503: "Unavailable; retry after Retry-After seconds",
}
# What the app serves and documents, for tests and tools that check one against the other.
ENDPOINTS: web.AppKey[tuple[Endpoint, ...]] = web.AppKey("openapi_endpoints")
DOCUMENT: web.AppKey[dict[str, Any]] = web.AppKey("openapi_document")
# Statuses whose responses carry Retry-After.
RETRY_AFTER_STATUSES = frozenset({429, 503})


class ProblemField(msgspec.Struct, frozen=True):
    """One invalid field of a 422 problem."""

    field: str
    message: str


class ProblemDetails(msgspec.Struct, frozen=True):
    """An RFC 9457 problem (application/problem+json)."""

    type: str
    title: str
    status: int
    detail: str
    instance: str
    request_id: str
    errors: list[ProblemField] | None = None


def _schema_ref(kind: Any, wanted: list[Any]) -> dict[str, Any]:
    """A placeholder for `kind`'s schema, resolved once every schema is generated together."""
    wanted.append(kind)
    return {"__index": len(wanted) - 1}


def _without_null(schema: dict[str, Any]) -> dict[str, Any]:
    """A query parameter is absent or a value, never null: drop `null` from its schema."""
    for key in ("anyOf", "oneOf"):
        if key in schema:
            options = [s for s in schema[key] if s != {"type": "null"}]
            if len(options) == 1 and len(schema) == 1:
                only: dict[str, Any] = options[0]
                return only
            return {**schema, key: options}
    if isinstance(schema.get("type"), list):
        types = [t for t in schema["type"] if t != "null"]
        return {**schema, "type": types[0] if len(types) == 1 else types}
    if None in schema.get("enum", ()):
        return {**schema, "enum": [v for v in schema["enum"] if v is not None]}
    return schema


def _parameters(endpoint: Endpoint, wanted: list[Any]) -> list[dict[str, Any]]:
    params: list[dict[str, Any]] = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in PATH_PARAM.findall(endpoint.path)
    ]
    if endpoint.query is not None:
        info = msgspec.inspect.type_info(endpoint.query)
        assert isinstance(info, msgspec.inspect.StructType)
        hints = msgspec.structs.fields(endpoint.query)
        arrays = list_fields(endpoint.query)
        for field_info, hint in zip(info.fields, hints, strict=True):
            param: dict[str, Any] = {
                "name": field_info.encode_name,
                "in": "query",
                "required": field_info.required,
                "schema": {"__query": _schema_ref(hint.type, wanted)},
            }
            if field_info.encode_name in arrays:
                # ?tags=a&tags=b, which is how read_query reads a list.
                param["style"] = "form"
                param["explode"] = True
            params.append(param)
    return params


def rate_limited(path: str) -> bool:
    """Whether rate limits apply to `path`: all but health checks and metrics scrapes (the
    exemption in service.web.ratelimit; test_openapi holds the two together)."""
    return not (path == "/metrics" or path == "/health" or path.startswith("/health/"))


def _problem_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": ERROR_TITLES.get(status, "error"),
        "content": {PROBLEM_CONTENT_TYPE: {"schema": {"$ref": PROBLEM_SCHEMA_REF}}},
    }
    if status in RETRY_AFTER_STATUSES:
        response["headers"] = {
            "Retry-After": {
                "description": "seconds to wait before trying again",
                "schema": {"type": "integer", "minimum": 0},
            }
        }
    return response


def _operation_ids(endpoints: list[Endpoint]) -> list[str]:
    """The handler name, qualified by its module when two handlers share a name (ids are unique)."""
    names = Counter(e.handler.__name__ for e in endpoints)
    ids = [
        e.handler.__name__
        if names[e.handler.__name__] == 1
        else f"{e.handler.__module__.rpartition('.')[2]}_{e.handler.__name__}"
        for e in endpoints
    ]
    seen: Counter[str] = Counter()
    unique = []
    for operation_id in ids:
        seen[operation_id] += 1
        unique.append(
            operation_id if seen[operation_id] == 1 else f"{operation_id}_{seen[operation_id]}"
        )
    return unique


def build(
    endpoints: Iterable[Endpoint], *, title: str = "Ghostypedia API", version: str = "1"
) -> dict[str, Any]:
    """The OpenAPI 3.1 document for `endpoints`."""
    endpoints = list(endpoints)
    wanted: list[Any] = [ProblemDetails]
    operations: list[tuple[Endpoint, dict[str, Any]]] = []
    for endpoint, operation_id in zip(endpoints, _operation_ids(endpoints), strict=True):
        responses: dict[str, Any] = {}
        for status in (endpoint.status, *endpoint.also):
            if status == 204 or endpoint.response is None:
                responses[str(status)] = {"description": "done"}
            else:
                responses[str(status)] = {
                    "description": "success",
                    "content": {
                        "application/json": {"schema": _schema_ref(endpoint.response, wanted)}
                    },
                }
        if endpoint.method == "GET" and not endpoint.private and endpoint.status == 200:
            responses["304"] = {"description": "not modified (If-None-Match matched the ETag)"}
        errors = set(endpoint.errors) | {503}
        if endpoint.body is not None:
            errors |= {400, 413, 415, 422}
        if endpoint.query is not None:
            errors.add(422)
        if endpoint.auth:
            errors.add(401)
        if PATH_PARAM.search(endpoint.path):
            errors.add(404)  # path_param answers 404 for a value that cannot be an id
        if rate_limited(endpoint.path):
            errors.add(429)  # once RATE_LIMIT_* are set, the rate limit middleware may answer
        for status in sorted(errors):
            responses[str(status)] = _problem_response(status)
        operation: dict[str, Any] = {
            "operationId": operation_id,
            "summary": endpoint.summary,
            "tags": [endpoint.tag],
            "parameters": _parameters(endpoint, wanted),
            "responses": responses,
        }
        if endpoint.body is not None:
            operation["requestBody"] = {
                "required": True,
                "content": {"application/json": {"schema": _schema_ref(endpoint.body, wanted)}},
            }
        if endpoint.auth:
            operation["security"] = [{"bearer": []}, {"cookie": []}]
        operations.append((endpoint, operation))

    schemas, components = msgspec.json.schema_components(
        wanted, ref_template="#/components/schemas/{name}"
    )

    def resolve(node: Any) -> Any:
        if isinstance(node, dict):
            if "__index" in node:
                return schemas[node["__index"]]
            if "__query" in node:
                return _without_null(resolve(node["__query"]))
            return {key: resolve(value) for key, value in node.items()}
        if isinstance(node, list):
            return [resolve(value) for value in node]
        return node

    paths: dict[str, dict[str, Any]] = {}
    for endpoint, operation in operations:
        openapi_path = PATH_PARAM.sub(r"{\1}", endpoint.path)
        paths.setdefault(openapi_path, {})[endpoint.method.lower()] = resolve(operation)
    return {
        "openapi": "3.1.0",
        "info": {"title": title, "version": version},
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {"type": "apiKey", "in": "cookie", "name": "gp_session"},
            },
        },
    }


def setup(app: web.Application, routes: Iterable[Routes]) -> None:
    """Serve /openapi.json and /docs for every endpoint in `routes` (and these two)."""
    docs = Routes(tag="operations")

    @docs.route("GET", "/openapi.json", response=dict[str, Any])
    async def openapi_json(request: web.Request) -> web.StreamResponse:
        """The OpenAPI 3.1 description of every route."""
        return respond(request, document, etag=True)

    @docs.route("GET", "/docs")
    async def docs_page(request: web.Request) -> web.StreamResponse:
        """A page that renders /openapi.json (served from the repository, no CDN)."""
        return web.FileResponse(STATIC_DIR / "docs.html")

    endpoints = tuple(endpoint for r in [*routes, docs] for endpoint in r.endpoints)
    document = build(endpoints)
    # The one response that is not JSON.
    document["paths"]["/docs"]["get"]["responses"]["200"] = {
        "description": "an HTML page",
        "content": {"text/html": {"schema": {"type": "string"}}},
    }
    docs.setup(app)
    app[ENDPOINTS] = endpoints
    app[DOCUMENT] = document
