"""Every role × every brand operation in the OpenAPI schema, plus a member of another brand,
checked against the one permission table (tenants/roles.py).

Nothing here is listed by hand: the operations come from the published schema, the action each
one needs from the view that serves it (``actions_required`` / ``read_action`` /
``write_action``, the declaration ``BrandPermission`` enforces) and who may do it from
``PERMISSIONS``. A role the table allows must never be refused (403); a role it does not allow
must be refused and the refused call must have changed nothing in the brand (its schema's
tables and its rows in the public schema); a member of another brand learns nothing (404).
Each call runs in a savepoint that is rolled back, so calls cannot affect each other.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from types import SimpleNamespace
from typing import Any

import hypothesis
import hypothesis.strategies as st
import pytest
from django.db import connection, transaction
from drf_spectacular.generators import EndpointEnumerator, SchemaGenerator
from rest_framework.test import APIClient

from tenants import services
from tenants.models import Brand, User
from tenants.permissions import required_action
from tenants.roles import PERMISSIONS, Role, Scope, role_may, scopes_may
from tests.conftest import client_for

pytestmark = pytest.mark.django_db

# Routes of the platform, not of one brand: no brand role applies (tests/tenants cover them).
NOT_BRAND_ROUTES = {
    "/api/v1/",
    "/api/docs/",
    "/api/schema/",
    "/api/v1/agencies/",
    "/api/v1/agencies/{slug}/ai-usage/",
    "/api/v1/agencies/{slug}/readiness/",
    "/api/v1/attention/",
    "/api/v1/auth/token/",
    "/api/v1/auth/tokens/",
    "/api/v1/auth/tokens/{key}/",
    "/api/v1/brands/",
    "/api/v1/health/",
    "/api/v1/me/",
}
METHODS = ("get", "post", "put", "patch", "delete")
# Public tables that hold a brand's own rows (the brand schema's tables are all taken).
PUBLIC_BRAND_ROWS = {
    "tenants_brand": "id",
    "tenants_domain": "tenant_id",
    "tenants_membership": "brand_id",
    "tenants_apikey": "brand_id",
    "audit_auditentry": "brand_id",
    "attention_attentionrow": "brand_id",
    "attention_readinessweek": "brand_id",
    "listening_schedule_brandtriggerdue": "brand_id",
}
MISSING_ID = "999999"


@dataclass(frozen=True)
class Operation:
    method: str
    path: str  # as in the schema, with {parameters}
    action: str
    patterns: tuple[tuple[str, str], ...] = ()  # path parameters the schema gives a pattern

    def __str__(self) -> str:
        return f"{self.method.upper()} {self.path} ({self.action})"


def _concrete(path: str, brand: Brand) -> str:
    return path.replace("{brand_slug}", brand.slug).replace("{slug}", brand.slug)


def _schema() -> dict[str, Any]:
    return SchemaGenerator().get_schema(request=None, public=True)


def _schema_operations() -> set[tuple[str, str]]:
    return {(path, method) for path, item in _schema()["paths"].items() for method in item}


def _path_patterns(operation: dict[str, Any]) -> tuple[tuple[str, str], ...]:
    return tuple(
        (p["name"], p["schema"]["pattern"])
        for p in operation.get("parameters", [])
        if p["in"] == "path" and "pattern" in p.get("schema", {})
    )


def brand_operations() -> list[Operation]:
    """Every operation on one brand that the schema publishes, with the action its view needs
    (read from the view the way ``BrandPermission`` reads it)."""
    published = _schema()["paths"]
    operations = []
    for view_path, _regex, method, callback in EndpointEnumerator().get_api_endpoints():
        method = method.lower()
        path = view_path.replace("{pk}", "{id}")  # as the schema names it
        if path in NOT_BRAND_ROUTES or method not in published.get(path, {}):
            continue
        view_class = getattr(callback, "cls", None) or callback.view_class
        assert hasattr(view_class, "actions_required"), (
            f"{method.upper()} {path} is served by {view_class.__name__}, which names no action"
            " from the permission table"
        )
        view = view_class(**(getattr(callback, "initkwargs", None) or {}))
        view.action = (getattr(callback, "actions", None) or {}).get(method)
        action = required_action(SimpleNamespace(method=method.upper()), view)  # type: ignore[arg-type]
        assert action in PERMISSIONS, f"{method.upper()} {path}: unknown action {action}"
        patterns = _path_patterns(published[path][method])
        operations.append(Operation(method, path, action, patterns))
    return operations


def brand_snapshot(brand: Brand) -> dict[str, str]:
    """A digest of every row the brand owns: each table of its schema, and its public rows."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_name FROM information_schema.tables"
            " WHERE table_schema = %s AND table_type = 'BASE TABLE' ORDER BY table_name",
            [brand.schema_name],
        )
        tables = [row[0] for row in cursor.fetchall()]
        parts = [
            f"SELECT '{t}', md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), ''))"
            f' FROM "{brand.schema_name}"."{t}" r'
            for t in tables
        ] + [
            f"SELECT '{t}', md5(coalesce(string_agg(r::text, '|' ORDER BY r::text), ''))"
            f' FROM public."{t}" r WHERE r."{column}" = {int(brand.pk)}'
            for t, column in PUBLIC_BRAND_ROWS.items()
        ]
        cursor.execute(" UNION ALL ".join(parts))
        return dict(cursor.fetchall())


