"""The every-minute evaluation cycle: it visits only the brands with new inputs or a
time-based trigger due (the public index), judges what is due there, fires each trigger once
per cool-down, and two cycles at once never fire twice."""

from __future__ import annotations

import threading
from datetime import timedelta
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context, tenant_context

from content.models import Brief, Channel, Draft
from listening.models import Signal, TriggerFiring
from listening.schedule.models import BrandTriggerDue
from listening.services import triggers
from listening.services.cycle import evaluate_due_brands
from tenants.models import Brand
from tests.listening.conftest import briefs, channel, send
from tests.listening.test_trigger_conditions import absence_rule, post
from tests.listening.test_triggers import buzz, define, enable, firings


@pytest.mark.django_db
def test_only_brands_with_new_inputs_are_judged_and_each_input_once(world) -> None:
    a, b = world.a, world.b
    for bw in (a, b):
        enable(bw, define(bw).json()["id"])
    send(a, buzz(3))
    # Brand b has as many matching signals, but none arrived since the last cycle.
    with schema_context(b.brand.schema_name):
        Signal.objects.bulk_create(
            Signal(
                kind="mention",
                source="instagram",
                external_id=f"old-{n}",
                topic="oat latte",
                observed_at=timezone.now() - timedelta(minutes=5),
            )
            for n in range(3)
        )

    first = evaluate_due_brands(now=timezone.now())
    second = evaluate_due_brands(now=timezone.now())

    assert first == {a.brand.slug: 1}
    assert second == {}
    assert len(briefs(a)) == 1 and briefs(b) == []
    assert BrandTriggerDue.objects.get(brand_id=a.brand.pk).inputs_changed_at is None


@pytest.mark.django_db
def test_a_quiet_channel_is_found_through_the_index_when_its_time_comes(world) -> None:
    a = world.a
    insta = channel(a)
    post(a, insta, days_ago=5)
    enable(a, define(a, **absence_rule(insta)).json()["id"])
    now = timezone.now()

    fired = evaluate_due_brands(now=now)
    # Nothing is due an hour later: the brand is not even visited.
    quiet = evaluate_due_brands(now=now + timedelta(hours=1))
    due = BrandTriggerDue.objects.get(brand_id=a.brand.pk)
    after_cool_down = evaluate_due_brands(now=due.next_check_at)

    assert fired == {a.brand.slug: 1} and quiet == {}
    assert due.next_check_at == now + timedelta(days=1)
    assert after_cool_down == {a.brand.slug: 1}
    assert [f.inputs["condition"] for f in firings(a)] == ["absence", "absence"]


@pytest.mark.django_db
def test_disabling_a_time_based_trigger_takes_it_out_of_the_index(world) -> None:
    a = world.a
    insta = channel(a)
    trigger_id = define(a, **absence_rule(insta)).json()["id"]
    enable(a, trigger_id)
    assert BrandTriggerDue.objects.get(brand_id=a.brand.pk).next_check_at is not None

    with schema_context(a.brand.schema_name):
        triggers.update_trigger(trigger_id=trigger_id, values={"enabled": False})

    assert BrandTriggerDue.objects.get(brand_id=a.brand.pk).next_check_at is None
    assert evaluate_due_brands(now=timezone.now() + timedelta(days=30)) == {}


def cycle_in_thread(now: Any, start: threading.Barrier, out: list) -> None:
    try:
        start.wait(timeout=10)
        out.append(evaluate_due_brands(now=now))
    except Exception as exc:  # the assertion below shows it
        out.append(exc)
    finally:
        connection.close()


CYCLES = 3


def test_cycles_running_at_once_fire_a_trigger_once(own_brand: Brand, django_db_blocker) -> None:
    now = timezone.now()
    with django_db_blocker.unblock():
        with tenant_context(own_brand):
            insta = Channel.objects.create(
                network="instagram",
                handle="own",
                max_length=2200,
                max_hashtags=30,
                links_allowed=False,
            )
            Draft.objects.create(
                kind="post",
                channel=insta,
                text="A post",
                status="published",
                external_id="own-post",
                published_at=now - timedelta(days=5),
            )
            values = {**absence_rule(insta.pk), "enabled": True}
            values["channel"] = insta.pk
            triggers.create_trigger(values=values, created_by=None)
        connection.set_schema_to_public()
        # Enabled just now: due at the next cycle.
        now = timezone.now()
        outcomes: list = []
        start = threading.Barrier(CYCLES)
        threads = [
            threading.Thread(target=cycle_in_thread, args=(now, start, outcomes))
            for _ in range(CYCLES)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert not [o for o in outcomes if isinstance(o, Exception)], outcomes
        assert sum(o.get(own_brand.slug, 0) for o in outcomes) == 1, outcomes
        with tenant_context(own_brand):
            assert TriggerFiring.objects.count() == 1
            assert Brief.objects.count() == 1
        connection.set_schema_to_public()
