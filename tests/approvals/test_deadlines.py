"""Deadlines with time travel: reminders, quiet hours, escalation, timeout rules, the sweep."""

from __future__ import annotations

from datetime import time, timedelta

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django_tenants.utils import tenant_context

from approvals import services
from approvals.errors import ApprovalsError
from approvals.models import ApprovalRequest, ApprovalStep, CoverageWindow
from approvals.schedule.models import BrandDue
from tenants import services as tenant_services
from tenants.roles import Role
from tests.approvals.conftest import T0, recipients
from tests.approvals.factories import DraftFactory

pytestmark = pytest.mark.django_db


def open_reply(world_brand, *, risk: int = 50) -> tuple[int, ApprovalStep]:
    """A medium-risk reply at level 1: one lead step, 30 minutes, reminders at 15 and 25."""
    services.apply_preset(level=1, actor_id=None, now=T0)
    draft = DraftFactory(
        kind="reply", risk_score=risk, created_by=world_brand.person(Role.COPYWRITER)
    )
    result = services.request_approval(
        subject_kind="reply", subject_id=draft.pk, risk_score=risk, actor_id=None, now=T0
    )
    return draft.pk, ApprovalStep.objects.get(request_id=result.request_id)


def sweep(minutes: float, commits) -> dict[str, int]:
    with commits():
        return services.sweep_due_brands(now=T0 + timedelta(minutes=minutes))


def test_step_gets_its_deadline_and_the_brand_is_indexed_as_due(in_a) -> None:
    _draft_id, step = open_reply(in_a)
    assert step.deadline_at == T0 + timedelta(minutes=30)
    assert step.next_action_at == T0 + timedelta(minutes=15)
    assert BrandDue.objects.get(brand=in_a.brand).next_due_at == T0 + timedelta(minutes=15)


def test_reminders_go_out_on_time_and_only_once(in_a, heard, commits) -> None:
    _draft_id, step = open_reply(in_a)
    lead, admin = in_a.person(Role.ACCOUNT_LEAD), in_a.person(Role.AGENCY_ADMIN)
    assert sweep(14, commits) == {}
    assert recipients() == []
    sweep(16, commits)
    assert recipients() == sorted([lead.email, admin.email])
    assert "Reminder" in heard_subjects()[0]
    sweep(17, commits)
    assert len(heard.events_of("reminder_sent")) == 1
    step.refresh_from_db()
    assert (step.reminders_sent, step.next_action_at) == (1, T0 + timedelta(minutes=25))


def test_a_late_sweep_sends_one_reminder_for_all_it_missed(in_a, heard, commits) -> None:
    _draft_id, step = open_reply(in_a)
    sweep(26, commits)
    step.refresh_from_db()
    assert step.reminders_sent == 2
    assert step.next_action_at == step.deadline_at
    assert len(heard.events_of("reminder_sent")) == 1


def test_breached_step_escalates_to_the_account_lead_without_a_rota(in_a, heard, commits) -> None:
    _draft_id, step = open_reply(in_a)
    lead = in_a.person(Role.ACCOUNT_LEAD)
    sweep(31, commits)
    step.refresh_from_db()
    assert step.escalated_to_ids == [lead.pk]
    assert step.deadline_at == T0 + timedelta(minutes=61)
    assert step.first_deadline_at == T0 + timedelta(minutes=30)
    assert heard.events_of("step_escalated")[0]["to"] == [lead.pk]
    assert any("Escalated" in s for s in heard_subjects())
    from approvals.selectors import approval_figures

    assert approval_figures()["escalations"] == 1


def test_escalation_goes_to_the_person_on_duty_who_may_then_decide(in_a, heard, commits) -> None:
    _draft_id, step = open_reply(in_a)
    on_duty = in_a.person(Role.CLIENT_LEGAL)
    # Monday 10:00 in Zurich is T0; a weekday day shift covers it, a weekend one does not.
    services.create_coverage_window(
        user_id=on_duty.pk,
        weekdays=[0, 1, 2, 3, 4],
        starts=time(8),
        ends=time(18),
        actor_id=None,
        now=T0,
    )
    services.create_coverage_window(
        user_id=in_a.person(Role.CLIENT_PR).pk,
        weekdays=[5, 6],
        starts=time(8),
        ends=time(18),
        actor_id=None,
        now=T0,
    )
    sweep(31, commits)
    step.refresh_from_db()
    assert step.escalated_to_ids == [on_duty.pk]
    with commits():
        services.decide_step(
            step_id=step.pk, actor=on_duty, decision="approve", now=T0 + timedelta(minutes=40)
        )
    step.refresh_from_db()
    assert step.status == "approved"
    assert heard.decided[-1]["outcome"] == "approved"


