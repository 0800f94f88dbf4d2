"""The approvals path of the gate, as it will run once the approvals app is merged.

The approvals app is built in parallel and is not on this branch, so its
``request_approval`` is stood in for by a small fake with the agreed contract (the only
double in these tests); the signals are the real ones the gate listens to.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

import pytest
from django_tenants.utils import schema_context

from media import approval_gate
from tenants.roles import Role
from tests.conftest import client_for
from tests.media.conftest import boosts_url, propose, status_of

pytestmark = pytest.mark.django_db


@dataclass
class Result:
    needs_approval: bool
    request_id: int | None
    reason: str


@pytest.fixture
def approvals_app(monkeypatch):
    calls: list[dict] = []

    def request_approval(**kwargs) -> Result:
        calls.append(kwargs)
        if kwargs["amount"] <= Decimal(500):
            return Result(False, None, "Within the brand's autonomy for boosts.")
        return Result(True, 900 + len(calls), "The account lead signs off boosts over 500.")

    monkeypatch.setattr(approval_gate, "_request_approval", request_approval)
    monkeypatch.setattr(approval_gate, "USES_APPROVALS", True)
    return calls


def test_the_approvals_app_picks_the_chain_and_its_outcome_moves_the_boost(
    world, budgets, approvals_app
) -> None:
    small = propose(world.a, budget_total="200.00")
    big = propose(world.a, budget_total="2000.00")
    assert small["status"] == "approved"
    assert (big["status"], big["approval_request_id"]) == ("pending_approval", 902)
    sent = approvals_app[1]
    assert sent["subject_kind"] == "boost" and sent["subject_id"] == big["id"]
    assert (sent["amount"], sent["currency"]) == (Decimal("2000.00"), "EUR")
    assert sent["requested_by_id"] == world.a.person(Role.MEDIA_SPECIALIST).pk
    with schema_context(world.a.brand.schema_name):
        # An outcome for some other request of the same id is not this boost's.
        approval_gate.approval_decided.send(
            sender=None,
            subject_kind="boost",
            subject_id=big["id"],
            outcome="approved",
            request_id=123,
        )
        assert status_of(world.a, big["id"]) == "pending_approval"
        approval_gate.approval_decided.send(
            sender=None,
            subject_kind="boost",
            subject_id=big["id"],
            outcome="approved",
            request_id=902,
        )
    assert status_of(world.a, big["id"]) == "approved"


def test_media_decisions_are_closed_when_the_approvals_app_decides(
    world, budgets, approvals_app
) -> None:
    big = propose(world.a, budget_total="2000.00")
    response = client_for(world.a.person(Role.ACCOUNT_LEAD)).post(
        boosts_url(world.a, f"{big['id']}/decision/"), {"outcome": "approved"}
    )
    assert response.status_code == 409
    assert "approvals app" in response.json()["errors"][0]["detail"]
    assert status_of(world.a, big["id"]) == "pending_approval"
