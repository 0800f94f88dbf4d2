"""Departments, their members and KPIs: define, change (keeping every target), evaluate."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

from django.db import IntegrityError, transaction
from django.utils import timezone

from content import selectors as content
from outbox.services import record_event
from results import announcements, catalogue
from results.errors import NotFound, ResultsError
from results.models import Department, DepartmentMember, Kpi, KpiTarget
from results.pillars import pillar_names
from results.selectors.kpis import reports_for
from results.services.attention import sync_kpi_attention
from tenants.models import Brand, User
from tenants.selectors import role_on_brand
from tenants.worker import enqueue_on_commit

SCOPE_FIELDS = ("channel", "audience", "campaign", "pillar")


def create_department(*, name: str) -> Department:
    """Add a department to the brand's steering committee (names are unique, any case)."""
    name = name.strip()
    if not name:
        raise ResultsError("Name the department.", field="name")
    try:
        with transaction.atomic():
            return Department.objects.create(name=name)
    except IntegrityError:
        raise ResultsError(
            f"There is already a department called '{name}'.",
            field="name",
            status_code=409,
            code="conflict",
        ) from None


def add_department_member(*, brand: Brand, department_id: int, user_id: int) -> DepartmentMember:
    """Seat a brand member (agency or client side) in a department; seating them again
    changes nothing."""
    department = _department(department_id)
    user = User.objects.filter(pk=user_id).first()
    if user is None or role_on_brand(user=user, brand=brand) is None:
        raise ResultsError(f"User {user_id} is not a member of this brand.", field="user")
    member, _created = DepartmentMember.objects.get_or_create(department=department, user=user)
    return member


def remove_department_member(*, department_id: int, user_id: int) -> None:
    """Take someone off a department; refused while they own one of its KPIs."""
    department = _department(department_id)
    if Kpi.objects.filter(department=department, owner_id=user_id).exists():
        raise ResultsError(
            "This person owns KPIs of the department; give them another owner first.",
            field="user",
            status_code=409,
            code="conflict",
        )
    if not DepartmentMember.objects.filter(department=department, user_id=user_id).delete()[0]:
        raise NotFound(f"User {user_id} is not in this department.", field="user")


def _department(department_id: int | None, *, field: str | None = None) -> Department:
    found = Department.objects.filter(pk=department_id).first() if department_id else None
    if found is None:
        if field:
            raise ResultsError(f"There is no department {department_id}.", field=field)
        raise NotFound(f"There is no department {department_id}.")
    return found


def _scope(metric: catalogue.Metric, given: dict[str, Any]) -> tuple[str, str]:
    """(kind, value) of the one scope given, checked against the catalogue and the data."""
    named = [(k, given[k]) for k in SCOPE_FIELDS if given.get(k) not in (None, "")]
    if not named:
        return "", ""
    if len(named) > 1:
        raise ResultsError("Give at most one scope.", field=named[1][0])
    kind, value = named[0]
    if kind not in metric.scopes:
        raise ResultsError(f"{metric.label} cannot be scoped to a {kind}.", field=kind)
    if kind == "pillar" and value not in pillar_names():
        raise ResultsError(f"The plan has no pillar {value}.", field=kind)
    if kind == "channel" and not content.channels().filter(pk=value).exists():
        raise ResultsError(f"The brand has no channel {value}.", field=kind)
    if kind == "audience" and not content.audiences().filter(pk=value).exists():
        raise ResultsError(f"The brand has no audience {value}.", field=kind)
    if kind == "campaign" and not content.briefs().filter(campaign=value).exists():
        raise ResultsError(f"No brief belongs to a campaign called '{value}'.", field=kind)
    return kind, str(value)


def _check_target(metric: catalogue.Metric, target: Decimal) -> None:
    if target < 0 and not metric.signed:
        raise ResultsError(
            f"{metric.label} cannot be negative; give a target of 0 or more.", field="target"
        )
    if metric.unit == "percent" and target > 100:
        raise ResultsError(
            f"{metric.label} is a percentage; give a target up to 100.", field="target"
        )


def _owner(*, department: Department, owner_id: int | None) -> int:
    if (
        owner_id is None
        or not DepartmentMember.objects.filter(department=department, user_id=owner_id).exists()
    ):
        raise ResultsError(
            f"User {owner_id} is not a member of {department.name}; seat them there first.",
            field="owner",
        )
    return owner_id


