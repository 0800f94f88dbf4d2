"""The crisis ladder: incidents with a severity timeline; entering and standing down crisis mode.

Crisis mode never edits the brand's stored policy: while it is active the effective level is 0
(see ``rules.chain_for``), so standing down restores the policy exactly. What crisis does
change is recorded so it can be undone: the crisis step added to each open chain (withdrawn at
stand-down unless already decided) and each approved-but-unpublished draft it held (given back
its previous status).
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db import transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone

from approvals import presets
from approvals.errors import IncidentClosed, InvalidPolicy, NotAMember, UnknownInboxItem
from approvals.models import (
    ApprovalRequest,
    ApprovalStep,
    CrisisHold,
    CrisisState,
    Incident,
    IncidentUpdate,
)
from approvals.selectors.people import is_member, staffed_roles
from approvals.services.attention import sync_approvals_attention
from approvals.services.audit import record
from approvals.services.chain import DRAFT_KINDS, advance, new_step
from approvals.services.clock import next_action_at
from approvals.services.due_index import sync_brand_due
from approvals.services.notify import (
    announce_crisis,
    email_on_commit,
    event_on_commit,
    member_ids_with_roles,
)
from approvals.services.policy import get_policy
from approvals.services.rules import StepSpec, crisis_step
from content import selectors as content_selectors
from content import services as content_services
from content.errors import ContentError
from content.models import Draft


def _incident_state(incident: Incident) -> dict[str, object]:
    return {"severity": incident.severity, "status": incident.status, "summary": incident.summary}


def _incident_event(incident: Incident, kind: str, *, note: str = "") -> None:
    event_on_commit(
        kind=kind,
        payload={
            "incident_id": incident.pk,
            **_incident_state(incident),
            "note": note,
            # Datetimes: the event is written with the API's own time format.
            "created_at": incident.created_at,
            "closed_at": incident.closed_at,
        },
    )


def _check_severity(severity: int) -> None:
    if not isinstance(severity, int) or not 1 <= severity <= 5:
        raise InvalidPolicy("Severity goes from 1 (mole hill) to 5 (mountain).", field="severity")


def open_incident(
    *,
    summary: str,
    severity: int,
    owner_id: int | None,
    actor_id: int | None,
    now: datetime | None = None,
) -> Incident:
    """Open an incident; at or above the brand's threshold the brand enters crisis mode.
    Its owner, when named, must be a member of the brand."""
    now = now or timezone.now()
    _check_severity(severity)
    if owner_id is not None and not is_member(user_id=owner_id):
        raise NotAMember("The owner must be a member of this brand.", field="owner_id")
    with transaction.atomic():
        incident = Incident.objects.create(
            summary=summary,
            severity=severity,
            owner_id=owner_id,
            opened_by_id=actor_id,
            created_at=now,
        )
        IncidentUpdate.objects.create(
            incident=incident,
            author_id=actor_id,
            note=summary,
            severity_after=severity,
            created_at=now,
        )
        record(
            action="incident_opened",
            at=now,
            actor_id=actor_id,
            subject_kind="incident",
            subject_id=incident.pk,
            after=_incident_state(incident),
        )
        evaluate_crisis(actor_id=actor_id, now=now)
        _incident_event(incident, "incident_opened", note=summary)
    return incident


def open_incident_from_inbox_item(
    *,
    item_id: int,
    severity: int,
    owner_id: int | None,
    actor_id: int | None,
    summary: str = "",
    now: datetime | None = None,
) -> Incident:
    """Open an incident from an inbox item (a comment that may be the start of something): the
    item is quoted as the evidence of the incident's first timeline entry. An item that does
    not exist is a 400 naming ``inbox_item``."""
    item = content_selectors.inbox_items().filter(pk=item_id).first()
    if item is None:
        raise UnknownInboxItem(f"There is no inbox item {item_id}.", field="inbox_item")
    now = now or timezone.now()
    evidence = (
        f"Evidence: {item.kind} from @{item.author_handle} received "
        f"{item.received_at:%Y-%m-%d %H:%M} UTC (inbox item #{item.pk}): “{item.text[:1000]}”"
        + (f" {item.permalink}" if item.permalink else "")
    )
    with transaction.atomic():
        incident = open_incident(
            summary=summary or f"Raised from inbox item #{item.pk} (@{item.author_handle})",
            severity=severity,
            owner_id=owner_id,
            actor_id=actor_id,
            now=now,
        )
        update_incident(incident_id=incident.pk, actor_id=actor_id, note=evidence, now=now)
    return Incident.objects.get(pk=incident.pk)


def update_incident(
    *,
    incident_id: int,
    actor_id: int | None,
    note: str = "",
    severity: int | None = None,
    close: bool = False,
    now: datetime | None = None,
) -> Incident:
    """Add a timeline entry: a note, a new severity (up or down) and/or closing the incident."""
    now = now or timezone.now()
    if severity is not None:
        _check_severity(severity)
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident_id)
        if incident.status == Incident.Status.CLOSED:
            raise IncidentClosed("This incident is closed; open a new one.")
        before = _incident_state(incident)
        severity_before = incident.severity
        fields = []
        if severity is not None and severity != incident.severity:
            incident.severity = severity
            fields.append("severity")
        if close:
            incident.status, incident.closed_at = Incident.Status.CLOSED, now
            fields += ["status", "closed_at"]
        if fields:
            incident.save(update_fields=fields)
        IncidentUpdate.objects.create(
            incident=incident,
            author_id=actor_id,
            note=note,
            severity_before=severity_before,
            severity_after=incident.severity,
            created_at=now,
        )
        record(
            action="incident_closed" if close else "incident_updated",
            at=now,
            actor_id=actor_id,
            subject_kind="incident",
            subject_id=incident.pk,
            before=before,
            after=_incident_state(incident),
            detail=note,
        )
        evaluate_crisis(actor_id=actor_id, now=now)
        _incident_event(incident, "incident_closed" if close else "incident_updated", note=note)
    return incident


def evaluate_crisis(*, actor_id: int | None, now: datetime) -> bool:
    """Enter or stand down crisis mode to match the open incidents; returns whether active."""
    threshold = get_policy().crisis_threshold
    worst = (
        Incident.objects.filter(status=Incident.Status.OPEN, severity__gte=threshold)
        .order_by("-severity", "created_at")
        .first()
    )
    CrisisState.objects.get_or_create(id=1)
    state = CrisisState.objects.select_for_update().get(id=1)
    if worst is not None and not state.active:
        _enter_crisis(state, worst, actor_id=actor_id, now=now)
    elif worst is None and state.active:
        _stand_down(state, actor_id=actor_id, now=now)
    elif worst is not None and state.incident_id != worst.pk:
        state.incident = worst
        state.save(update_fields=["incident"])
    return worst is not None


def _enter_crisis(
    state: CrisisState, incident: Incident, *, actor_id: int | None, now: datetime
) -> None:
    state.active, state.since, state.incident = True, now, incident
    state.save(update_fields=["active", "since", "incident"])
    record(
        action="crisis_entered",
        at=now,
        actor_id=actor_id,
        subject_kind="incident",
        subject_id=incident.pk,
        before={"active": False, "level": get_policy().level},
        after={"active": True, "effective_level": 0, "severity": incident.severity},
    )
    # Open steps are locked before their requests (the one lock order, see ``chain``), so a
    # decision made while the crisis starts cannot deadlock with it. Quiet hours do not count
    # in a crisis: reminders held for them become due again now.
    for step in (
        ApprovalStep.objects.select_for_update(of=("self",))
        .filter(status=ApprovalStep.Status.OPEN)
        .order_by("pk")
    ):
        scheduled = next_action_at(step=step)
        if step.next_action_at is not None and scheduled < step.next_action_at:
            ApprovalStep.objects.filter(pk=step.pk).update(next_action_at=scheduled)
    # The crisis team joins every open chain, as a last step.
    last_position = (
        ApprovalStep.objects.filter(request=OuterRef("pk"))
        .order_by("-position")
        .values("position")[:1]
    )
    open_requests = (
        ApprovalRequest.objects.select_for_update()
        .filter(status=ApprovalRequest.Status.OPEN)
        .annotate(last=Subquery(last_position))
        .order_by("pk")
    )
    staffed = staffed_roles(roles=presets.CRISIS_ROLES)
    specs: dict[str, StepSpec | None] = {}
    for request in open_requests:
        if request.subject_kind not in specs:
            specs[request.subject_kind] = crisis_step(
                kind=request.subject_kind, staffed_roles=staffed
            )
        spec = specs[request.subject_kind]
        if spec is None:
            break  # nobody on the crisis team has a seat on this brand
        step = new_step(request=request, position=(request.last or 0) + 1, spec=spec)
        step.save()
        record(
            action="crisis_step_added",
            at=now,
            actor_id=actor_id,
            subject_kind=request.subject_kind,
            subject_id=request.subject_id,
            request_id=request.pk,
            step_id=step.pk,
            after={"roles": step.roles, "status": step.status},
        )
    _hold_approved_drafts(now=now, actor_id=actor_id)
    sync_brand_due()
    sync_approvals_attention()
    team = member_ids_with_roles(roles=presets.CRISIS_ROLES)
    email_on_commit(
        user_ids=team,
        subject=f"Crisis mode: severity {incident.severity}",
        body=f"{incident.summary}\n\nEverything now needs sign-off, including yours.",
    )
    announce_crisis(active=True)


def _hold_approved_drafts(*, now: datetime, actor_id: int | None) -> None:
    """Hold approved drafts that are not yet published by putting them back in review."""
    since = now - timedelta(days=settings.APPROVALS_CRISIS_HOLD_LOOKBACK_DAYS)
    candidates = (
        ApprovalRequest.objects.filter(
            subject_kind__in=DRAFT_KINDS,
            status__in=[ApprovalRequest.Status.APPROVED, ApprovalRequest.Status.NOT_REQUIRED],
            finished_at__gte=since,
        )
        .order_by("subject_kind", "subject_id")
        .values_list("subject_kind", "subject_id")
        .distinct()
    )
    for kind, subject_id in candidates:
        try:
            content_services.transition_draft(draft_id=subject_id, transition=Draft.Transition.HOLD)
        except ContentError:
            continue  # published or otherwise moved on: nothing to hold
        CrisisHold.objects.create(
            subject_kind=kind, subject_id=subject_id, previous_status="approved", held_at=now
        )
        record(
            action="draft_held",
            at=now,
            actor_id=actor_id,
            subject_kind=kind,
            subject_id=subject_id,
            before={"status": "approved"},
            after={"status": "in_review"},
            detail="held by crisis mode",
        )
        # A scheduler that holds this approved post must not publish it now.
        event_on_commit(
            kind="draft_held",
            payload={"draft_id": subject_id, "kind": kind, "status": "in_review"},
        )


def _stand_down(state: CrisisState, *, actor_id: int | None, now: datetime) -> None:
    incident_id = state.incident_id
    state.active, state.since, state.incident = False, None, None
    state.save(update_fields=["active", "since", "incident"])
    record(
        action="crisis_stood_down",
        at=now,
        actor_id=actor_id,
        subject_kind="incident",
        subject_id=incident_id,
        before={"active": True, "effective_level": 0},
        after={"active": False, "level": get_policy().level},
    )
    # Undecided crisis steps are withdrawn; a chain whose only remaining step was the crisis
    # step is then complete and approved, as it would have been without the crisis.
    steps = (
        ApprovalStep.objects.select_for_update(of=("self",))
        .select_related("request")
        .filter(
            is_crisis_step=True,
            status__in=[ApprovalStep.Status.WAITING, ApprovalStep.Status.OPEN],
        )
        .order_by("pk")
    )
    for step in steps:
        was_open = step.status == ApprovalStep.Status.OPEN
        before = {"status": step.status}
        ApprovalStep.objects.filter(pk=step.pk).update(
            status=ApprovalStep.Status.SKIPPED, next_action_at=None
        )
        record(
            action="crisis_step_withdrawn",
            at=now,
            actor_id=actor_id,
            subject_kind=step.request.subject_kind,
            subject_id=step.request.subject_id,
            request_id=step.request_id,
            step_id=step.pk,
            before=before,
            after={"status": ApprovalStep.Status.SKIPPED},
        )
        if was_open:
            advance(request=step.request, now=now, actor_id=actor_id)
    for hold in CrisisHold.objects.select_for_update().filter(released_at__isnull=True):
        detail = "released at stand-down"
        try:
            # A hold only ever takes an approved draft, so releasing gives approval back.
            content_services.transition_draft(
                draft_id=hold.subject_id, transition=Draft.Transition.RELEASE
            )
        except ContentError as exc:
            detail = f"not released: {exc.message}"
        else:
            event_on_commit(
                kind="draft_released",
                payload={
                    "draft_id": hold.subject_id,
                    "kind": hold.subject_kind,
                    "status": hold.previous_status,
                },
            )
        hold.released_at = now
        hold.save(update_fields=["released_at"])
        record(
            action="draft_released",
            at=now,
            actor_id=actor_id,
            subject_kind=hold.subject_kind,
            subject_id=hold.subject_id,
            before={"status": "in_review"},
            after={"status": hold.previous_status},
            detail=detail,
        )
    sync_brand_due()
    sync_approvals_attention()
    announce_crisis(active=False)
