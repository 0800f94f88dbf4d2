"""The autonomy policy's rules as pure functions: which band a subject falls in, which chain
that band gets at the brand's level (or in a crisis), and ``plan``, which puts them together.

Nothing here reads the database: the caller passes the policy row, the brand's stored chains
and whether the brand is in crisis (with the crisis roles it has people for), so every
combination of level, kind, band and crisis can be checked in a table.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

from approvals import presets
from approvals.models import BANDS, AutonomyPolicy
from brandroom.currencies import format_money

# One step of a chain as policies store it: roles, mode, deadline_minutes, reminder_minutes,
# on_timeout (and is_crisis_step for the crisis team's step).
StepSpec = dict[str, Any]
# A stored chain: its steps and the roles only informed of an approval.
Chain = tuple[list[StepSpec], list[str]]


@dataclass(frozen=True)
class Plan:
    """What a subject needs: its band, the chain of steps (each with its deadline and
    reminders), who is informed, the effective level and the reason, in words."""

    band: str
    level: int
    in_crisis: bool
    steps: list[StepSpec] = field(default_factory=list)
    inform_roles: list[str] = field(default_factory=list)
    reason: str = ""

    @property
    def needs_approval(self) -> bool:
        return bool(self.steps)

    @property
    def deadlines(self) -> list[int]:
        """Minutes each step has to be decided in, in chain order."""
        return [step["deadline_minutes"] for step in self.steps]


def band_for(
    *,
    policy: AutonomyPolicy,
    kind: str,
    risk_score: int,
    flagged: bool = False,
    flag_names: tuple[str, ...] = (),
    amount: Decimal | None = None,
    currency: str | None = None,
) -> tuple[str, str]:
    """The band a subject falls in, and why (spend decides for boosts unless risk is higher).
    A flagged draft is high; the reason names the checks that fired (``flag_names``)."""
    if flagged:
        named = ", ".join(flag_names) if flag_names else "the guardrails"
        return "high", f"flagged by the checks: {named}"
    if risk_score >= policy.high_risk_from:
        risk_band = "high"
    elif risk_score >= policy.medium_risk_from:
        risk_band = "medium"
    else:
        risk_band = "low"
    why = f"risk {risk_score} is {risk_band}"
    if kind != "boost" or amount is None:
        return risk_band, why
    money = format_money(amount, currency or "")
    if (currency or "").upper() != policy.boost_currency:
        # Thresholds in another currency cannot be compared safely: the strictest chain.
        return "high", f"spend {money} is not in the thresholds' currency {policy.boost_currency}"
    no_signoff = format_money(policy.boost_no_signoff_up_to, policy.boost_currency)
    lead = format_money(policy.boost_lead_up_to, policy.boost_currency)
    if amount <= policy.boost_no_signoff_up_to:
        spend_band = "low"
        spend_why = f"spend {money} is within {no_signoff} without sign-off"
    elif amount <= policy.boost_lead_up_to:
        spend_band = "medium"
        spend_why = f"spend {money} is within {lead} for the account lead"
    else:
        spend_band = "high"
        spend_why = f"spend {money} is above {lead}"
    if BANDS.index(risk_band) > BANDS.index(spend_band):
        return risk_band, f"{spend_why}, but {why}"
    return spend_band, spend_why


def chain_for(
    *,
    level: int,
    kind: str,
    band: str,
    in_crisis: bool,
    chains: Mapping[tuple[str, str], Chain],
) -> tuple[list[StepSpec], list[str], int]:
    """The steps, informed roles and effective level for a subject: the brand's stored chain
    for its kind and band (the level's preset when none is stored); in crisis, level 0."""
    if in_crisis:
        steps, inform = presets.preset_chain(0, kind, band)
        return steps, inform, 0
    stored = chains.get((kind, band))
    if stored is None:
        steps, inform = presets.preset_chain(level, kind, band)
        return steps, inform, level
    steps, inform = stored
    return [dict(step) for step in steps], list(inform), level


def crisis_step(*, kind: str, staffed_roles: Sequence[str]) -> StepSpec | None:
    """The crisis team's step for a kind: every crisis role the brand has someone in, all of
    whom must approve; None when nobody on the crisis team has a seat on the brand."""
    staffed = set(staffed_roles)
    roles = [role for role in presets.CRISIS_ROLES if role in staffed]
    if not roles:
        return None
    spec = presets.step(kind, roles, mode="all")
    spec["is_crisis_step"] = True
    return spec


def plan(
    *,
    policy: AutonomyPolicy,
    kind: str,
    risk_score: int,
    flagged: bool = False,
    flag_names: tuple[str, ...] = (),
    needs_person_reason: str = "",
    amount: Decimal | None = None,
    currency: str | None = None,
    chains: Mapping[tuple[str, str], Chain],
    in_crisis: bool = False,
    staffed_crisis_roles: Sequence[str] = (),
) -> Plan:
    """What the policy asks for a subject: its band, its chain (the crisis team's step last
    while the brand is in crisis), who is informed, and why, in words for people.

    A subject the content checks say a person must see (``needs_person_reason``) gets the
    agency lead's step when its level or chain rule would ask nobody."""
    band, band_why = band_for(
        policy=policy,
        kind=kind,
        risk_score=risk_score,
        flagged=flagged,
        flag_names=flag_names,
        amount=amount,
        currency=currency,
    )
    steps, inform, level = chain_for(
        level=policy.level, kind=kind, band=band, in_crisis=in_crisis, chains=chains
    )
    if needs_person_reason:
        band_why = f"{band_why}; {needs_person_reason.rstrip('.')}"
        if not steps:
            steps = [presets.step(kind, presets.LEAD_ROLES)]
    if (
        in_crisis
        and (team := crisis_step(kind=kind, staffed_roles=staffed_crisis_roles)) is not None
    ):
        steps = [*steps, team]
    if steps:
        who = " then ".join("/".join(step["roles"]) for step in steps)
        reason = f"level {level}{' (crisis)' if in_crisis else ''}: {band_why}; needs {who}"
    else:
        reason = f"level {level}: {band_why}; no sign-off needed"
    return Plan(
        band=band,
        level=level,
        in_crisis=in_crisis,
        steps=steps,
        inform_roles=inform,
        reason=reason,
    )
