"""The client's address as the sign-in limits see it.

Behind a load balancer every request's ``REMOTE_ADDR`` is the balancer's, so a per-address
budget would lock out everyone at once after one attacker's failures. ``TRUSTED_PROXY_HOPS``
says how many proxies of ours stand in front of the web server: each appends the address it
got the request from to ``X-Forwarded-For``, so the client is the entry that many places from
the right. Entries further left were written by the client and are never trusted. With no
proxy (the default) ``X-Forwarded-For`` is ignored entirely.
"""

from __future__ import annotations

import ipaddress

from django.conf import settings
from django.http import HttpRequest


def client_address(request: HttpRequest) -> str:
    remote = request.META.get("REMOTE_ADDR", "")
    hops = settings.TRUSTED_PROXY_HOPS
    if not hops:
        return remote
    forwarded = [entry.strip() for entry in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",")]
    forwarded = [entry for entry in forwarded if entry]
    if len(forwarded) < hops:
        # Fewer entries than proxies: the request did not come through all of them.
        return remote
    candidate = forwarded[-hops]
    try:
        return str(ipaddress.ip_address(candidate))
    except ValueError:
        return remote
