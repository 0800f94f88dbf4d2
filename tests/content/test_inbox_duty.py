"""Community managers on the duty rota for the inbox (issue 19): incoming items go to whoever is
on inbox duty, who is told by email, reminded before the reply deadline, and the brand's leads
hear when it passes (the item is escalated)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import tenant_context

from approvals import services as approvals
from approvals.tenancy import brand_local
from content import services
from content.models import InboxItem
from content.services.inbox import remind_and_escalate_inbox
from tenants.roles import Role
from tests.conftest import client_for
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def on_inbox_duty_now(bw, person) -> None:  # type: ignore[no-untyped-def]
    """A window around the brand's present moment, every day."""
    with tenant_context(bw.brand):
        local = brand_local(timezone.now())
        approvals.create_coverage_window(
            user_id=person.pk,
            duty="inbox",
            weekdays=list(range(7)),
            starts=(local - timedelta(hours=2)).time().replace(second=0, microsecond=0),
            ends=(local + timedelta(hours=2)).time().replace(second=0, microsecond=0),
            actor_id=None,
            now=timezone.now(),
        )


def arrive(bw, text: str = "Where is my order?", **fields) -> InboxItem:  # type: ignore[no-untyped-def]
    with tenant_context(bw.brand):
        return services.ingest_inbox_item(author_handle="@kim", text=text, **fields)


def test_community_managers_may_be_on_inbox_duty_and_only_those_who_may_answer(world) -> None:
    cm = world.a.person(Role.COMMUNITY_MANAGER)
    url = f"/brands/{world.a.brand.slug}/api/v1/approvals/rota/windows/"
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    window = {"weekdays": [5, 6], "starts": "18:00", "ends": "08:00"}
    made = lead.post(url, {**window, "user_id": cm.pk, "duty": "inbox"}, format="json")
    assert made.status_code == 201, made.json()
    assert made.json()["duty"] == "inbox"
    # The same community manager may not be on approvals duty: they may not decide.
    refused = lead.post(url, {**window, "user_id": cm.pk}, format="json")
    assert refused.status_code == 400
    assert refused.json()["errors"][0]["attr"] == "user_id"
    viewer = lead.post(
        url,
        {**window, "user_id": world.a.person(Role.CLIENT_VIEWER).pk, "duty": "inbox"},
        format="json",
    )
    assert viewer.status_code == 400 and viewer.json()["errors"][0]["attr"] == "user_id"
    pizza = lead.post(url, {**window, "user_id": cm.pk, "duty": "pizza"}, format="json")
    assert pizza.status_code == 400 and pizza.json()["errors"][0]["attr"] == "duty"
    # Switching an inbox window to approvals duty is checked the same way.
    switched = lead.patch(f"{url}{made.json()['id']}/", {"duty": "approvals"}, format="json")
    assert switched.status_code == 400 and switched.json()["errors"][0]["attr"] == "user_id"


def test_an_item_goes_to_whoever_is_on_inbox_duty_and_they_are_told(
    world, django_capture_on_commit_callbacks
) -> None:
    cm = world.a.person(Role.COMMUNITY_MANAGER)
    on_inbox_duty_now(world.a, cm)
    mail.outbox = []
    with django_capture_on_commit_callbacks(execute=True):
        item = arrive(world.a, "My beans never arrived! <b>hello</b>")
    assert item.status == "assigned" and item.assignee_id == cm.pk
    stored = InboxItem.objects.using("default")
    with tenant_context(world.a.brand):
        assert stored.get(pk=item.pk).assignee_id == cm.pk
    told = [m for m in mail.outbox if cm.email in m.to]
    assert len(told) == 1
    assert told[0].subject == "[Alpine Coffee] New comment for you from @kim"
    assert f"/brands/alpine-coffee/approve/inbox/{item.pk}/" in told[0].body
    # On-duty for inbox is asked with ?duty=inbox; approvals duty is a different list.
    on_duty = client_for(world.a.person(Role.ACCOUNT_LEAD)).get(
        f"/brands/{world.a.brand.slug}/api/v1/approvals/rota/on-duty/", {"duty": "inbox"}
    )
    assert [p["id"] for p in on_duty.json()["on_duty"]] == [cm.pk]


