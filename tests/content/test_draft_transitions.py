"""A draft's status moves only along its transition table: through the named transitions, in
the model, and in the database whoever writes the row."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, connection, transaction

from content import services
from content.errors import ContentError, DraftTransitionRefused
from content.models import DRAFT_TRANSITIONS, Draft, DraftStatus, DraftTransition

pytestmark = pytest.mark.django_db

EXPECTED = {
    # transition: (from, to), written out from the product's description of a draft's life
    "mark_ready": ({"draft"}, "ready"),
    "send_to_review": ({"ready"}, "in_review"),
    "approve": ({"ready", "in_review"}, "approved"),
    "reject": ({"in_review"}, "rejected"),
    "request_changes": ({"in_review"}, "changes_requested"),
    "return_to_writer": ({"in_review"}, "draft"),
    # An edit replaces the version in review, or the approved one before it goes out.
    "supersede": ({"in_review", "approved"}, "superseded"),
    "hold": ({"approved"}, "in_review"),
    "release": ({"in_review"}, "approved"),
    "publish": ({"approved"}, "published"),
    # Another variant of the same job was approved in its place.
    "drop": ({"in_review"}, "dropped"),
}
CASES = [
    (transition, status) for transition in DraftTransition.values for status in DraftStatus.values
]


def test_the_table_names_every_transition_the_product_has() -> None:
    assert {name: (set(src), dst) for name, (src, dst) in DRAFT_TRANSITIONS.items()} == EXPECTED


@pytest.mark.parametrize(("transition", "status"), CASES)
def test_a_transition_moves_a_draft_only_from_the_statuses_it_starts_from(
    in_a, transition: str, status: str
) -> None:
    draft = Draft.objects.create(kind="post", text="Autumn roast", status=status)
    sources, target = EXPECTED[transition]
    if status in sources:
        moved = services.transition_draft(draft_id=draft.pk, transition=transition)
        assert moved.status == target
    else:
        with pytest.raises(DraftTransitionRefused) as refused:
            services.transition_draft(draft_id=draft.pk, transition=transition)
        assert refused.value.status_code == 409
        assert f"is {status}" in refused.value.message
        draft.refresh_from_db()
        assert draft.status == status


def test_the_model_refuses_a_status_no_transition_leads_to(in_a) -> None:
    draft = Draft.objects.create(kind="post", text="Autumn roast", status="ready")
    draft = Draft.objects.get(pk=draft.pk)
    draft.status = Draft.Status.PUBLISHED
    with pytest.raises(DraftTransitionRefused):
        draft.save()
    assert Draft.objects.get(pk=draft.pk).status == "ready"
    draft.status = Draft.Status.IN_REVIEW
    draft.save()
    assert Draft.objects.get(pk=draft.pk).status == "in_review"


def test_the_database_refuses_a_skipped_step_whoever_writes_the_row(in_a) -> None:
    draft = Draft.objects.create(kind="post", text="Autumn roast", status="in_review")
    skipped = "cannot move from in_review to published"
    with pytest.raises(IntegrityError, match=skipped), transaction.atomic():
        Draft.objects.filter(pk=draft.pk).update(status="published")
    with pytest.raises(IntegrityError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE content_draft SET status = 'ready' WHERE id = %s", [draft.pk])
    assert Draft.objects.get(pk=draft.pk).status == "in_review"
    Draft.objects.filter(pk=draft.pk).update(status="rejected")
    assert Draft.objects.get(pk=draft.pk).status == "rejected"


def test_an_unknown_transition_names_the_field(in_a) -> None:
    draft = Draft.objects.create(kind="post", text="Autumn roast", status="ready")
    with pytest.raises(ContentError) as refused:
        services.transition_draft(draft_id=draft.pk, transition="teleport")
    assert refused.value.field == "transition"
