"""Reverse proxies: their X-Forwarded-For and X-Forwarded-Proto are believed only when they come from an address the
operator named (LOTSE_TRUSTED_PROXIES); from anyone else they are ignored.

The client's address decides whose failed authentications are counted (api/auth.py) and is what the access log
shows, so a header anyone can send must not choose it.
"""

import ipaddress
from collections.abc import Iterable

from litestar.datastructures import Headers
from litestar.middleware import ASGIMiddleware
from litestar.types import ASGIApp, Receive, Scope, Send

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def parse_networks(entries: Iterable[str]) -> tuple[Network, ...]:
    """Addresses and networks (`10.0.0.1`, `10.0.0.0/8`, `::1`); ValueError naming the first that is neither."""
    networks: list[Network] = []
    for entry in entries:
        try:
            networks.append(ipaddress.ip_network(entry.strip(), strict=False))
        except ValueError:
            raise ValueError(f"'{entry.strip()}' is not an IP address or network") from None
    return tuple(networks)


class TrustedProxies:
    def __init__(self, networks: tuple[Network, ...]) -> None:
        self.networks = networks

    def trusts(self, host: str) -> bool:
        address = _address(host)
        return address is not None and any(address in network for network in self.networks)

    def client(self, peer: str, forwarded_for: str) -> str:
        """The client behind a chain of proxies: X-Forwarded-For read from its right end (each proxy appends the
        address it was called from), the first hop that is not a trusted proxy. A hop that is no address ends the
        search: what lies left of it was written by someone we cannot trust, so the last trusted proxy is answered."""
        client = peer
        for hop in reversed(forwarded_for.split(",")):
            address = _address(hop.strip())
            if address is None:
                return client
            client = str(address)
            if not self.trusts(client):
                return client
        return client


class ForwardedHeaders(ASGIMiddleware):
    """Sets the request's client address and scheme from a trusted proxy's X-Forwarded-For and X-Forwarded-Proto."""

    def __init__(self, proxies: TrustedProxies) -> None:
        self.proxies = proxies

    async def handle(self, scope: Scope, receive: Receive, send: Send, next_app: ASGIApp) -> None:
        peer = scope.get("client")
        if self.proxies.networks and peer is not None and self.proxies.trusts(peer[0]):
            headers = Headers.from_scope(scope)
            forwarded_for = ",".join(headers.getall("x-forwarded-for", []))
            if forwarded_for:
                scope["client"] = (self.proxies.client(peer[0], forwarded_for), 0)
            scheme = headers.get("x-forwarded-proto", "").strip().lower()
            if scheme in ("http", "https"):
                scope["scheme"] = scheme
        await next_app(scope, receive, send)


def _address(text: str) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    try:
        return ipaddress.ip_address(text.removeprefix("[").removesuffix("]"))
    except ValueError:
        return None
