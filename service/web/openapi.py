"""OpenAPI 3.1 document built from the registered endpoints, and the docs page that renders it
(Swagger UI, served from the swagger-ui-py package's copy: no CDN, no network)."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import re
from collections import Counter
from collections.abc import Iterable
from pathlib import Path
from typing import Any

import msgspec
from aiohttp import web

from service.web import examples
from service.web.api import Endpoint, Routes, list_fields, not_found, respond

STATIC_DIR = Path(__file__).parent / "static"


def _swagger_ui_dir() -> Path:
    """The static files of the swagger-ui-py package (found without importing it)."""
    spec = importlib.util.find_spec("swagger_ui")
    assert spec is not None and spec.submodule_search_locations, "swagger-ui-py is not installed"
    return Path(next(iter(spec.submodule_search_locations))) / "static"


# The files /docs loads, all from this server: Swagger UI's, and the page's own script and
# style (separate files: the page's Content-Security-Policy allows no inline script or style).
DOCS_ASSETS = {
    "swagger-ui-bundle.js": ("swagger-ui", "text/javascript"),
    "swagger-ui.css": ("swagger-ui", "text/css"),
    "docs.js": ("static", "text/javascript"),
    "docs.css": ("static", "text/css"),
}
DOCS_CSP = (
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "font-src 'self'; connect-src 'self'; form-action 'self'; base-uri 'none'; "
    "frame-ancestors 'none'"
)
DOCS_HEADERS = {
    "Content-Security-Policy": DOCS_CSP,
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
}

VERSION = importlib.metadata.version("ghostypedia")
DESCRIPTION = """\
The Ghostypedia API: paranormal entities ("ghosts"), the stories told about them, and readers'
bookmarks, reading progress, comments, recommendations and conversations.

**Authentication.** `POST /v1/auth/register` or `POST /v1/auth/login` answers a session
`token`: send it as `Authorization: Bearer <token>` (the *Authorize* button here), or rely on
the HttpOnly `gp_session` cookie those calls also set (`__Host-gp_session`, Secure, over
HTTPS). Operations with a lock need one.

**Errors** are RFC 9457 `application/problem+json`: `type`, `title`, `status`, `detail`,
`instance`, `request_id`, and for 422 an `errors` list naming each invalid field.
A request line or header over 8,190 bytes, or a request that is not HTTP, is answered a 400
problem before the API sees it, with an empty `instance`.

**Cursor pagination.** Lists take `?limit=` (1-100, default 20) and `?cursor=`, and answer
`{"items": [...], "next_cursor": "..."}`. Pass `next_cursor` back as `cursor` for the next page;
it is `null` on the last one. A cursor is opaque (URL-safe base64, at most 2,048 characters)
and belongs to one list and sort order: any other value is a 422. Keyset paging never skips or
repeats an item when rows are added between pages.

**Conditional requests.** Public reads answer an `ETag`; send it back as `If-None-Match` and
an unchanged resource is a `304 Not Modified` with no body. Personal data is
`Cache-Control: private, no-store` and has no ETag.

