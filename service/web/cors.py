"""CORS for browser apps on other origins (aiohttp-cors), only for the CORS_ORIGINS allow-list.

With no origin listed nothing is added: browsers keep the API same-origin, and requests pay
nothing for CORS. A listed origin may send credentials (the session cookie or a bearer token)
and read the headers a client needs: rate limits, ETag, Location, Retry-After, the request id.
"""

from __future__ import annotations

import aiohttp_cors
from aiohttp import web

from service.config import cors_origin_list

EXPOSED_HEADERS = (
    "ETag",
    "Location",
    "RateLimit",
    "RateLimit-Policy",
    "Retry-After",
    "X-Request-ID",
)
ALLOWED_HEADERS = ("Authorization", "Content-Type", "If-None-Match", "X-Request-ID")
PREFLIGHT_MAX_AGE = 600  # seconds a browser may reuse a preflight answer


async def _vary_on_origin(request: web.Request, response: web.StreamResponse) -> None:
    """Shared caches must not hand one origin's CORS answer to another (aiohttp-cors does not
    say so itself)."""
    vary = response.headers.get("Vary", "")
    if "origin" not in vary.lower():
        response.headers["Vary"] = f"{vary}, Origin" if vary else "Origin"


def setup(app: web.Application, origins: str) -> None:
    """Answer preflights and add CORS headers for the origins in `origins` (a CORS_ORIGINS
    value) on every route already added; nothing at all when it lists none."""
    allowed = cors_origin_list(origins)
    if not allowed:
        return
    options = aiohttp_cors.ResourceOptions(  # type: ignore[no-untyped-call]
        allow_credentials=True,
        expose_headers=EXPOSED_HEADERS,
        allow_headers=ALLOWED_HEADERS,
        allow_methods="*",
        max_age=PREFLIGHT_MAX_AGE,
    )
    cors = aiohttp_cors.setup(app, defaults=dict.fromkeys(allowed, options))
    app.on_response_prepare.append(_vary_on_origin)
    for route in list(app.router.routes()):
        if route.method != "HEAD":  # aiohttp's automatic HEAD shares its GET's resource
            cors.add(route)
