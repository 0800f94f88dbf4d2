"""A generation job's variants are alternatives: they enter approval as ONE review item, each
approver hears of it once, sees every variant and approves one by naming it; the others are
dropped. Rejecting or asking for changes applies to the item; chains still apply as a whole."""

from __future__ import annotations

from typing import Any

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import tenant_context

from approvals import services as approvals_services
from approvals.models import ApprovalRequest, AuditEntry, Decision
from content import services as content_services
from content.models import Draft, GenerationJob
from content.services import jobs
from content.tasks import run_generation_job
from outbox.models import OutboxEvent
from tenants.models import Membership
from tenants.roles import Role
from tests.approvals.factories import DraftFactory
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def api(world_brand: Any, tail: str) -> str:
    return f"/brands/{world_brand.brand.slug}/api/v1/approvals/{tail}"


def offer_variants(
    world: Any, capture: Any, *, count: int = 3, risk: int = 10, risks: list[int] | None = None
) -> list[Draft]:
    """``count`` drafts written by one generation job (at ``risk``, or each at its ``risks``),
    offered for review as the job does."""
    a = world.a
    with tenant_context(a.brand):
        writer = a.person(Role.COPYWRITER)
        job = GenerationJob.objects.create(kind="post", variants=count, created_by=writer)
        drafts = [
            DraftFactory(
                kind="post",
                status="draft",
                job=job,
                variant=n,
                risk_score=risks[n - 1] if risks else risk,
                created_by=writer,
                text=f"Variant {n}: the autumn blend is back in the shop.",
            )
            for n in range(1, count + 1)
        ]
        with capture(execute=True):
            for draft in drafts:
                content_services.mark_draft_ready(draft=draft)
        for draft in drafts:
            draft.refresh_from_db()
    return drafts


def statuses(world: Any, drafts: list[Draft]) -> list[str]:
    with tenant_context(world.a.brand):
        by_id = dict(
            Draft.objects.filter(pk__in=[d.pk for d in drafts]).values_list("pk", "status")
        )
    return [by_id[d.pk] for d in drafts]


def queue_of(world: Any, person: Any) -> list[dict[str, Any]]:
    return client_for(person).get(api(world.a, "queue/")).json()["results"]


def test_three_variants_from_a_real_job_are_one_item_and_each_lead_gets_one_email(
    world, django_capture_on_commit_callbacks, settings
) -> None:
    # Given a brand with two account leads (and its agency admin), at autonomy level 1
    settings.AI_BASE_URL = ""  # the offline generator: a real writer, no network
    a = world.a
    second_lead = UserFactory(email="second.lead@example.com")
    Membership.objects.create(brand=a.brand, user=second_lead, role=Role.ACCOUNT_LEAD)
    with tenant_context(a.brand):
        channel = content_services.create_channel(network="x", handle="variants_test")
        brief = content_services.create_brief(
            title="Autumn blend", key_message="Our autumn blend is back", channels=[channel]
        )
        job = jobs.request_post_drafts(
            brief=brief, variants=3, created_by=a.person(Role.COPYWRITER)
        )
        mail.outbox = []
        # When the job runs and its drafts are offered for review
        with django_capture_on_commit_callbacks(execute=True):
            run_generation_job.fn(job.pk)
        drafts = list(Draft.objects.filter(job=job).order_by("variant"))
        requests = list(ApprovalRequest.objects.filter(created_at__isnull=False))
    # Then there is one review item offering all three, and every lead heard of it once
    assert len(drafts) == 3
    mine = [r for r in requests if set(r.variant_ids) == {d.pk for d in drafts}]
    assert len(mine) == 1 and mine[0].status == "open"
    assert not [r for r in requests if r.subject_id in {d.pk for d in drafts} and r != mine[0]]
    assert statuses(world, drafts) == ["in_review"] * 3
    deciders = sorted(
        [a.person(Role.ACCOUNT_LEAD).email, a.person(Role.AGENCY_ADMIN).email, second_lead.email]
    )
    assert sorted(address for m in mail.outbox for address in m.to) == deciders
    assert all("3 variants" in m.subject for m in mail.outbox)
    # And each lead's queue shows one item with the three variants side by side
    items = queue_of(world, second_lead)
    assert len(items) == 1
    assert [v["text"] for v in items[0]["request"]["variants"]] == [d.text for d in drafts]