**Rate limits** are announced in `RateLimit-Policy` and `RateLimit` headers; over a limit
the answer is 429 with `Retry-After`. By default sign-in and registration are limited per
client address, and failed password checks (sign-in, `current_password`) per account from any
address: a locked account answers 429 until `Retry-After`. Other limits when the server sets
them. An anonymous client's views and shares of one item count once an hour.
"""
# Every tag an endpoint uses, with what it groups (test_openapi checks none is missing).
TAGS = {
    "accounts": "Register, sign in and out, the signed-in account and its sessions.",
    "ghosts": "Paranormal entities: search, autocomplete, pages, relations; editors' writes.",
    "stories": "Stories told about the entities: search, pages; editors' writes.",
    "search": "One search across entities and stories, with facets and spelling suggestions.",
    "comments": "Threaded comments on stories.",
    "conversations": "Talk with an entity's digital twin; it answers from its own lore.",
    "me": "The signed-in reader's bookmarks, preferences and reading progress.",
    "interactions": "Views, likes and shares, which feed trending and recommendations.",
    "recommendations": "Personal recommendations, and feedback on them.",
    "trending": "What is being read and liked now.",
    "flags": "Feature flags the clients read.",
    "media": "Images of entities and stories: upload (editors), download, delete.",
    "admin": "Administration: users, feature flags and the audit log (admins only).",
    "operations": "Health probes, metrics, this document and its docs page.",
}
CONTACT = {"name": "Ghostypedia maintainers", "url": "https://ghostypedia.example/contact"}
LICENSE = {"name": "Proprietary", "url": "https://ghostypedia.example/license"}
# A cursor as the API issues them: URL-safe base64 without padding, at most 2,048 characters.
CURSOR_SCHEMA = {
    "type": "string",
    "minLength": 1,
    "maxLength": 2048,
    "pattern": "^[A-Za-z0-9_-]+$",
    "description": "the previous page's `next_cursor`; opaque, for this list and sort only",
}
# msgspec names a generic instance `Page_GhostSummary_`; clients get `GhostSummaryPage`.
GENERIC_NAME = re.compile(r"^(\w+?)_(\w+)_$")
PATH_PARAM = re.compile(r"\{(\w+)(?::[^}]*)?\}")
PROBLEM_SCHEMA_REF = "#/components/schemas/ProblemDetails"
PROBLEM_CONTENT_TYPE = "application/problem+json"

ERROR_TITLES = {
    400: "Malformed request: the body is not JSON, or the request line or a header is over "
    "8,190 bytes or not HTTP (answered before the API sees the request, with an empty instance)",
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


def _is_datetime(kind: msgspec.inspect.Type) -> bool:
    """Whether a field is a datetime, or a datetime or None."""
    options = kind.types if isinstance(kind, msgspec.inspect.UnionType) else (kind,)
    real = [t for t in options if not isinstance(t, msgspec.inspect.NoneType)]
    return len(real) == 1 and isinstance(real[0], msgspec.inspect.DateTimeType)


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
            if field_info.encode_name == "cursor":
                param["schema"] = CURSOR_SCHEMA
                param["description"] = CURSOR_SCHEMA["description"]
            elif _is_datetime(field_info.type):
                # msgspec names no format for a datetime that may be naive; RFC 3339 always fits.
                param["schema"] = {"type": "string", "format": "date-time"}
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


def _problem_example(status: int) -> dict[str, Any]:
    title = ERROR_TITLES.get(status, "error").split(":")[0]
    problem: dict[str, Any] = {
        "type": f"https://ghostypedia.example/problems/{status}",
        "title": title,
        "status": status,
        "detail": title.lower(),
        "instance": "/v1/ghosts/bloody-mary",
        "request_id": examples.FIELDS["request_id"],
    }
    if status == 422:
        problem["errors"] = [{"field": "limit", "message": "Expected `int` <= 100"}]
    return problem


def _problem_response(status: int) -> dict[str, Any]:
    content: dict[str, Any] = {
        PROBLEM_CONTENT_TYPE: {
            "schema": {"$ref": PROBLEM_SCHEMA_REF},
            "example": _problem_example(status),
        }
    }
    response: dict[str, Any] = {
        "description": ERROR_TITLES.get(status, "error"),
        "content": content,
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


def _clean_names(
    schemas: tuple[dict[str, Any], ...], components: dict[str, Any]
) -> tuple[tuple[dict[str, Any], ...], dict[str, Any]]:
    """`Page_GhostSummary_` becomes `GhostSummaryPage`, everywhere it is named, with a
    description of the page rather than of the generic struct."""
    renames = {
        name: f"{match[2]}{match[1]}" for name in components if (match := GENERIC_NAME.match(name))
    }
    if not renames:
        return schemas, components
    encoded = msgspec.json.encode([schemas, components]).decode()
    for old, new in renames.items():
        encoded = encoded.replace(f'"#/components/schemas/{old}"', f'"#/components/schemas/{new}"')
    new_schemas, new_components = msgspec.json.decode(encoded)
    cleaned = {renames.get(name, name): schema for name, schema in new_components.items()}
    for old, new in renames.items():
        if old.startswith("Page_"):
            item = new.removesuffix("Page")
            cleaned[new] = {
                **cleaned[new],
                "title": new,
                "description": f"One page of a keyset-paginated list of {item}: pass "
                "`next_cursor` as `?cursor=` for the next page; it is null on the last page.",
            }
    return tuple(new_schemas), dict(sorted(cleaned.items()))


def _with_examples(operation: dict[str, Any], components: dict[str, Any]) -> dict[str, Any]:
    """One example per request body and JSON success response (service/web/examples.py)."""
    media = [operation.get("requestBody", {}).get("content", {}).get("application/json")]
    for status, response in operation["responses"].items():
        if status.startswith("2"):
            media.append(response.get("content", {}).get("application/json"))
    for item in media:
        if item is not None and "example" not in item:
            item["example"] = examples.example(item["schema"], components)
    return operation


def build(
    endpoints: Iterable[Endpoint], *, title: str = "Ghostypedia API", version: str = VERSION
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
        errors = set(endpoint.errors) | {400, 503}
        if endpoint.body is not None:
            errors |= {400, 413, 415, 422}
        if endpoint.query is not None:
            errors.add(422)
        if endpoint.auth:
            errors.add(401)
        if PATH_PARAM.search(endpoint.path):
            errors.add(404)  # path_param answers 404 for a value that cannot be an id
        if rate_limited(endpoint.path):
            errors.add(429)  # the rate limit middleware may answer (RATE_LIMIT_*)
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

    schemas, components = _clean_names(
        *msgspec.json.schema_components(wanted, ref_template="#/components/schemas/{name}")
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
        paths.setdefault(openapi_path, {})[endpoint.method.lower()] = _with_examples(
            resolve(operation), components
        )
    used = {op["tags"][0] for item in paths.values() for op in item.values()}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": title,
            "version": version,
            "description": DESCRIPTION,
            "contact": CONTACT,
            "license": LICENSE,
        },
        "servers": [{"url": "/", "description": "the server that serves this document"}],
        "tags": [{"name": name, "description": TAGS.get(name, "")} for name in sorted(used)],
        "paths": paths,
        "components": {
            "schemas": components,
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer"},
                "cookie": {
                    "type": "apiKey",
                    "in": "cookie",
                    "name": "gp_session",
                    "description": "named `__Host-gp_session` (and Secure) over HTTPS",
                },
            },
        },
    }


def setup(app: web.Application, routes: Iterable[Routes]) -> None:
    """Serve /openapi.json and the Swagger UI page at /docs (and / redirecting there) for
    every endpoint in `routes` (and these)."""
    docs = Routes(tag="operations")
    swagger_ui = _swagger_ui_dir()
    folders = {"swagger-ui": swagger_ui, "static": STATIC_DIR}

    @docs.route("GET", "/openapi.json", response=dict[str, Any])
    async def openapi_json(request: web.Request) -> web.StreamResponse:
        """The OpenAPI 3.1 description of every route."""
        return respond(request, document, etag=True)

    @docs.route("GET", "/", status=302)
    async def root(request: web.Request) -> web.StreamResponse:
        """Redirect to the API documentation at /docs."""
        return web.Response(status=302, headers={"Location": "/docs"})

    @docs.route("GET", "/docs")
    async def docs_page(request: web.Request) -> web.StreamResponse:
        """Swagger UI for /openapi.json: try it out, with a bearer token under Authorize."""
        return web.FileResponse(STATIC_DIR / "docs.html", headers=DOCS_HEADERS)

    @docs.route("GET", "/docs/{asset}")
    async def docs_asset(request: web.Request) -> web.StreamResponse:
        """A script or style sheet of the docs page (Swagger UI's own, from this server)."""
        asset = DOCS_ASSETS.get(request.match_info["asset"])
        if asset is None:
            raise not_found("asset")
        folder, content_type = asset
        return web.FileResponse(
            folders[folder] / request.match_info["asset"],
            headers={
                "Content-Type": content_type + "; charset=utf-8",
                "Cache-Control": "public, max-age=3600",
                "X-Content-Type-Options": "nosniff",
            },
        )

    endpoints = tuple(endpoint for r in [*routes, docs] for endpoint in r.endpoints)
    document = build(endpoints)
    paths = document["paths"]
    # The responses that are not JSON.
    paths["/docs"]["get"]["responses"]["200"] = {
        "description": "an HTML page (Swagger UI) that loads only this server's assets",
        "headers": {
            "Content-Security-Policy": {
                "description": "allows scripts, styles and requests to this server only",
                "schema": {"type": "string"},
            }
        },
        "content": {"text/html": {"schema": {"type": "string"}}},
    }
    paths["/docs/{asset}"]["get"]["parameters"][0]["schema"] = {
        "type": "string",
        "enum": sorted(DOCS_ASSETS),
    }
    paths["/docs/{asset}"]["get"]["responses"]["200"] = {
        "description": "the file",
        "content": {
            media: {"schema": {"type": "string"}}
            for media in sorted({t for _, t in DOCS_ASSETS.values()})
        },
    }
    paths["/"]["get"]["responses"]["302"] = {
        "description": "to /docs",
        "headers": {"Location": {"schema": {"type": "string", "const": "/docs"}}},
    }
    docs.setup(app)
    app[ENDPOINTS] = endpoints
    app[DOCUMENT] = document
