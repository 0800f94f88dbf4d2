"""Due work on open steps, as the sweep finds it: a reminder (held through quiet hours), or
at the deadline the step's timeout rule (escalate, approve automatically, or expire).

Reminders, the work a sweep does most, are handled a batch at a time (``remind_due_steps``):
what every step of the brand shares (members, crisis state, quiet hours, earlier decisions) is
read once, and the steps, audit entries and notices are written in one statement each. The
rarer paths (a deadline reached, nobody left to decide) go through ``handle_due_step``.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db import connection

from approvals import announcements
from approvals.models import (
    ApprovalStep,
    AuditEntry,
    CrisisState,
    Decision,
    QuietHours,
    TimeoutRule,
)
from approvals.selectors.crisis import brand_in_crisis
from approvals.selectors.people import member_roles
from approvals.selectors.rota import (
    choose_escalation_targets,
    escalation_targets,
    on_duty_ids,
    quiet_ends,
    quiet_until,
)
from approvals.services.chain import (
    Status,
    StepStatus,
    advance,
    audit_step,
    choose_deciders,
    close_step,
    deciders_of,
    finish_request,
    step_audit_entry,
    step_state,
)
from approvals.services.clock import deadline_after, next_action_at, reminders_due
from approvals.services.notify import display_name, email_on_commit, event_on_commit, step_link
from approvals.services.policy import get_policy
from approvals.tenancy import brand_local_text
from outbox.services import record_events


@dataclass
class DueBatch:
    """What a batch of one brand's due steps shares, read once (four queries for the batch)."""

    steps: list[ApprovalStep]
    crisis: CrisisState | None
    members: list[tuple[int, str]]
    quiet: list[QuietHours]
    decisions: dict[int, list[Decision]] = field(default_factory=dict)
    on_duty: list[int] | None = None

    @property
    def in_crisis(self) -> bool:
        return self.crisis is not None and self.crisis.active

    def deciders(self, step: ApprovalStep) -> list[int]:
        decided = [d.decider_id for d in self.decisions.get(step.pk, [])]
        return choose_deciders(step=step, members=self.members, decided=decided)

    def escalation_targets(self, step: ApprovalStep, *, now: datetime) -> list[int]:
        """``escalation_targets`` for the step (its authors left out), read once a batch."""
        if self.on_duty is None:
            self.on_duty = choose_escalation_targets(
                in_crisis=self.in_crisis,
                members=self.members,
                on_duty=[] if self.in_crisis else on_duty_ids(now=now),
            )[0]
        return [i for i in self.on_duty if i not in step.request.authors]


def read_due_batch(*, steps: Sequence[ApprovalStep]) -> DueBatch:
    """Read what the due ``steps`` (locked, of the current brand) share."""
    decisions: dict[int, list[Decision]] = defaultdict(list)
    for decision in Decision.objects.filter(step_id__in=[s.pk for s in steps]).order_by("pk"):
        decisions[decision.step_id].append(decision)
    return DueBatch(
        steps=list(steps),
        crisis=CrisisState.objects.select_related("incident").filter(id=1).first(),
        members=member_roles(),
        quiet=list(QuietHours.objects.all()),
        decisions=dict(decisions),
    )


@dataclass
class ReminderPlan:
    """A batch's reminders worked out but not yet written: the steps changed, their audit
    entries and notices, and the steps left for ``handle_due_step``."""

    rest: list[ApprovalStep] = field(default_factory=list)
    reminded: list[ApprovalStep] = field(default_factory=list)
    entries: list[AuditEntry] = field(default_factory=list)
    notices: list[dict[str, object]] = field(default_factory=list)


# Emails a reminder to the reachable deciders of a step; returns the addresses used.
Mailer = Callable[[ApprovalStep, list[int], datetime], list[str]]