def test_approving_one_variant_drops_the_others(world, django_capture_on_commit_callbacks) -> None:
    drafts = offer_variants(world, django_capture_on_commit_callbacks)
    lead = world.a.person(Role.ACCOUNT_LEAD)
    step = queue_of(world, lead)[0]
    decide = api(world.a, f"steps/{step['id']}/decision/")

    # Approving without naming a variant is refused, naming the field; nothing is written
    unnamed = client_for(lead).post(decide, {"decision": "approve"}, format="json")
    assert unnamed.status_code == 400
    assert unnamed.json()["errors"][0]["attr"] == "variant_id"
    with tenant_context(world.a.brand):
        other = DraftFactory(kind="post", status="in_review")
    foreign = client_for(lead).post(
        decide, {"decision": "approve", "variant_id": other.pk}, format="json"
    )
    assert foreign.status_code == 400
    assert foreign.json()["errors"][0]["attr"] == "variant_id"
    assert statuses(world, drafts) == ["in_review"] * 3
    assert len(queue_of(world, lead)) == 1

    # Approving the second variant approves it and drops its siblings
    with django_capture_on_commit_callbacks(execute=True):
        chosen = client_for(lead).post(
            decide, {"decision": "approve", "variant_id": drafts[1].pk}, format="json"
        )
    assert chosen.status_code == 200, chosen.content
    body = chosen.json()
    assert (body["status"], body["subject_id"], body["chosen_variant_id"]) == (
        "approved",
        drafts[1].pk,
        drafts[1].pk,
    )
    assert [v["status"] for v in body["variants"]] == ["dropped", "approved", "dropped"]
    assert statuses(world, drafts) == ["dropped", "approved", "dropped"]
    with tenant_context(world.a.brand):
        entry = AuditEntry.objects.get(action="variant_chosen", request_id=body["id"])
        assert entry.actor_id == lead.pk
        assert entry.after == {
            "subject_id": drafts[1].pk,
            "dropped_ids": [drafts[0].pk, drafts[2].pk],
        }
        from outbox.models import OutboxEvent

        dropped = [
            e.payload["draft_id"]
            for e in OutboxEvent.objects.filter(name="approvals.notice")
            if e.payload["notice"] == "draft_dropped"
        ]
    assert sorted(dropped) == [drafts[0].pk, drafts[2].pk]

    # Deciding again is a conflict, and a dropped variant can never be approved
    again = client_for(world.a.person(Role.AGENCY_ADMIN)).post(
        decide, {"decision": "approve", "variant_id": drafts[0].pk}, format="json"
    )
    assert again.status_code == 409
    assert statuses(world, drafts) == ["dropped", "approved", "dropped"]


def test_rejecting_an_item_rejects_every_variant(world, django_capture_on_commit_callbacks) -> None:
    drafts = offer_variants(world, django_capture_on_commit_callbacks)
    lead = world.a.person(Role.ACCOUNT_LEAD)
    step = queue_of(world, lead)[0]
    answer = client_for(lead).post(
        api(world.a, f"steps/{step['id']}/decision/"),
        {"decision": "request_changes", "comment": "None of these sound like us."},
        format="json",
    )
    assert answer.status_code == 200
    assert answer.json()["status"] == "changes_requested"
    assert statuses(world, drafts) == ["changes_requested"] * 3
    # An integrator asking about any of the variants finds the item that offered it.
    for draft in drafts:
        found = client_for(lead).get(api(world.a, f"requests/?subject_id={draft.pk}")).json()
        assert [r["id"] for r in found["results"]] == [step["request"]["id"]], draft.pk