@pytest.mark.parametrize("role", [Role.CLIENT_VIEWER, Role.COPYWRITER])
def test_rota_refuses_someone_who_may_not_decide(in_a, role) -> None:
    with pytest.raises(ApprovalsError) as refused:
        services.create_coverage_window(
            user_id=in_a.person(role).pk,
            weekdays=[0],
            starts=time(8),
            ends=time(18),
            actor_id=None,
            now=T0,
        )
    assert refused.value.field == "user_id"
    assert CoverageWindow.objects.count() == 0


def test_escalation_never_reaches_someone_on_duty_who_may_not_decide(in_a, heard, commits) -> None:
    # Given a client viewer on the rota (a window from before the rota checked roles)
    _draft_id, step = open_reply(in_a)
    viewer, lead = in_a.person(Role.CLIENT_VIEWER), in_a.person(Role.ACCOUNT_LEAD)
    CoverageWindow.objects.create(
        user_id=viewer.pk, weekdays=[0, 1, 2, 3, 4, 5, 6], starts=time(0), ends=time(23, 59)
    )
    # When the step misses its deadline
    sweep(31, commits)
    # Then it escalates past the viewer, who is never told they may decide
    step.refresh_from_db()
    assert step.escalated_to_ids == [lead.pk]
    escalated = [m for m in mail.outbox if "Escalated" in m.subject]
    assert [m.to for m in escalated] == [[lead.email]]
    assert viewer.email not in recipients()


def test_decision_reminder_and_escalation_emails_link_to_the_step_on_the_phone(
    in_a, heard, commits, settings
) -> None:
    settings.PUBLIC_BASE_URL = "https://brandroom.example"
    with commits():
        _draft_id, step = open_reply(in_a)
    link = f"https://brandroom.example/brands/alpine-coffee/approve/steps/{step.pk}/"

    def bodies(word: str) -> list[str]:
        return [m.body for m in mail.outbox if word in m.subject]

    sweep(16, commits)
    sweep(31, commits)
    for word in ("Decision needed", "Reminder", "Escalated"):
        assert bodies(word), f"no {word} email"
        assert all(link in body for body in bodies(word)), word


def test_overnight_rota_window_covers_the_small_hours_of_the_next_day(in_a) -> None:
    night = in_a.person(Role.CLIENT_PR)
    services.create_coverage_window(
        user_id=night.pk, weekdays=[6], starts=time(22), ends=time(6), actor_id=None, now=T0
    )
    # T0 is Monday 10:00 Zurich; Monday 03:00 Zurich is 02:00 UTC (winter time).
    from approvals.selectors import on_duty_ids

    assert on_duty_ids(now=T0.replace(hour=2)) == [night.pk]
    assert on_duty_ids(now=T0) == []


def test_escalated_step_expires_when_late_again(in_a, heard, commits) -> None:
    draft_id, step = open_reply(in_a)
    sweep(31, commits)
    sweep(62, commits)
    step.refresh_from_db()
    request = ApprovalRequest.objects.get(pk=step.request_id)
    assert (step.status, request.status) == ("expired", "expired")
    from content.models import Draft

    assert Draft.objects.get(pk=draft_id).status == "draft"
    assert heard.decided[-1]["outcome"] == "expired"
    assert BrandDue.objects.get(brand=in_a.brand).next_due_at is None


def test_expire_rule_expires_at_the_first_deadline(in_a, commits) -> None:
    services.update_chain_rule(
        kind="reply",
        band="medium",
        steps=[{"roles": ["account_lead"], "deadline_minutes": 30, "on_timeout": "expire"}],
        inform_roles=[],
        actor_id=None,
        now=T0,
    )
    draft = DraftFactory(kind="reply", risk_score=50)
    result = services.request_approval(
        subject_kind="reply", subject_id=draft.pk, risk_score=50, actor_id=None, now=T0
    )
    sweep(31, commits)
    assert ApprovalRequest.objects.get(pk=result.request_id).status == "expired"


