"""Brand hostnames: what a brand may claim, and which hosts always belong to the platform.

A brand's hostname routes every request on that host to the brand (tenants/routing.py). A
brand claiming one of the platform's own hosts would take sign-in, tokens and health away from
everybody on it, so the platform's hosts are reserved, and routing never gives them to a brand
even if a row claiming one was stored before the reservation existed.
"""

from __future__ import annotations

import ipaddress
import re
from urllib.parse import urlsplit

from django.conf import settings

from tenants.errors import TenantsError

LABEL = re.compile(r"^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$")
MAX_LENGTH = 253


class InvalidHostname(TenantsError):
    code = "invalid_hostname"


class HostnameReserved(TenantsError):
    code = "hostname_reserved"


def platform_hosts() -> frozenset[str]:
    """The exact host names the platform itself answers on: ``PUBLIC_BASE_URL``'s host,
    every exact (non-wildcard) ``ALLOWED_HOSTS`` entry, and ``localhost``."""
    hosts = {"localhost"}
    public = urlsplit(settings.PUBLIC_BASE_URL).hostname
    if public:
        hosts.add(public.lower())
    hosts.update(
        entry.lower().rstrip(".")
        for entry in settings.ALLOWED_HOSTS
        if entry and entry != "*" and not entry.startswith(".")
    )
    return frozenset(hosts)


def is_platform_host(host: str) -> bool:
    """Whether ``host`` (lower-cased, without port) is one of the platform's own: a reserved
    name, anything under ``.localhost``, or an IP address (loopback or not, never a brand's)."""
    host = host.rstrip(".")
    if host in platform_hosts() or host.endswith(".localhost"):
        return True
    try:
        ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        return False
    return True


def normalize_hostname(raw: str) -> str:
    """``raw`` as a brand hostname: lower-cased, without a trailing dot; an RFC 1123 name of
    two labels or more, no port, path or IP address. The platform's own hosts are refused."""
    host = raw.strip().lower().rstrip(".")
    if is_platform_host(host):
        raise HostnameReserved(
            f"The hostname '{host}' is the platform's own; a brand cannot use it.",
            field="hostname",
        )
    labels = host.split(".")
    if (
        len(host) > MAX_LENGTH
        or len(labels) < 2
        or not all(LABEL.match(label) for label in labels)
        or labels[-1].isdigit()
    ):
        raise InvalidHostname(
            f"'{raw}' is not a hostname: give a name such as 'social.example.com', without"
            " scheme, port or path.",
            field="hostname",
        )
    return host
