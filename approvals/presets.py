"""Autonomy presets: the approval chain each level gives per content kind and risk band.

0  the client signs off everything (after the agency lead);
1  the agency lead signs off, the client is informed (high risk: the client signs off too);
2  low-risk replies and small boosts go out without sign-off, the rest needs the agency lead
   (high risk: the client too);
3  always-on: only high risk or flagged content (and large boosts) needs sign-off.

For boosts the "band" is the spend band from the policy's thresholds (or the risk band when
that is higher), so the example thresholds give: small no sign-off, medium the account lead,
large the client.
"""

from __future__ import annotations

from typing import Any

from tenants.roles import Role

LEAD_ROLES = [Role.ACCOUNT_LEAD.value, Role.AGENCY_ADMIN.value]
CLIENT_ROLES = [Role.CLIENT_APPROVER.value]
# Who joins every chain while the brand is in crisis.
CRISIS_ROLES = [Role.CLIENT_PR.value, Role.CLIENT_LEGAL.value, Role.ACCOUNT_LEAD.value]

# Per kind: minutes to decide one step, and reminders (minutes after the step opens).
DEADLINES: dict[str, tuple[int, list[int]]] = {
    "reply": (30, [15, 25]),
    "post": (240, [120, 210]),
    "boost": (1440, [720, 1260]),
}

LEVELS = (0, 1, 2, 3)


def step(kind: str, roles: list[str], *, mode: str = "any") -> dict[str, Any]:
    """A chain step with the kind's default deadline, reminders and the escalate timeout rule."""
    minutes, reminders = DEADLINES[kind]
    return {
        "roles": list(roles),
        "mode": mode,
        "deadline_minutes": minutes,
        "reminder_minutes": list(reminders),
        "on_timeout": "escalate",
    }


def preset_chain(level: int, kind: str, band: str) -> tuple[list[dict[str, Any]], list[str]]:
    """The steps and informed roles that ``level`` gives a ``kind`` in ``band``."""
    lead, client = step(kind, LEAD_ROLES), step(kind, CLIENT_ROLES)
    if level == 0:
        return [lead, client], []
    if band == "high":
        return [lead, client], []
    if level == 1:
        return [lead], list(CLIENT_ROLES)
    if level == 2:
        if band == "low" and kind in ("reply", "boost"):
            return [], list(CLIENT_ROLES)
        return [lead], []
    # level 3: only what is high risk (handled above) or a medium-spend boost needs sign-off
    if kind == "boost" and band == "medium":
        return [lead], []
    return [], []


def preset_rules(level: int) -> dict[tuple[str, str], tuple[list[dict[str, Any]], list[str]]]:
    """Every (kind, band) chain of a level."""
    return {
        (kind, band): preset_chain(level, kind, band)
        for kind in ("post", "reply", "boost")
        for band in ("low", "medium", "high")
    }
