"""The approver's phone view: same rules as the API, friendly pages, no access across brands."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from approvals.models import ApprovalStep
from approvals.services import decide_step
from content import services as content_services
from content.models import Draft
from tenants.roles import Role

pytestmark = pytest.mark.django_db


@pytest.fixture
def waiting_step(world, django_capture_on_commit_callbacks) -> ApprovalStep:
    """A post in brand A at level 1 (the default): waiting for the agency lead."""
    with schema_context(world.a.brand.schema_name):
        channel = content_services.create_channel(network="x", handle="alpine")
        draft = Draft.objects.create(
            kind=Draft.Kind.POST,
            channel=channel,
            text="Fresh beans, fresh week. #coffee",
            risk_score=10,
            created_by=world.a.person(Role.COPYWRITER),
        )
        with django_capture_on_commit_callbacks(execute=True):
            content_services.mark_draft_ready(draft=draft)
        return ApprovalStep.objects.get(status=ApprovalStep.Status.OPEN)


def ready_for_review(world, capture, **fields) -> ApprovalStep:
    """A post (unless ``fields`` say otherwise) in brand A at level 1, put up for review; the
    first open step of its chain."""
    with schema_context(world.a.brand.schema_name):
        channel = content_services.create_channel(network="x", handle="alpine")
        draft = Draft.objects.create(
            **{
                "kind": Draft.Kind.POST,
                "channel": channel,
                "created_by": world.a.person(Role.COPYWRITER),
                **fields,
            }
        )
        with capture(execute=True):
            content_services.mark_draft_ready(draft=draft)
        return ApprovalStep.objects.get(request__subject_id=draft.pk, status="open")


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_queue_lists_what_waits_for_me_with_a_countdown(world, waiting_step) -> None:
    lead = signed_in(world.a.person(Role.ACCOUNT_LEAD))
    page = lead.get("/brands/alpine-coffee/approve/").content.decode()
    assert "Fresh beans, fresh week." in page
    assert "due in 3 h 59 min" in page or "due in 4 h 0 min" in page


def test_client_viewer_sees_nothing_to_decide(world, waiting_step) -> None:
    viewer = signed_in(world.a.person(Role.CLIENT_VIEWER))
    page = viewer.get("/brands/alpine-coffee/approve/").content.decode()
    assert "Nothing is waiting for you" in page


def test_member_of_another_brand_gets_404_and_cannot_decide(world, waiting_step) -> None:
    outsider = signed_in(world.b.person(Role.ACCOUNT_LEAD))
    assert outsider.get("/brands/alpine-coffee/approve/").status_code == 404
    url = f"/brands/alpine-coffee/approve/steps/{waiting_step.pk}/decide/"
    assert outsider.post(url, {"decision": "approve"}).status_code == 404
    with schema_context(world.a.brand.schema_name):
        assert ApprovalStep.objects.get(pk=waiting_step.pk).status == "open"


def test_signed_out_visitor_is_sent_to_sign_in(world, waiting_step) -> None:
    response = Client().get("/brands/alpine-coffee/approve/")
    assert response.status_code == 302
    assert response["Location"].startswith("/approve/sign-in/")


def test_reject_without_reason_explains_and_changes_nothing(world, waiting_step) -> None:
    lead = signed_in(world.a.person(Role.ACCOUNT_LEAD))
    url = f"/brands/alpine-coffee/approve/steps/{waiting_step.pk}/decide/"
    response = lead.post(url, {"decision": "reject", "comment": ""})
    assert response.status_code == 400
    assert "Give a reason" in response.content.decode()
    with schema_context(world.a.brand.schema_name):
        assert ApprovalStep.objects.get(pk=waiting_step.pk).status == "open"


def test_second_decider_gets_a_friendly_409_naming_who_decided(world, waiting_step) -> None:
    with schema_context(world.a.brand.schema_name):
        decide_step(step_id=waiting_step.pk, actor=world.admin, decision="approve")
    lead = signed_in(world.a.person(Role.ACCOUNT_LEAD))
    url = f"/brands/alpine-coffee/approve/steps/{waiting_step.pk}/decide/"
    response = lead.post(url, {"decision": "approve"})
    assert response.status_code == 409
    page = response.content.decode()
    assert "ada-admin" in page or "already" in page
    assert 'role="alert"' in page


def test_approving_on_the_phone_is_audited_like_the_api(world, waiting_step) -> None:
    from approvals.models import AuditEntry

    lead = signed_in(world.a.person(Role.ACCOUNT_LEAD))
    url = f"/brands/alpine-coffee/approve/steps/{waiting_step.pk}/decide/"
    response = lead.post(url, {"decision": "approve"})
    assert response.status_code == 302
    with schema_context(world.a.brand.schema_name):
        assert ApprovalStep.objects.get(pk=waiting_step.pk).status == "approved"
        assert AuditEntry.objects.filter(
            action="decision_recorded", actor_id=world.a.person(Role.ACCOUNT_LEAD).pk
        ).exists()
    recent = lead.get("/brands/alpine-coffee/approve/recent/").content.decode()
    assert "Approved" in recent


def test_pages_are_light_enough_for_a_slow_phone(world, waiting_step) -> None:
    from django.contrib.staticfiles import finders

    css = finders.find("approvals/app.css")
    with open(css, "rb") as handle:
        assert len(handle.read()) < 50_000
    lead = signed_in(world.a.person(Role.ACCOUNT_LEAD))
    page = lead.get(f"/brands/alpine-coffee/approve/steps/{waiting_step.pk}/")
    assert page.status_code == 200
    assert len(page.content) < 50_000
    assert 'name="viewport"' in page.content.decode()


def test_detail_shows_risk_reasons_and_failed_checks(world, waiting_step) -> None:
    with schema_context(world.a.brand.schema_name):
        Draft.objects.update(
            risk_reasons=[{"code": "price", "detail": "Makes a claim about price.", "points": 20}],
            guardrail_violations=[
                {"code": "banned_word", "detail": "Uses the banned word 'cheap'."}
            ],
        )
    lead = signed_in(world.a.person(Role.ACCOUNT_LEAD))
    page = lead.get(f"/brands/alpine-coffee/approve/steps/{waiting_step.pk}/").content.decode()
    assert "Makes a claim about price." in page
    assert "Uses the banned word &#x27;cheap&#x27;." in page
    assert "32 / 280 characters" in page


def _escalate_to(world, step: ApprovalStep, user) -> None:
    """The step timed out and escalated to ``user`` (as the sweep did before the rota refused
    people who may not decide, or for someone whose role was lowered since)."""
    with schema_context(world.a.brand.schema_name):
        ApprovalStep.objects.filter(pk=step.pk).update(escalated_to_ids=[user.pk])


@pytest.mark.parametrize("role", [Role.CLIENT_VIEWER, Role.COPYWRITER])
def test_escalated_member_who_may_not_decide_cannot_approve_on_the_phone(
    world, waiting_step, role
) -> None:
    # Given a step escalated to a client viewer (or a copywriter who did not write it)
    person = world.a.person(role)
    with schema_context(world.a.brand.schema_name):
        Draft.objects.update(created_by=world.a.person(Role.STRATEGIST))
    _escalate_to(world, waiting_step, person)
    phone = signed_in(person)
    # When they open it, there is nothing to press
    page = phone.get(f"/brands/alpine-coffee/approve/steps/{waiting_step.pk}/").content.decode()
    assert 'id="approve"' not in page
    assert 'id="reject"' not in page
    queue = phone.get("/brands/alpine-coffee/approve/").content.decode()
    assert "Nothing is waiting for you" in queue
    # and posting the form anyway is refused and changes nothing
    url = f"/brands/alpine-coffee/approve/steps/{waiting_step.pk}/decide/"
    response = phone.post(url, {"decision": "approve"})
    assert response.status_code == 403
    assert "may not decide" in response.content.decode()
    with schema_context(world.a.brand.schema_name):
        assert ApprovalStep.objects.get(pk=waiting_step.pk).status == "open"
        assert not waiting_step.decisions.exists()


def test_detail_shows_the_decision_forms_only_to_someone_who_may_decide_the_step(
    world, waiting_step
) -> None:
    url = f"/brands/alpine-coffee/approve/steps/{waiting_step.pk}/"
    lead_page = signed_in(world.a.person(Role.ACCOUNT_LEAD)).get(url).content.decode()
    assert 'id="approve"' in lead_page
    # The client approver may decide, but this lead-only step is not theirs.
    client_page = signed_in(world.a.person(Role.CLIENT_APPROVER)).get(url).content.decode()
    assert 'id="approve"' not in client_page
    # The copywriter wrote it.
    writer_page = signed_in(world.a.person(Role.COPYWRITER)).get(url).content.decode()
    assert 'id="approve"' not in writer_page


def test_near_duplicate_post_shows_its_real_band_and_the_post_it_repeats(
    world, django_capture_on_commit_callbacks
) -> None:
    # Given a draft the novelty check caught repeating last week's post (risk itself is 0)
    step = ready_for_review(
        world,
        django_capture_on_commit_callbacks,
        text="Fresh beans, fresh week. #coffee",
        risk_score=0,
        flags=["repeats_recent_post"],
        novelty={
            "score": 96.4,
            "threshold": 85,
            "similar_draft_id": 4711,
            "similar_text": "Fresh beans for a fresh week! #coffee",
            "too_similar": True,
        },
    )
    with schema_context(world.a.brand.schema_name):
        assert step.request.band == "high"
    # When the lead opens it on the phone
    lead = signed_in(world.a.person(Role.ACCOUNT_LEAD))
    page = lead.get(f"/brands/alpine-coffee/approve/steps/{step.pk}/").content.decode()
    # Then it is signed off as high risk and says why, apart from the risk score of 0, and the
    # failed check is named with the post it repeats
    assert 'Sign-off as <span class="risk high">high risk</span>' in page
    assert "Why: level 1: flagged by the checks: repeats_recent_post" in page
    assert "Risk score 0/100." in page
    assert "low risk" not in page
    assert "All checks passed" not in page
    assert "Repeats a recent post" in page
    assert "96% similar" in page
    assert "Fresh beans for a fresh week! #coffee" in page


def test_detail_uses_the_brands_own_risk_thresholds(world, django_capture_on_commit_callbacks):
    from django.utils import timezone

    from approvals import services

    with schema_context(world.a.brand.schema_name):
        services.update_policy(
            actor_id=None, now=timezone.now(), medium_risk_from=10, high_risk_from=30
        )
    step = ready_for_review(
        world, django_capture_on_commit_callbacks, text="Our roast, our rules.", risk_score=15
    )
    lead = signed_in(world.a.person(Role.ACCOUNT_LEAD))
    page = lead.get(f"/brands/alpine-coffee/approve/steps/{step.pk}/").content.decode()
    assert "medium risk</span>" in page
    assert "Why: level 1: risk 15 is medium" in page
    assert "All checks passed" in page


def test_detail_lists_every_flag_and_guardrail_violation(
    world, django_capture_on_commit_callbacks
) -> None:
    step = ready_for_review(
        world,
        django_capture_on_commit_callbacks,
        text="Cheapest coffee in town, guaranteed.",
        risk_score=72,
        flags=["guardrail_violations", "high_risk", "regenerated"],
        guardrail_violations=[
            {"code": "banned_word", "detail": "Uses the banned word 'cheap'."},
            {"code": "claim", "detail": "Promises a guarantee."},
        ],
    )
    lead = signed_in(world.a.person(Role.ACCOUNT_LEAD))
    page = lead.get(f"/brands/alpine-coffee/approve/steps/{step.pk}/").content.decode()
    assert "high risk</span>" in page
    assert "Risk score 72/100." in page
    assert "All checks passed" not in page
    assert "Uses the banned word &#x27;cheap&#x27;." in page
    assert "Promises a guarantee." in page
    assert "Breaks the brand&#x27;s guardrails" in page
    assert "High risk" in page
    assert "Rewritten once after failing a check" in page


def test_reply_approver_sees_the_comment_being_answered_above_the_reply(
    world, django_capture_on_commit_callbacks
) -> None:
    from datetime import UTC, datetime

    from content.models import InboxItem

    # Given a reply drafted for a customer's comment
    with schema_context(world.a.brand.schema_name):
        comment = InboxItem.objects.create(
            author_handle="grumpy_gustav",
            text="My order arrived with the bag torn open. Not happy.",
            permalink="https://x.example/grumpy_gustav/status/42",
            received_at=datetime(2026, 11, 23, 8, 15, tzinfo=UTC),
        )
    step = ready_for_review(
        world,
        django_capture_on_commit_callbacks,
        kind=Draft.Kind.REPLY,
        inbox_item=comment,
        text="So sorry, Gustav! A fresh bag is on its way today.",
        risk_score=20,
    )
    # When the lead opens it
    lead = signed_in(world.a.person(Role.ACCOUNT_LEAD))
    page = lead.get(f"/brands/alpine-coffee/approve/steps/{step.pk}/").content.decode()
    # Then the comment, who wrote it, when (brand time: Zurich) and where, come first
    assert "@grumpy_gustav" in page
    assert "My order arrived with the bag torn open. Not happy." in page
    assert "Mon 23 Nov 09:15" in page
    assert 'href="https://x.example/grumpy_gustav/status/42"' in page
    assert page.index("My order arrived") < page.index("So sorry, Gustav!")


def test_post_without_a_comment_shows_no_comment_section(world, waiting_step) -> None:
    lead = signed_in(world.a.person(Role.ACCOUNT_LEAD))
    page = lead.get(f"/brands/alpine-coffee/approve/steps/{waiting_step.pk}/").content.decode()
    assert 'id="incoming"' not in page


def test_revised_draft_shows_the_comments_and_history_of_earlier_versions(
    world, waiting_step, django_capture_on_commit_callbacks
) -> None:
    # Given the lead asked for changes on version 1 and the copywriter revised it
    lead = signed_in(world.a.person(Role.ACCOUNT_LEAD))
    asked = lead.post(
        f"/brands/alpine-coffee/approve/steps/{waiting_step.pk}/decide/",
        {"decision": "request_changes", "comment": "Please mention the new Ethiopian roast."},
    )
    assert asked.status_code == 302
    with schema_context(world.a.brand.schema_name):
        first = Draft.objects.get(pk=waiting_step.request.subject_id)
        with django_capture_on_commit_callbacks(execute=True):
            revision = content_services.revise_draft(
                draft_id=first.pk,
                text="Fresh beans, fresh week: our new Ethiopian roast is in. #coffee",
                created_by=world.a.person(Role.COPYWRITER),
            )
        new_step = ApprovalStep.objects.get(request__subject_id=revision.pk, status="open")
    # When the lead opens the new version's step
    page = lead.get(f"/brands/alpine-coffee/approve/steps/{new_step.pk}/").content.decode()
    # Then the earlier comment and the earlier request are there, marked with their version
    assert "our new Ethiopian roast is in" in page
    assert "Please mention the new Ethiopian roast." in page
    assert "Changes requested" in page
    assert "v1" in page and "v2" in page


def test_detail_says_working_while_a_new_version_of_the_draft_is_being_written(
    world, waiting_step
) -> None:
    from content.models import GenerationJob

    url = f"/brands/alpine-coffee/approve/steps/{waiting_step.pk}/"
    lead = signed_in(world.a.person(Role.ACCOUNT_LEAD))
    assert "Working…" not in lead.get(url).content.decode()
    with schema_context(world.a.brand.schema_name):
        job = GenerationJob.objects.create(
            kind="post", source_draft_id=waiting_step.request.subject_id, status="running"
        )
    page = lead.get(url).content.decode()
    assert "Working… a new version is being written: Reading the brand" in page
    assert "(step 1 of 3)" in page
    with schema_context(world.a.brand.schema_name):
        GenerationJob.objects.filter(pk=job.pk).update(step="writing")
    assert "Writing 1 variant and checking them (step 2 of 3)" in lead.get(url).content.decode()


def test_detail_warns_that_approving_now_is_late_and_then_says_it_was(
    world, django_capture_on_commit_callbacks
) -> None:
    step = ready_for_review(
        world,
        django_capture_on_commit_callbacks,
        text="Fresh beans at 7.",
        risk_score=10,
        publish_at=timezone.now() - timedelta(minutes=10),
    )
    lead = signed_in(world.a.person(Role.ACCOUNT_LEAD))
    page = f"/brands/alpine-coffee/approve/steps/{step.pk}/"

    before = lead.get(page).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        decided = lead.post(f"{page}decide/", {"decision": "approve"})
    after = lead.get(page).content.decode()

    assert 'id="publish-passed"' in before and 'id="approved-late"' not in before
    assert decided.status_code in (200, 302)
    assert 'id="approved-late"' in after
    with schema_context(world.a.brand.schema_name):
        assert Draft.objects.get(pk=step.request.subject_id).approved_late is True
