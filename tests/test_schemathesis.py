"""Property-based conformance: schemathesis generates requests from /openapi.json for every
operation the app serves and checks each response against the document.

A bounded, deterministic run (fixed seed, derandomized, a few examples per operation) against
the app on a real port, with a migrated database holding the demo data. Signed-in operations
get a fresh admin token per case (an operation may end its own session); anonymous access to
them is pinned in test_faults.py.
"""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

import asyncpg
import pytest
import schemathesis
from apicheck import Operation, ServedApp, bearer, mint_session, operations, scratch_database
from hypothesis import HealthCheck, Phase, assume, given, settings
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable
from schemathesis.checks import not_a_server_error
from schemathesis.config import SchemathesisConfig
from schemathesis.generation import GenerationMode
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from schemathesis.specs.openapi.schemas import OpenApiSchema

from service.app import create_app
from service.config import Settings
from service.dev import seed
from service.dev.embedded import EmbeddedRedis
from service.web.openapi import DOCUMENT

# Examples per operation: enough to reach each handler's validation and happy paths, few
# enough that the whole run stays around a minute as endpoints are added.
# SCHEMATHESIS_EXAMPLES=200 runs a deeper search by hand.
EXAMPLES_PER_OPERATION = int(os.environ.get("SCHEMATHESIS_EXAMPLES", "8"))
SEED = 20_240_601
Case = schemathesis.Case[Any]
MAX_REQUEST_LINE = 8000
# The operations of the app as it is now; building the app opens no connection.
DOC = create_app(Settings(database_url="postgres://collect-only/", redis_url="redis://x"))[DOCUMENT]
# Renames and deletions last, so the demo rows other operations name are still there for them.
OPERATIONS = sorted(operations(DOC), key=lambda op: {"PATCH": 1, "DELETE": 2}.get(op.method, 0))
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]


def request_target(case: Case) -> str:
    """About the path and query string the case's request line would carry."""
    kwargs = case.as_transport_kwargs(base_url="http://h")
    query = urlencode(kwargs.get("params") or {}, doseq=True)
    path: str = urlsplit(kwargs["url"]).path
    return path + ("?" + query if query else "")


class Served:
    """The running app, its URL, a way to sign in, and slugs of the demo data."""

    def __init__(
        self, app: ServedApp, dsn: str, document: dict[str, Any], slugs: dict[str, list[str]]
    ) -> None:
        self.app = app
        self.dsn = dsn
        self.secured = {(op.method, op.path) for op in operations(document) if op.needs_auth}
        self.slugs = slugs

    def headers_for(self, method: str, path: str) -> dict[str, str]:
        if (method.upper(), path) not in self.secured:
            return {}
        return bearer(self.app.run(mint_session(self.dsn)))

    def known_values(self, op: Operation, name: str) -> list[str]:
        """Existing slugs for a path parameter or body field named like one, else []."""
        if name.endswith("_slug"):
            collection = {"ghost": "ghosts", "story": "stories"}.get(name.removesuffix("_slug"))
            return self.slugs.get(collection or "", [])
        if name != "slug":
            return []
        segments = op.path.split("/")
        param = "{" + name + "}"
        if param in segments and segments.index(param) > 0:
            return self.slugs.get(segments[segments.index(param) - 1], [])
        return [slug for slugs in self.slugs.values() for slug in slugs]  # a body field


async def _demo_slugs(dsn: str) -> dict[str, list[str]]:
    connection = await asyncpg.connect(dsn)
    try:
        return {
            table: [
                row["slug"]
                for row in await connection.fetch(
                    f"SELECT slug FROM {source} WHERE status = 'published' ORDER BY slug LIMIT 4"  # noqa: S608
                )
            ]
            for table, source in (("ghosts", "ghost_entities"), ("stories", "stories"))
        }
    finally:
        await connection.close()


