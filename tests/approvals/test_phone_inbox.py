"""The inbox on the phone for community managers (issue 19): the queue with their items first,
an item with its suggested reply, sending an edited reply through the brand's autonomy rules,
and raising an incident from an item; nobody of another brand, and no client, sees any of it."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import tenant_context

from approvals import services as approvals
from approvals.models import ApprovalRequest, Incident
from content import services as content
from content.models import Draft, GenerationJob, InboxItem
from tenants.roles import Role

pytestmark = pytest.mark.django_db


def signed_in(user) -> Client:  # type: ignore[no-untyped-def]
    client = Client()
    client.force_login(user)
    return client


def arrive(bw, text: str, **fields) -> InboxItem:  # type: ignore[no-untyped-def]
    with tenant_context(bw.brand):
        return content.ingest_inbox_item(author_handle="kim", text=text, **fields)


def page(bw, path: str = "") -> str:  # type: ignore[no-untyped-def]
    return f"/brands/{bw.brand.slug}/approve/inbox/{path}"


def test_the_queue_puts_my_items_first_then_the_most_urgent(world) -> None:
    cm = world.a.person(Role.COMMUNITY_MANAGER)
    later = arrive(world.a, "Opening hours on Sunday?")
    sooner = arrive(
        world.a, "Is the Kenyan roast back?", received_at=timezone.now() - timedelta(hours=3)
    )
    mine = arrive(world.a, "Thanks for the <script>alert(1)</script> mugs!")
    with tenant_context(world.a.brand):
        content.assign_inbox_item(item_id=mine.pk, assignee=cm)
        content.move_inbox_item(item_id=arrive(world.a, "spam").pk, transition="ignore")
    html = signed_in(cm).get(page(world.a)).content.decode()
    order = [html.index(f'data-id="{i.pk}"') for i in (mine, sooner, later)]
    assert order == sorted(order)
    assert f'data-id="{mine.pk}" data-mine="true"' in html
    assert f'data-id="{sooner.pk}" data-mine="false" data-late="true"' in html
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html
    assert "(3 open)" in html  # the ignored one is not on the queue
    assert 'id="nav-inbox"' in html


def test_clients_and_other_brands_get_nothing(world) -> None:
    item = arrive(world.a, "Where is my order?")
    assert signed_in(world.a.person(Role.CLIENT_APPROVER)).get(page(world.a)).status_code == 404
    assert (
        signed_in(world.a.person(Role.CLIENT_APPROVER))
        .get(page(world.a, f"{item.pk}/"))
        .status_code
        == 404
    )
    assert signed_in(world.b.person(Role.COMMUNITY_MANAGER)).get(page(world.a)).status_code == 404
    approver_nav = signed_in(world.a.person(Role.CLIENT_APPROVER)).get(
        f"/brands/{world.a.brand.slug}/approve/"
    )
    assert 'id="nav-inbox"' not in approver_nav.content.decode()
    # Brand B's item number in brand A's pages is not found.
    other = arrive(world.b, "Bayside question")
    missing = signed_in(world.a.person(Role.COMMUNITY_MANAGER)).get(
        page(world.a, f"{other.pk + 1000}/")
    )
    assert missing.status_code == 404


def test_a_low_risk_reply_the_rules_clear_needs_nobodys_sign_off(
    world, django_capture_on_commit_callbacks
) -> None:
    cm = world.a.person(Role.COMMUNITY_MANAGER)
    item = arrive(world.a, "What time do you open?")
    with tenant_context(world.a.brand):
        approvals.apply_preset(level=3, actor_id=None, now=timezone.now())
    phone = signed_in(cm)
    with django_capture_on_commit_callbacks(execute=True):
        sent = phone.post(page(world.a, f"{item.pk}/reply/"), {"text": "We open at 7, see you!"})
    assert sent.status_code == 302
    html = phone.get(sent["Location"]).content.decode()
    assert "Reply sent" in html
    with tenant_context(world.a.brand):
        draft = Draft.objects.get(inbox_item=item)
        assert draft.created_by_id == cm.pk and draft.provider == "human"
        request = ApprovalRequest.objects.get(subject_kind="reply", subject_id=draft.pk)
        assert request.status == "not_required"
    assert (
        "Cleared by the brand&#x27;s autonomy rules" in html
        or "Cleared by the brand's autonomy rules" in html
    )
    # Sending the same text again changes nothing.
    again = phone.post(page(world.a, f"{item.pk}/reply/"), {"text": "We open at 7, see you!"})
    assert "already sent" in phone.get(again["Location"]).content.decode()


def test_editing_the_assistants_suggestion_sends_a_new_version_for_sign_off(
    world, django_capture_on_commit_callbacks
) -> None:
    cm = world.a.person(Role.COMMUNITY_MANAGER)
    item = arrive(world.a, "Your beans made me sick and I will sue.")
    with tenant_context(world.a.brand), django_capture_on_commit_callbacks(execute=True):
        suggested = content.write_draft(
            kind="reply", text="So sorry to hear that.", inbox_item=item, created_by=None
        )
    phone = signed_in(cm)
    html = phone.get(page(world.a, f"{item.pk}/")).content.decode()
    assert "So sorry to hear that." in html and 'id="suggestion"' in html
    with django_capture_on_commit_callbacks(execute=True):
        phone.post(
            page(world.a, f"{item.pk}/reply/"),
            {"text": "So sorry. Please DM us your order number."},
        )
    with tenant_context(world.a.brand):
        newest = Draft.objects.filter(inbox_item=item).order_by("-version").first()
        assert newest.parent_id == suggested.pk and newest.version == 2
        assert newest.created_by_id == cm.pk
        request = ApprovalRequest.objects.filter(subject_kind="reply", subject_id=newest.pk).get()
        # A legal threat is no low-risk reply: it waits for people, and never for its writer.
        assert request.status == "open"
        assert cm.pk in request.author_ids
    empty = phone.post(page(world.a, f"{item.pk}/reply/"), {"text": "   "})
    assert empty.status_code == 400 and "Write a reply first." in empty.content.decode()


def test_asking_the_assistant_shows_working_with_the_jobs_state(world) -> None:
    cm = world.a.person(Role.COMMUNITY_MANAGER)
    item = arrive(world.a, "Do you ship to Norway?")
    phone = signed_in(cm)
    asked = phone.post(page(world.a, f"{item.pk}/suggest/"))
    assert asked.status_code == 302
    with tenant_context(world.a.brand):
        assert GenerationJob.objects.filter(inbox_item=item, kind="reply").count() == 1
    html = phone.get(asked["Location"]).content.decode()
    assert "Working… Waiting for a worker (step 0 of 3)" in html


def test_a_community_manager_raises_an_incident_carrying_the_item(world) -> None:
    cm = world.a.person(Role.COMMUNITY_MANAGER)
    item = arrive(
        world.a, "Everyone, these beans are contaminated! #boycott", permalink="https://x.com/kim/1"
    )
    phone = signed_in(cm)
    bad = phone.post(page(world.a, f"{item.pk}/incident/"), {"severity": "9"})
    assert bad.status_code == 400 and "severity from 1 to 5" in bad.content.decode()
    raised = phone.post(page(world.a, f"{item.pk}/incident/"), {"severity": "3"})
    assert raised.status_code == 302
    with tenant_context(world.a.brand):
        incident = Incident.objects.get()
        assert incident.severity == 3 and incident.owner_id == cm.pk
        assert incident.summary == f"Raised from inbox item #{item.pk} (@kim)"
        evidence = incident.timeline.get(note__startswith="Evidence:").note
    assert "these beans are contaminated" in evidence and "https://x.com/kim/1" in evidence
    # A copywriter answers the inbox but may not open incidents.
    writer = signed_in(world.a.person(Role.COPYWRITER))
    assert 'id="incident"' not in writer.get(page(world.a, f"{item.pk}/")).content.decode()
    refused = writer.post(page(world.a, f"{item.pk}/incident/"), {"severity": "2"})
    assert refused.status_code == 400
    with tenant_context(world.a.brand):
        assert Incident.objects.count() == 1


def test_the_api_raises_an_incident_from_an_item_too(world) -> None:
    from tests.conftest import client_for

    item = arrive(world.a, "Screenshot of your CEO's leaked email is going round.")
    cm = client_for(world.a.person(Role.COMMUNITY_MANAGER))
    url = f"/brands/{world.a.brand.slug}/api/v1/approvals/incidents/"
    made = cm.post(url, {"severity": 2, "inbox_item": item.pk}, format="json")
    assert made.status_code == 201, made.json()
    body = made.json()
    assert body["summary"] == f"Raised from inbox item #{item.pk} (@kim)"
    assert any("leaked email" in entry["note"] for entry in body["timeline"])
    missing = cm.post(url, {"severity": 2, "inbox_item": item.pk + 999}, format="json")
    assert missing.status_code == 400 and missing.json()["errors"][0]["attr"] == "inbox_item"
    nothing = cm.post(url, {"severity": 2}, format="json")
    assert nothing.status_code == 400 and nothing.json()["errors"][0]["attr"] == "summary"
    # Brand B's item is not brand A's evidence.
    other = arrive(world.b, "Bayside secret")
    with tenant_context(world.a.brand):
        assert not InboxItem.objects.filter(pk=other.pk, text="Bayside secret").exists()
