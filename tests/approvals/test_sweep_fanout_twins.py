"""The sweep's reminders across brands (``remind_due_brands``, which reads a brand's decisions,
crisis state, quiet hours and digest choices only if some member may decide or be escalated
to) against the brand-by-brand sweep (``sweep_brand``), on twin brands set up alike: a brand
in crisis, its decider in quiet hours, with a digest, deactivated or without an address, and
a brand where nobody may decide. Both paths must leave the same steps, audit trail, emails,
notices and digests, and cockpit rows a full rebuild would not change."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import time, timedelta
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import tenant_context

from approvals import services
from approvals.models import (
    ApprovalStep,
    AuditEntry,
    CrisisState,
    DigestEntry,
    NotificationPreference,
    QuietHours,
)
from approvals.services import due_across_brands
from approvals.services.attention import sync_approvals_attention
from outbox.models import OutboxEvent
from tenants.models import Brand, Membership, User
from tenants.roles import Role
from tenants.services import add_member
from tests.approvals.conftest import T0
from tests.approvals.factories import DraftFactory
from tests.conftest import committed_brands
from tests.factories import UserFactory


def _crisis(brand: Brand, lead: User) -> None:
    CrisisState.objects.update_or_create(id=1, defaults={"active": True, "since": T0})
    sync_approvals_attention()  # its cockpit row, as entering a crisis writes it


def _quiet(brand: Brand, lead: User) -> None:
    QuietHours.objects.create(user_id=lead.pk, starts=time(8, 0), ends=time(12, 0))


def _quiet_in_crisis(brand: Brand, lead: User) -> None:
    _quiet(brand, lead)
    _crisis(brand, lead)


def _digest(brand: Brand, lead: User) -> None:
    NotificationPreference.objects.create(user_id=lead.pk, digest_minutes=5)


def _inactive(brand: Brand, lead: User) -> None:
    User.objects.filter(pk=lead.pk).update(is_active=False)


def _nobody(brand: Brand, lead: User) -> None:
    # The agency admin who made the brand leaves: only the copywriter is left.
    Membership.objects.filter(brand=brand).exclude(user=lead).delete()


def _nobody_in_crisis_and_quiet(brand: Brand, lead: User) -> None:
    _quiet_in_crisis(brand, lead)
    _nobody(brand, lead)


SCENARIOS: dict[str, tuple[str, Callable[[Brand, User], None]]] = {
    "crisis": (Role.ACCOUNT_LEAD, _crisis),
    "quiet": (Role.ACCOUNT_LEAD, _quiet),
    "quiet-in-crisis": (Role.ACCOUNT_LEAD, _quiet_in_crisis),
    "digest": (Role.ACCOUNT_LEAD, _digest),
    "inactive-lead": (Role.ACCOUNT_LEAD, _inactive),
    "nobody-may-decide": (Role.COPYWRITER, _nobody),
    "nobody-may-decide-in-crisis-and-quiet": (Role.COPYWRITER, _nobody_in_crisis_and_quiet),
}


def _neutral(payload: dict[str, Any], lead: User) -> dict[str, Any]:
    recipients = payload.get("recipients")
    if isinstance(recipients, list):
        payload = {**payload, "recipients": ["LEAD" if i == lead.pk else i for i in recipients]}
    return payload


def _outcome(brand: Brand, lead: User) -> dict[str, Any]:
    with tenant_context(brand):
        sync_changes = sync_approvals_attention()  # rows a full rebuild would change
        found = {
            "steps": list(
                ApprovalStep.objects.order_by("pk").values_list(
                    "pk", "status", "reminders_sent", "next_action_at", "escalated_at"
                )
            ),
            "audit": list(
                AuditEntry.objects.order_by("pk").values_list("step_id", "action", "detail")
            ),  # the same setup in both: the same entries before the sweep
            "outbox": sorted(
                json.dumps([e.name, _neutral(e.payload, lead)], sort_keys=True, default=str)
                for e in OutboxEvent.objects.all()
            ),
            "digests": list(DigestEntry.objects.values_list("subject", "body")),
            "cockpit rows a rebuild changes": sync_changes,
        }
    # The drafts' texts are numbered across brands by the factory.
    text = re.sub(r"Fresh roast number \d+", "Fresh roast", json.dumps(found, default=str))
    for real, neutral in [
        (brand.name, "BRAND"),
        (brand.slug, "SLUG"),
        (f"{brand.slug}-", "LEAD-"),
    ]:
        text = text.replace(real, neutral)
    return json.loads(text)


@pytest.mark.parametrize("kind", ["reply", "post"])  # a reply's reminder is urgent, a post's not
@pytest.mark.parametrize("scenario", list(SCENARIOS))
def test_reminders_across_brands_do_what_the_brand_by_brand_sweep_does(
    world, django_db_blocker: Any, scenario: str, kind: str
) -> None:
    role, arrange = SCENARIOS[scenario]
    slugs = [(f"twin-{side}", f"Twin {side}") for side in ("x", "y")]
    leads: list[User] = []
    try:
        _compare(world, django_db_blocker, slugs, role, arrange, f"{scenario}-{kind}", leads, kind)
    finally:
        with django_db_blocker.unblock():
            User.objects.filter(pk__in=[lead.pk for lead in leads]).delete()


def _compare(world, django_db_blocker, slugs, role, arrange, scenario, leads, kind) -> None:  # type: ignore[no-untyped-def]
    with (
        committed_brands(world, django_db_blocker, *slugs) as brands,
        django_db_blocker.unblock(),
    ):
        for brand in brands:
            lead = UserFactory(
                username=f"{brand.slug}-{scenario}", email=f"{brand.slug}-{scenario}@x.io"
            )
            add_member(brand=brand, user=lead, role=role)
            leads.append(lead)
            with tenant_context(brand):
                services.apply_preset(level=1, actor_id=None, now=T0)
                for _ in range(2):
                    draft = DraftFactory(kind=kind, risk_score=50)
                    services.request_approval(
                        subject_kind=kind,
                        subject_id=draft.pk,
                        risk_score=50,
                        actor_id=None,
                        now=T0,
                    )
                arrange(brand, lead)
        across, by_brand = brands
        with tenant_context(by_brand):  # just after the first reminder is due
            now = min(
                ApprovalStep.objects.filter(status="open").values_list("next_action_at", flat=True)
            ) + timedelta(seconds=1)
        connection.set_schema_to_public()
        handled, left = due_across_brands.remind_due_brands(brands=[across], now=now, batch_size=50)
        with tenant_context(by_brand):
            swept = services.sweep_brand(now=now)
        connection.set_schema_to_public()
        assert left == []  # every scenario here is reminders only
        assert swept > 0 and handled == {across.pk: swept}
        mine, theirs = _outcome(across, leads[0]), _outcome(by_brand, leads[1])
        assert mine == theirs
        assert mine["cockpit rows a rebuild changes"] == 0
        connection.set_schema_to_public()