def _owner_id(row: dict[str, Any]) -> Any:
    user = row.get("user", row.get("user_id"))
    return user.get("id") if isinstance(user, dict) else user


def _listed_id(client: APIClient, collection: str, name: str, caller: User) -> str | None:
    """The id of a row the collection lists (as the agency admin sees it): the caller's own row
    when there is one (removing oneself is everyone's right, removing an admin is not), else
    the first; None when the list is empty or there is no list."""
    response = client.get(collection)
    if response.status_code != 200 or "json" not in response.get("Content-Type", ""):
        return None
    body = response.json()
    rows = body.get("results", body) if isinstance(body, dict) else body
    rows = [row for row in rows if isinstance(row, dict)] if isinstance(rows, list) else []
    if not rows:
        return None
    own = [row for row in rows if _owner_id(row) == caller.pk]
    row = (own or rows)[0]
    value = row.get(name, row.get("id"))
    return None if value is None else str(value)


def concrete_url(op: Operation, *, brand: Brand, caller: User, admin: APIClient) -> str:
    """The schema path with the brand's slug and real ids where a list offers one (else an id
    that names nothing: refusals must come before any lookup). ``{user_id}`` is the caller's
    own: what a person may do to themselves is the table's question, not someone else's."""
    url = _concrete(op.path, brand)
    patterns = dict(op.patterns)
    while "{" in url:
        start = url.index("{")
        name = url[start + 1 : url.index("}", start)]
        if name == "user_id":
            value: str | None = str(caller.pk)
        else:
            value = _listed_id(admin, url[:start], name, caller)
        if name in patterns and not re.fullmatch(patterns[name], value or MISSING_ID):
            # The simplest value the schema's pattern allows (e.g. "post-low").
            value = hypothesis.find(st.from_regex(patterns[name], fullmatch=True), bool)
        url = url.replace("{" + name + "}", value or MISSING_ID, 1)
    return url


def call(client: APIClient, method: str, url: str) -> Any:
    """One request in a savepoint that is rolled back afterwards, whatever it did."""
    with transaction.atomic():
        if method in ("get", "delete"):
            response = getattr(client, method)(url)
        else:
            response = getattr(client, method)(url, {}, format="json")
        transaction.set_rollback(True)
    connection.set_schema_to_public()
    return response