def test_items_are_shared_between_the_people_on_duty_by_their_open_load(world) -> None:
    cm = world.a.person(Role.COMMUNITY_MANAGER)
    second = UserFactory(username="alpine-cm-two")
    from tenants import services as tenant_services

    tenant_services.add_member(brand=world.a.brand, user=second, role=Role.COMMUNITY_MANAGER)
    on_inbox_duty_now(world.a, cm)
    on_inbox_duty_now(world.a, second)
    owners = [arrive(world.a, f"Question {n}").assignee_id for n in range(4)]
    assert owners == [cm.pk, second.pk, cm.pk, second.pk]


def test_without_anyone_on_inbox_duty_items_wait_unassigned(world) -> None:
    # An approvals rota window does not take inbox items.
    with tenant_context(world.a.brand):
        local = brand_local(timezone.now())
        approvals.create_coverage_window(
            user_id=world.a.person(Role.ACCOUNT_LEAD).pk,
            weekdays=list(range(7)),
            starts=(local - timedelta(hours=2)).time().replace(second=0, microsecond=0),
            ends=(local + timedelta(hours=2)).time().replace(second=0, microsecond=0),
            actor_id=None,
            now=timezone.now(),
        )
    item = arrive(world.a)
    assert item.status == "new" and item.assignee_id is None


def test_the_assignee_is_reminded_once_and_leads_hear_when_the_deadline_passes(
    world, django_capture_on_commit_callbacks
) -> None:
    cm = world.a.person(Role.COMMUNITY_MANAGER)
    on_inbox_duty_now(world.a, cm)
    with tenant_context(world.a.brand):
        services.update_assistant_settings(reply_deadline_minutes=60)
    item = arrive(world.a)
    due = item.reply_due_at
    mail.outbox = []
    with tenant_context(world.a.brand), django_capture_on_commit_callbacks(execute=True):
        # Half the time left: nothing yet.
        assert remind_and_escalate_inbox(now=due - timedelta(minutes=30)) == {
            "reminded": 0,
            "escalated": 0,
        }
        assert remind_and_escalate_inbox(now=due - timedelta(minutes=10)) == {
            "reminded": 1,
            "escalated": 0,
        }
        # A second sweep (or two at once) does not remind again.
        assert remind_and_escalate_inbox(now=due - timedelta(minutes=5))["reminded"] == 0
    reminders = [m for m in mail.outbox if m.subject.startswith("[Alpine Coffee] Reply due in")]
    assert [m.to for m in reminders] == [[cm.email]]
    assert "Reply due in 10 min" in reminders[0].subject
    mail.outbox = []
    with tenant_context(world.a.brand), django_capture_on_commit_callbacks(execute=True):
        assert remind_and_escalate_inbox(now=due + timedelta(minutes=1))["escalated"] == 1
        assert remind_and_escalate_inbox(now=due + timedelta(minutes=3))["escalated"] == 0
        assert InboxItem.objects.get(pk=item.pk).status == "escalated"
    told = sorted(address for m in mail.outbox for address in m.to)
    leads = sorted(
        [world.a.person(Role.ACCOUNT_LEAD).email, world.a.person(Role.AGENCY_ADMIN).email]
    )
    assert told == sorted([*leads, cm.email])
    assert all("Overdue inbox item escalated: @kim" in m.subject for m in mail.outbox)


def test_another_brands_rota_never_takes_this_brands_items(world) -> None:
    on_inbox_duty_now(world.b, world.b.person(Role.COMMUNITY_MANAGER))
    item = arrive(world.a)
    assert item.assignee_id is None
