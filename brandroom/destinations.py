"""Where the platform's servers may send requests that a brand configured (webhooks, a brand's
own AI endpoint): public addresses only, so a URL cannot make our workers reach into our own
network (server-side request forgery). One rule for every such destination.
"""

from __future__ import annotations

import ipaddress
import socket

NAT64 = ipaddress.ip_network("64:ff9b::/96")


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    """The IPv4 address an IPv6 address stands for (mapped, 6to4, Teredo, NAT64), if any: a
    translating gateway would take the request there."""
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    if address in NAT64:
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def address_refusal(address: ipaddress.IPv4Address | ipaddress.IPv6Address) -> str | None:
    """Why ``address`` is no place for a server-side request, or None when it is public."""
    if isinstance(address, ipaddress.IPv6Address):
        embedded = _embedded_ipv4(address)
        if embedded is not None:
            reason = address_refusal(embedded)
            if reason is not None:
                return reason
            # A public IPv4 behind a translation prefix is judged by that IPv4 alone: the
            # prefixes themselves are not "global" in Python's table.
            return None
    if address.is_loopback:
        return "a loopback address"
    if address.is_link_local:
        return "a link-local address"
    if address.is_private:
        return "a private address"
    if address.is_multicast or address.is_reserved or address.is_unspecified:
        return "a reserved address"
    if not address.is_global:  # e.g. carrier-grade NAT 100.64.0.0/10
        return "a non-public address"
    return None


def public_url_refusal(host: str, port: int) -> str | None:
    """Why requests to ``host`` must not go out (it does not resolve, or one of its addresses
    is not public: one private address among public ones is enough for an attacker's DNS), or
    None when every address it resolves to is public."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError):
        return f"the host '{host}' could not be resolved"
    for info in infos:
        address = ipaddress.ip_address(str(info[4][0]).split("%", 1)[0])
        reason = address_refusal(address)
        if reason is not None:
            return f"'{host}' resolves to {address}, {reason}"
    return None
