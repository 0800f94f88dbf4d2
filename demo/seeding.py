"""Demo data for a fresh development database: one agency, two brands, one user per role."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django_tenants.utils import schema_context

from tenants import services
from tenants.models import Agency, User
from tenants.roles import AGENCY_ROLES, CLIENT_ROLES, Role

DEMO_PASSWORD = "brandroom-demo"
DEMO_AGENCY = "demo-agency"
DEMO_BRANDS = [
    ("northwind-coffee", "Northwind Coffee", "Europe/London"),
    ("summit-outdoors", "Summit Outdoors", "America/New_York"),
]


@dataclass
class DemoResult:
    created: bool
    agency: Agency
    usernames: list[str]


def seed_demo() -> DemoResult:
    """Seed the demo agency once; on a database that already has an agency, do nothing."""
    existing = Agency.objects.order_by("id").first()
    if existing is not None:
        return DemoResult(created=False, agency=existing, usernames=[])

    with transaction.atomic():
        users = {}
        for role in Role:
            users[role] = User.objects.create_user(
                username=role.value,
                email=f"{role.value}@demo.brandroom.test",
                password=DEMO_PASSWORD,
                is_staff=role == Role.AGENCY_ADMIN,
                is_superuser=role == Role.AGENCY_ADMIN,
            )
        agency = services.create_agency(
            name="Demo Agency", slug=DEMO_AGENCY, admin=users[Role.AGENCY_ADMIN]
        )
    for index, (slug, name, tz) in enumerate(DEMO_BRANDS):
        brand = services.create_brand(
            agency=agency,
            name=name,
            slug=slug,
            timezone_name=tz,
            created_by=users[Role.AGENCY_ADMIN],
        )
        for role in AGENCY_ROLES - {Role.AGENCY_ADMIN}:
            services.add_member(brand=brand, user=users[role], role=role)
        if index == 0:  # client people belong to one brand only
            for role in CLIENT_ROLES:
                services.add_member(brand=brand, user=users[role], role=role)
        with schema_context(brand.schema_name):
            from content import services as content_services

            content_services.create_channel(network="x", handle=slug.replace("-", ""))
            content_services.create_channel(network="linkedin", handle=slug)
    return DemoResult(created=True, agency=agency, usernames=[r.value for r in Role])
