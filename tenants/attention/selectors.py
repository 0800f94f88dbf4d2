"""What waits for a person across every brand they belong to, read from the public rollup.

A fixed number of queries whatever the number of brands: one for the person's memberships,
then the rows (and their counts) filtered by brand and role in a single statement each.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Count, Q, QuerySet

from tenants.attention.errors import AttentionError
from tenants.attention.models import AttentionKind, AttentionRow
from tenants.models import Brand, Membership, User


@dataclass(frozen=True)
class MemberBrand:
    id: int
    slug: str
    name: str
    role: str
    schema_name: str = ""


def member_brands(*, user: User) -> dict[str, MemberBrand]:
    """The person's active brands by slug, with their role on each (one query)."""
    rows = Membership.objects.filter(
        user_id=user.pk, brand__status=Brand.Status.ACTIVE
    ).values_list("brand_id", "brand__slug", "brand__name", "role", "brand__schema_name")
    return {
        slug: MemberBrand(id=pk, slug=slug, name=name, role=role, schema_name=schema)
        for pk, slug, name, role, schema in rows
    }


def _visible(*, user: User, brands: list[MemberBrand], now: datetime) -> Q:
    """Rows of these brands the person may see: their role is listed on the row, or the row
    names them, and they are not one of its excluded people. Inbox items count only once
    their reply deadline has passed."""
    by_role: dict[str, list[int]] = defaultdict(list)
    for brand in brands:
        by_role[brand.role].append(brand.id)
    may = Q(brand_id__in=[b.id for b in brands], user_ids__contains=[user.pk])
    for role, ids in sorted(by_role.items()):
        may |= Q(brand_id__in=ids, roles__contains=[role])
    due = ~Q(kind=AttentionKind.INBOX_ITEM) | Q(due_at__lte=now)
    return may & due & ~Q(excluded_user_ids__contains=[user.pk])


def attention_for(
    *,
    user: User,
    brands: dict[str, MemberBrand],
    now: datetime,
    brand: str | None = None,
    kind: str | None = None,
    overdue: bool | None = None,
) -> QuerySet[AttentionRow]:
    """The rows waiting for ``user`` in ``brands`` (see ``member_brands``), optionally only
    one brand (by slug), one kind, or only overdue (or only not yet overdue) ones."""
    chosen = list(brands.values())
    if brand is not None:
        if brand not in brands:
            raise AttentionError(f"You are not a member of a brand '{brand}'.", field="brand")
        chosen = [brands[brand]]
    if kind is not None and kind not in AttentionKind.values:
        raise AttentionError(
            f"'{kind}' is not a kind; use one of {', '.join(AttentionKind.values)}.", field="kind"
        )
    if not chosen:
        return AttentionRow.objects.none()
    rows = AttentionRow.objects.filter(_visible(user=user, brands=chosen, now=now))
    if kind is not None:
        rows = rows.filter(kind=kind)
    if overdue is True:
        rows = rows.filter(due_at__lte=now)
    elif overdue is False:
        rows = rows.filter(Q(due_at__isnull=True) | Q(due_at__gt=now))
    return rows


@dataclass
class BrandCounts:
    brand: MemberBrand
    total: int = 0
    overdue: int = 0
    kinds: dict[str, int] = field(default_factory=dict)


def attention_counts(
    *, rows: QuerySet[AttentionRow], brands: dict[str, MemberBrand], now: datetime
) -> list[BrandCounts]:
    """Counts of ``rows`` per brand and kind (one query), brands with the most overdue first,
    then the most waiting; brands with nothing waiting are left out."""
    by_id = {b.id: b for b in brands.values()}
    counts: dict[int, BrandCounts] = {}
    grouped = (
        rows.order_by()
        .values("brand_id", "kind")
        .annotate(n=Count("id"), late=Count("id", filter=Q(due_at__lte=now)))
    )
    for entry in grouped:
        brand = counts.setdefault(entry["brand_id"], BrandCounts(brand=by_id[entry["brand_id"]]))
        brand.kinds[entry["kind"]] = entry["n"]
        brand.total += entry["n"]
        brand.overdue += entry["late"]
    return sorted(counts.values(), key=lambda c: (-c.overdue, -c.total, c.brand.slug))
