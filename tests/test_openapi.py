"""/openapi.json is a valid OpenAPI 3.1 document that describes every route the app serves,
and /docs renders it without loading anything from elsewhere."""

from __future__ import annotations

import importlib.metadata
import re
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, make_mocked_request
from apicheck import PROBLEM_CONTENT_TYPE, operations, resolve
from openapi_schema_validator import OAS31Validator
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from service.web import ratelimit
from service.web.content import RESERVED_SLUGS, Slug
from service.web.openapi import ENDPOINTS, PATH_PARAM

Client = TestClient[web.Request, web.Application]

# References a page could load from elsewhere: src/href attributes, CSS url(), fetch/import.
EXTERNAL_REFERENCE = re.compile(
    r"""(?:\bsrc|\bhref|\baction)\s*=\s*["']?\s*(?:https?:)?//"""
    r"""|url\(\s*["']?\s*(?:https?:)?//|\b(?:fetch|import)\s*\(?\s*["'`](?:https?:)?//""",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
async def document(api: Client) -> dict[str, Any]:
    response = await api.get("/openapi.json")
    assert response.status == 200
    assert response.content_type == "application/json"
    body: dict[str, Any] = msgspec.json.decode(await response.read())
    return body


def test_openapi_json_is_a_valid_openapi_3_1_document(document: dict[str, Any]) -> None:
    assert document["openapi"].startswith("3.1.")
    validate(document, cls=OpenAPIV31SpecValidator)


def test_openapi_json_lists_every_route_on_the_router_and_nothing_else(
    api: Client, document: dict[str, Any]
) -> None:
    served = {
        (route.method, PATH_PARAM.sub(r"{\1}", route.resource.canonical))
        for route in api.app.router.routes()
        # aiohttp adds HEAD for each GET by itself; it is not part of the API.
        if route.method != "HEAD" and route.resource is not None
    }
    documented = {(op.method, op.path) for op in operations(document)}
    assert served - documented == set(), "routes missing from /openapi.json"
    assert documented - served == set(), "operations that no route serves"


def test_every_operation_has_a_summary_a_tag_and_a_unique_operation_id(
    document: dict[str, Any],
) -> None:
    ops = operations(document)
    assert not [op.label for op in ops if not op.spec.get("summary", "").strip()]
    assert not [op.label for op in ops if not op.spec.get("tags")]
    ids: list[str] = [op.spec.get("operationId", "") for op in ops]
    assert "" not in ids
    assert len(ids) == len(set(ids)), f"duplicate operationIds: {sorted(ids)}"


# Health probes answer 503 with the same JSON report as their 200, naming the failing checks.
HEALTH_REPORTS = frozenset({"/health/ready"})


def test_health_503_is_documented_as_the_json_report(document: dict[str, Any]) -> None:
    for path in HEALTH_REPORTS:
        content = document["paths"][path]["get"]["responses"]["503"]["content"]
        assert set(content) == {"application/json"}


def test_every_error_response_is_documented_as_problem_json(document: dict[str, Any]) -> None:
    problem = document["components"]["schemas"]["ProblemDetails"]
    assert set(problem["required"]) >= {
        "type",
        "title",
        "status",
        "detail",
        "instance",
        "request_id",
    }
    wrong = []
    for op in operations(document):
        statuses = set(op.spec["responses"])
        if not any(status.startswith("2") or status == "302" for status in statuses):
            wrong.append(f"{op.label}: no success response")
        if "503" not in statuses:
            wrong.append(f"{op.label}: 503 (database unavailable) not documented")
        for status, response in op.spec["responses"].items():
            if int(status) < 400 or (op.path in HEALTH_REPORTS and status == "503"):
                continue
            content = dict(response.get("content", {}))
            schema = content.get(PROBLEM_CONTENT_TYPE, {}).get("schema")
            if set(content) != {PROBLEM_CONTENT_TYPE} or schema is None:
                wrong.append(f"{op.label} {status}: {sorted(content)}")
            elif resolve(document, schema) is not problem and resolve(document, schema) != problem:
                wrong.append(f"{op.label} {status}: not ProblemDetails")
    assert not wrong


def test_operations_that_take_a_body_document_its_schema(
    api: Client, document: dict[str, Any]
) -> None:
    by_route = {(op.method, op.path): op for op in operations(document)}
    for endpoint in api.app[ENDPOINTS]:
        op = by_route[(endpoint.method, PATH_PARAM.sub(r"{\1}", endpoint.path))]
        schema = op.body_schema(document)
        if endpoint.body is None:
            assert schema is None, f"{op.label} documents a body it does not read"
            continue
        assert schema is not None, f"{op.label} reads a body it does not document"
        assert op.spec["requestBody"]["required"] is True
        fields = {f.encode_name for f in msgspec.structs.fields(endpoint.body)}
        assert set(schema.get("properties", {})) == fields, op.label
        for status in ("400", "413", "415", "422"):
            assert status in op.spec["responses"], f"{op.label}: {status} not documented"


def test_request_structs_reject_unknown_fields(api: Client) -> None:
    """DESIGN: unknown fields are rejected, in bodies and query strings alike."""
    lenient = [
        f"{e.method} {e.path}: {kind.__name__}"
        for e in api.app[ENDPOINTS]
        for kind in (e.body, e.query)
        if kind is not None
        and not (issubclass(kind, msgspec.Struct) and kind.__struct_config__.forbid_unknown_fields)
    ]
    assert not lenient, "structs without forbid_unknown_fields=True"


def test_signed_in_operations_document_401_and_their_security(
    api: Client, document: dict[str, Any]
) -> None:
    by_route = {(op.method, op.path): op for op in operations(document)}
    for endpoint in api.app[ENDPOINTS]:
        op = by_route[(endpoint.method, PATH_PARAM.sub(r"{\1}", endpoint.path))]
        assert op.needs_auth == endpoint.auth, op.label
        if endpoint.auth:
            assert "401" in op.spec["responses"], op.label
            schemes = {name for requirement in op.spec["security"] for name in requirement}
            assert schemes <= set(document["components"]["securitySchemes"]), op.label


def test_every_schema_reference_resolves(document: dict[str, Any]) -> None:
    def refs(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    schemas = document["components"]["schemas"]
    dangling = {
        ref
        for ref in refs(document)
        if not ref.startswith("#/components/schemas/")
        or ref.removeprefix("#/components/schemas/") not in schemas
    }
    assert not dangling


async def test_openapi_json_answers_304_to_its_own_etag(api: Client) -> None:
    first = await api.get("/openapi.json")
    etag = first.headers["ETag"]
    again = await api.get("/openapi.json", headers={"If-None-Match": etag})
    assert again.status == 304
    assert again.headers["ETag"] == etag


async def test_docs_page_is_html_that_loads_nothing_from_elsewhere(api: Client) -> None:
    response = await api.get("/docs")
    assert response.status == 200
    assert response.content_type == "text/html"
    html = await response.text()
    assert "/openapi.json" in html
    assert EXTERNAL_REFERENCE.findall(html) == []
    # Everything it loads is one of its assets, on this server, and served.
    loaded = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert {"/docs/swagger-ui-bundle.js", "/docs/swagger-ui.css", "/docs/docs.js"} <= set(loaded)
    for url in loaded:
        if url == "/openapi.json":
            continue
        asset = await api.get(url)
        assert asset.status == 200, url
        assert asset.content_type in ("text/javascript", "text/css"), url
        assert EXTERNAL_REFERENCE.findall(await asset.text()) == [] or url.endswith("bundle.js")
    script = await (await api.get("/docs/docs.js")).text()
    assert 'url: "/openapi.json"' in script
    assert "validatorUrl: null" in script  # Swagger UI would otherwise call validator.swagger.io


async def test_docs_page_sends_a_csp_that_allows_only_its_own_assets(api: Client) -> None:
    response = await api.get("/docs")
    policy = {
        directive.split()[0]: directive.split()[1:]
        for directive in response.headers["Content-Security-Policy"].split(";")
        if directive.strip()
    }
    assert policy["default-src"] == ["'none'"]
    for directive in ("script-src", "style-src", "connect-src", "font-src"):
        assert policy[directive] == ["'self'"], directive
    assert policy["img-src"] == ["'self'", "data:"]  # Swagger UI's icons are data: URLs
    assert policy["frame-ancestors"] == ["'none'"]
    html = await response.text()
    assert "<script>" not in html and "<style" not in html and " style=" not in html


async def test_root_redirects_to_docs_and_unknown_assets_are_404(api: Client) -> None:
    root = await api.get("/", allow_redirects=False)
    assert root.status == 302
    assert root.headers["Location"] == "/docs"
    missing = await api.get("/docs/swagger-editor-bundle.js")
    assert missing.status == 404
    assert missing.content_type == PROBLEM_CONTENT_TYPE


def test_document_names_its_version_servers_tags_contact_and_licence(
    document: dict[str, Any],
) -> None:
    info = document["info"]
    assert info["version"] == importlib.metadata.version("ghostypedia") == "0.1.0"
    assert info["contact"]["name"] and info["license"]["name"]
    assert "cursor" in info["description"] and "If-None-Match" in info["description"]
    assert document["servers"] and all("url" in server for server in document["servers"])
    tags = {tag["name"]: tag.get("description", "") for tag in document["tags"]}
    used = {tag for op in operations(document) for tag in op.spec["tags"]}
    assert used == set(tags)
    assert not [name for name, description in tags.items() if not description.strip()]


def test_schema_names_make_clean_type_names(document: dict[str, Any]) -> None:
    names = set(document["components"]["schemas"])
    assert not [name for name in names if not re.fullmatch(r"[A-Z][A-Za-z0-9]*", name)]
    assert "GhostSummaryPage" in names
    page = document["components"]["schemas"]["GhostSummaryPage"]
    assert "response=" not in page.get("description", "")


def _validator(document: dict[str, Any], schema: dict[str, Any]) -> OAS31Validator:
    """A validator for `schema` whose #/components/... references resolve in `document`."""
    return OAS31Validator({**schema, "components": document["components"]})


def test_every_body_and_json_success_response_has_an_example_that_fits(
    document: dict[str, Any],
) -> None:
    missing, wrong = [], []
    for op in operations(document):
        media = []
        if "requestBody" in op.spec:
            media.append(("body", op.spec["requestBody"]["content"]["application/json"]))
        for status, response in op.spec["responses"].items():
            for content_type, item in response.get("content", {}).items():
                if (status.startswith("2") and content_type == "application/json") or (
                    int(status) >= 400 and content_type == PROBLEM_CONTENT_TYPE
                ):
                    media.append((status, item))
        for where, item in media:
            if "example" not in item:
                missing.append(f"{op.label} {where}")
                continue
            errors = list(_validator(document, item["schema"]).iter_errors(item["example"]))
            if errors:
                wrong.append(f"{op.label} {where}: {errors[0].message}")
    assert not missing, "no example"
    assert not wrong, "examples that do not fit their schema"


def test_cursors_are_documented_with_their_length_and_alphabet(document: dict[str, Any]) -> None:
    cursors = [
        (op.label, param["schema"])
        for op in operations(document)
        for param in op.query_params
        if param["name"] == "cursor"
    ]
    assert len(cursors) >= 8
    for label, schema in cursors:
        assert schema["maxLength"] == 2048, label
        assert re.fullmatch(schema["pattern"], "WyJuYW1lIl0"), label


async def test_every_documented_status_includes_400_for_malformed_requests(
    document: dict[str, Any],
) -> None:
    assert not [op.label for op in operations(document) if "400" not in op.spec["responses"]]


def test_route_words_beside_a_slug_are_reserved_slugs(api: Client) -> None:
    """/v1/ghosts/suggest can never be an entity's page: no slug may be "suggest"."""
    paths = {PATH_PARAM.sub(r"{\1}", e.path) for e in api.app[ENDPOINTS]}
    words = {
        path.rsplit("/", 1)[1]
        for path in paths
        if "{" not in path.rsplit("/", 1)[1] and path.rsplit("/", 1)[0] + "/{slug}" in paths
    }
    assert words == {"suggest"}
    assert words <= set(RESERVED_SLUGS)
    for word in RESERVED_SLUGS:
        with pytest.raises(msgspec.ValidationError):
            msgspec.convert(word, Slug)
    assert msgspec.convert("suggestions", Slug) == "suggestions"


async def test_route_words_answer_405_with_their_own_allow_header(api: Client) -> None:
    response = await api.delete("/v1/ghosts/suggest")
    assert response.status == 405
    assert set(response.headers["Allow"].split(",")) <= {"GET", "HEAD"}
    assert (await api.get("/v1/ghosts/suggest", params={"prefix": "blo"})).status == 200


def test_every_declared_success_status_is_documented(api: Client, document: dict[str, Any]) -> None:
    by_route = {(op.method, op.path): op for op in operations(document)}
    for endpoint in api.app[ENDPOINTS]:
        op = by_route[(endpoint.method, PATH_PARAM.sub(r"{\1}", endpoint.path))]
        for status in (endpoint.status, *endpoint.also):
            response = op.spec["responses"].get(str(status))
            assert response is not None, f"{op.label}: {status} not documented"
            if endpoint.response is not None and status != 204:
                assert "application/json" in response["content"], f"{op.label} {status}"


def test_429_is_documented_exactly_where_rate_limits_apply(document: dict[str, Any]) -> None:
    for op in operations(document):
        request = make_mocked_request(op.method, op.url("x"))
        assert ("429" in op.spec["responses"]) != ratelimit.exempt(request), op.label
