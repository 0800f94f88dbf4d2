"""Issue 4's "done when": a ready draft flows through the brand's policy to an approval chain,
people decide through the API, a late step reminds and escalates, a crisis tightens and later
restores autonomy, and every step of it is in the exported audit trail."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import tenant_context

from approvals import services
from content import services as content_services
from content.models import Draft
from tenants.roles import Role
from tests.approvals.factories import DraftFactory
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def api(world_brand, tail: str) -> str:
    return f"/brands/{world_brand.brand.slug}/api/v1/approvals/{tail}"


def test_draft_to_approval_to_crisis_and_back_through_the_api(
    world, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    lead, client = a.person(Role.ACCOUNT_LEAD), a.person(Role.CLIENT_APPROVER)
    pr = a.person(Role.CLIENT_PR)
    preset = client_for(lead).post(api(a, "policy/preset/"), {"level": 2}, format="json")
    assert preset.status_code == 200

    with tenant_context(a.brand):
        risky = DraftFactory(
            kind="post", status="draft", risk_score=80, created_by=a.person(Role.COPYWRITER)
        )
        calm = DraftFactory(kind="reply", status="draft", risk_score=5)
        with django_capture_on_commit_callbacks(execute=True):
            content_services.mark_draft_ready(draft=risky)
            content_services.mark_draft_ready(draft=calm)
        risky.refresh_from_db()
        calm.refresh_from_db()
    assert (risky.status, calm.status) == ("in_review", "approved")

    # The lead's queue has the risky post; approving hands it to the client.
    queue = client_for(lead).get(api(a, "queue/")).json()["results"]
    assert [item["request"]["subject_id"] for item in queue] == [risky.pk]
    with django_capture_on_commit_callbacks(execute=True):
        first = client_for(lead).post(
            api(a, f"steps/{queue[0]['id']}/decision/"), {"decision": "approve"}, format="json"
        )
    assert first.status_code == 200
    assert client.email in {address for m in mail.outbox for address in m.to}

    # The client is late: the sweep reminds, then escalates to the account lead.
    client_step = client_for(client).get(api(a, "queue/")).json()["results"][0]
    later = timezone.now() + timedelta(hours=3, minutes=30)
    with tenant_context(a.brand), django_capture_on_commit_callbacks(execute=True):
        services.sweep_due_brands(now=later)
        services.sweep_due_brands(now=later + timedelta(hours=1))
    request = client_for(client).get(api(a, f"requests/{client_step['request_id']}/")).json()
    assert request["steps"][1]["escalated_to_ids"] == [lead.pk]
    with django_capture_on_commit_callbacks(execute=True):
        done = client_for(client).post(
            api(a, f"steps/{client_step['id']}/decision/"), {"decision": "approve"}, format="json"
        )
    assert done.json()["status"] == "approved"

    # Crisis: autonomy drops to 0 and the approved-but-unpublished drafts are held ...
    with django_capture_on_commit_callbacks(execute=True):
        incident = (
            client_for(pr)
            .post(
                api(a, "incidents/"),
                {"summary": "Contamination rumour", "severity": 5},
                format="json",
            )
            .json()
        )
    policy = client_for(lead).get(api(a, "policy/")).json()
    assert (policy["level"], policy["effective_level"], policy["in_crisis"]) == (2, 0, True)
    with tenant_context(a.brand):
        assert set(
            Draft.objects.filter(pk__in=[risky.pk, calm.pk]).values_list("status", flat=True)
        ) == {"in_review"}

    # ... and standing down restores exactly what was there.
    with django_capture_on_commit_callbacks(execute=True):
        client_for(pr).post(
            api(a, f"incidents/{incident['id']}/updates/"),
            {"close": True, "note": "Cleared"},
            format="json",
        )
    policy = client_for(lead).get(api(a, "policy/")).json()
    assert (policy["level"], policy["effective_level"], policy["in_crisis"]) == (2, 2, False)
    with tenant_context(a.brand):
        assert set(
            Draft.objects.filter(pk__in=[risky.pk, calm.pk]).values_list("status", flat=True)
        ) == {"approved"}

    trail = json.loads(
        client_for(a.person(Role.CLIENT_LEGAL))
        .get(api(a, "audit/export/?file_format=json"))
        .content
    )
    actions = {row["action"] for row in trail}
    assert {
        "policy_preset_applied",
        "request_opened",
        "request_not_required",
        "decision_recorded",
        "reminder_sent",
        "step_escalated",
        "request_finished",
        "crisis_entered",
        "draft_held",
        "crisis_stood_down",
        "draft_released",
    } <= actions
