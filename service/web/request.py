"""Per-request plumbing every layer above may use: the handler type, request ids, the client."""

from __future__ import annotations

import ipaddress
import itertools
import secrets
from collections.abc import Awaitable, Callable, Sequence
from typing import TypeAlias

from aiohttp import web

# What a route handler and a middleware's `handler` are.
Handler: TypeAlias = Callable[[web.Request], Awaitable[web.StreamResponse]]
Address: TypeAlias = ipaddress.IPv4Address | ipaddress.IPv6Address
Network: TypeAlias = ipaddress.IPv4Network | ipaddress.IPv6Network

REQUEST_ID = web.RequestKey("request_id", str)
# The reverse proxies whose X-Forwarded-For is believed (TRUSTED_PROXIES).
TRUSTED_PROXIES = web.AppKey("trusted_proxies", tuple[Network, ...])
REQUEST_ID_HEADER = "X-Request-ID"
# Generated request ids are this process's random prefix and a counter: unique across
# processes and restarts (64 random bits) and within the process, at the cost of an increment.
_ID_PREFIX = secrets.token_hex(8)
_ID_COUNTER = itertools.count(1)


def new_request_id() -> str:
    """A request id of this process's own (32 hex digits)."""
    return f"{_ID_PREFIX}{next(_ID_COUNTER):016x}"


@web.middleware
async def request_id_middleware(request: web.Request, handler: Handler) -> web.StreamResponse:
    """Accept a sane X-Request-ID or make one; echo it on the response."""
    incoming = request.headers.get(REQUEST_ID_HEADER, "")
    valid = 0 < len(incoming) <= 128 and incoming.isprintable() and incoming.isascii()
    request_id = incoming if valid else new_request_id()
    request[REQUEST_ID] = request_id
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        exc.headers[REQUEST_ID_HEADER] = request_id
        raise
    response.headers[REQUEST_ID_HEADER] = request_id
    return response


def parse_networks(value: str) -> list[Network]:
    """TRUSTED_PROXIES: comma-separated addresses or CIDR ranges."""
    networks = []
    for item in value.split(","):
        if item.strip():
            try:
                networks.append(ipaddress.ip_network(item.strip(), strict=False))
            except ValueError:
                raise ValueError(
                    f"TRUSTED_PROXIES: {item.strip()!r} is not an address or CIDR range"
                ) from None
    return networks


def client_address(
    request: web.Request, trusted: Sequence[Network] | None = None
) -> Address | None:
    """The client's address: the peer, or, when the peer is a trusted proxy, the nearest
    address in X-Forwarded-For that is not one; None when the transport has no address.
    `trusted` defaults to the app's TRUSTED_PROXIES."""
    if trusted is None:
        trusted = request.config_dict.get(TRUSTED_PROXIES, ())
    peer = _address(request.remote or "")
    if peer is None:
        return None
    client = peer
    if trusted and _in(peer, trusted):
        hops = [
            hop
            for value in request.headers.getall("X-Forwarded-For", ())
            for hop in value.split(",")
        ]
        for hop in reversed(hops):
            address = _address(hop)
            if address is None:
                break  # a malformed entry: nothing to its left can be believed
            client = address
            if not _in(address, trusted):
                break
    return client


def is_secure(request: web.Request, trusted: Sequence[Network] | None = None) -> bool:
    """Whether the client reached us over HTTPS: TLS on this socket, or a trusted proxy saying
    so in X-Forwarded-Proto (the last value: the one the nearest proxy added). `trusted`
    defaults to the app's TRUSTED_PROXIES; with none, the header is never read."""
    if request.secure:
        return True
    if trusted is None:
        trusted = request.config_dict.get(TRUSTED_PROXIES, ())
    if not trusted:
        return False
    forwarded = request.headers.getall("X-Forwarded-Proto", ())
    if not forwarded:
        return False
    peer = _address(request.remote or "")
    if peer is None or not _in(peer, trusted):
        return False
    return forwarded[-1].rpartition(",")[2].strip().lower() == "https"


def _address(text: str) -> Address | None:
    try:
        address = ipaddress.ip_address(text.strip().removeprefix("[").partition("]")[0])
    except ValueError:
        return None
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        return address.ipv4_mapped
    return address


def _in(address: Address, networks: Sequence[Network]) -> bool:
    return any(address.version == net.version and address in net for net in networks)