def test_a_chain_of_two_steps_reviews_the_chosen_variant_after_the_first(
    world, django_capture_on_commit_callbacks
) -> None:
    # High risk: the lead, then the client
    drafts = offer_variants(world, django_capture_on_commit_callbacks, risk=90)
    lead, client = world.a.person(Role.ACCOUNT_LEAD), world.a.person(Role.CLIENT_APPROVER)
    first = queue_of(world, lead)[0]
    with django_capture_on_commit_callbacks(execute=True):
        picked = client_for(lead).post(
            api(world.a, f"steps/{first['id']}/decision/"),
            {"decision": "approve", "variant_id": drafts[2].pk},
            format="json",
        )
    assert picked.status_code == 200
    assert picked.json()["status"] == "open"
    assert statuses(world, drafts) == ["dropped", "dropped", "in_review"]

    second = queue_of(world, client)[0]
    assert second["request"]["subject_id"] == drafts[2].pk
    late_pick = client_for(client).post(
        api(world.a, f"steps/{second['id']}/decision/"),
        {"decision": "approve", "variant_id": drafts[0].pk},
        format="json",
    )
    assert late_pick.status_code == 409
    assert late_pick.json()["errors"][0]["attr"] == "variant_id"
    done = client_for(client).post(
        api(world.a, f"steps/{second['id']}/decision/"), {"decision": "approve"}, format="json"
    )
    assert done.json()["status"] == "approved"
    assert statuses(world, drafts) == ["dropped", "dropped", "approved"]


def test_another_brands_lead_cannot_see_or_decide_the_item(
    world, django_capture_on_commit_callbacks
) -> None:
    drafts = offer_variants(world, django_capture_on_commit_callbacks)
    step = queue_of(world, world.a.person(Role.ACCOUNT_LEAD))[0]
    outsider = client_for(world.b.person(Role.ACCOUNT_LEAD))
    refused = outsider.post(
        api(world.a, f"steps/{step['id']}/decision/"),
        {"decision": "approve", "variant_id": drafts[0].pk},
        format="json",
    )
    assert refused.status_code in (403, 404)
    assert statuses(world, drafts) == ["in_review"] * 3


def test_a_single_variant_job_is_decided_as_before(
    world, django_capture_on_commit_callbacks
) -> None:
    (draft,) = offer_variants(world, django_capture_on_commit_callbacks, count=1)
    lead = world.a.person(Role.ACCOUNT_LEAD)
    step = queue_of(world, lead)[0]
    assert step["request"]["variants"] == []
    answer = client_for(lead).post(
        api(world.a, f"steps/{step['id']}/decision/"), {"decision": "approve"}, format="json"
    )
    assert answer.json()["status"] == "approved"
    assert statuses(world, [draft]) == ["approved"]


def drafts_api(world_brand: Any, tail: str) -> str:
    return f"/brands/{world_brand.brand.slug}/api/v1/drafts/{tail}"


def notices(world: Any) -> list[tuple[str, int]]:
    with tenant_context(world.a.brand):
        return [
            (e.payload["notice"], e.payload.get("request_id"))
            for e in OutboxEvent.objects.filter(name="approvals.notice").order_by("pk")
        ]


def revise(world: Any, capture: Any, draft: Draft, text: str) -> int:
    """The job's copywriter edits one variant through the API, as the drafts screen does."""
    with capture(execute=True):
        answer = client_for(world.a.person(Role.COPYWRITER)).post(
            drafts_api(world.a, f"{draft.pk}/edit/"), {"text": text}, format="json"
        )
    assert answer.status_code == 201, answer.content
    return int(answer.json()["id"])


