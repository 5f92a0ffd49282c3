"""The client's IP address, trusting ``X-Forwarded-For`` only through ``settings.TRUSTED_PROXIES``.

Every part of the platform that keys anything on an address (rate limits, lockouts, the security
audit, access logs, WebSocket sign-ins) asks this module, so a forged header fools none of them.

The rule: start from the peer that opened the connection (``REMOTE_ADDR``, or an ASGI scope's
``client``). If that peer is not a trusted proxy, it is the client, whatever headers it sent. If it
is, walk ``X-Forwarded-For`` from the right (the entry the trusted proxy appended) leftwards,
skipping entries that are themselves trusted proxies; the first untrusted entry is the client.
Entries left of it were written by the client and are never read. A malformed entry stops the walk
at the last hop we can vouch for. With ``TRUSTED_PROXIES`` empty (the default) the header is
ignored altogether.
"""

import ipaddress
from collections.abc import Iterable
from functools import lru_cache

from django.conf import settings

Network = ipaddress.IPv4Network | ipaddress.IPv6Network
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def parse_networks(values: Iterable[str]) -> tuple[Network, ...]:
    """CIDRs (or bare addresses) as networks; a bad entry raises ``ValueError`` naming it."""
    networks = []
    for value in values:
        value = value.strip()
        if not value:
            continue
        try:
            networks.append(ipaddress.ip_network(value, strict=False))
        except ValueError as exc:
            raise ValueError(f"TRUSTED_PROXIES: {value!r} is not an IP address or CIDR network") from exc
    return tuple(networks)


@lru_cache(maxsize=8)
def _trusted(values: tuple[str, ...]) -> tuple[Network, ...]:
    return parse_networks(values)


def trusted_networks() -> tuple[Network, ...]:
    return _trusted(tuple(getattr(settings, "TRUSTED_PROXIES", ()) or ()))


def _address(value: str | None) -> Address | None:
    if not value:
        return None
    value = value.strip()
    if value.startswith("[") and "]" in value:  # "[2001:db8::1]:443"
        value = value[1 : value.index("]")]
    try:
        address = ipaddress.ip_address(value)
    except ValueError:
        return None
    mapped = getattr(address, "ipv4_mapped", None)
    return mapped or address


def _is_trusted(address: Address, networks: tuple[Network, ...]) -> bool:
    return any(address.version == network.version and address in network for network in networks)


def resolve_client_ip(remote_addr: str | None, forwarded_for: str | None = None) -> str | None:
    """The client's address given the connecting peer and the ``X-Forwarded-For`` it sent."""
    peer = _address(remote_addr)
    if peer is None:
        return None
    networks = trusted_networks()
    if not networks or not _is_trusted(peer, networks) or not forwarded_for:
        return str(peer)
    client = peer
    for entry in reversed(forwarded_for.split(",")):
        hop = _address(entry)
        if hop is None:  # garbage from somewhere: believe nothing left of it
            break
        client = hop
        if not _is_trusted(hop, networks):
            break
    return str(client)


def client_ip(request) -> str | None:
    """The client's address for a Django ``HttpRequest`` (or DRF ``Request``); ``None`` without one."""
    if request is None:
        return None
    meta = request.META
    return resolve_client_ip(meta.get("REMOTE_ADDR"), meta.get("HTTP_X_FORWARDED_FOR"))


def client_ip_from_scope(scope: dict) -> str | None:
    """The client's address for an ASGI connection (WebSocket or HTTP scope)."""
    client = scope.get("client") or (None, None)
    forwarded = None
    for name, value in scope.get("headers") or ():
        if name.lower() == b"x-forwarded-for":
            text = value.decode("latin-1")
            forwarded = f"{forwarded}, {text}" if forwarded else text
    return resolve_client_ip(client[0], forwarded)
