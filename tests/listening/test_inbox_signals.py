"""Inbox items' own sentiment feeds the crisis watch: each item becomes one signal of
Brandroom's own, which no trigger counts."""

from __future__ import annotations

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from listening.models import Signal
from listening.services.crisis import watch_for_crisis
from listening.services.triggers import evaluate_triggers
from tenants.roles import Role
from tests.conftest import client_for
from tests.listening.conftest import briefs
from tests.listening.test_triggers import define, enable

pytestmark = pytest.mark.django_db


def receive(bw, n: int, sentiment: str, start: int = 0) -> None:
    manager = client_for(bw.person(Role.COMMUNITY_MANAGER))
    for i in range(start, start + n):
        answer = manager.post(
            f"/brands/{bw.brand.slug}/api/v1/inbox/",
            {
                "author_handle": f"angry_{i}",
                "text": "Your coffee made me ill, my lawyer will call you",
                "external_id": f"ig-{i}",
                "sentiment": sentiment,
                "author_followers": 30_000,
            },
            format="json",
        )
        assert answer.status_code == 201, answer.json()


def test_a_wave_of_negative_inbox_items_raises_a_crisis_warning(
    world, django_capture_on_commit_callbacks
) -> None:
    a = world.a
    with django_capture_on_commit_callbacks(execute=True):
        receive(a, 8, "negative")
        receive(a, 2, "positive", start=8)

    with schema_context(a.brand.schema_name):
        kept = list(Signal.objects.order_by("external_id").values_list("sentiment", flat=True))
        warning = watch_for_crisis(brand=a.brand, now=timezone.now())

    assert sorted(kept) == [-1.0] * 8 + [1.0] * 2
    assert warning is not None
    assert warning.evidence["negative"] == 8
    assert warning.evidence["sources"] == ["brandroom"]
    assert warning.evidence["reach"] == 240_000


def test_no_trigger_counts_the_inbox_own_signals(world, django_capture_on_commit_callbacks) -> None:
    a = world.a
    enable(a, define(a, name="Any mention", topic="", kind="mention").json()["id"])
    with django_capture_on_commit_callbacks(execute=True):
        receive(a, 5, "negative")

    with schema_context(a.brand.schema_name):
        assert Signal.objects.count() == 5
        assert evaluate_triggers(brand=a.brand) == []
    assert briefs(a) == []