def test_revising_the_second_of_three_variants_puts_its_new_text_in_the_item(
    world, django_capture_on_commit_callbacks
) -> None:
    # Given three variants in review as one item
    drafts = offer_variants(world, django_capture_on_commit_callbacks)
    lead, admin = world.a.person(Role.ACCOUNT_LEAD), world.a.person(Role.AGENCY_ADMIN)
    old_step = queue_of(world, lead)[0]
    before = notices(world)
    mail.outbox = []

    # When the copywriter revises the second variant while the item is in review
    new_text = "Variant 2, revised: the autumn blend is back, roasted darker."
    revision = revise(world, django_capture_on_commit_callbacks, drafts[1], new_text)

    # Then the item offers the new text instead of the old, still as one item
    assert statuses(world, drafts) == ["in_review", "superseded", "in_review"]
    items = queue_of(world, lead)
    assert len(items) == 1
    assert [v["variant"] for v in items[0]["request"]["variants"]] == [1, 2, 3]
    offered = {v["id"]: v["text"] for v in items[0]["request"]["variants"]}
    assert offered == {
        drafts[0].pk: drafts[0].text,
        revision: new_text,
        drafts[2].pk: drafts[2].text,
    }
    with tenant_context(world.a.brand):
        old = ApprovalRequest.objects.get(pk=old_step["request"]["id"])
        new = ApprovalRequest.objects.get(pk=items[0]["request"]["id"])
        assert old.status == "withdrawn"
        assert (new.status, new.variant_ids, new.supersedes_id) == (
            "open",
            sorted([drafts[0].pk, drafts[2].pk, revision]),
            old.pk,
        )
        assert Draft.objects.get(pk=revision).status == "in_review"
        entry = AuditEntry.objects.get(action="variant_revised", request_id=old.pk)
        assert entry.before["draft_id"] == drafts[1].pk
        assert entry.after == {"draft_id": revision, "variant_ids": new.variant_ids}
        # Nobody reviews a separate item for the new version
        assert not ApprovalRequest.objects.filter(subject_id=revision).exclude(pk=new.pk)
    # Integrators hear the old item was withdrawn and the new one requested, once each
    assert notices(world)[len(before) :] == [
        ("request_withdrawn", old.pk),
        ("request_opened", new.pk),
    ]
    # Each decider is asked once about the new item, not once per variant
    recipients = sorted(address for m in mail.outbox for address in m.to)
    assert recipients == sorted({lead.email, admin.email})
    assert all("3 variants" in m.subject for m in mail.outbox)

    # Approving the old version is refused, on the new item and on the withdrawn one
    stale_pick = client_for(lead).post(
        api(world.a, f"steps/{items[0]['id']}/decision/"),
        {"decision": "approve", "variant_id": drafts[1].pk},
        format="json",
    )
    assert stale_pick.status_code == 409
    assert stale_pick.json()["errors"][0]["attr"] == "variant_id"
    assert "revised" in stale_pick.json()["errors"][0]["detail"]
    old_decision = client_for(lead).post(
        api(world.a, f"steps/{old_step['id']}/decision/"),
        {"decision": "approve", "variant_id": drafts[1].pk},
        format="json",
    )
    assert old_decision.status_code == 409
    assert "withdrawn" in old_decision.json()["errors"][0]["detail"]
    assert statuses(world, drafts) == ["in_review", "superseded", "in_review"]
    with tenant_context(world.a.brand):
        assert not Decision.objects.exists()

    # And approving the new version drops the two untouched variants
    with django_capture_on_commit_callbacks(execute=True):
        chosen = client_for(lead).post(
            api(world.a, f"steps/{items[0]['id']}/decision/"),
            {"decision": "approve", "variant_id": revision},
            format="json",
        )
    assert chosen.status_code == 200, chosen.content
    assert (chosen.json()["status"], chosen.json()["subject_id"]) == ("approved", revision)
    assert statuses(world, drafts) == ["dropped", "superseded", "dropped"]