def test_low_risk_auto_approves_on_timeout_only_where_the_policy_allows(in_a, commits) -> None:
    services.update_chain_rule(
        kind="reply",
        band="low",
        steps=[{"roles": ["account_lead"], "deadline_minutes": 30, "on_timeout": "auto_approve"}],
        inform_roles=[],
        actor_id=None,
        now=T0,
    )
    first = DraftFactory(kind="reply", risk_score=5)
    refused = services.request_approval(
        subject_kind="reply", subject_id=first.pk, risk_score=5, actor_id=None, now=T0
    )
    sweep(31, commits)
    assert ApprovalRequest.objects.get(pk=refused.request_id).status == "expired"

    services.update_policy(actor_id=None, now=T0, allow_auto_approve=True)
    second = DraftFactory(kind="reply", risk_score=5)
    allowed = services.request_approval(
        subject_kind="reply",
        subject_id=second.pk,
        risk_score=5,
        actor_id=None,
        now=T0 + timedelta(minutes=40),
    )
    sweep(71, commits)
    assert ApprovalRequest.objects.get(pk=allowed.request_id).status == "approved"
    second.refresh_from_db()
    assert second.status == "approved"


def test_client_quiet_hours_hold_reminders_until_they_end(in_a, heard, commits) -> None:
    services.update_chain_rule(
        kind="post",
        band="low",
        steps=[{"roles": ["client_approver"], "deadline_minutes": 240, "reminder_minutes": [120]}],
        inform_roles=[],
        actor_id=None,
        now=T0,
    )
    client = in_a.person(Role.CLIENT_APPROVER)
    # 10:00-13:00 in Zurich is 09:00-12:00 UTC.
    services.set_quiet_hours(
        user_id=client.pk, starts=time(10), ends=time(13), actor_id=None, now=T0
    )
    draft = DraftFactory(kind="post", risk_score=5)
    result = services.request_approval(
        subject_kind="post", subject_id=draft.pk, risk_score=5, actor_id=None, now=T0
    )
    # Opened at 10:00 Zurich, inside the client's quiet hours: not emailed now.
    assert client.email not in recipients()
    mail_before = len(recipients())
    sweep(121, commits)
    step = ApprovalStep.objects.get(request_id=result.request_id)
    assert step.next_action_at == T0 + timedelta(hours=3)
    assert heard.event_kinds()[-1] == "reminder_held"
    assert len(recipients()) == mail_before
    sweep(181, commits)
    assert client.email in recipients()
    assert heard.event_kinds()[-1] == "reminder_sent"


def test_sweep_cost_follows_due_work_not_brands(world, commits) -> None:
    with tenant_context(world.a.brand):
        open_reply(world.a)
    with tenant_context(world.b.brand):
        open_reply(world.b)
    extra = []
    for n in range(3):
        brand = tenant_services.create_brand(
            agency=world.agency, name=f"Quiet {n}", slug=f"quiet-{n}", created_by=world.admin
        )
        extra.append(brand)
    # Nothing due yet anywhere: the sweep is one indexed query, however many brands exist.
    with CaptureQueriesContext(connection) as queries:
        assert services.sweep_due_brands(now=T0 + timedelta(minutes=1)) == {}
    selects = [q["sql"] for q in queries if not q["sql"].startswith("SET search_path")]
    assert len(selects) == 1
    assert "approvals_schedule_branddue" in selects[0]
    # Both brands with due work are swept, the quiet ones are not visited.
    handled = sweep(16, commits)
    assert handled == {world.a.brand.slug: 1, world.b.brand.slug: 1}
    due = BrandDue.objects.filter(brand__in=extra).values_list("next_due_at", flat=True)
    assert list(due) == [None] * 3


def test_sweep_handles_each_due_step_once_even_when_run_twice(in_a, heard, commits) -> None:
    open_reply(in_a)
    sweep(16, commits)
    sweep(16, commits)
    assert len(heard.events_of("reminder_sent")) == 1


def heard_subjects() -> list[str]:
    from django.core import mail

    return [m.subject for m in mail.outbox]


