"""/openapi.json is a valid OpenAPI 3.1 document that describes every route the app serves,
and /docs renders it without loading anything from elsewhere."""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import msgspec
import pytest
from aiohttp import web
from aiohttp.test_utils import TestClient, make_mocked_request
from apicheck import PROBLEM_CONTENT_TYPE, operations, resolve
from openapi_spec_validator import OpenAPIV31SpecValidator, validate

from service.web import ratelimit
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
HEALTH_REPORTS = frozenset({"/health/ready", "/health"})


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
        if not any(status.startswith("2") for status in statuses):
            wrong.append(f"{op.label}: no success response")
        if "503" not in statuses:
            wrong.append(f"{op.label}: 503 (database unavailable) not documented")
        for status, response in op.spec["responses"].items():
            if int(status) < 400 or (op.path in HEALTH_REPORTS and status == "503"):
                continue
            content = response.get("content", {})
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
