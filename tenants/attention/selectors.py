"""What waits for a person across every brand they belong to, read from the public rollup.

A fixed number of queries whatever the number of brands: one for the person's memberships,
then the rows (and their counts) filtered by brand and role in a single statement each.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date, datetime

from django.db.models import BooleanField, Count, ExpressionWrapper, Q, QuerySet
from django.db.models.expressions import RawSQL

from tenants.attention.errors import AttentionError
from tenants.attention.models import AttentionKind, AttentionRow, ReadinessWeek
from tenants.models import Agency, Brand, Membership, User
from tenants.selectors import is_agency_admin


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


def _brand_in(ids: list[int]) -> ExpressionWrapper[RawSQL]:
    """``brand_id = ANY(%s)`` with the ids as one array value: ``brand_id__in`` binds each id
    as a value of its own, and a thousand of them cost more to send than the query takes."""
    return ExpressionWrapper(
        RawSQL('"attention_attentionrow"."brand_id" = ANY(%s::bigint[])', (ids,)),
        output_field=BooleanField(),
    )


def _visible(*, user: User, brands: list[MemberBrand], now: datetime) -> Q:
    """Rows of these brands the person may see: their role is listed on the row, or the row
    names them, and they are not one of its excluded people. Inbox items count only once
    their reply deadline has passed."""
    by_role: dict[str, list[int]] = defaultdict(list)
    for brand in brands:
        by_role[brand.role].append(brand.id)
    may = Q(_brand_in([b.id for b in brands]), user_ids__contains=[user.pk])
    for role, ids in sorted(by_role.items()):
        may |= Q(_brand_in(ids), roles__contains=[role])
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


def readiness_history(*, brand_id: int, weeks: int) -> list[ReadinessWeek]:
    """The brand's readiness in its last ``weeks`` recorded weeks, oldest first."""
    recent = ReadinessWeek.objects.filter(brand_id=brand_id).order_by("-week")[:weeks]
    return sorted(recent, key=lambda row: row.week)


def latest_readiness(*, brand_ids: list[int]) -> dict[int, ReadinessWeek]:
    """Each brand's latest recorded week (one query, whatever the number of brands)."""
    rows = (
        ReadinessWeek.objects.filter(brand_id__in=brand_ids)
        .order_by("brand_id", "-week")
        .distinct("brand_id")
    )
    return {row.brand_id: row for row in rows}


@dataclass(frozen=True)
class ReadinessTrend:
    week: date
    overall: int | None
    brands: int
    scores: dict[str, int]


def readiness_by_week(*, brand_ids: list[int], since: date) -> list[ReadinessTrend]:
    """Per week since ``since``, the mean readiness of these brands (overall and per
    criterion) and how many brands were measured that week; oldest first."""
    by_week: dict[date, list[ReadinessWeek]] = defaultdict(list)
    for row in ReadinessWeek.objects.filter(brand_id__in=brand_ids, week__gte=since):
        by_week[row.week].append(row)
    trends = []
    for week in sorted(by_week):
        rows = by_week[week]
        overalls = [r.overall for r in rows if r.overall is not None]
        keys = sorted({key for r in rows for key in r.scores})
        scores = {
            key: round(sum(vals) / len(vals))
            for key in keys
            if (vals := [r.scores[key] for r in rows if r.scores.get(key) is not None])
        }
        trends.append(
            ReadinessTrend(
                week=week,
                overall=round(sum(overalls) / len(overalls)) if overalls else None,
                brands=len(rows),
                scores=scores,
            )
        )
    return trends


def agency_brands_for(*, user: User, agency_slug: str) -> list[Brand] | None:
    """The agency's active brands ``user`` may see readiness of, by name: all of them for
    its admins, else those they are a member of; None when the agency is not theirs (or
    does not exist: the two look the same)."""
    agency = Agency.objects.filter(slug=agency_slug).first()
    if agency is None:
        return None
    brands = Brand.objects.filter(agency=agency, status=Brand.Status.ACTIVE).order_by("name")
    if is_agency_admin(user=user, agency=agency):
        return list(brands)
    mine = list(brands.filter(memberships__user=user).distinct())
    return mine or None
