"""Events are recorded in the order things happened, on a real commit (where on-commit work
registered by a receiver runs at once, unlike under the test's captured callbacks)."""

from __future__ import annotations

from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from approvals import services as approval_services
from content import services as content_services
from integrations import events
from integrations.models import Event
from tests.approvals.factories import DraftFactory


def test_a_ready_draft_is_announced_before_the_approval_request_it_opens(
    own_brand, django_db_blocker
) -> None:
    with django_db_blocker.unblock(), schema_context(own_brand.schema_name):
        approval_services.apply_preset(level=0, actor_id=None, now=timezone.now())
        draft = DraftFactory(kind="post", status="draft", risk_score=80)
        with transaction.atomic():
            content_services.mark_draft_ready(draft=draft)
        assert list(Event.objects.order_by("created_at").values_list("type", flat=True)) == [
            events.DRAFT_READY,
            events.APPROVAL_REQUESTED,
        ]