def plan_reminders(*, batch: DueBatch, now: datetime, mailer: Mailer) -> ReminderPlan:
    """Work out the reminders (sent, or held through quiet hours) of the batch's steps that
    only need one; ``mailer`` emails each step's reachable deciders. Reads nothing itself
    except, for a step nobody may decide, who is on duty (``DueBatch.escalation_targets``)."""
    plan = ReminderPlan()
    for step in batch.steps:
        assert step.deadline_at is not None
        deciders = batch.deciders(step)
        if now >= step.deadline_at or (
            step.escalated_at is None and not deciders and batch.escalation_targets(step, now=now)
        ):
            plan.rest.append(step)
            continue
        before = step_state(step=step)
        quiet = {} if batch.in_crisis else quiet_ends(rows=batch.quiet, user_ids=deciders, now=now)
        reachable = [i for i in deciders if i not in quiet]
        plan.reminded.append(step)
        if deciders and not reachable:
            # Everyone who could act is in quiet hours: hold the reminder until the first of
            # them is back, but never past the deadline (the timeout rule then applies).
            step.next_action_at = min([*quiet.values(), step.deadline_at])
            plan.entries.append(
                step_audit_entry(
                    step=step, action="reminder_held", now=now, before=before, detail="quiet hours"
                )
            )
            plan.notices.append(
                {
                    "notice": "reminder_held",
                    "step_id": step.pk,
                    "until": step.next_action_at.isoformat(),
                }
            )
            continue
        step.reminders_sent = max(reminders_due(step=step, now=now), step.reminders_sent + 1)
        step.next_action_at = next_action_at(step=step)
        sent_to = mailer(step, reachable, now) if reachable else []
        plan.entries.append(
            step_audit_entry(
                step=step, action="reminder_sent", now=now, before=before, detail=", ".join(sent_to)
            )
        )
        plan.notices.append(
            {
                "notice": "reminder_sent",
                "step_id": step.pk,
                "request_id": step.request_id,
                "recipients": reachable,
            }
        )
    return plan


def remind_due_steps(*, batch: DueBatch, now: datetime) -> list[ApprovalStep]:
    """Send (or hold through quiet hours) the reminders of the batch's steps that only need one,
    writing steps, audit entries and notices set-wise; returns the steps left for
    ``handle_due_step`` (a deadline reached, or nobody left to decide)."""
    plan = plan_reminders(
        batch=batch,
        now=now,
        mailer=lambda step, reachable, at: _send_reminder(step, reachable, now=at),
    )
    if plan.reminded:
        _write_reminders(plan.reminded)
        AuditEntry.objects.bulk_create(plan.entries)
        record_events(name=announcements.NOTICE, payloads=plan.notices)
    return plan.rest


def _write_reminders(steps: list[ApprovalStep]) -> None:
    # One UPDATE from arrays: bulk_update's CASE per row costs more to build than to run.
    table = connection.ops.quote_name(ApprovalStep._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} AS s SET reminders_sent = v.sent, next_action_at = v.next_at"
            " FROM unnest(%s::bigint[], %s::int[], %s::timestamptz[]) AS v(id, sent, next_at)"
            " WHERE s.id = v.id",
            [
                [step.pk for step in steps],
                [step.reminders_sent for step in steps],
                [step.next_action_at for step in steps],
            ],
        )


def reminder_email(*, step: ApprovalStep) -> tuple[str, str, bool]:
    """Subject, body and urgency of a step's reminder email (the current brand's)."""
    request = step.request
    assert step.deadline_at is not None
    return (
        f"Reminder: {request.subject_kind} #{request.subject_id} awaits your decision",
        (
            f"{request.summary}\n\nThe deadline is {brand_local_text(step.deadline_at)}.\n\n"
            f"Decide here: {step_link(step_id=step.pk)}\n"
        ),
        # An early reminder may ride in a digest; one close to the deadline goes at once.
        request.subject_kind == "reply" or step.is_crisis_step,
    )


def _send_reminder(step: ApprovalStep, reachable: list[int], *, now: datetime) -> list[str]:
    subject, body, urgent = reminder_email(step=step)
    return email_on_commit(
        user_ids=reachable,
        subject=subject,
        body=body,
        urgent=urgent,
        deadline=step.deadline_at,
        now=now,
    )


def handle_due_step(*, step: ApprovalStep, now: datetime) -> None:
    """Apply whatever is due on a locked open step: its timeout rule, or a reminder; a step
    nobody on the brand may decide goes to whoever is on duty at once (``open_step`` made it
    due when it opened), whatever its timeout rule, since waiting would change nothing."""
    assert step.deadline_at is not None
    if step.escalated_at is None and not deciders_of(step=step):
        targets = [i for i in escalation_targets(now=now)[0] if i not in step.request.authors]
        if targets:
            _escalate(
                step,
                targets,
                now=now,
                why=f"Nobody on the brand may decide it ({', '.join(step.roles)})",
            )
            return
    if now >= step.deadline_at:
        _apply_timeout(step, now=now)
    else:
        _remind(step, now=now)


