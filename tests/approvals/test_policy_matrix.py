"""The autonomy policy: level x kind x risk band gives the chain (or no sign-off, with why)."""

from __future__ import annotations

from decimal import Decimal

import pytest

from approvals import services
from approvals.models import ApprovalRequest
from content.models import Draft
from tests.approvals.conftest import T0
from tests.approvals.factories import DraftFactory

pytestmark = pytest.mark.django_db

LEAD = ["account_lead", "agency_admin"]
CLIENT = ["client_approver"]
RISK = {"low": 10, "medium": 50, "high": 90}
SPEND = {"low": Decimal("300"), "medium": Decimal("2000"), "high": Decimal("9000")}


def expected_chain(level: int, kind: str, band: str) -> list[list[str]]:
    if level == 0 or band == "high":
        return [LEAD, CLIENT]
    if level == 1:
        return [LEAD]
    if level == 2:
        return [] if band == "low" and kind in ("reply", "boost") else [LEAD]
    return [LEAD] if kind == "boost" and band == "medium" else []


MATRIX = [
    (level, kind, band)
    for level in (0, 1, 2, 3)
    for kind in ("post", "reply", "boost")
    for band in ("low", "medium", "high")
]


def ask(kind: str, band: str, *, requested_by_id: int | None = None):
    if kind == "boost":
        return services.request_approval(
            subject_kind="boost",
            subject_id=4242,
            risk_score=0,
            actor_id=requested_by_id,
            amount=SPEND[band],
            currency="EUR",
            summary="Boost the autumn roast",
            now=T0,
        )
    draft = DraftFactory(kind=kind, risk_score=RISK[band])
    return services.request_approval(
        subject_kind=kind,
        subject_id=draft.pk,
        risk_score=RISK[band],
        actor_id=requested_by_id,
        now=T0,
    )


@pytest.mark.parametrize(("level", "kind", "band"), MATRIX)
def test_policy_matrix_gives_the_presets_chain(in_a, level, kind, band) -> None:
    services.apply_preset(level=level, actor_id=None, now=T0)
    result = ask(kind, band)
    chain = expected_chain(level, kind, band)
    assert result.needs_approval is bool(chain)
    assert f"level {level}" in result.reason
    if not chain:
        assert result.request_id is None
        assert "no sign-off" in result.reason
        return
    request = ApprovalRequest.objects.get(pk=result.request_id)
    assert request.band == band
    assert [step.roles for step in request.steps.order_by("position")] == chain
    assert [step.status for step in request.steps.order_by("position")] == (
        ["open"] + ["waiting"] * (len(chain) - 1)
    )


def test_no_signoff_draft_is_approved_and_the_reason_is_recorded(in_a) -> None:
    services.apply_preset(level=3, actor_id=None, now=T0)
    draft = DraftFactory(kind="post", risk_score=5)
    result = services.request_approval(
        subject_kind="post", subject_id=draft.pk, risk_score=5, actor_id=None, now=T0
    )
    assert not result.needs_approval
    draft.refresh_from_db()
    assert draft.status == Draft.Status.APPROVED
    record = ApprovalRequest.objects.get(subject_kind="post", subject_id=draft.pk)
    assert record.status == "not_required"
    assert "risk 5 is low" in record.reason


def test_flagged_draft_needs_sign_off_even_when_always_on(in_a) -> None:
    services.apply_preset(level=3, actor_id=None, now=T0)
    draft = DraftFactory(kind="reply", risk_score=5, flags=["mentions a competitor"])
    result = services.request_approval(
        subject_kind="reply", subject_id=draft.pk, risk_score=5, actor_id=None, now=T0
    )
    assert result.needs_approval
    assert "flagged" in result.reason
    draft.refresh_from_db()
    assert draft.status == Draft.Status.IN_REVIEW


def test_boost_in_another_currency_gets_the_strictest_chain(in_a) -> None:
    services.apply_preset(level=3, actor_id=None, now=T0)
    result = services.request_approval(
        subject_kind="boost",
        subject_id=7,
        risk_score=0,
        actor_id=None,
        amount=Decimal("100"),
        currency="usd",
        now=T0,
    )
    assert result.needs_approval
    assert "not in the thresholds' currency EUR" in result.reason
    request = ApprovalRequest.objects.get(pk=result.request_id)
    assert [s.roles for s in request.steps.all()] == [LEAD, CLIENT]


def test_boost_thresholds_are_the_brands_own(in_a) -> None:
    services.apply_preset(level=2, actor_id=None, now=T0)
    services.update_policy(
        actor_id=None, now=T0, boost_no_signoff_up_to=Decimal("50"), boost_lead_up_to=Decimal("60")
    )
    result = services.request_approval(
        subject_kind="boost",
        subject_id=8,
        risk_score=0,
        actor_id=None,
        amount=Decimal("100"),
        currency="EUR",
        now=T0,
    )
    assert result.needs_approval
    assert "above 60.00" in result.reason


def test_asking_twice_returns_the_open_request(in_a) -> None:
    first = ask("boost", "medium")
    second = ask("boost", "medium")
    assert second.request_id == first.request_id
    assert ApprovalRequest.objects.filter(subject_kind="boost", subject_id=4242).count() == 1


def test_edited_chain_rule_is_used(in_a) -> None:
    services.update_chain_rule(
        kind="post",
        band="low",
        steps=[
            {"roles": ["client_legal"], "mode": "any", "deadline_minutes": 60},
        ],
        inform_roles=[],
        actor_id=None,
        now=T0,
    )
    result = ask("post", "low")
    request = ApprovalRequest.objects.get(pk=result.request_id)
    step = request.steps.get()
    assert step.roles == ["client_legal"]
    assert step.deadline_minutes == 60
