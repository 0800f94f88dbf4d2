"""Brute-force limit on password sign-in, per account and per address.

Both ways to sign in with a password (the API's token endpoint and the phone view's form) go
through ``password_attempt``. Each attempt is counted *before* the password is checked, with
one atomic statement per budget, so concurrent guesses cannot slip past the limit; a correct
password gives its attempt back (and clears the account's failures), so only failures add up.
Past a budget the caller gets 429 with ``Retry-After`` until the budget's window ends, without
the password being checked at all.

Budgets (settings): ``SIGN_IN_FAILURES_PER_ACCOUNT`` and ``SIGN_IN_FAILURES_PER_ADDRESS`` per
``SIGN_IN_WINDOW_SECONDS``. The account budget is keyed by the name tried, whether or not such
an account exists, so the answer says nothing about who has one. The address is the client's
as ``brandroom.http.client_address`` reads it (``REMOTE_ADDR``, or ``X-Forwarded-For`` behind
``TRUSTED_PROXY_HOPS`` proxies of ours).
"""

from __future__ import annotations

import hashlib
import math
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection

from brandroom.http.throttling import hit


class SignInThrottled(Exception):
    """Too many failed sign-ins for this account or from this address; retry after a while."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(f"Too many failed sign-ins; try again in {retry_after} seconds.")
        self.retry_after = retry_after


def _account_key(username: str) -> str:
    digest = hashlib.sha256(username.strip().casefold().encode()).hexdigest()[:40]
    return f"sign_in:account:{digest}"


def _address_key(address: str) -> str:
    return f"sign_in:address:{address[:64]}"


FORGIVE = """
UPDATE public.tenants_throttlecounter SET hits = GREATEST(hits - 1, 0) WHERE key = %(key)s
"""


@contextmanager
def password_attempt(*, username: str, address: str) -> Iterator[None]:
    """Count a password sign-in attempt; the body checks the password and must raise (any
    exception) when it is wrong. Raises ``SignInThrottled`` before the body runs when the
    account or the address is over its budget."""
    window = settings.SIGN_IN_WINDOW_SECONDS
    budgets = [
        (_account_key(username), settings.SIGN_IN_FAILURES_PER_ACCOUNT),
        (_address_key(address), settings.SIGN_IN_FAILURES_PER_ADDRESS),
    ]
    waits = []
    for key, limit in budgets:
        hits, left = hit(key, window_seconds=window)
        if hits > limit:
            waits.append(max(1, math.ceil(left)))
    if waits:
        raise SignInThrottled(retry_after=max(waits))
    yield
    # The password was right: this attempt was no failure, and the account starts afresh.
    with connection.cursor() as cursor:
        for key, _limit in budgets:
            cursor.execute(FORGIVE, {"key": key})
        cursor.execute(
            "DELETE FROM public.tenants_throttlecounter WHERE key = %(key)s",
            {"key": budgets[0][0]},
        )