def seed(world: Any) -> None:
    """One of the commonest things on brand A, so detail routes can name real rows."""
    from django_tenants.utils import schema_context

    from content import services as content_services

    with schema_context(world.a.brand.schema_name):
        channel = content_services.create_channel(network="x", handle="alpinematrix")
        content_services.create_brief(title="Matrix brief", key_message="Test", channels=[channel])


OPERATIONS = brand_operations()


def test_the_matrix_covers_every_operation_of_the_schema() -> None:
    covered = {(op.path, op.method) for op in OPERATIONS}
    platform = {(path, m) for path, m in _schema_operations() if path in NOT_BRAND_ROUTES}
    assert covered | platform == _schema_operations()
    assert len(covered) > 100


@pytest.mark.parametrize("role", list(Role))
def test_each_role_may_do_exactly_what_the_table_says(world, role) -> None:
    seed(world)
    brand = world.a.brand
    person = world.a.person(role)
    client = client_for(person)
    admin = client_for(world.admin)
    holes = []
    for op in OPERATIONS:
        url = concrete_url(op, brand=brand, caller=person, admin=admin)
        allowed = role_may(role, op.action)
        before = None if allowed else brand_snapshot(brand)
        response = call(client, op.method, url)
        if allowed and response.status_code in (401, 403):
            holes.append(f"{op}: the table allows {role} but the code answered 403")
        if not allowed:
            if response.status_code != 403:
                holes.append(f"{op}: the table refuses {role} but got {response.status_code}")
            if brand_snapshot(brand) != before:
                holes.append(f"{op}: a refused call by {role} changed the brand")
    assert not holes, "\n".join(holes)


KEY_SCOPES = [[scope] for scope in Scope.values] + [list(Scope.values)]


@pytest.mark.parametrize("scopes", KEY_SCOPES, ids=lambda scopes: "+".join(scopes))
def test_each_api_key_may_do_exactly_what_its_scopes_allow(world, scopes) -> None:
    """Integrators' keys reach only the brand API (platform routes are for people), and there
    only actions whose scope the key holds."""
    seed(world)
    brand = world.a.brand
    _key, secret = services.create_api_key(
        brand=brand, name="matrix", scopes=scopes, created_by=world.admin
    )
    client = APIClient(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    client.get(f"/brands/{brand.slug}/api/v1/")  # records last use once, outside the savepoints
    admin = client_for(world.admin)
    holes = []
    for op in OPERATIONS:
        if not op.path.startswith("/brands/"):
            continue
        url = concrete_url(op, brand=brand, caller=world.admin, admin=admin)
        allowed = scopes_may(scopes, op.action)
        before = None if allowed else brand_snapshot(brand)
        response = call(client, op.method, url)
        if allowed and response.status_code in (401, 403):
            holes.append(f"{op}: the table allows a {scopes} key but the code answered 403")
        if not allowed:
            if response.status_code != 403:
                holes.append(
                    f"{op}: the table refuses a {scopes} key but got {response.status_code}"
                )
            if brand_snapshot(brand) != before:
                holes.append(f"{op}: a refused call by a {scopes} key changed the brand")
    assert not holes, "\n".join(holes)


def test_a_member_of_another_brand_gets_404_everywhere_and_changes_nothing(world) -> None:
    seed(world)
    brand = world.a.brand
    outsider_person = world.b.person(Role.ACCOUNT_LEAD)
    outsider = client_for(outsider_person)
    admin = client_for(world.admin)
    before = brand_snapshot(brand)
    holes = []
    for op in OPERATIONS:
        url = concrete_url(op, brand=brand, caller=outsider_person, admin=admin)
        response = call(outsider, op.method, url)
        if response.status_code != 404:
            holes.append(f"{op}: a member of another brand got {response.status_code}")
        elif brand.name in response.content.decode():
            holes.append(f"{op}: the 404 names the brand")
    assert brand_snapshot(brand) == before
    assert not holes, "\n".join(holes)
