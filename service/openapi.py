"""OpenAPI 3.1 document built from the registered endpoints, and the docs page that renders it."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec
from aiohttp import web

from service.api import Endpoint, Routes, respond

STATIC_DIR = Path(__file__).parent / "static"
PATH_PARAM = re.compile(r"\{(\w+)(?::[^}]*)?\}")

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
    wanted.append(kind)
    return {"__index": len(wanted) - 1}


def _parameters(endpoint: Endpoint) -> list[dict[str, Any]]:
    params = [
        {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
        for name in PATH_PARAM.findall(endpoint.path)
    ]
    if endpoint.query is not None:
        info = msgspec.inspect.type_info(endpoint.query)
        assert isinstance(info, msgspec.inspect.StructType)
        hints = msgspec.structs.fields(endpoint.query)
        for field_info, hint in zip(info.fields, hints, strict=True):
            (schema,), _ = msgspec.json.schema_components([hint.type])
            params.append(
                {
                    "name": field_info.encode_name,
                    "in": "query",
                    "required": field_info.required,
                    "schema": schema,
                }
            )
    return params


def build(
    endpoints: Iterable[Endpoint], *, title: str = "Ghostypedia API", version: str = "1"
) -> dict[str, Any]:
    """The OpenAPI 3.1 document for `endpoints`."""
    endpoints = list(endpoints)
    wanted: list[Any] = [ProblemDetails]
    operations: list[tuple[Endpoint, dict[str, Any]]] = []
    for endpoint in endpoints:
        responses: dict[str, Any] = {}
        if endpoint.status == 204 or endpoint.response is None:
            responses[str(endpoint.status)] = {"description": "done"}
        else:
            responses[str(endpoint.status)] = {
                "description": "success",
                "content": {"application/json": {"schema": _schema_ref(endpoint.response, wanted)}},
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
        for status in sorted(errors):
            responses[str(status)] = {
                "description": ERROR_TITLES.get(status, "error"),
                "content": {
                    "application/problem+json": {
                        "schema": {"$ref": "#/components/schemas/ProblemDetails"}
                    }
                },
            }
        operation: dict[str, Any] = {
            "operationId": endpoint.handler.__name__,
            "summary": endpoint.summary,
            "tags": [endpoint.tag],
            "parameters": _parameters(endpoint),
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

    all_routes = [*routes, docs]
    document = build(endpoint for r in all_routes for endpoint in r.endpoints)
    docs.setup(app)
