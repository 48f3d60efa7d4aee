"""Where a producer's reply webhook may point: an https URL whose host has only public addresses.

The service POSTs customers' texts to a URL a producer chose, so that URL must not turn the
service against its own network (request forgery): no loopback, private, link-local (cloud
metadata at 169.254.169.254 is link-local), shared (100.64/10), reserved or multicast address.
The rule is checked when the URL is set and again before every POST, since a name's addresses
can change between the two; the POST itself goes through `requests_hardened`, which connects to
the very address it checked and never follows a redirect.

In development, `REPLY_WEBHOOK_ALLOW_LOCALHOST` lets a producer on this machine listen on plain
http at a loopback address.
"""

from __future__ import annotations

import ipaddress
import socket
from urllib.parse import urlsplit

from requests_hardened.ip_filter import EXTRA_BLOCKED_NET_RANGES

LOOPBACK_NAMES = frozenset({"localhost", "localhost."})
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


def refusal(url: str, *, allow_localhost: bool) -> str | None:
    """Why the service must not POST to `url`, or None if it may."""
    parts = urlsplit(url)
    host = parts.hostname
    if parts.scheme not in ("http", "https") or not host:
        return "must be an https URL"
    try:
        addresses = resolve(host, parts.port or (443 if parts.scheme == "https" else 80))
    except (socket.gaierror, UnicodeError):
        return f"its host {host} does not resolve"
    if allow_localhost and all(a.is_loopback for a in addresses):
        return None
    if parts.scheme != "https":
        return "must be an https URL"
    unsafe = sorted(str(a) for a in addresses if not is_public(a))
    if unsafe:
        return f"its host {host} resolves to an address that is not public ({unsafe[0]})"
    return None


def resolve(host: str, port: int) -> set[Address]:
    """Every address the system resolver gives `host` (a literal address is itself)."""
    found = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return {ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in found}


def is_public(address: Address) -> bool:
    """Whether `address` is one of the public internet's, by the rule the POST is held to.

    An IPv4 address written as IPv6 is judged as IPv4; the ranges that translate to IPv4 or
    lead into other networks (NAT64, 6to4, shared) are refused as `requests_hardened` does.
    """
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped is not None:
        address = address.ipv4_mapped
    if any(address in network for network in EXTRA_BLOCKED_NET_RANGES):
        return False
    return address.is_global and not address.is_multicast
