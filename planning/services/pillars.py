"""Content pillars and their target shares: together they may not pass 100 % of posts."""

from __future__ import annotations

from decimal import Decimal

from django.db import IntegrityError, transaction
from django.db.models import Sum

from planning.errors import Conflict, NotFound, PlanningError
from planning.models import Pillar
from planning.services.lock import lock_plan
from tenants.audit import services as audit
from tenants.audit.models import AuditAction

HUNDRED = Decimal(100)


def _check_share(*, share: Decimal, others: Decimal) -> None:
    if not Decimal(0) <= share <= HUNDRED:
        raise PlanningError("Give a target share from 0 to 100 (%).", field="target_share")
    if others + share > HUNDRED:
        raise PlanningError(
            f"The other pillars already take {others:.2f} % of posts; with {share:.2f} % the "
            f"targets would add up to {others + share:.2f} %. Give at most "
            f"{HUNDRED - others:.2f} %.",
            field="target_share",
        )


def _others_share(*, pillar_id: int | None) -> Decimal:
    rows = Pillar.objects.exclude(pk=pillar_id) if pillar_id else Pillar.objects.all()
    total: Decimal | None = rows.aggregate(total=Sum("target_share"))["total"]
    return total or Decimal(0)


def _name(name: str) -> str:
    name = name.strip()
    if not name:
        raise PlanningError("Name the pillar.", field="name")
    return name


def _taken(name: str) -> Conflict:
    return Conflict(f"There is already a pillar called '{name}'.", field="name")


def create_pillar(*, name: str, target_share: Decimal, description: str = "") -> Pillar:
    """Add a content pillar. The plan row is locked while the targets are summed, so two
    pillars added at once cannot together pass 100 %."""
    name = _name(name)
    with transaction.atomic():
        lock_plan()
        _check_share(share=target_share, others=_others_share(pillar_id=None))
        try:
            with transaction.atomic():
                pillar = Pillar.objects.create(
                    name=name, description=description, target_share=target_share
                )
        except IntegrityError:
            raise _taken(name) from None
        audit.record(
            action=AuditAction.PILLAR_CREATED,
            subject=pillar,
            after=audit.fields_of(row=pillar, names=("name", "target_share")),
        )
        return pillar


def update_pillar(
    *,
    pillar_id: int,
    name: str | None = None,
    description: str | None = None,
    target_share: Decimal | None = None,
) -> Pillar:
    """Rename a pillar, describe it or change its target share (the change is audited)."""
    with transaction.atomic():
        lock_plan()
        pillar = Pillar.objects.filter(pk=pillar_id).first()
        if pillar is None:
            raise NotFound(f"There is no pillar {pillar_id}.")
        new_name = _name(name) if name is not None else pillar.name
        values: dict[str, object] = {
            "name": new_name,
            "description": description if description is not None else pillar.description,
            "target_share": target_share if target_share is not None else pillar.target_share,
        }
        if target_share is not None:
            _check_share(share=target_share, others=_others_share(pillar_id=pillar.pk))
        audit.record_changes(action=AuditAction.PILLAR_CHANGED, subject=pillar, values=values)
        for field, value in values.items():
            setattr(pillar, field, value)
        try:
            with transaction.atomic():
                pillar.save()
        except IntegrityError:
            raise _taken(new_name) from None
        return pillar


def delete_pillar(*, pillar_id: int) -> None:
    """Remove a pillar that no plan item or campaign uses."""
    with transaction.atomic():
        pillar = Pillar.objects.select_for_update().filter(pk=pillar_id).first()
        if pillar is None:
            raise NotFound(f"There is no pillar {pillar_id}.")
        items, campaigns = pillar.items.count(), pillar.campaigns.count()
        if items or campaigns:
            raise Conflict(
                f"'{pillar.name}' is used by {items} plan items and {campaigns} campaigns; "
                "move them to another pillar first."
            )
        audit.record(
            action=AuditAction.PILLAR_DELETED,
            subject=pillar,
            before=audit.fields_of(row=pillar, names=("name", "target_share")),
        )
        pillar.delete()
