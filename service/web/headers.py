"""Security headers on every response, set in one `on_response_prepare` signal.

The signal runs for every response the app prepares (handlers' answers, problems, 404s and
405s of the router, files of the docs page), after the middlewares, so no handler can forget
them. It is on the hot path: one `update` from a prebuilt dict, one lookup, and the HTTPS
check for HSTS.

- `X-Content-Type-Options: nosniff`, `Referrer-Policy: no-referrer`, `X-Frame-Options: DENY`.
- `Content-Security-Policy`: a response that sets none (JSON, problems) gets one that lets it
  load nothing and be framed by nobody; HTML pages set their own (the docs page's allows this
  server's scripts and styles, and `frame-ancestors 'none'` too).
- `Strict-Transport-Security` when the request came over HTTPS (directly, or through a
  trusted proxy's `X-Forwarded-Proto: https`; see `is_secure`).
- `Server` names the product without a version: aiohttp would send `Python/3.x aiohttp/3.x`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Final

from aiohttp import web

from service.web.request import TRUSTED_PROXIES, is_secure

SERVER: Final = "ghostypedia"
EVERY_RESPONSE: Final = {
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "X-Frame-Options": "DENY",
    "Server": SERVER,
}
CSP: Final = "Content-Security-Policy"
# For responses that are not pages: nothing may be loaded by them, nothing may frame them.
DEFAULT_CSP: Final = "default-src 'none'; frame-ancestors 'none'"
# A year; not includeSubDomains, as this service cannot know what else runs on the domain.
HSTS: Final = "max-age=31536000"


def security_headers(
    app: web.Application,
) -> Callable[[web.Request, web.StreamResponse], Awaitable[None]]:
    """The `on_response_prepare` receiver of `app`, adding the headers above."""
    trusted = app.get(TRUSTED_PROXIES, ())  # read once: set before the app is set up

    async def add_security_headers(request: web.Request, response: web.StreamResponse) -> None:
        headers = response.headers
        headers.update(EVERY_RESPONSE)
        headers.setdefault(CSP, DEFAULT_CSP)
        if is_secure(request, trusted):
            headers["Strict-Transport-Security"] = HSTS

    return add_security_headers


def setup(app: web.Application) -> None:
    """Add the headers to every response of `app` (after TRUSTED_PROXIES is set)."""
    app.on_response_prepare.append(security_headers(app))