def test_revising_the_first_variant_keeps_its_siblings_in_the_item(
    world, django_capture_on_commit_callbacks
) -> None:
    drafts = offer_variants(world, django_capture_on_commit_callbacks)
    lead = world.a.person(Role.ACCOUNT_LEAD)
    old_step = queue_of(world, lead)[0]
    assert old_step["request"]["subject_id"] == drafts[0].pk

    revision = revise(world, django_capture_on_commit_callbacks, drafts[0], "Variant 1, shorter.")

    # The siblings are not superseded: they are still offered, beside the new first variant
    assert statuses(world, drafts) == ["superseded", "in_review", "in_review"]
    items = queue_of(world, lead)
    assert len(items) == 1
    # The new version keeps its place: it is still variant 1
    assert [v["id"] for v in items[0]["request"]["variants"]] == [
        revision,
        drafts[1].pk,
        drafts[2].pk,
    ]
    assert items[0]["request"]["id"] != old_step["request"]["id"]
    stale = client_for(lead).post(
        api(world.a, f"steps/{items[0]['id']}/decision/"),
        {"decision": "approve", "variant_id": drafts[0].pk},
        format="json",
    )
    assert stale.status_code == 409
    with django_capture_on_commit_callbacks(execute=True):
        chosen = client_for(lead).post(
            api(world.a, f"steps/{items[0]['id']}/decision/"),
            {"decision": "approve", "variant_id": drafts[2].pk},
            format="json",
        )
    assert chosen.json()["status"] == "approved"
    with tenant_context(world.a.brand):
        assert Draft.objects.get(pk=revision).status == "dropped"
    assert statuses(world, drafts) == ["superseded", "dropped", "approved"]


def test_two_variants_revised_together_end_up_in_one_item_with_both_new_texts(
    world, django_capture_on_commit_callbacks
) -> None:
    drafts = offer_variants(world, django_capture_on_commit_callbacks)
    lead = world.a.person(Role.ACCOUNT_LEAD)
    copywriter = client_for(world.a.person(Role.COPYWRITER))
    # Both edits are committed before either is routed (two people, one worker behind)
    with django_capture_on_commit_callbacks(execute=True):
        second = copywriter.post(
            drafts_api(world.a, f"{drafts[1].pk}/edit/"), {"text": "Second, new."}, format="json"
        )
        third = copywriter.post(
            drafts_api(world.a, f"{drafts[2].pk}/edit/"), {"text": "Third, new."}, format="json"
        )
    assert (second.status_code, third.status_code) == (201, 201)

    assert statuses(world, drafts) == ["in_review", "superseded", "superseded"]
    items = queue_of(world, lead)
    assert len(items) == 1
    assert [v["text"] for v in items[0]["request"]["variants"]] == [
        drafts[0].text,
        "Second, new.",
        "Third, new.",
    ]
    with tenant_context(world.a.brand):
        assert ApprovalRequest.objects.filter(status="open").count() == 1


def test_variants_the_policy_clears_without_sign_off_leave_one_approved_post(
    world, django_capture_on_commit_callbacks
) -> None:
    # Given a brand whose policy clears low-risk posts without anyone's sign-off
    with tenant_context(world.a.brand):
        approvals_services.apply_preset(level=3, actor_id=None, now=timezone.now())

    # When a job's three low-risk variants are offered
    drafts = offer_variants(world, django_capture_on_commit_callbacks, risks=[20, 5, 5])

    # Then the least risky (the first of a tie) is approved and the other two are dropped:
    # an integrator never finds three approved posts for one job
    assert statuses(world, drafts) == ["dropped", "approved", "dropped"]
    with tenant_context(world.a.brand):
        request = ApprovalRequest.objects.get(variant_ids__contains=[drafts[0].pk])
        assert request.status == "not_required"
        assert request.subject_id == request.chosen_variant_id == drafts[1].pk
        chosen = AuditEntry.objects.get(action="variant_chosen", request_id=request.pk)
        assert chosen.actor_id is None
        assert sorted(chosen.after["dropped_ids"]) == [drafts[0].pk, drafts[2].pk]
        dropped = [
            e.payload["draft_id"]
            for e in OutboxEvent.objects.filter(name="approvals.notice")
            if e.payload["notice"] == "draft_dropped"
        ]
    assert sorted(dropped) == [drafts[0].pk, drafts[2].pk]