@pytest.fixture(scope="module")
def served(
    pg_server_dsn: str, migrated_template: str, redis_server: EmbeddedRedis | None
) -> Iterator[Served]:
    redis_url = os.environ.get("TEST_REDIS_URL") or (redis_server.start() if redis_server else "")
    with scratch_database(pg_server_dsn, migrated_template, "gp_schemathesis") as dsn:
        asyncio.run(seed.load(dsn))
        slugs = asyncio.run(_demo_slugs(dsn))
        # Fuzzing sends hundreds of sign-ins and registrations from one address, with made-up
        # passwords: the sign-in limits would answer most of them 429 and hide what the run
        # checks. tests/test_signin_limits.py covers the limits.
        settings = Settings(
            database_url=dsn,
            redis_url=redis_url,
            db_pool_min_size=1,
            log_level="WARNING",
            rate_limit_auth="0",
            rate_limit_account="0",
        )
        with ServedApp(settings) as app:
            document: dict[str, Any] = app.run(_document(app.url))
            yield Served(app, dsn, document, slugs)


async def _document(url: str) -> dict[str, Any]:
    import aiohttp

    async with aiohttp.ClientSession() as session, session.get(url + "/openapi.json") as resp:
        body: dict[str, Any] = await resp.json()
        return body


@pytest.fixture(scope="module")
def api_schema(served: Served) -> OpenApiSchema:
    """The document as schemathesis reads it from the running app."""
    config = SchemathesisConfig.from_dict({"seed": SEED})
    return schemathesis.openapi.from_url(served.app.url + "/openapi.json", config=config)


def known_strategy(op: Operation, operation: Any, served: Served) -> st.SearchStrategy[Case] | None:
    """Valid cases whose slugs name demo data, so handlers get past "not found"; None when
    the operation takes no slug."""
    pins = {name: served.known_values(op, name) for name in op.path_params}
    pins = {name: values for name, values in pins.items() if values}
    body = op.body_schema(DOC) or {}
    fields = {
        name: values
        for name in body.get("properties", {})
        if (values := served.known_values(op, name))
    }
    if not pins and not fields:
        return None

    def with_known(path: dict[str, str], values: dict[str, str]) -> st.SearchStrategy[Any]:
        def fill(case: Case) -> Case:
            if isinstance(case.body, dict):
                case.body = {**case.body, **values}
            return case

        strategy: st.SearchStrategy[Case] = operation.as_strategy(
            GenerationMode.POSITIVE, path_parameters=path or None
        )
        return strategy.map(fill)

    pick = st.fixed_dictionaries({name: st.sampled_from(v) for name, v in pins.items()})
    pick_fields = st.fixed_dictionaries({name: st.sampled_from(v) for name, v in fields.items()})
    return st.tuples(pick, pick_fields).flatmap(lambda chosen: with_known(*chosen))


@pytest.mark.parametrize("mode", ["positive", "negative", "known"])
@pytest.mark.parametrize("op", OPERATIONS, ids=lambda op: op.label)
def test_operation_conforms_to_its_openapi_description(
    op: Operation, mode: str, served: Served, api_schema: OpenApiSchema
) -> None:
    """No 5xx; status codes, content types and bodies as documented, for valid input, invalid
    input, and valid input naming existing demo entities and stories."""
    operation = api_schema[op.path][op.method]
    if mode == "known":
        strategy = known_strategy(op, operation, served)
        if strategy is None:
            pytest.skip(f"{op.label}: takes no slug")
    else:
        strategy = operation.as_strategy(generation_mode=GenerationMode(mode))

    @given(case=strategy)
    @settings(
        max_examples=EXAMPLES_PER_OPERATION,
        derandomize=True,
        deadline=None,
        database=None,
        phases=[Phase.generate],  # no shrinking: a failure is reported as found
        suppress_health_check=list(HealthCheck),
    )
    def conforms(case: Case) -> None:
        # aiohttp's HTTP parser refuses request lines over 8190 bytes with a 400 of its own
        # before the app sees them: a transport limit, not API behaviour.
        assume(len(request_target(case)) < MAX_REQUEST_LINE)
        # A fresh session per case: a case may sign its own session out.
        headers = served.headers_for(op.method, op.path)
        case.call_and_validate(headers=headers, checks=CHECKS, timeout=10)

    try:
        conforms()
    except Unsatisfiable:
        if mode != "negative":
            raise
        pytest.skip(f"{op.label}: nothing in its input can be made invalid")


