"""An action past its due day is emailed to its owner once (from the worker, through the one
notification service) and integrators hear review_action.overdue once; if it is still open a
while later the brand's account leads are told, once. The hourly sweep fans out one message
per active brand on the housekeeping queue."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone
from django_tenants.utils import schema_context

from brandroom.queues import QUEUE_HOUSEKEEPING
from integrations.models import Event
from planning.services.overdue import ESCALATE_AFTER, remind_overdue_actions
from planning.tasks import remind_brand_overdue_actions, sweep_overdue_review_actions
from tenants.models import Brand
from tenants.roles import Role
from tenants.worker import OPTION
from tests.planning.conftest import today, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def review(world, strategist):
    made = strategist.post(
        url(world.a, "reviews/"), {"period": "week", "period_start": str(today(world.a))}
    )
    assert made.status_code == 201, made.json()
    return made.json()


def action(client, bw, review, title, due, owner=None):
    body = {"title": title, "kind": "other", "due_on": str(due)}
    if owner is not None:
        body["owner"] = owner.pk
    made = client.post(url(bw, f"reviews/{review['id']}/actions/"), body)
    assert made.status_code == 201, made.json()
    return made.json()


def sweep(bw, capture, now):
    with schema_context(bw.brand.schema_name), capture(execute=True):
        return remind_overdue_actions(brand=bw.brand, now=now)


def test_the_owner_is_reminded_once_and_the_leads_told_once_later(
    world, strategist, review, django_capture_on_commit_callbacks
) -> None:
    a, capture = world.a, django_capture_on_commit_callbacks
    owner = a.person(Role.COPYWRITER)
    late = action(strategist, a, review, "Shorter <captions>", today(a) - timedelta(days=1), owner)
    action(strategist, a, review, "Due next month", today(a) + timedelta(days=30), owner)
    applied = action(strategist, a, review, "Done already", today(a) - timedelta(days=3), owner)
    assert (
        strategist.post(
            url(a, f"reviews/{review['id']}/actions/{applied['id']}/apply/")
        ).status_code
        == 200
    )
    now = timezone.now()
    mail.outbox.clear()

    first = sweep(a, capture, now)

    assert (first.reminded, first.escalated) == ([late["id"]], [])
    (email,) = mail.outbox
    assert email.to == [owner.email]
    assert "Shorter <captions>" in email.subject and f"/reviews/{review['id']}/" in email.body
    with schema_context(a.brand.schema_name):
        (event,) = [e.data for e in Event.objects.filter(type="review_action.overdue")]
    assert (event["review_action_id"], event["days_overdue"], event["owner_id"]) == (
        late["id"],
        1,
        owner.pk,
    )
    assert event["url"].endswith(f"/plan/reviews/{review['id']}/")
    shown = strategist.get(url(a, f"reviews/{review['id']}/")).json()
    reminded = {x["id"]: x["reminded_at"] for x in shown["actions"]}
    assert reminded[late["id"]] is not None and reminded[applied["id"]] is None

    mail.outbox.clear()
    assert sweep(a, capture, now + timedelta(hours=1)).reminded == []
    assert mail.outbox == []

    later = sweep(a, capture, now + ESCALATE_AFTER + timedelta(minutes=1))

    assert (later.reminded, later.escalated) == ([], [late["id"]])
    leads = {a.person(Role.ACCOUNT_LEAD).email}
    assert {to for m in mail.outbox for to in m.to} == leads
    mail.outbox.clear()
    assert sweep(a, capture, now + ESCALATE_AFTER * 3).escalated == []
    assert mail.outbox == []
    with schema_context(a.brand.schema_name):
        assert Event.objects.filter(type="review_action.overdue").count() == 1


def test_an_action_nobody_owns_goes_to_the_leads_and_a_closed_review_is_left_alone(
    world, strategist, review, django_capture_on_commit_callbacks
) -> None:
    a, capture = world.a, django_capture_on_commit_callbacks
    orphan = action(strategist, a, review, "Nobody's", today(a) - timedelta(days=2))
    mail.outbox.clear()

    assert sweep(a, capture, timezone.now()).reminded == [orphan["id"]]
    assert {to for m in mail.outbox for to in m.to} == {a.person(Role.ACCOUNT_LEAD).email}

    other = strategist.post(
        url(a, "reviews/"), {"period": "month", "period_start": str(today(a))}
    ).json()
    action(strategist, a, other, "Frozen", today(a) - timedelta(days=2))
    assert strategist.post(url(a, f"reviews/{other['id']}/close/")).status_code == 200
    assert sweep(a, capture, timezone.now()).reminded == []


def test_the_hourly_sweep_sends_one_message_per_active_brand(world, inline_worker) -> None:
    sweep_overdue_review_actions.fn()

    sent = [
        m for m in inline_worker.kept if m.actor_name == remind_brand_overdue_actions.actor_name
    ]
    active = set(
        Brand.objects.filter(status=Brand.Status.ACTIVE).values_list("schema_name", flat=True)
    )
    assert {m.options[OPTION] for m in sent} == active and len(sent) == len(active)
    assert remind_brand_overdue_actions.queue_name == QUEUE_HOUSEKEEPING
    assert sweep_overdue_review_actions.queue_name == QUEUE_HOUSEKEEPING