def create_kpi(
    *,
    name: str,
    metric: str,
    period: str,
    direction: str,
    target: Decimal,
    department_id: int,
    owner_id: int,
    actor_id: int | None,
    scope: dict[str, Any],
    now: datetime | None = None,
) -> Kpi:
    """Define a KPI; its first target starts its target history. The worker judges it after
    the commit."""
    now = now or timezone.now()
    spec = catalogue.CATALOGUE.get(metric)
    if spec is None:
        raise ResultsError(
            f"'{metric}' is not in the metric catalogue (see results/catalogue/).", field="metric"
        )
    scope_kind, scope_value = _scope(spec, scope)
    _check_target(spec, target)
    department = _department(department_id, field="department")
    with transaction.atomic():
        kpi = Kpi.objects.create(
            name=name,
            metric=metric,
            scope_kind=scope_kind,
            scope_value=scope_value,
            period=period,
            direction=direction,
            target=target,
            department=department,
            owner_id=_owner(department=department, owner_id=owner_id),
        )
        KpiTarget.objects.create(
            kpi=kpi, target=target, direction=direction, set_by_id=actor_id, set_at=now
        )
        evaluate_kpis_on_commit()
    return kpi


def update_kpi(
    *,
    kpi_id: int,
    actor_id: int | None,
    name: str | None = None,
    target: Decimal | None = None,
    direction: str | None = None,
    department_id: int | None = None,
    owner_id: int | None = None,
    now: datetime | None = None,
) -> Kpi:
    """Change a KPI. A new target or direction is added to the history; periods that ended
    before it keep being judged by the target they had. The worker re-judges after the commit."""
    now = now or timezone.now()
    with transaction.atomic():
        kpi = Kpi.objects.select_for_update().filter(pk=kpi_id).first()
        if kpi is None:
            raise NotFound(f"There is no KPI {kpi_id}.")
        spec = catalogue.CATALOGUE[kpi.metric]
        if name is not None:
            kpi.name = name
        if department_id is not None:
            kpi.department = _department(department_id, field="department")
        if owner_id is not None or department_id is not None:
            kpi.owner_id = _owner(
                department=kpi.department,
                owner_id=owner_id if owner_id is not None else kpi.owner_id,
            )
        new_target = target if target is not None else kpi.target
        new_direction = direction or kpi.direction
        if (new_target, new_direction) != (kpi.target, kpi.direction):
            _check_target(spec, new_target)
            kpi.target, kpi.direction = new_target, new_direction
            KpiTarget.objects.create(
                kpi=kpi, target=new_target, direction=new_direction, set_by_id=actor_id, set_at=now
            )
        kpi.save()
        evaluate_kpis_on_commit()
    return kpi


def delete_kpi(*, kpi_id: int) -> None:
    """Remove a KPI with its target history."""
    with transaction.atomic():
        if not Kpi.objects.filter(pk=kpi_id).delete()[0]:
            raise NotFound(f"There is no KPI {kpi_id}.")
        sync_kpi_attention()


def evaluate_kpis(*, brand: Brand, now: datetime | None = None) -> list[int]:
    """Judge every KPI's current period and remember it; a KPI that turns off track (or is
    off track in a new period) is announced once, with an outbox event written in the same
    transaction. Returns those KPIs' ids."""
    now = now or timezone.now()
    tz = ZoneInfo(brand.timezone)
    deadline = content.reply_deadline_minutes()
    turned: list[int] = []
    with transaction.atomic():
        locked = list(Kpi.objects.select_for_update().prefetch_related("targets").order_by("id"))
        reports = reports_for(
            kpis=locked, tz=tz, now=now, history=1, reply_deadline_minutes=deadline
        )
        for kpi, report in zip(locked, reports, strict=True):
            current = report.now
            if (kpi.last_status, kpi.last_status_period) == (current.status, current.start):
                continue
            if current.status == Kpi.Status.OFF_TRACK:
                turned.append(kpi.pk)
                payload = {
                    "kpi_id": kpi.pk,
                    "name": kpi.name,
                    "metric": kpi.metric,
                    "period": kpi.period,
                    "period_start": current.start.isoformat(),
                    "actual": _text(current.actual),
                    "projected": _text(current.projected),
                    "target": _text(current.target),
                    "direction": current.direction,
                    "department_id": kpi.department_id,
                    "owner_id": kpi.owner_id,
                }
                # Written with the status it announces: both commit, or neither.
                record_event(name=announcements.KPI_OFF_TRACK, payload=payload)
            Kpi.objects.filter(pk=kpi.pk).update(
                last_status=current.status, last_status_period=current.start
            )
        sync_kpi_attention()
    return turned


def evaluate_kpis_on_commit() -> None:
    """Changed data or a changed KPI may move a KPI off track, also for a past period: the
    worker re-judges the brand's KPIs after the commit (only when the brand has any)."""
    from results.tasks import evaluate_brand_kpis  # the actor module imports the services

    if Kpi.objects.exists():
        enqueue_on_commit(evaluate_brand_kpis)


def _text(value: Decimal | None) -> str | None:
    return None if value is None else str(value)
