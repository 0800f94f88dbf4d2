"""Duty rota and quiet hours: who covers when, and when client approvers are not reminded."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.db import IntegrityError, transaction

from approvals.errors import (
    InvalidWindow,
    NotAllowedToDecide,
    NotAMember,
    NotDecidingRole,
    QuietHoursChanged,
)
from approvals.models import CoverageWindow, Duty, QuietHours
from approvals.selectors.people import is_member
from approvals.services.audit import record
from approvals.tenancy import current_brand
from tenants.models import Membership
from tenants.roles import role_may


def _window_state(window: CoverageWindow) -> dict[str, Any]:
    return {
        "user_id": window.user_id,
        "duty": window.duty,
        "label": window.label,
        "weekdays": list(window.weekdays),
        "starts": window.starts.isoformat(),
        "ends": window.ends.isoformat(),
    }


def _check_member(user_id: int) -> None:
    if not is_member(user_id=user_id):
        raise NotAMember("That person is not a member of this brand.", field="user_id")


# What each duty asks of the person on it, by the action in the permission table.
DUTY_ACTIONS = {
    Duty.APPROVALS: ("approvals.decide", "decide approvals"),
    Duty.INBOX: ("content.write", "answer the inbox"),
}


def _check_may_be_on_duty(user_id: int, duty: str = Duty.APPROVALS) -> None:
    """The approvals rota says who an escalation reaches, and an escalation asks them to
    decide: only members whose role may decide approvals can be on it. The inbox rota says who
    incoming items are assigned to: only members who may answer the inbox."""
    if duty not in DUTY_ACTIONS:
        raise InvalidWindow(f"duty is one of {', '.join(Duty.values)}.", field="duty")
    role = (
        Membership.objects.filter(brand=current_brand(), user_id=user_id)
        .values_list("role", flat=True)
        .first()
    )
    if role is None:
        raise NotAMember("That person is not a member of this brand.", field="user_id")
    action, what = DUTY_ACTIONS[Duty(duty)]
    if not role_may(role, action):
        raise NotDecidingRole(
            f"Only people who may {what} can be on the {duty} rota; a {role} may not.",
            field="user_id",
        )


def _check_times(weekdays: list[int] | None, starts: time, ends: time) -> None:
    if starts == ends:
        raise InvalidWindow("A window needs different start and end times.", field="ends")
    if weekdays is not None and (not weekdays or any(d not in range(7) for d in weekdays)):
        raise InvalidWindow("weekdays are 0 (Monday) to 6 (Sunday).", field="weekdays")


def create_coverage_window(
    *,
    user_id: int,
    weekdays: list[int],
    starts: time,
    ends: time,
    label: str = "",
    duty: str = Duty.APPROVALS,
    actor_id: int | None,
    now: datetime,
) -> CoverageWindow:
    """Put someone on the rota for a weekly window (brand time zone; may cross midnight):
    on approvals duty (someone who may decide) or inbox duty (someone who may answer)."""
    _check_may_be_on_duty(user_id, duty)
    _check_times(weekdays, starts, ends)
    with transaction.atomic():
        window = CoverageWindow.objects.create(
            user_id=user_id,
            duty=duty,
            weekdays=sorted(set(weekdays)),
            starts=starts,
            ends=ends,
            label=label,
        )
        record(
            action="rota_window_created",
            at=now,
            actor_id=actor_id,
            subject_kind="rota",
            subject_id=window.pk,
            after=_window_state(window),
        )
    return window


def update_coverage_window(
    *, window: CoverageWindow, actor_id: int | None, now: datetime, **changes: Any
) -> CoverageWindow:
    """Change a rota window."""
    if "user_id" in changes or "duty" in changes:
        _check_may_be_on_duty(
            changes.get("user_id", window.user_id), changes.get("duty", window.duty)
        )
    _check_times(
        changes.get("weekdays"),
        changes.get("starts", window.starts),
        changes.get("ends", window.ends),
    )
    with transaction.atomic():
        before = _window_state(window)
        for field, value in changes.items():
            setattr(window, field, sorted(set(value)) if field == "weekdays" else value)
        window.save(update_fields=list(changes) or None)
        record(
            action="rota_window_updated",
            at=now,
            actor_id=actor_id,
            subject_kind="rota",
            subject_id=window.pk,
            before=before,
            after=_window_state(window),
        )
    return window


def delete_coverage_window(*, window: CoverageWindow, actor_id: int | None, now: datetime) -> None:
    """Take a window off the rota."""
    with transaction.atomic():
        record(
            action="rota_window_deleted",
            at=now,
            actor_id=actor_id,
            subject_kind="rota",
            subject_id=window.pk,
            before=_window_state(window),
        )
        window.delete()


def check_may_set_quiet_hours(*, actor_id: int, actor_role: str | None, user_id: int) -> None:
    """Anyone may set their own quiet hours; someone else's need the rota.manage permission."""
    if actor_id != user_id and not role_may(actor_role, "rota.manage"):
        raise NotAllowedToDecide("Only leads may set someone else's quiet hours.")


def set_quiet_hours(
    *, user_id: int, starts: time, ends: time, actor_id: int | None, now: datetime
) -> QuietHours:
    """Set (or replace) a person's daily quiet hours."""
    _check_member(user_id)
    _check_times(None, starts, ends)
    with transaction.atomic():
        existing = QuietHours.objects.select_for_update().filter(user_id=user_id).first()
        before = (
            {"starts": existing.starts.isoformat(), "ends": existing.ends.isoformat()}
            if existing
            else None
        )
        try:
            quiet, _ = QuietHours.objects.update_or_create(
                user_id=user_id, defaults={"starts": starts, "ends": ends}
            )
        except IntegrityError:
            raise QuietHoursChanged("Quiet hours were changed meanwhile; try again.") from None
        record(
            action="quiet_hours_set",
            at=now,
            actor_id=actor_id,
            subject_kind="quiet_hours",
            subject_id=user_id,
            before=before,
            after={"starts": starts.isoformat(), "ends": ends.isoformat()},
        )
    return quiet


def clear_quiet_hours(*, user_id: int, actor_id: int | None, now: datetime) -> None:
    """Remove a person's quiet hours."""
    with transaction.atomic():
        quiet = QuietHours.objects.filter(user_id=user_id).first()
        if quiet is None:
            return
        record(
            action="quiet_hours_cleared",
            at=now,
            actor_id=actor_id,
            subject_kind="quiet_hours",
            subject_id=user_id,
            before={"starts": quiet.starts.isoformat(), "ends": quiet.ends.isoformat()},
        )
        quiet.delete()