def _remind(step: ApprovalStep, *, now: datetime) -> None:
    before = step_state(step=step)
    deciders = deciders_of(step=step)
    in_crisis = brand_in_crisis()
    quiet = {} if in_crisis else quiet_until(user_ids=deciders, now=now)
    reachable = [i for i in deciders if i not in quiet]
    request = step.request
    assert step.deadline_at is not None
    if deciders and not reachable:
        # Everyone who could act is in quiet hours: hold the reminder until the first of them
        # is back, but never past the deadline (the timeout rule then applies as usual).
        step.next_action_at = min([*quiet.values(), step.deadline_at])
        ApprovalStep.objects.filter(pk=step.pk).update(next_action_at=step.next_action_at)
        audit_step(step=step, action="reminder_held", now=now, before=before, detail="quiet hours")
        event_on_commit(
            kind="reminder_held",
            payload={"step_id": step.pk, "until": step.next_action_at.isoformat()},
        )
        return
    step.reminders_sent = max(reminders_due(step=step, now=now), step.reminders_sent + 1)
    step.next_action_at = next_action_at(step=step)
    ApprovalStep.objects.filter(pk=step.pk).update(
        reminders_sent=step.reminders_sent, next_action_at=step.next_action_at
    )
    sent_to = _send_reminder(step, reachable, now=now)
    audit_step(step=step, action="reminder_sent", now=now, before=before, detail=", ".join(sent_to))
    event_on_commit(
        kind="reminder_sent",
        payload={"step_id": step.pk, "request_id": request.pk, "recipients": reachable},
    )


def _apply_timeout(step: ApprovalStep, *, now: datetime) -> None:
    request = step.request
    rule = step.on_timeout
    if (
        rule == TimeoutRule.AUTO_APPROVE
        and request.band == "low"
        and get_policy().allow_auto_approve
    ):
        close_step(step=step, status=StepStatus.APPROVED, now=now, actor_id=None)
        event_on_commit(kind="step_auto_approved", payload={"step_id": step.pk})
        advance(request=request, now=now, actor_id=None)
        return
    targets = [i for i in escalation_targets(now=now)[0] if i not in request.authors]
    if rule == TimeoutRule.ESCALATE and step.escalated_at is None and targets:
        _escalate(step, targets, now=now)
        return
    close_step(step=step, status=StepStatus.EXPIRED, now=now, actor_id=None)
    event_on_commit(kind="step_expired", payload={"step_id": step.pk, "request_id": request.pk})
    finish_request(request=request, outcome=Status.EXPIRED, now=now, actor_id=None)


def _escalate(step: ApprovalStep, targets: list[int], *, now: datetime, why: str = "") -> None:
    """Hand a step nobody decided in time (or nobody may decide: ``why``) to the people on
    duty, with a fresh deadline."""
    request = step.request
    before = step_state(step=step)
    step.escalated_at = now
    step.escalated_to_ids = targets
    step.deadline_at = deadline_after(moment=now, minutes=step.deadline_minutes)
    step.reminders_sent = len(step.reminder_minutes)
    step.next_action_at = step.deadline_at
    ApprovalStep.objects.filter(pk=step.pk, status=StepStatus.OPEN).update(
        escalated_at=now,
        escalated_to_ids=targets,
        deadline_at=step.deadline_at,
        reminders_sent=step.reminders_sent,
        next_action_at=step.next_action_at,
    )
    names = ", ".join(display_name(user_id=i) for i in targets)
    detail = f"to {names}" + (f": {why}" if why else "")
    audit_step(step=step, action="step_escalated", now=now, before=before, detail=detail)
    local = brand_local_text(step.deadline_at)
    email_on_commit(
        user_ids=targets,
        subject=(
            f"Escalated: {request.subject_kind} #{request.subject_id} "
            + ("has nobody to decide it" if why else "missed its deadline")
        ),
        body=(
            f"{request.summary}\n\n"
            + (f"{why}. " if why else f"Nobody decided in time ({', '.join(step.roles)}). ")
            + f"You may decide it now; the new deadline is {local}.\n\n"
            f"Decide here: {step_link(step_id=step.pk)}\n"
        ),
    )
    event_on_commit(
        kind="step_escalated",
        payload={"step_id": step.pk, "request_id": request.pk, "to": targets},
    )
