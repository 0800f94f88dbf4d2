"""The policy's plan as a table: autonomy level x kind x band x crisis gives one chain, with its
deadlines, informed roles and reason. Pure: no database, no brand."""

from __future__ import annotations

from decimal import Decimal

import pytest

from approvals.models import AutonomyPolicy
from approvals.services.rules import Chain, plan
from content.assistant import pipeline
from content.assistant.context import GenerationContext
from content.assistant.providers import GeneratedVariant

LEAD = ["account_lead", "agency_admin"]
CLIENT = ["client_approver"]
CRISIS_TEAM = ["client_pr", "client_legal", "account_lead"]
RISK = {"low": 10, "medium": 50, "high": 90}
SPEND = {"low": Decimal("300"), "medium": Decimal("2000"), "high": Decimal("9000")}
MINUTES = {"post": 240, "reply": 30, "boost": 1440}
# calm; in crisis with the whole crisis team on the brand; in crisis with only the lead.
CRISIS = {"calm": None, "crisis": CRISIS_TEAM, "crisis_lead_only": ["account_lead"]}


def expected(level: int, kind: str, band: str, crisis: str) -> tuple[list[list[str]], list[str]]:
    """Chains (roles per step) and informed roles, written out from the presets' description."""
    team = CRISIS[crisis]
    if team is not None:
        return [LEAD, CLIENT, team], []
    if level == 0 or band == "high":
        return [LEAD, CLIENT], []
    if level == 1:
        return [LEAD], CLIENT
    if level == 2:
        return ([], CLIENT) if band == "low" and kind in ("reply", "boost") else ([LEAD], [])
    return ([LEAD], []) if kind == "boost" and band == "medium" else ([], [])


def subject(kind: str, band: str) -> dict[str, object]:
    if kind == "boost":
        return {"risk_score": 0, "amount": SPEND[band], "currency": "EUR"}
    return {"risk_score": RISK[band]}


TABLE = [
    (level, kind, band, crisis)
    for level in (0, 1, 2, 3)
    for kind in ("post", "reply", "boost")
    for band in ("low", "medium", "high")
    for crisis in CRISIS
]


@pytest.mark.parametrize(("level", "kind", "band", "crisis"), TABLE)
def test_plan_gives_each_level_kind_band_and_crisis_its_chain(
    level: int, kind: str, band: str, crisis: str
) -> None:
    team = CRISIS[crisis]
    result = plan(
        policy=AutonomyPolicy(level=level),
        kind=kind,
        chains={},
        in_crisis=team is not None,
        staffed_crisis_roles=team or (),
        **subject(kind, band),  # type: ignore[arg-type]
    )
    chain, inform = expected(level, kind, band, crisis)
    assert result.band == band
    assert [step["roles"] for step in result.steps] == chain
    assert result.inform_roles == inform
    assert result.needs_approval is bool(chain)
    assert result.deadlines == [MINUTES[kind]] * len(chain)
    effective = 0 if team is not None else level
    assert result.level == effective
    if team is not None:
        crisis_step = result.steps[-1]
        assert crisis_step["is_crisis_step"] and crisis_step["mode"] == "all"
        assert result.reason.startswith("level 0 (crisis): ")
        assert result.reason.endswith(" then ".join("/".join(roles) for roles in chain))
    elif chain:
        assert result.reason.startswith(f"level {level}: ")
        assert "needs " in result.reason
    else:
        assert result.reason.startswith(f"level {level}: ")
        assert result.reason.endswith("no sign-off needed")


def test_in_crisis_without_anyone_from_the_crisis_team_the_chain_is_level_zeros() -> None:
    result = plan(
        policy=AutonomyPolicy(level=3),
        kind="reply",
        risk_score=5,
        chains={},
        in_crisis=True,
        staffed_crisis_roles=[],
    )
    assert [step["roles"] for step in result.steps] == [LEAD, CLIENT]
    assert result.reason.startswith("level 0 (crisis): risk 5 is low")


def test_a_stored_chain_wins_over_the_preset_but_not_over_a_crisis() -> None:
    solo: Chain = (
        [{"roles": CLIENT, "mode": "any", "deadline_minutes": 45, "reminder_minutes": [30]}],
        ["account_lead"],
    )
    calm = plan(
        policy=AutonomyPolicy(level=3),
        kind="post",
        risk_score=10,
        chains={("post", "low"): solo},
        in_crisis=False,
    )
    assert [step["roles"] for step in calm.steps] == [CLIENT]
    assert calm.deadlines == [45] and calm.inform_roles == ["account_lead"]
    crisis = plan(
        policy=AutonomyPolicy(level=3),
        kind="post",
        risk_score=10,
        chains={("post", "low"): solo},
        in_crisis=True,
        staffed_crisis_roles=CRISIS_TEAM,
    )
    assert [step["roles"] for step in crisis.steps] == [LEAD, CLIENT, CRISIS_TEAM]


@pytest.mark.parametrize(
    ("risk_score", "flagged", "band"),
    [(66, False, "medium"), (67, False, "high"), (79, False, "high"), (5, True, "high")],
)
def test_bands_follow_the_brands_thresholds_and_guardrail_flags(
    risk_score: int, flagged: bool, band: str
) -> None:
    result = plan(
        policy=AutonomyPolicy(level=1),
        kind="post",
        risk_score=risk_score,
        flagged=flagged,
        chains={},
    )
    assert result.band == band


def test_a_boost_in_another_currency_than_the_thresholds_gets_the_strictest_chain() -> None:
    result = plan(
        policy=AutonomyPolicy(level=3),
        kind="boost",
        risk_score=0,
        amount=Decimal("10"),
        currency="USD",
        chains={},
    )
    assert result.band == "high"
    assert [step["roles"] for step in result.steps] == [LEAD, CLIENT]


@pytest.mark.parametrize(("model_score", "high"), [(66, False), (67, True)])
def test_the_assistant_flags_high_risk_exactly_where_the_policy_starts_its_high_band(
    model_score: int, high: bool
) -> None:
    """One threshold: crisis language scores 35 and the model's own higher estimate raises it
    to 66 or 67; the assistant's ``high_risk`` flag and the default policy's high band agree."""
    text = "A recall of batch 42 of our cold brew."
    _, _, scored, flags = pipeline.check_text(
        text,
        GenerationContext(kind="post"),
        threshold=85,
        generated=GeneratedVariant(text=text, risk_score=model_score),
    )
    assert scored.score == (67 if high else 66)
    assert ("high_risk" in flags) is high
    policy_band = plan(
        policy=AutonomyPolicy(), kind="post", risk_score=scored.score, chains={}
    ).band
    assert (policy_band == "high") is high


@pytest.mark.parametrize("level", [2, 3])
def test_a_draft_the_checks_say_a_person_must_see_gets_the_lead_even_where_nobody_would_sign(
    level: int,
) -> None:
    result = plan(
        policy=AutonomyPolicy(level=level),
        kind="reply",
        risk_score=5,
        needs_person_reason="The comment tries to instruct the assistant.",
        chains={},
    )
    assert [step["roles"] for step in result.steps] == [LEAD]
    assert "tries to instruct the assistant" in result.reason
