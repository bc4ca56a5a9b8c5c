"""The docs page in a real browser: headless Chromium opens /docs, authorizes with a bearer
token, runs "Try it out" on GET /v1/me and sees 200, with no request leaving the server and no
Content-Security-Policy violation.

Needs Debian's `chromium` (/usr/bin/chromium) and the `playwright` package (dev extra), which
drives that browser; `playwright install` is not needed. Skipped with a message without them.
DOCS_SCREENSHOT=/tmp/docs.png keeps a screenshot of the page after the call.
"""

from __future__ import annotations

import asyncio
import os
import shutil
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import urlsplit

import pytest
from apicheck import ServedApp, mint_session, scratch_database

from service.config import Settings
from service.dev.embedded import EmbeddedRedis

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
if CHROMIUM is None:
    pytest.skip(
        "no chromium on PATH: install Debian's chromium to run the docs page in a browser",
        allow_module_level=True,
    )
sync_api = pytest.importorskip(
    "playwright.sync_api", reason="playwright is not installed (pip install -e '.[dev]')"
)

TIMEOUT_MS = 30_000  # generous: the machine may be busy; this is a bound, not a measurement


@pytest.fixture(scope="module")
def served(
    pg_server_dsn: str, migrated_template: str, redis_server: EmbeddedRedis | None
) -> Iterator[tuple[ServedApp, str]]:
    redis_url = os.environ.get("TEST_REDIS_URL") or (redis_server.start() if redis_server else "")
    with scratch_database(pg_server_dsn, migrated_template, "gp_docs_ui") as dsn:
        token = asyncio.run(mint_session(dsn, role="reader", tier="free"))
        settings = Settings(
            database_url=dsn, redis_url=redis_url, db_pool_min_size=1, log_level="WARNING"
        )
        with ServedApp(settings) as app:
            yield app, token


def test_docs_page_authorizes_and_tries_get_me_in_chromium(
    served: tuple[ServedApp, str], tmp_path: Path
) -> None:
    app, token = served
    origin = urlsplit(app.url).netloc
    elsewhere: list[str] = []
    problems: list[str] = []
    with sync_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, headless=True)
        try:
            page = browser.new_page(viewport={"width": 1280, "height": 900})
            page.set_default_timeout(TIMEOUT_MS)

            def only_this_server(route: object, request: object) -> None:
                url = request.url  # type: ignore[attr-defined]
                if urlsplit(url).netloc == origin or url.startswith("data:"):
                    route.continue_()  # type: ignore[attr-defined]
                else:
                    elsewhere.append(url)
                    route.abort()  # type: ignore[attr-defined]

            page.route("**/*", only_this_server)
            page.on(
                "console",
                lambda message: (
                    problems.append(message.text)
                    if message.type == "error" or "Content Security Policy" in message.text
                    else None
                ),
            )
            page.goto(app.url + "/")  # redirected to /docs
            assert page.url == app.url + "/docs"
            page.locator(".swagger-ui .info .title").wait_for()
            assert "Ghostypedia API" in page.locator(".swagger-ui .info .title").inner_text()

            # Authorize: the bearer scheme's value field, then Authorize and Close.
            page.locator("button.authorize").first.click()
            dialog = page.locator(".dialog-ux .modal-ux")
            bearer = dialog.locator(".auth-container").filter(has_text="bearer")
            bearer.locator("input").first.fill(token)
            bearer.locator("button.authorize").click()
            dialog.locator("button.btn-done").first.click()

            operation = page.locator("#operations-accounts-get_me")
            operation.locator(".opblock-summary").click()
            operation.locator("button.try-out__btn").click()
            operation.locator("button.execute").click()
            status = operation.locator(".live-responses-table .response .response-col_status")
            status.first.wait_for()
            status.first.scroll_into_view_if_needed()
            screenshot = Path(os.environ.get("DOCS_SCREENSHOT") or tmp_path / "docs.png")
            page.screenshot(path=str(screenshot), full_page=False)
            assert status.first.inner_text().strip().startswith("200")
            body = operation.locator(".live-responses-table .response-col_description pre")
            assert '"role": "reader"' in body.first.inner_text()
        finally:
            browser.close()
    assert elsewhere == [], "the page tried to load something from elsewhere"
    assert problems == [], "console errors (CSP violations among them)"