# The full run: schemathesis's own command line, every check on, all of its phases but the
# stateful one (the document declares no links), bounded by examples per operation and a time
# budget. SCHEMATHESIS_FULL_EXAMPLES=25 SCHEMATHESIS_FULL_SECONDS=600 runs the deeper search;
# SCHEMATHESIS_ARGS adds `st run` options (e.g. --include-path-regex), SCHEMATHESIS_OUTPUT=file
# keeps its report.
FULL_EXAMPLES = int(os.environ.get("SCHEMATHESIS_FULL_EXAMPLES", "5"))
FULL_SECONDS = int(os.environ.get("SCHEMATHESIS_FULL_SECONDS", "30"))
# Operations that can end a session: logout ends its own, and the others end the session or
# account whose id they are given, which schemathesis learns from earlier responses (the run's
# own session in GET /v1/me/sessions, its user in GET /v1/admin/users). They run with a
# reader's token of their own to lose, so the run's session (an admin's) lasts to the end;
# the admin ones then answer 403, and their logic is exercised by the per-operation test above.
SESSION_ENDERS = (
    "POST /v1/auth/logout",
    "DELETE /v1/me/sessions/{id}",
    "PATCH /v1/admin/users/{id}",
    "POST /v1/admin/users/{id}/deactivate",
)
# Not in the full run: uploads are multipart image files that schemathesis cannot make valid
# (their type is told by magic bytes, and the document does not yet describe the multipart
# body); tests/test_media.py covers them, and the per-operation test above still calls them.
NOT_IN_FULL_RUN = ("upload_ghost_media", "upload_story_media")


def test_full_run_with_every_check_finds_no_failure(served: Served, tmp_path: Path) -> None:
    """`st run -c all`: no 5xx, statuses, content types, headers and bodies as documented,
    valid data accepted, invalid data rejected, 405 with an `Allow` that matches the
    document, and auth that is not ignored."""
    main = served.app.run(mint_session(served.dsn))
    losable = served.app.run(mint_session(served.dsn, role="reader", tier="free"))
    config = tmp_path / "schemathesis.toml"
    lines = [
        f"seed = {SEED}",
        f'headers = {{ Authorization = "Bearer {main}" }}',
        *(
            f'[[operations]]\ninclude-operation-id = "{op.spec["operationId"]}"\n'
            f'headers = {{ Authorization = "Bearer {losable}" }}'
            for op in OPERATIONS
            if op.label in SESSION_ENDERS
        ),
    ]
    config.write_text("\n".join(lines) + "\n")
    command = [
        str(Path(sys.executable).parent / "st"),
        "--config-file",
        str(config),
        "run",
        served.app.url + "/openapi.json",
        "--checks",
        "all",
        "--phases",
        "examples,coverage,fuzzing",
        "--max-examples",
        str(FULL_EXAMPLES),
        "--max-time",
        str(FULL_SECONDS),
        "--generation-deterministic",
        "--no-shrink",
        "--workers",
        "2",
        "--request-timeout",
        "10",
        "--no-color",
        *(f"--exclude-operation-id={operation_id}" for operation_id in NOT_IN_FULL_RUN),
        *os.environ.get("SCHEMATHESIS_ARGS", "").split(),
    ]
    env = {
        **os.environ,
        "SCHEMATHESIS_HOOKS": "schemathesis_hooks",
        "PYTHONPATH": str(Path(__file__).parent),
    }
    result = subprocess.run(
        command, capture_output=True, text=True, timeout=FULL_SECONDS + 120, cwd=tmp_path, env=env
    )
    if output := os.environ.get("SCHEMATHESIS_OUTPUT"):
        Path(output).write_text(result.stdout + result.stderr)
    me = served.app.run(_signed_in_as(served.app.url, main))
    assert me.get("role") == "admin", f"the run lost its session or its role: {me}"
    assert result.returncode == 0, result.stdout[-20_000:] + result.stderr[-5_000:]


async def _signed_in_as(url: str, token: str) -> dict[str, Any]:
    """GET /v1/me with `token`: the account, or the problem."""
    import aiohttp

    async with (
        aiohttp.ClientSession() as session,
        session.get(url + "/v1/me", headers=bearer(token)) as resp,
    ):
        body: dict[str, Any] = await resp.json(content_type=None)
        return body