def test_quiet_hours_do_not_hold_reminders_in_a_crisis(in_a, heard, commits) -> None:
    client = in_a.person(Role.CLIENT_APPROVER)
    services.set_quiet_hours(
        user_id=client.pk, starts=time(0), ends=time(23, 59), actor_id=None, now=T0
    )
    services.update_chain_rule(
        kind="post",
        band="low",
        steps=[{"roles": ["client_approver"], "deadline_minutes": 240, "reminder_minutes": [60]}],
        inform_roles=[],
        actor_id=None,
        now=T0,
    )
    draft = DraftFactory(kind="post", risk_score=5)
    services.request_approval(
        subject_kind="post", subject_id=draft.pk, risk_score=5, actor_id=None, now=T0
    )
    sweep(61, commits)
    assert heard.event_kinds()[-1] == "reminder_held"
    services.open_incident(summary="Storm", severity=5, owner_id=None, actor_id=None, now=T0)
    sweep(62, commits)
    assert "reminder_sent" in heard.event_kinds()
    assert client.email in recipients()


def test_sweep_transitions_are_audited(in_a, commits) -> None:
    from approvals.models import AuditEntry

    _draft_id, step = open_reply(in_a)
    sweep(16, commits)
    sweep(31, commits)
    sweep(62, commits)
    actions = list(
        AuditEntry.objects.filter(request_id=step.request_id)
        .order_by("id")
        .values_list("action", "actor_id")
    )
    assert actions[-4:] == [
        ("reminder_sent", None),
        ("step_escalated", None),
        ("step_expired", None),
        ("request_finished", None),
    ]


def test_the_cron_actor_runs_the_sweep(in_a, heard, commits) -> None:
    from approvals.tasks import sweep_approval_deadlines

    services.apply_preset(level=1, actor_id=None, now=T0)
    draft = DraftFactory(kind="reply", risk_score=50)
    long_ago = T0 - timedelta(days=400)
    services.request_approval(
        subject_kind="reply",
        subject_id=draft.pk,
        risk_score=50,
        actor_id=None,
        now=long_ago,
    )
    with commits():
        sweep_approval_deadlines.fn()
    assert "step_escalated" in heard.event_kinds()


def test_a_step_nobody_on_the_brand_may_decide_goes_to_the_lead_at_once(
    in_a, heard, commits
) -> None:
    # Given a brand whose chain needs a client approver and nobody holds that role
    from tenants.models import Membership

    Membership.objects.filter(brand=in_a.brand, role=Role.CLIENT_APPROVER).delete()
    services.update_chain_rule(
        kind="post",
        band="low",
        steps=[{"roles": ["client_approver"], "deadline_minutes": 240, "on_timeout": "expire"}],
        inform_roles=[],
        actor_id=None,
        now=T0,
    )
    draft = DraftFactory(kind="post", risk_score=5)
    result = services.request_approval(
        subject_kind="post", subject_id=draft.pk, risk_score=5, actor_id=None, now=T0
    )
    step = ApprovalStep.objects.get(request_id=result.request_id)
    # Then the step is due at once rather than in four hours (and then expiring unseen),
    assert step.next_action_at == T0
    assert BrandDue.objects.get(brand=in_a.brand).next_due_at == T0
    # and the next sweep hands it to the account lead, saying why.
    sweep(1, commits)
    step.refresh_from_db()
    lead = in_a.person(Role.ACCOUNT_LEAD)
    assert step.escalated_to_ids == [lead.pk]
    assert step.status == "open"
    assert "Escalated: post" in heard_subjects()[-1]
    assert "has nobody to decide it" in heard_subjects()[-1]
    assert lead.email in recipients()
    services.decide_step(step_id=step.pk, actor=lead, decision="approve", now=T0)
    assert ApprovalRequest.objects.get(pk=result.request_id).status == "approved"


def test_a_step_someone_may_decide_is_not_escalated_early(in_a, heard, commits) -> None:
    _draft_id, step = open_reply(in_a)
    sweep(1, commits)
    step.refresh_from_db()
    assert step.escalated_at is None
    assert heard.events_of("step_escalated") == []


