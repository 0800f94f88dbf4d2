"""Nobody approves their own work: not through an API key they created, and not after someone
else's small edit to a draft they wrote (issue 14.5)."""

from __future__ import annotations

from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import tenant_context
from rest_framework.test import APIClient

from approvals import services
from approvals.models import ApprovalStep
from tenants import services as tenant_services
from tenants.roles import Role, Scope
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def api(world_brand: Any, tail: str) -> str:
    return f"/brands/{world_brand.brand.slug}/api/v1/{tail}"


def open_step_for(world_brand: Any, draft_id: int) -> ApprovalStep:
    """The draft's open step (asking again returns the request routing already opened)."""
    with tenant_context(world_brand.brand):
        result = services.request_approval(
            subject_kind="post", subject_id=draft_id, risk_score=0, actor_id=None
        )
        return ApprovalStep.objects.get(request_id=result.request_id, status="open")


def decide(world_brand: Any, role: str, step: ApprovalStep) -> Any:
    return client_for(world_brand.person(role)).post(
        api(world_brand, f"approvals/steps/{step.pk}/decision/"),
        {"decision": "approve"},
        format="json",
    )


def queue_ids(world_brand: Any, role: str) -> set[int]:
    body = client_for(world_brand.person(role)).get(api(world_brand, "approvals/queue/")).json()
    return {item["id"] for item in body["results"]}


@pytest.fixture
def level_one(world: Any) -> None:
    with tenant_context(world.a.brand):
        services.apply_preset(level=1, actor_id=None, now=timezone.now())


def test_a_draft_written_with_a_leads_api_key_cannot_be_approved_by_that_lead(
    world, level_one
) -> None:
    lead = world.a.person(Role.ACCOUNT_LEAD)
    key, secret = tenant_services.create_api_key(
        brand=world.a.brand, name="scheduler", scopes=[Scope.WRITE_CONTENT], created_by=lead
    )
    integrator = APIClient(HTTP_AUTHORIZATION=f"Api-Key {secret}")
    written = integrator.post(
        api(world.a, "drafts/"), {"kind": "post", "text": "Our autumn roast is back."}
    )
    assert written.status_code == 201
    assert (written.json()["created_by"], written.json()["created_by_key_id"]) == (
        lead.pk,
        key.pk,
    )
    step = open_step_for(world.a, written.json()["id"])

    assert step.pk not in queue_ids(world.a, Role.ACCOUNT_LEAD)
    refused = decide(world.a, Role.ACCOUNT_LEAD, step)
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "own_draft"
    assert step.pk in queue_ids(world.a, Role.AGENCY_ADMIN)
    assert decide(world.a, Role.AGENCY_ADMIN, step).status_code == 200


def test_after_someone_elses_small_edit_the_original_writer_still_cannot_approve(
    world, level_one
) -> None:
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    first = lead.post(api(world.a, "drafts/"), {"kind": "post", "text": "Autumn roast is back."})
    assert first.status_code == 201
    open_step_for(world.a, first.json()["id"])
    edited = client_for(world.a.person(Role.COPYWRITER)).post(
        api(world.a, f"drafts/{first.json()['id']}/edit/"),
        {"text": "Our autumn roast is back."},
    )
    assert edited.status_code == 201
    step = open_step_for(world.a, edited.json()["id"])

    assert step.pk not in queue_ids(world.a, Role.ACCOUNT_LEAD)
    refused = decide(world.a, Role.ACCOUNT_LEAD, step)
    assert refused.status_code == 403
    assert refused.json()["errors"][0]["code"] == "own_draft"
    with tenant_context(world.a.brand):
        assert ApprovalStep.objects.get(pk=step.pk).status == "open"
    assert decide(world.a, Role.AGENCY_ADMIN, step).status_code == 200
