"""Crisis early warning: a spike of negative signals against the brand's baseline raises a
warning with a suggested severity and its evidence for the person on duty, who confirms it (an
incident opens at that severity, through approvals) or dismisses it.

Safe to judge twice: one warning is open at a time (a partial unique index), the same or a
smaller spike changes nothing, a bigger one raises the open warning's severity and tells the
person on duty again. A dismissed warning keeps the same spike quiet for six hours."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from approvals import services as approvals
from approvals.selectors.crisis import brand_in_crisis
from approvals.selectors.rota import on_duty_ids
from listening import announcements
from listening.errors import ListeningError
from listening.models import CrisisWarning
from listening.selectors import crisis as crisis_selectors
from listening.severity import Evidence, suggest_severity
from outbox.notifications import email_people
from outbox.services import record_event
from tenants.models import Brand
from tenants.roles import LEADS

DISMISSAL_QUIET = timedelta(hours=6)


def watch_for_crisis(*, brand: Brand, now: datetime | None = None) -> CrisisWarning | None:
    """Judge the last hour's negative signals; returns the warning raised or raised further,
    or None when there is nothing new to tell (no spike, already told, in crisis already)."""
    now = now or timezone.now()
    if brand_in_crisis():
        return None
    evidence = crisis_selectors.negative_evidence(now=now)
    severity = suggest_severity(evidence)
    if severity == 0:
        return None
    dismissed = crisis_selectors.last_dismissed(since=now - DISMISSAL_QUIET)
    if dismissed is not None and severity <= dismissed.severity:
        return None
    return _raise_warning(
        brand=brand,
        severity=severity,
        evidence=evidence.as_dict(),
        body=_spike_body(evidence, severity),
        now=now,
    )


def suggest_crisis_level(
    *, brand: Brand, severity: int, evidence: dict[str, Any], reason: str, now: datetime
) -> CrisisWarning | None:
    """Raise a crisis warning at ``severity`` with ``evidence`` (a trigger's suggestion) for
    the person on duty to confirm or dismiss; None when the brand is in crisis already or an
    open warning is at least as severe (nothing new to tell)."""
    if brand_in_crisis():
        return None
    body = f"{reason}\nSuggested severity: {severity} of 5."
    return _raise_warning(brand=brand, severity=severity, evidence=evidence, body=body, now=now)


def _raise_warning(
    *, brand: Brand, severity: int, evidence: dict[str, Any], body: str, now: datetime
) -> CrisisWarning | None:
    """Open a warning, or raise the open one to ``severity``, and tell the person on duty."""
    with transaction.atomic():
        warning = (
            CrisisWarning.objects.select_for_update()
            .filter(status=CrisisWarning.Status.OPEN)
            .first()
        )
        if warning is not None:
            if severity <= warning.severity:
                return None
            warning.severity = severity
            warning.evidence = evidence
            warning.updated_at = now
            warning.save(update_fields=["severity", "evidence", "updated_at"])
        else:
            try:
                with transaction.atomic():
                    warning = CrisisWarning.objects.create(
                        severity=severity, evidence=evidence, raised_at=now, updated_at=now
                    )
            except IntegrityError:
                # Another evaluation raised one at the same moment and told the person on duty.
                return None
        _tell_on_duty(brand=brand, warning=warning, body=body, now=now)
        record_event(
            name=announcements.CRISIS_WARNING,
            payload={
                "warning_id": warning.pk,
                "severity": warning.severity,
                "status": warning.status,
                "raised_at": warning.raised_at,
                "negative": evidence.get("negative"),
                "z_score": evidence.get("z_score"),
                "sources": evidence.get("sources", []),
                "reach": evidence.get("reach"),
                "trigger_id": evidence.get("trigger_id"),
            },
        )
    return warning


def _spike_body(evidence: Evidence, severity: int) -> str:
    return (
        f"{evidence.negative} negative signals in the last {evidence.window_minutes} minutes; "
        f"usually {evidence.baseline_mean:.1f} an hour (z-score {evidence.z_score:.1f}).\n"
        f"Sources: {', '.join(evidence.sources)}. Reach: {evidence.reach:,.0f}.\n"
        f"Suggested severity: {severity} of 5."
    )


def _tell_on_duty(*, brand: Brand, warning: CrisisWarning, body: str, now: datetime) -> None:
    """Email the people on duty now (the leads when nobody is) from the worker."""
    link = (
        "\n\nOpen the incident at that severity or dismiss the warning: "
        f"{settings.PUBLIC_BASE_URL}/brands/{brand.slug}/approve/warnings/"
    )
    subject = f"Possible crisis: severity {warning.severity} suggested"
    email_on_duty(subject=subject, body=body + link, now=now)


def email_on_duty(*, subject: str, body: str, now: datetime) -> list[str]:
    """Email the people on the approvals rota at ``now`` (the leads when nobody is on duty);
    sent from the worker once the transaction commits. Returns the addresses."""
    on_duty = on_duty_ids(now=now)
    if on_duty:
        return email_people(user_ids=on_duty, subject=subject, body=body)
    return email_people(roles=sorted(LEADS), subject=subject, body=body)


def _locked_open(warning_id: int) -> CrisisWarning:
    warning = CrisisWarning.objects.select_for_update().filter(pk=warning_id).first()
    if warning is None:
        raise ListeningError(
            f"There is no crisis warning {warning_id}.", status_code=404, code="not_found"
        )
    if warning.status != CrisisWarning.Status.OPEN:
        raise ListeningError(
            f"The warning was already {warning.status}.",
            status_code=409,
            code="already_decided",
        )
    return warning


def confirm_warning(
    *, warning_id: int, severity: int | None, actor_id: int | None, now: datetime | None = None
) -> CrisisWarning:
    """Open an incident from the warning at ``severity`` (the suggested one when not given),
    owned by the person who confirmed it; the brand enters crisis mode at the policy's
    threshold, as with any incident."""
    now = now or timezone.now()
    with transaction.atomic():
        warning = _locked_open(warning_id)
        evidence = warning.evidence
        incident = approvals.open_incident(
            summary=(
                f"Crisis warning confirmed: {evidence.get('negative')} negative signals in "
                f"{evidence.get('window_minutes')} minutes from "
                f"{', '.join(evidence.get('sources', []))}."
            )[:500],
            severity=severity or warning.severity,
            owner_id=actor_id,
            actor_id=actor_id,
            now=now,
        )
        warning.status = CrisisWarning.Status.CONFIRMED
        warning.decided_by_id = actor_id
        warning.decided_at = now
        warning.incident_id = incident.pk
        warning.save(update_fields=["status", "decided_by", "decided_at", "incident_id"])
    return warning


def dismiss_warning(
    *, warning_id: int, actor_id: int | None, now: datetime | None = None
) -> CrisisWarning:
    """Close the warning without an incident; the same spike stays quiet for six hours."""
    now = now or timezone.now()
    with transaction.atomic():
        warning = _locked_open(warning_id)
        warning.status = CrisisWarning.Status.DISMISSED
        warning.decided_by_id = actor_id
        warning.decided_at = now
        warning.save(update_fields=["status", "decided_by", "decided_at"])
    return warning