def test_the_due_index_follows_steps_opened_reminded_escalated_and_decided(in_a, commits) -> None:
    """The public index the sweep reads is the brand's earliest open-step due time after every
    change: a reminder moves it on, an escalation moves the deadline, a decision clears it."""
    _draft_id, first = open_reply(in_a)
    due = lambda: BrandDue.objects.get(brand=in_a.brand).next_due_at  # noqa: E731
    assert due() == T0 + timedelta(minutes=15)
    sweep(16, commits)
    assert due() == T0 + timedelta(minutes=25)  # the second reminder
    sweep(31, commits)  # deadline breached: escalated with a fresh 30-minute deadline
    first.refresh_from_db()
    assert first.escalated_at is not None
    assert due() == first.deadline_at == T0 + timedelta(minutes=61)
    services.decide_step(step_id=first.pk, actor=in_a.person(Role.ACCOUNT_LEAD), decision="approve")
    assert due() is None


def test_a_new_request_moves_the_due_index_only_earlier(in_a) -> None:
    """A new request opens one step: the index keeps the earlier of its time and the step's."""
    _draft_id, first = open_reply(in_a)
    due = lambda: BrandDue.objects.get(brand=in_a.brand).next_due_at  # noqa: E731
    assert due() == T0 + timedelta(minutes=15)
    # A post asked for later is due later (its first reminder): the index stays
    later = DraftFactory(kind="post", risk_score=50)
    services.request_approval(
        subject_kind="post",
        subject_id=later.pk,
        risk_score=50,
        actor_id=None,
        now=T0 + timedelta(minutes=5),
    )
    assert due() == T0 + timedelta(minutes=15)
    # A reply asked for earlier than the first is due earlier: the index follows it
    earlier = DraftFactory(kind="reply", risk_score=50)
    services.request_approval(
        subject_kind="reply",
        subject_id=earlier.pk,
        risk_score=50,
        actor_id=None,
        now=T0 - timedelta(minutes=10),
    )
    assert due() == T0 + timedelta(minutes=5)
    # and once every step is decided, nothing is due
    for step in ApprovalStep.objects.filter(status="open"):
        services.decide_step(
            step_id=step.pk, actor=in_a.person(Role.ACCOUNT_LEAD), decision="approve"
        )
    assert due() is None


def test_one_sweep_reminds_every_due_step_of_a_brand_once_and_audits_each(
    in_a, heard, commits
) -> None:
    from approvals.models import AuditEntry
    from tenants.attention.models import AttentionRow

    steps = [open_reply(in_a)[1] for _ in range(3)]
    assert sweep(16, commits) == {in_a.brand.slug: 3}
    assert sweep(17, commits) == {}
    for step in steps:
        step.refresh_from_db()
        assert (step.reminders_sent, step.next_action_at) == (1, T0 + timedelta(minutes=25))
    reminded = AuditEntry.objects.filter(action="reminder_sent", step_id__in=[s.pk for s in steps])
    assert sorted(reminded.values_list("step_id", flat=True)) == sorted(s.pk for s in steps)
    assert all(entry.before["reminders_sent"] == 0 for entry in reminded)
    assert all(entry.after["reminders_sent"] == 1 for entry in reminded)
    assert sorted(e["step_id"] for e in heard.events_of("reminder_sent")) == sorted(
        s.pk for s in steps
    )
    # Each step's reminder goes to the lead and the admin once (six emails for three steps).
    lead = in_a.person(Role.ACCOUNT_LEAD)
    assert recipients().count(lead.email) == 3
    # The cockpit still lists every open step after the sweep touched them.
    rows = AttentionRow.objects.filter(brand=in_a.brand, kind="approval_step")
    assert set(rows.values_list("source_id", flat=True)) >= {s.pk for s in steps}
    assert BrandDue.objects.get(brand=in_a.brand).next_due_at == T0 + timedelta(minutes=25)


def statements(queries: CaptureQueriesContext) -> int:
    """Statements run, not counting django-tenants' ``SET search_path`` (it follows which
    schema the connection was left on, not the work)."""
    return sum(1 for q in queries if not q["sql"].startswith("SET search_path"))


