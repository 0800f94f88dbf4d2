"""Which drafts routing takes together as one review item (``locked_ready_variants``): the ready
draft asked about and the same job's other ready variants of the same kind and parent, locked;
nothing of another job, kind, version line or brand, and nothing once the draft moved on."""

from __future__ import annotations

import pytest
from django_tenants.utils import tenant_context

from content import selectors
from content.models import Draft, GenerationJob
from tests.approvals.factories import DraftFactory

pytestmark = pytest.mark.django_db


def ids(drafts: list[Draft]) -> list[int]:
    return [d.pk for d in drafts]


def test_a_ready_draft_comes_with_its_jobs_ready_siblings_of_the_same_kind_and_parent(
    world,
) -> None:
    with tenant_context(world.a.brand):
        job = GenerationJob.objects.create(kind="post", variants=3)
        first, second, third = (DraftFactory(job=job, variant=n) for n in (1, 2, 3))
        # Not siblings: a variant that moved on, another job's draft, a draft by hand
        third.status = "in_review"
        third.save(update_fields=["status"])
        other_job = GenerationJob.objects.create(kind="post", variants=1)
        DraftFactory(job=other_job, variant=1)
        DraftFactory()

        assert ids(selectors.locked_ready_variants(draft_id=second.pk)) == [first.pk, second.pk]
        assert ids(selectors.locked_ready_variants(draft_id=first.pk)) == [first.pk, second.pk]
        # A variant that moved on, or is gone, brings nothing
        assert selectors.locked_ready_variants(draft_id=third.pk) == []
        assert selectors.locked_ready_variants(draft_id=10**9) == []


def test_a_revision_comes_alone_even_with_its_jobs_other_drafts_ready(world) -> None:
    with tenant_context(world.a.brand):
        job = GenerationJob.objects.create(kind="post", variants=2)
        first = DraftFactory(job=job, variant=1, status="in_review")
        second = DraftFactory(job=job, variant=2, status="in_review")
        # One job revised both (each version line has one revision), and wrote a fresh one
        rewrite = GenerationJob.objects.create(kind="post", variants=3)
        revised = DraftFactory(job=rewrite, variant=1, parent=first, version=2)
        DraftFactory(job=rewrite, variant=2, parent=second, version=2)
        fresh = DraftFactory(job=rewrite, variant=3)

        assert ids(selectors.locked_ready_variants(draft_id=revised.pk)) == [revised.pk]
        assert ids(selectors.locked_ready_variants(draft_id=fresh.pk)) == [fresh.pk]


def test_another_brands_draft_of_the_same_id_is_never_taken(world) -> None:
    with tenant_context(world.a.brand):
        job = GenerationJob.objects.create(kind="post", variants=1)
        mine = DraftFactory(job=job, variant=1)
    with tenant_context(world.b.brand):
        # The same id in brand B is a draft that is not ready, or none at all
        theirs = Draft.objects.filter(pk=mine.pk).first()
        if theirs is not None:
            theirs.status = "in_review"
            theirs.save(update_fields=["status"])
        assert selectors.locked_ready_variants(draft_id=mine.pk) == []
    with tenant_context(world.a.brand):
        assert ids(selectors.locked_ready_variants(draft_id=mine.pk)) == [mine.pk]
