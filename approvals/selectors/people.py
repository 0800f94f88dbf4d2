"""People of the current brand (users live in the public schema; we hold their ids)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import time
from typing import Any

from django.db.models import OuterRef, Subquery

from approvals.models import NotificationPreference, QuietHours
from tenants.models import Membership, User
from tenants.roles import PERMISSIONS
from tenants.selectors import current_brand


def member_ids_with_roles(*, roles: Iterable[str]) -> list[int]:
    """Ids of the current brand's members holding any of ``roles``, oldest membership first."""
    return list(
        Membership.objects.filter(brand=current_brand(), role__in=list(roles))
        .order_by("created_at", "id")
        .values_list("user_id", flat=True)
    )


def member_roles() -> list[tuple[int, str]]:
    """(user id, role) of every member of the current brand, oldest membership first: one
    read that answers ``member_ids_with_roles`` for any roles (the sweep's due steps)."""
    return list(
        Membership.objects.filter(brand=current_brand())
        .order_by("created_at", "id")
        .values_list("user_id", "role")
    )


@dataclass(frozen=True, slots=True)
class NoticeMember:
    """What telling a member of the brand about a step needs: their role, their address (empty
    when they cannot be emailed: no address, or deactivated), their own digest interval (None:
    the platform default) and their quiet hours (``starts`` and ``ends``, None without)."""

    user_id: int
    role: str
    email: str
    digest_minutes: int | None
    starts: time | None
    ends: time | None


def notice_members() -> list[NoticeMember]:
    """Every member of the current brand as ``NoticeMember``, oldest membership first: one
    read for what ``member_roles``, ``quiet_until``, ``digest_minutes_for`` and the emails'
    recipients read one after another (opening a step needs all four)."""
    mine = {"user_id": OuterRef("user_id")}
    quiet = QuietHours.objects.filter(**mine)
    rows = (
        Membership.objects.filter(brand=current_brand())
        .annotate(
            digest=Subquery(
                NotificationPreference.objects.filter(**mine).values("digest_minutes")[:1]
            ),
            quiet_starts=Subquery(quiet.values("starts")[:1]),
            quiet_ends=Subquery(quiet.values("ends")[:1]),
        )
        .order_by("created_at", "id")
        .values_list(
            "user_id",
            "role",
            "user__email",
            "user__is_active",
            "digest",
            "quiet_starts",
            "quiet_ends",
        )
    )
    return [
        NoticeMember(
            user_id=user_id,
            role=role,
            email=email if active else "",
            digest_minutes=digest,
            starts=starts,
            ends=ends,
        )
        for user_id, role, email, active, digest, starts, ends in rows
    ]


def staffed_roles(*, roles: Iterable[str]) -> list[str]:
    """Which of ``roles`` the current brand has at least one member in (in the order given)."""
    wanted = list(roles)
    held = set(
        Membership.objects.filter(brand=current_brand(), role__in=wanted)
        .values_list("role", flat=True)
        .distinct()
    )
    return [role for role in wanted if role in held]


def is_member(*, user_id: int) -> bool:
    """True when the person is a member of the current brand (in any role)."""
    return Membership.objects.filter(brand=current_brand(), user_id=user_id).exists()


def member_ids_who_may(*, action: str, among: Iterable[int] | None = None) -> list[int]:
    """Ids of the current brand's members whose role allows ``action`` (from the one permission
    table), oldest membership first; limited to ``among`` when given, in that order."""
    roles, _scope = PERMISSIONS[action]
    allowed = member_ids_with_roles(roles=roles)
    if among is None:
        return allowed
    keep = set(allowed)
    return [i for i in among if i in keep]


def display_name(*, user_id: int | None) -> str:
    """How a person is named in messages ("the system" for automatic transitions)."""
    if user_id is None:
        return "the system"
    user = User.objects.filter(pk=user_id).only("first_name", "last_name", "username").first()
    if user is None:
        return f"user {user_id}"
    return user.get_full_name() or user.username


def people(*, ids: Iterable[int]) -> list[dict[str, Any]]:
    """Id, username, name and email of each person, in the order given."""
    wanted = list(ids)
    users = {u.pk: u for u in User.objects.filter(pk__in=wanted)}
    return [
        {
            "id": u.pk,
            "username": u.username,
            "name": u.get_full_name() or u.username,
            "email": u.email,
        }
        for u in (users.get(i) for i in wanted)
        if u is not None
    ]
