"""Who is on duty and who is in quiet hours, in the brand's own time zone."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, time, timedelta
from typing import Protocol

from django.db.models import QuerySet

from approvals import presets
from approvals.models import CoverageWindow, Duty, QuietHours
from approvals.selectors.crisis import brand_in_crisis
from approvals.selectors.people import member_roles
from approvals.tenancy import brand_local
from tenants.roles import PERMISSIONS, Role


def covers(*, weekdays: Iterable[int], starts: time, ends: time, local: datetime) -> bool:
    """True when a window on ``weekdays`` from ``starts`` to ``ends`` covers the local moment.

    A window ending before it starts runs overnight: it belongs to the weekday it starts on."""
    days = set(weekdays)
    moment, day = local.time(), local.weekday()
    if starts < ends:
        return day in days and starts <= moment < ends
    return (day in days and moment >= starts) or ((day - 1) % 7 in days and moment < ends)


def coverage_windows(*, duty: str | None = None) -> QuerySet[CoverageWindow]:
    """The brand's duty rota windows (of one duty, or all)."""
    windows = CoverageWindow.objects.order_by("created_at", "id")
    return windows.filter(duty=duty) if duty else windows


def on_duty_ids(*, now: datetime, duty: str = Duty.APPROVALS) -> list[int]:
    """Ids of the people on ``duty`` at ``now``, in rota order (a brand has a handful of
    windows)."""
    local = brand_local(now)
    ids: list[int] = []
    for window in coverage_windows(duty=duty):
        if window.user_id not in ids and covers(
            weekdays=window.weekdays, starts=window.starts, ends=window.ends, local=local
        ):
            ids.append(window.user_id)
    return ids


def quiet_hours() -> QuerySet[QuietHours]:
    """Everyone's quiet hours on this brand."""
    return QuietHours.objects.order_by("created_at", "id")


def quiet_until(*, user_ids: Iterable[int], now: datetime) -> dict[int, datetime]:
    """For each of the people now in quiet hours, when their quiet hours end."""
    rows = QuietHours.objects.filter(user_id__in=list(user_ids))
    return quiet_ends(rows=rows, user_ids=None, now=now)


class QuietSpan(Protocol):
    """A person's quiet hours as read (a ``QuietHours`` row, or a ``NoticeMember``)."""

    @property
    def user_id(self) -> int: ...
    @property
    def starts(self) -> time | None: ...
    @property
    def ends(self) -> time | None: ...


def quiet_ends(
    *, rows: Iterable[QuietSpan], user_ids: Iterable[int] | None, now: datetime
) -> dict[int, datetime]:
    """``quiet_until`` over quiet hours already read (of ``user_ids``, or of all the rows): the
    sweep reads a brand's quiet hours once for all its due steps."""
    wanted = None if user_ids is None else set(user_ids)
    local = brand_local(now)
    result: dict[int, datetime] = {}
    for quiet in rows:
        if quiet.starts is None or quiet.ends is None:
            continue  # a member without quiet hours
        if wanted is not None and quiet.user_id not in wanted:
            continue
        starts, ends, moment = quiet.starts, quiet.ends, local.time()
        if starts < ends:
            inside, end_day = starts <= moment < ends, local.date()
        elif moment >= starts:
            inside, end_day = True, local.date() + timedelta(days=1)
        else:
            inside, end_day = moment < ends, local.date()
        if inside:
            result[quiet.user_id] = datetime.combine(end_day, ends, tzinfo=local.tzinfo)
    return result


def escalation_targets(*, now: datetime) -> tuple[list[int], str]:
    """Who gets an escalation at ``now`` and why: the crisis team in a crisis, else whoever is
    on duty, else the account lead(s). Only people who may decide are ever named: an escalation
    tells them to decide, so a rota window of someone whose role was lowered since is passed by.
    """
    in_crisis = brand_in_crisis()
    return choose_escalation_targets(
        in_crisis=in_crisis,
        members=member_roles(),
        on_duty=[] if in_crisis else on_duty_ids(now=now),
    )


def choose_escalation_targets(
    *, in_crisis: bool, members: Sequence[tuple[int, str]], on_duty: Sequence[int]
) -> tuple[list[int], str]:
    """``escalation_targets`` from what is already read: the brand's (user id, role) pairs,
    oldest membership first, and who is on duty in rota order (the sweep reads them once)."""
    decide_roles, _scope = PERMISSIONS["approvals.decide"]
    may_decide = {user_id for user_id, role in members if role in decide_roles}
    if in_crisis:
        crisis_roles = set(presets.CRISIS_ROLES)
        team = [u for u, role in members if role in crisis_roles and u in may_decide]
        return team, "crisis_team"
    on_duty_deciders = [i for i in on_duty if i in may_decide]
    if on_duty_deciders:
        return on_duty_deciders, "rota"
    leads = [user_id for user_id, role in members if role == Role.ACCOUNT_LEAD]
    return leads, "account_lead" if leads else "nobody"