def test_reminding_a_second_brand_costs_no_more_statements(world) -> None:
    # Given one brand with a due reminder, swept alone
    with tenant_context(world.a.brand):
        open_reply(world.a)
    with CaptureQueriesContext(connection) as alone:
        assert services.sweep_due_brands(now=T0 + timedelta(minutes=16)) == {world.a.brand.slug: 1}
    # When two brands each have one (the first brand a new one, its old step not due yet)
    for brand_world in (world.a, world.b):
        with tenant_context(brand_world.brand):
            open_reply(brand_world)
    with CaptureQueriesContext(connection) as together:
        swept = services.sweep_due_brands(now=T0 + timedelta(minutes=16))
    # Then both are reminded with the same statements one brand took: the sweep's cost per
    # due brand is what the chunk's few statements cost, not a dozen round trips each.
    assert swept == {world.a.brand.slug: 1, world.b.brand.slug: 1}
    assert statements(together) == statements(alone)
    for brand_world in (world.a, world.b):
        with tenant_context(brand_world.brand):
            assert ApprovalStep.objects.filter(reminders_sent=1).count() == (
                2 if brand_world is world.a else 1
            )


def test_a_reminder_in_one_brand_and_a_deadline_in_another_are_both_handled(
    world, heard, commits
) -> None:
    # Given a reminder due in brand A and, in brand B, a step whose deadline has passed
    with tenant_context(world.a.brand):
        _draft, reminded = open_reply(world.a)
    with tenant_context(world.b.brand):
        services.apply_preset(level=1, actor_id=None, now=T0)
        draft = DraftFactory(kind="reply", risk_score=50)
        result = services.request_approval(
            subject_kind="reply",
            subject_id=draft.pk,
            risk_score=50,
            actor_id=None,
            now=T0 - timedelta(minutes=20),
        )
        breached = ApprovalStep.objects.get(request_id=result.request_id)
    # When one sweep runs
    assert sweep(16, commits) == {world.a.brand.slug: 1, world.b.brand.slug: 1}
    # Then A's deciders are reminded by email and B's step goes to B's account lead
    assert [e["step_id"] for e in heard.events_of("reminder_sent")] == [reminded.pk]
    assert [e["step_id"] for e in heard.events_of("step_escalated")] == [breached.pk]
    assert world.a.person(Role.ACCOUNT_LEAD).email in recipients()
    with tenant_context(world.b.brand):
        breached.refresh_from_db()
        assert breached.escalated_to_ids == [world.b.person(Role.ACCOUNT_LEAD).pk]
    with tenant_context(world.a.brand):
        reminded.refresh_from_db()
        assert (reminded.reminders_sent, reminded.escalated_at) == (1, None)


def test_a_brand_nobody_could_take_a_step_from_is_reminded_with_the_others(world) -> None:
    from tenants.models import Membership

    # Given brand B's step, which nobody on B may decide, and nobody could be escalated to
    with tenant_context(world.a.brand):
        open_reply(world.a)
    with CaptureQueriesContext(connection) as alone:
        services.sweep_due_brands(now=T0 + timedelta(minutes=16))
    with tenant_context(world.a.brand):
        open_reply(world.a)
    with tenant_context(world.b.brand):
        _draft_id, orphan = open_reply(world.b)
    Membership.objects.filter(brand=world.b.brand).delete()
    # When both brands are swept
    with CaptureQueriesContext(connection) as together:
        swept = services.sweep_due_brands(now=T0 + timedelta(minutes=16))
    # Then B's step gets its reminder (to nobody) and stays unescalated, as brand by brand,
    # within the same statements as one brand: no brand-by-brand detour to read the rota.
    assert swept == {world.a.brand.slug: 1, world.b.brand.slug: 1}
    assert statements(together) == statements(alone)
    with tenant_context(world.b.brand):
        orphan.refresh_from_db()
        assert (orphan.reminders_sent, orphan.escalated_at) == (1, None)


def test_a_stale_due_index_is_corrected_and_reminds_nobody(world, heard, commits) -> None:
    # Given brand A reminded at 16 (next due at 25), and B with a reminder due, while the due
    # index says A is due now (say a change that moved A's steps left it behind)
    with tenant_context(world.a.brand):
        open_reply(world.a)
    sweep(16, commits)
    with tenant_context(world.b.brand):
        open_reply(world.b)
    BrandDue.objects.filter(brand=world.a.brand).update(next_due_at=T0)
    # When the sweep runs at 17
    swept = sweep(17, commits)
    # Then only B's step is reminded; A is visited, gets nothing, and is due again at 25
    assert swept == {world.a.brand.slug: 0, world.b.brand.slug: 1}
    assert len(heard.events_of("reminder_sent")) == 2  # A's at 16, B's now
    assert BrandDue.objects.get(brand=world.a.brand).next_due_at == T0 + timedelta(minutes=25)
