"""What a generated draft costs the worker in SQL statements (issue 20): the job (claim,
context, the drafts with their checks, announcements) and the reactions to what it announced
(routing through the approvals policy, webhook events, the plan, notices), all counted."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from approvals.models import ApprovalRequest, ApprovalStep
from content import services
from content.models import Draft
from content.services import jobs
from content.tasks import run_generation_job
from integrations import events
from integrations.models import Event
from tenants.attention.models import AttentionKind, AttentionRow
from tests.content.fake_ai import drafts

pytestmark = pytest.mark.django_db

TEXTS = (
    "Our autumn blend is back at the café. Come taste it this week. #AlpineCoffee",
    "Autumn in a cup: the blend you asked for returns to the café this week. #AlpineCoffee",
    "Maple notes and mountain air: the autumn blend is here again, this week. #AlpineCoffee",
)
# Statements per draft, the job and every reaction it causes (savepoints and, in tests, the
# reactions' brand lookups and search_path switches included; the worker has the brand on
# the connection). Before issue 20: 145 for a job of one variant, 92 a draft for three; after
# it 96 and 48; then 88-89 and 44-44.3 (which one depends on the search_path switches the
# tests before left behind; routing reads the variants once and locks them in the same
# statement, the move to review returns the draft, the new request's steps alone are synced to
# the cockpit, and the assets reaction skips a first version without reading it). Then 8 and
# 3.3 less (69 -> 61 and 29 -> 25.7 run alone): opening a step reads the members' roles,
# addresses, digest intervals and quiet hours in one query, a new request lowers the due index
# and writes its cockpit rows in one statement each, and the plan reads nothing for a move of
# a brief it does not follow. Then 10 and 4 less (61 -> 51 and 25.7 -> 21.7 run alone): the
# events routing writes run in the message that routed (no second lock-read and update of
# events), a webhook event and its deliveries are one INSERT, the job announces its drafts'
# moves and readiness in one, and a new request's first step is written open with the
# request's and the step's audit entries in one INSERT.
MOST_PER_DRAFT = {1: 71, 3: 37.0}


@pytest.fixture
def brief(x_channel, voice):  # type: ignore[no-untyped-def]
    return services.create_brief(
        title="Autumn blend",
        key_message="Our autumn blend is back",
        call_to_action="Come taste it this week",
        channels=[x_channel],
    )


@pytest.mark.parametrize("variants", [1, 3])
def test_a_generated_draft_and_its_routing_stay_within_the_statement_budget(
    world, fake_ai, brief, variants, django_capture_on_commit_callbacks
) -> None:
    fake_ai.script(drafts(*TEXTS[:variants], risk_score=10, risk_reasons=["mild"]))
    job = jobs.request_post_drafts(brief=brief, variants=variants)

    # As the worker runs it: the brand set on the connection, the reactions after the commit.
    with (
        tenant_context(world.a.brand),
        CaptureQueriesContext(connection) as sent,
        django_capture_on_commit_callbacks(execute=True),
    ):
        run_generation_job.fn(job.pk)

    made = list(Draft.objects.filter(job=job).order_by("variant"))
    assert [d.text for d in made] == list(TEXTS[:variants])
    assert {d.status for d in made} == {"in_review"}
    [request] = ApprovalRequest.objects.filter(subject_id__in=[d.pk for d in made])
    assert request.status == "open"
    assert request.open_variant_ids == ([d.pk for d in made] if variants > 1 else [made[0].pk])
    assert Event.objects.filter(type=events.DRAFT_READY).count() == variants
    assert Event.objects.filter(type=events.APPROVAL_REQUESTED).count() == 1
    # The open step waits in the cockpit, for the roles that decide it, never its author.
    [step] = ApprovalStep.objects.filter(request=request, status="open")
    row = AttentionRow.objects.get(kind=AttentionKind.APPROVAL_STEP, source_id=step.pk)
    assert row.brand_id == world.a.brand.pk
    assert row.roles == step.roles
    assert row.title == TEXTS[0]
    per_draft = len(sent.captured_queries) / variants
    assert per_draft <= MOST_PER_DRAFT[variants], "\n".join(
        q["sql"][:160] for q in sent.captured_queries
    )


@pytest.mark.parametrize("planned", [True, False])
def test_the_plan_follows_a_planned_briefs_job_and_reads_nothing_for_an_unplanned_one(
    world, fake_ai, brief, x_channel, planned, django_capture_on_commit_callbacks
) -> None:
    from datetime import date

    from outbox.models import OutboxEvent
    from planning.models import Pillar, PlanItem

    item = None
    if planned:
        pillar = Pillar.objects.create(name="Seasonal", target_share=20)
        item = PlanItem.objects.create(
            planned_on=date(2031, 3, 3),
            channel=x_channel,
            pillar=pillar,
            title="Autumn blend",
            status="briefed",
            brief=brief,
        )
    fake_ai.script(drafts(TEXTS[0], risk_score=10, risk_reasons=["mild"]))
    job = jobs.request_post_drafts(brief=brief, variants=1)
    with (
        tenant_context(world.a.brand),
        CaptureQueriesContext(connection) as sent,
        django_capture_on_commit_callbacks(execute=True),
    ):
        run_generation_job.fn(job.pk)

    [first_move, *_] = OutboxEvent.objects.filter(name="content.draft_moved").order_by("pk")
    plan_reads = [q for q in sent.captured_queries if '"planning_planitem"' in q["sql"]]
    if planned:
        # The item is where its draft is (in review), followed as the draft moved
        item.refresh_from_db()
        assert item.status == "in_review"
        assert "followed" not in first_move.payload
    else:
        # The job read the plan once (for the publish time) and said nothing follows the
        # brief: the plan's reaction to that move read nothing
        assert first_move.payload["followed"] is False
        assert len(plan_reads) == 2  # the publish time, and the follow-up of the move to review
