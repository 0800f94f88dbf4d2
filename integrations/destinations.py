"""Where webhooks may go: public addresses only, so an endpoint URL cannot make our workers
reach into our own network (server-side request forgery). Which addresses count as public is
the project's one rule (``brandroom.destinations``), shared with brands' AI endpoints.

The hostname is resolved and *every* address it resolves to is checked, because one private
address among public ones is enough for an attacker's DNS to steer a request inside. Checked
when an endpoint is saved and again before each delivery (DNS can change in between).
"""

from __future__ import annotations

import ipaddress
import socket
from dataclasses import dataclass
from urllib.parse import urlsplit, urlunsplit

from django.conf import settings

from brandroom.destinations import address_refusal
from integrations.errors import ForbiddenDestination

ALLOWED_SCHEMES = frozenset({"http", "https"})


def resolve(
    host: str, port: int, *, field: str = "url"
) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    """Every address ``host`` resolves to (an IP literal resolves to itself)."""
    try:
        infos = socket.getaddrinfo(host, port, proto=socket.IPPROTO_TCP)
    except (socket.gaierror, UnicodeError) as exc:
        raise ForbiddenDestination(
            f"The host '{host}' could not be resolved.", field=field
        ) from exc
    # Strip an IPv6 zone ("fe80::1%eth0") before parsing.
    return [ipaddress.ip_address(str(info[4][0]).split("%", 1)[0]) for info in infos]


@dataclass(frozen=True)
class Destination:
    """Where to connect for a webhook URL, pinned to an address that passed the checks: the
    request goes to ``connect_url`` (host replaced by that address) with the original ``Host``
    header and TLS server name, so a DNS answer that changes after the check (DNS rebinding)
    cannot redirect it."""

    connect_url: str
    host_header: str
    server_name: str


def pin_destination(url: str, *, field: str = "url") -> Destination:
    """Check ``url`` (see check_webhook_url) and pin it to one of its checked addresses."""
    parts = urlsplit(url)
    if parts.scheme not in ALLOWED_SCHEMES or not parts.hostname:
        raise ForbiddenDestination("Use an http or https URL with a host name.", field=field)
    if parts.username or parts.password:
        raise ForbiddenDestination("Leave credentials out of the URL.", field=field)
    try:
        explicit_port = parts.port
    except ValueError:
        raise ForbiddenDestination("The URL's port is not valid.", field=field) from None
    port = explicit_port or (443 if parts.scheme == "https" else 80)
    addresses = resolve(parts.hostname, port, field=field)
    if not settings.WEBHOOKS_ALLOW_PRIVATE_URLS:
        for address in addresses:
            reason = address_refusal(address)
            if reason is not None:
                hint = (
                    ""
                    if settings.PRODUCTION
                    else " Outside production, WEBHOOKS_ALLOW_PRIVATE_URLS=true allows a local "
                    "receiver (it is on by default with BRANDROOM_ENV=development)."
                )
                raise ForbiddenDestination(
                    f"Webhook URLs may not point at {reason} ('{parts.hostname}' resolves to "
                    f"{address}).{hint}",
                    field=field,
                )
    # IPv4 first: a receiver on "localhost" usually listens there.
    address = sorted(addresses, key=lambda a: a.version)[0]
    host = f"[{address}]" if address.version == 6 else str(address)
    netloc = f"{host}:{explicit_port}" if explicit_port else host
    return Destination(
        connect_url=urlunsplit((parts.scheme, netloc, parts.path or "/", parts.query, "")),
        host_header=parts.netloc,
        server_name=parts.hostname,
    )


def check_webhook_url(url: str, *, field: str = "url") -> None:
    """Raise ForbiddenDestination (400, naming ``field``) unless ``url`` is an http(s) URL whose
    host resolves only to public addresses. WEBHOOKS_ALLOW_PRIVATE_URLS lifts the address rule
    for development."""
    pin_destination(url, field=field)
