"""Internal notes on drafts and boosts with @mentions that notify (issue 15): the agency team
discusses a draft where it lives; client people never see the notes."""

from __future__ import annotations

import pytest
from django.core import mail
from django_tenants.utils import schema_context

from content.models import Draft
from discussion.models import Note
from tenants.roles import Role
from tests.conftest import client_for

pytestmark = pytest.mark.django_db


def notes_url(world, brand: str = "a") -> str:  # type: ignore[no-untyped-def]
    return f"/brands/{getattr(world, brand).brand.slug}/api/v1/notes/"


@pytest.fixture
def draft(world) -> Draft:  # type: ignore[no-untyped-def]
    with schema_context(world.a.brand.schema_name):
        return Draft.objects.create(kind=Draft.Kind.POST, text="Autumn blend is back.")


def test_a_mention_emails_that_team_member_and_the_note_stays_with_the_draft(
    world, draft, django_capture_on_commit_callbacks
) -> None:
    writer = world.a.person(Role.COPYWRITER)
    lead = world.a.person(Role.ACCOUNT_LEAD)
    approver = world.a.person(Role.CLIENT_APPROVER)
    body = (
        f"@{lead.username} can you check the claim? (cc @{approver.username}, @nobody-here, "
        f"mail me at {writer.email})"
    )
    with django_capture_on_commit_callbacks(execute=True):
        added = client_for(writer).post(
            notes_url(world), {"draft": draft.pk, "body": body}, format="json"
        )
    assert added.status_code == 201, added.json()
    note = added.json()
    assert (note["subject_kind"], note["subject_id"], note["author"]) == (
        "draft",
        draft.pk,
        writer.pk,
    )
    assert note["mentions"] == [lead.pk]
    assert note["not_notified"] == [
        f"@{approver.username}: client people do not see internal notes",
        "@nobody-here: nobody on this brand has that username",
    ]
    # Only the lead is emailed, with the note.
    assert [m.to for m in mail.outbox] == [[lead.email]]
    assert "mentioned you on draft" in mail.outbox[0].subject
    assert "can you check the claim?" in mail.outbox[0].body

    listed = client_for(lead).get(notes_url(world), {"draft": draft.pk}).json()["results"]
    assert [n["body"] for n in listed] == [body]


@pytest.mark.parametrize("role", [Role.CLIENT_APPROVER, Role.CLIENT_VIEWER, Role.CLIENT_LEGAL])
def test_client_people_neither_read_nor_write_notes(world, draft, role) -> None:
    client = client_for(world.a.person(role))
    assert client.get(notes_url(world), {"draft": draft.pk}).status_code == 403
    assert client.post(notes_url(world), {"draft": draft.pk, "body": "hi"}).status_code == 403
    with schema_context(world.a.brand.schema_name):
        assert not Note.objects.exists()


def test_bad_notes_name_the_field_and_store_nothing(world, draft) -> None:
    writer = client_for(world.a.person(Role.COPYWRITER))
    cases = [
        ({"draft": draft.pk, "body": "   "}, "body"),
        ({"draft": draft.pk, "body": "x" * 5001}, "body"),
        ({"body": "which draft?"}, "draft"),
        ({"draft": draft.pk, "boost": 1, "body": "both"}, "draft"),
        ({"draft": 999999, "body": "ghost"}, "draft"),
        ({"boost": 999999, "body": "ghost"}, "boost"),
    ]
    for body, field in cases:
        answer = writer.post(notes_url(world), body, format="json")
        assert answer.status_code == 400, body
        assert answer.json()["errors"][0]["attr"] == field, body
    assert writer.get(notes_url(world)).json()["errors"][0]["attr"] == "draft"
    with schema_context(world.a.brand.schema_name):
        assert not Note.objects.exists()


def test_the_other_brand_sees_nothing_and_only_the_author_or_a_lead_deletes(world, draft) -> None:
    writer = client_for(world.a.person(Role.COPYWRITER))
    note = writer.post(notes_url(world), {"draft": draft.pk, "body": "mine"}, format="json").json()
    bob = client_for(world.b.person(Role.COPYWRITER))
    assert bob.get(notes_url(world), {"draft": draft.pk}).status_code == 404
    assert bob.delete(f"{notes_url(world)}{note['id']}/").status_code == 404
    # In brand B's own API the note does not exist.
    assert bob.get(f"{notes_url(world, 'b')}{note['id']}/").status_code == 404

    colleague = client_for(world.a.person(Role.STRATEGIST))
    refused = colleague.delete(f"{notes_url(world)}{note['id']}/")
    assert refused.status_code == 403
    lead = client_for(world.a.person(Role.ACCOUNT_LEAD))
    assert lead.delete(f"{notes_url(world)}{note['id']}/").status_code == 204
    with schema_context(world.a.brand.schema_name):
        assert not Note.objects.exists()
