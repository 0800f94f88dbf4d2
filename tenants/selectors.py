"""Reads over the platform data: brands, memberships and roles."""

from __future__ import annotations

from django.db import connection
from django.db.models import QuerySet
from django.utils import timezone

from tenants.models import Agency, ApiKey, Brand, Membership, StaffToken, User
from tenants.roles import AgencyRole


def role_on_brand(*, user: User, brand: Brand) -> str | None:
    """The user's role on the brand, or None when they are not a member."""
    return (
        Membership.objects.filter(user_id=user.pk, brand_id=brand.pk)
        .values_list("role", flat=True)
        .first()
    )


def brands_for_user(*, user: User) -> QuerySet[Brand]:
    """Brands the user is a member of (membership is the only way into a brand)."""
    return Brand.objects.filter(memberships__user=user).select_related("agency").order_by("name")


def is_agency_admin(*, user: User, agency: Agency) -> bool:
    """True when the user administers the agency."""
    return agency.memberships.filter(user=user, role=AgencyRole.AGENCY_ADMIN).exists()


def agencies_for_user(*, user: User) -> QuerySet[Agency]:
    """Agencies the user belongs to."""
    return Agency.objects.filter(memberships__user=user).order_by("name")


def memberships_of_brand(*, brand: Brand) -> QuerySet[Membership]:
    """The brand's members with their users, for listing."""
    return Membership.objects.filter(brand=brand).select_related("user").order_by("created_at")


def api_keys_of_brand(*, brand: Brand) -> QuerySet[ApiKey]:
    """The brand's API keys, newest first (secrets are never readable)."""
    return ApiKey.objects.filter(brand=brand).order_by("-created_at")


def people_with_roles(*, brand: Brand, roles: frozenset[str]) -> QuerySet[User]:
    """The brand's members holding one of ``roles`` (e.g. whom to tell when something breaks)."""
    return User.objects.filter(
        memberships__brand=brand, memberships__role__in=roles, is_active=True
    ).order_by("pk")


def current_schema_name() -> str:
    """The schema the connection is on: a brand's, or ``public`` (django-tenants keeps it on
    the connection, which Django's types do not know about)."""
    return str(getattr(connection, "schema_name", "public"))


def current_brand() -> Brand:
    """The brand whose schema the connection is on (in a request, a worker or schema_context)."""
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Brand):
        return tenant
    return Brand.objects.select_related("agency").get(schema_name=current_schema_name())


def staff_tokens_of(*, user: User) -> QuerySet[StaffToken]:
    """The person's staff tokens that have not expired, newest first."""
    return StaffToken.objects.filter(user=user, expires_at__gt=timezone.now()).order_by(
        "-created_at", "-pk"
    )
