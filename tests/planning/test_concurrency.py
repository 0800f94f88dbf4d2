"""Two strategists add pillars at the same moment, on separate database connections: their
targets together would pass 100 %, so exactly one is stored. Needs committed data, so it runs
in a brand of its own (``own_brand``), dropped afterwards."""

from __future__ import annotations

import threading
from decimal import Decimal
from typing import Any

from django.db import connection
from django_tenants.utils import tenant_context

from planning.errors import PlanningError
from planning.models import Pillar
from planning.services.pillars import create_pillar


def add_in_thread(brand: Any, name: str, start: threading.Barrier, outcomes: dict) -> None:
    try:
        with tenant_context(brand):
            start.wait(timeout=10)
            try:
                create_pillar(name=name, target_share=Decimal(60))
                outcomes[name] = "stored"
            except PlanningError as exc:
                outcomes[name] = exc
    finally:
        connection.close()


def test_two_pillars_added_at_once_cannot_together_pass_100_percent(
    own_brand, django_db_blocker
) -> None:
    with django_db_blocker.unblock():
        start = threading.Barrier(2)
        outcomes: dict[str, Any] = {}
        threads = [
            threading.Thread(target=add_in_thread, args=(own_brand, name, start, outcomes))
            for name in ("Coffee culture", "Our people")
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=30)

        assert sorted(str(v) == "stored" for v in outcomes.values()) == [False, True]
        refused = next(v for v in outcomes.values() if v != "stored")
        assert refused.field == "target_share"
        assert "60.00 %" in refused.message
        with tenant_context(own_brand):
            assert Pillar.objects.count() == 1
