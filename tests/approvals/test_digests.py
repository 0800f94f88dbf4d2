"""Per-person digests: what is not urgent (new posts to review, early reminders, "for your
information") waits for one digest email per person on their cadence; replies and crises go at
once; quiet hours hold a digest back; two digest runs at once never send one twice."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import time, timedelta
from typing import Any

import pytest
from django.core import mail
from django_tenants.utils import tenant_context

from approvals import services
from approvals.models import AuditEntry, DigestEntry, NotificationPreference, QuietHours
from tenants.models import User
from tenants.roles import Role
from tests.approvals.conftest import T0
from tests.approvals.factories import DraftFactory
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def ask(kind: str = "post", risk: int = 10) -> int:
    draft = DraftFactory(kind=kind, risk_score=risk)
    result = services.request_approval(
        subject_kind=kind, subject_id=draft.pk, risk_score=risk, actor_id=None, now=T0
    )
    assert result.request_id is not None
    return result.request_id


def to(person: User) -> list[Any]:
    return [m for m in mail.outbox if person.email in m.to]


@pytest.fixture
def hourly_lead(in_a: Any, commits: Any) -> Iterator[User]:
    """Brand A at level 1; its account lead takes an hourly digest, its agency admin does not."""
    services.apply_preset(level=1, actor_id=None, now=T0)
    lead = in_a.person(Role.ACCOUNT_LEAD)
    NotificationPreference.objects.create(user=lead, digest_minutes=60)
    mail.outbox = []
    yield lead


def test_new_items_wait_for_one_hourly_digest_per_person(hourly_lead: User, in_a, commits) -> None:
    admin = in_a.person(Role.AGENCY_ADMIN)
    with commits():
        for _ in range(3):
            ask()
    # The admin (no digest) hears of each item at once; the lead of none yet
    assert len(to(admin)) == 3
    assert to(hourly_lead) == []
    assert DigestEntry.objects.filter(user_id=hourly_lead.pk, sent_at=None).count() == 3

    with commits():
        assert services.send_due_digests(now=T0 + timedelta(minutes=30)) == 0
    assert to(hourly_lead) == []

    with commits():
        assert services.send_due_digests(now=T0 + timedelta(minutes=61)) == 1
    (digest,) = to(hourly_lead)
    assert "Your digest: 3 updates" in digest.subject
    assert digest.body.count("Decision needed: post #") == 3
    assert "/approve/steps/" in digest.body
    # Nothing is sent twice
    with commits():
        assert services.send_due_digests(now=T0 + timedelta(hours=3)) == 0
    assert len(to(hourly_lead)) == 1


def test_replies_and_crises_go_at_once(hourly_lead: User, in_a, commits) -> None:
    with commits():
        ask(kind="reply")
    assert len(to(hourly_lead)) == 1
    assert "Decision needed: reply" in to(hourly_lead)[0].subject

    with commits():
        services.open_incident(
            summary="Recall rumour",
            severity=5,
            owner_id=None,
            actor_id=in_a.person(Role.CLIENT_PR).pk,
            now=T0,
        )
        mail.outbox = []
        ask(kind="post")
    assert [m.subject for m in to(hourly_lead) if "Decision needed: post" in m.subject]
    assert not DigestEntry.objects.filter(user_id=hourly_lead.pk, sent_at=None).exists()


def test_a_deadline_too_close_for_the_digest_is_sent_at_once(
    hourly_lead: User, in_a, commits
) -> None:
    NotificationPreference.objects.filter(user_id=hourly_lead.pk).update(digest_minutes=180)
    with commits():
        ask()  # a post's step has 4 hours: a 3-hour digest would leave too little
    assert len(to(hourly_lead)) == 1


def test_quiet_hours_hold_the_digest_until_they_end(hourly_lead: User, in_a, commits) -> None:
    # Brand A is on Zurich time: T0 + 61 min is 11:01 there
    QuietHours.objects.create(user=hourly_lead, starts=time(11, 0), ends=time(12, 0))
    with commits():
        ask()
        assert services.send_due_digests(now=T0 + timedelta(minutes=61)) == 0
    assert to(hourly_lead) == []
    with commits():
        assert services.send_due_digests(now=T0 + timedelta(hours=2, minutes=1)) == 1
    assert len(to(hourly_lead)) == 1


def settings_url(world_brand: Any) -> str:
    return f"/brands/{world_brand.brand.slug}/api/v1/approvals/notifications/me/"


def test_a_person_chooses_their_digest_interval(world) -> None:
    lead = world.a.person(Role.ACCOUNT_LEAD)
    me = client_for(lead)
    assert me.get(settings_url(world.a)).json() == {"digest_minutes": 0}  # the test default

    chosen = me.put(settings_url(world.a), {"digest_minutes": 60}, format="json")
    assert chosen.status_code == 200
    assert me.get(settings_url(world.a)).json() == {"digest_minutes": 60}

    too_rare = me.put(settings_url(world.a), {"digest_minutes": 5000}, format="json")
    assert too_rare.status_code == 400
    assert too_rare.json()["errors"][0]["attr"] == "digest_minutes"
    assert me.get(settings_url(world.a)).json() == {"digest_minutes": 60}

    # Only their own, only on this brand
    other = client_for(world.a.person(Role.CLIENT_APPROVER))
    assert other.get(settings_url(world.a)).json() == {"digest_minutes": 0}
    outsider = client_for(world.b.person(Role.ACCOUNT_LEAD))
    assert (
        outsider.put(settings_url(world.a), {"digest_minutes": 5}, format="json").status_code == 404
    )
    with tenant_context(world.a.brand):
        assert dict(NotificationPreference.objects.values_list("user_id", "digest_minutes")) == {
            lead.pk: 60
        }
        assert AuditEntry.objects.filter(action="digest_interval_set", actor_id=lead.pk).exists()


def test_an_early_reminder_from_the_sweep_waits_for_the_digest(
    hourly_lead: User, in_a, commits
) -> None:
    from approvals.models import ApprovalStep

    admin = in_a.person(Role.AGENCY_ADMIN)
    request_id = ask()
    step = ApprovalStep.objects.get(request_id=request_id)
    assert step.deadline_at - step.next_action_at >= timedelta(hours=2)  # room for a digest
    DigestEntry.objects.all().delete()
    mail.outbox = []
    with commits():
        assert services.sweep_due_brands(now=step.next_action_at) == {in_a.brand.slug: 1}
    # The admin (no digest) is reminded at once; the lead's reminder waits for the digest,
    assert [m.subject for m in to(admin)] == [
        f"[{in_a.brand.name}] Reminder: post #{step.request.subject_id} awaits your decision"
    ]
    assert to(hourly_lead) == []
    (held,) = DigestEntry.objects.filter(user_id=hourly_lead.pk, sent_at=None)
    assert held.subject.startswith("Reminder: post #")
    # and the audit names both as reminded.
    entry = AuditEntry.objects.get(step_id=step.pk, action="reminder_sent")
    assert entry.detail == f"{admin.email}, {hourly_lead.email}"


def test_a_new_item_reaches_neither_a_deactivated_approver_nor_one_without_an_address(
    hourly_lead: User, in_a, commits
) -> None:
    # Given the admin gone (deactivated) and the lead without an email address, both taking
    # notices at once
    admin = in_a.person(Role.AGENCY_ADMIN)
    User.objects.filter(pk=admin.pk).update(is_active=False)
    NotificationPreference.objects.filter(user_id=hourly_lead.pk).update(digest_minutes=0)
    User.objects.filter(pk=hourly_lead.pk).update(email="")
    # When a post is sent for review
    with commits():
        ask()
    # Then neither is emailed, and no digest waits for them
    assert to(admin) == []
    assert [m for m in mail.outbox if not m.to or "" in m.to] == []
    assert not DigestEntry.objects.filter(user_id__in=[admin.pk, hourly_lead.pk]).exists()
