"""One statement per brand request: the brand by slug, the caller's staff token with its person,
and that person's role on the brand, read together when the request arrives (issue 20).

Before, a brand request made three ORM queries one after another (the brand in the routing
middleware, the token in authentication, the membership in ``BrandPermission``) plus two
``SET search_path``. Reading them in one statement, fresh every request, removes the round trips
without caching anything: a brand renamed, suspended or deleted, a membership removed or its
role changed, a token revoked or a person deactivated is seen by the very next request in every
process, because nothing is kept between requests. (A per-process cache would still need a
query per request to notice a revocation made by another process; once that query is made, it
may as well read the rows themselves.)

The same statement sets the connection's ``search_path`` to the brand's schema
(``set_config``), and django-tenants is told so, so the request sends no separate ``SET``.

Authentication and permissions use what was read here only when it answers their exact
question (the same token key; the same person and brand), and ask the database as before
otherwise (sessions, API keys, another brand).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import Any, TypeVar

from django.conf import settings
from django.db import connection
from django.http import HttpRequest
from django_tenants.utils import get_public_schema_name, quote_schema_name

from tenants.models import Agency, Brand, Membership, StaffToken, User
from tenants.selectors import role_on_brand

TOKEN_KEYWORD = "Token"
M = TypeVar("M", Brand, Agency, StaffToken, User)


@dataclass(frozen=True)
class RouteLookup:
    """What the routing statement read for one request. ``token_key`` is the key it looked up
    (None when the request carried no staff token), ``token`` the row found for it (None: no
    such token), ``role`` the token's person's role on the brand (None: not a member)."""

    brand: Brand
    token_key: str | None
    token: StaffToken | None
    role: str | None


def _columns(alias: str, model: type[Any]) -> list[str]:
    return [f'{alias}."{f.column}"' for f in model._meta.concrete_fields]


def _attnames(model: type[Any]) -> list[str]:
    return [f.attname for f in model._meta.concrete_fields]


@cache
def _statement(with_token: bool) -> str:
    public = quote_schema_name(get_public_schema_name())
    selected = [
        "pg_catalog.set_config('search_path', pg_catalog.quote_ident(b.schema_name) || %s, false)"
    ]
    selected += _columns("b", Brand) + _columns("a", Agency)
    joins = [
        f'FROM {public}."{Brand._meta.db_table}" b',
        f'JOIN {public}."{Agency._meta.db_table}" a ON a.id = b.agency_id',
    ]
    if with_token:
        selected += _columns("t", StaffToken) + _columns("u", User) + ["m.role"]
        joins += [
            f'LEFT JOIN {public}."{StaffToken._meta.db_table}" t ON t.key = %s',
            f'LEFT JOIN {public}."{User._meta.db_table}" u ON u.id = t.user_id',
            f'LEFT JOIN {public}."{Membership._meta.db_table}" m'
            " ON m.brand_id = b.id AND m.user_id = t.user_id",
        ]
    return f"SELECT {', '.join(selected)} {' '.join(joins)} WHERE b.slug = %s"


def _rest_of_search_path() -> str:
    """What follows the brand's schema in its search_path, as django-tenants builds it."""
    rest = [get_public_schema_name(), *getattr(settings, "PG_EXTRA_SEARCH_PATHS", [])]
    return "".join("," + quote_schema_name(s) for s in rest)


def token_key_of(request: HttpRequest) -> str | None:
    """The key of a well-formed ``Authorization: Token <key>.<secret>`` header, else None."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header.startswith(TOKEN_KEYWORD + " "):
        return None
    key, _, secret = header[len(TOKEN_KEYWORD) + 1 :].strip().partition(".")
    return key if key.isalnum() and secret else None


def lookup_route(*, slug: str, token_key: str | None) -> RouteLookup | None:
    """Read the brand called ``slug`` (with its agency) and, given a token key, the token, its
    person and their role on the brand, in one statement that also switches the connection's
    search_path to the brand's schema. None when no brand has this slug (the connection is
    then on the public schema)."""
    with_token = token_key is not None
    params = [_rest_of_search_path(), *([token_key] if token_key is not None else []), slug]
    # The statement names every table with its schema, so whatever search_path the pooled
    # connection has does not matter: skip django-tenants' SET before it. Its own set_config
    # changes the search_path, recorded below once the row is read.
    connection.search_path_set_schemas = ["-"]  # type: ignore[attr-defined]
    try:
        with connection.cursor() as cursor:
            cursor.execute(_statement(with_token), params)
            row = cursor.fetchone()
    finally:
        connection.search_path_set_schemas = None  # type: ignore[attr-defined]
    if row is None:
        return None
    values = list(row[1:])
    brand = _take(Brand, values)
    Brand.agency.field.set_cached_value(brand, _take(Agency, values))
    token: StaffToken | None = None
    role: str | None = None
    if with_token:
        token = _take(StaffToken, values)
        user = _take(User, values)
        role = values.pop(0)
        if token.pk is None:  # no token with this key (LEFT JOIN gave NULLs)
            token, role = None, None
        else:
            StaffToken.user.field.set_cached_value(token, user)
    connection.set_tenant(brand)  # type: ignore[attr-defined]
    # set_tenant() forgets the search_path; it is the brand's since the statement above
    # (a rollback or a closed connection makes django-tenants forget it again).
    connection.search_path_set_schemas = connection._get_cursor_search_paths()  # type: ignore[attr-defined]
    return RouteLookup(brand=brand, token_key=token_key, token=token, role=role)


def _take(model: type[M], values: list[Any]) -> M:
    """Build a ``model`` instance from the front of ``values`` (and remove them)."""
    names = _attnames(model)
    taken = values[: len(names)]
    del values[: len(names)]
    return model.from_db(connection.alias, names, taken)


def prefetched_token(request: HttpRequest, key: str) -> tuple[bool, StaffToken | None]:
    """(True, token or None) when the routing statement already looked up ``key`` for this
    request; (False, None) when it did not and authentication must ask the database."""
    lookup: RouteLookup | None = getattr(request, "route_lookup", None)
    if lookup is None or lookup.token_key != key:
        return False, None
    return True, lookup.token


def member_role(request: HttpRequest, *, user: User, brand: Brand) -> str | None:
    """The person's role on the brand: read with the route when it was read for this very
    person and brand, else from the database."""
    lookup: RouteLookup | None = getattr(request, "route_lookup", None)
    if (
        lookup is not None
        and lookup.token is not None
        and lookup.brand.pk == brand.pk
        and lookup.token.user_id == user.pk
    ):
        return lookup.role
    return role_on_brand(user=user, brand=brand)
