"""The brand's autonomy policy as stored: its row, preset levels and the chain per kind and band.

The rules that turn these into a subject's chain are pure and live in ``rules``; changing the
thresholds (which can start or end a crisis) is ``thresholds``."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import transaction
from django.forms.models import model_to_dict

from approvals import presets
from approvals.errors import InvalidPolicy
from approvals.models import BANDS, KINDS, ApprovalMode, AutonomyPolicy, ChainRule, TimeoutRule
from approvals.services.audit import record
from approvals.services.rules import Chain
from tenants.roles import Role, role_may
from tenants.selectors import current_brand

POLICY_FIELDS = [
    "level",
    "medium_risk_from",
    "high_risk_from",
    "allow_auto_approve",
    "boost_currency",
    "boost_no_signoff_up_to",
    "boost_lead_up_to",
    "crisis_threshold",
]


def policy_snapshot(*, policy: AutonomyPolicy) -> dict[str, Any]:
    """The policy's thresholds and switches as the audit trail records them."""
    data = model_to_dict(policy, fields=POLICY_FIELDS)
    for key in ("boost_no_signoff_up_to", "boost_lead_up_to"):
        data[key] = str(data[key])
    return data


def _rules_snapshot() -> dict[str, Any]:
    return {
        f"{rule.kind}/{rule.band}": {"steps": rule.steps, "inform_roles": rule.inform_roles}
        for rule in ChainRule.objects.order_by("kind", "band")
    }


def get_policy() -> AutonomyPolicy:
    """The brand's policy row (created with defaults if a brand predates this app)."""
    policy, _ = AutonomyPolicy.objects.get_or_create(id=1)
    return policy


def seed_brand_defaults(*, level: int = 1) -> AutonomyPolicy:
    """Give a new brand its policy and the preset chains of ``level``.

    The crisis state row is created on first use: it has a (deferred) foreign key, and a
    pending constraint check would stop a brand created and dropped in one transaction."""
    with transaction.atomic():
        # The boost thresholds are in the brand's own currency from the start.
        policy, created = AutonomyPolicy.objects.get_or_create(
            id=1, defaults={"level": level, "boost_currency": current_brand().currency}
        )
        if created or not ChainRule.objects.exists():
            _write_preset(policy.level)
    return policy


def _write_preset(level: int) -> None:
    ChainRule.objects.all().delete()
    ChainRule.objects.bulk_create(
        ChainRule(kind=kind, band=band, steps=steps, inform_roles=inform)
        for (kind, band), (steps, inform) in presets.preset_rules(level).items()
    )


def apply_preset(*, level: int, actor_id: int | None, now: datetime) -> AutonomyPolicy:
    """Switch the brand to a preset level: every chain rule is replaced by the preset's."""
    if level not in presets.LEVELS:
        raise InvalidPolicy("The autonomy level must be 0, 1, 2 or 3.", field="level")
    with transaction.atomic():
        policy = AutonomyPolicy.objects.select_for_update().get(id=get_policy().id)
        before = {"policy": policy_snapshot(policy=policy), "rules": _rules_snapshot()}
        policy.level = level
        policy.save(update_fields=["level", "updated_at"])
        _write_preset(level)
        record(
            action="policy_preset_applied",
            at=now,
            actor_id=actor_id,
            before=before,
            after={"policy": policy_snapshot(policy=policy), "rules": _rules_snapshot()},
        )
    return policy


def validate_steps(*, band: str, steps: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Check a chain's steps and return them in their stored shape."""
    if not isinstance(steps, list):
        raise InvalidPolicy("steps must be a list.", field="steps")
    clean = []
    for number, raw in enumerate(steps, start=1):
        where = f"Step {number}"
        roles = raw.get("roles") or []
        bad = [r for r in roles if r not in Role.values]
        if not roles or bad:
            raise InvalidPolicy(f"{where}: give known roles (unknown: {bad}).", field="steps")
        undeciding = [r for r in roles if not role_may(r, "approvals.decide")]
        if undeciding:
            raise InvalidPolicy(
                f"{where}: only roles that may decide approvals can sign off "
                f"(not {', '.join(undeciding)}).",
                field="steps",
            )
        mode = raw.get("mode", ApprovalMode.ANY)
        if mode not in ApprovalMode.values:
            raise InvalidPolicy(f"{where}: mode must be 'any' or 'all'.", field="steps")
        deadline = raw.get("deadline_minutes")
        if not isinstance(deadline, int) or deadline <= 0:
            raise InvalidPolicy(f"{where}: deadline_minutes must be positive.", field="steps")
        reminders = sorted(set(raw.get("reminder_minutes") or []))
        if any(not isinstance(m, int) or m <= 0 or m >= deadline for m in reminders):
            raise InvalidPolicy(
                f"{where}: reminders must be whole minutes between 0 and the deadline.",
                field="steps",
            )
        on_timeout = raw.get("on_timeout", TimeoutRule.ESCALATE)
        if on_timeout not in TimeoutRule.values:
            raise InvalidPolicy(
                f"{where}: on_timeout must be escalate, auto_approve or expire.", field="steps"
            )
        if on_timeout == TimeoutRule.AUTO_APPROVE and band != "low":
            raise InvalidPolicy(
                f"{where}: automatic approval on timeout is only allowed for low risk.",
                field="steps",
            )
        clean.append(
            {
                "roles": list(dict.fromkeys(roles)),
                "mode": mode,
                "deadline_minutes": deadline,
                "reminder_minutes": reminders,
                "on_timeout": on_timeout,
            }
        )
    return clean


def update_chain_rule(
    *,
    kind: str,
    band: str,
    steps: list[dict[str, Any]],
    inform_roles: list[str] | None,
    actor_id: int | None,
    now: datetime,
) -> ChainRule:
    """Replace the chain for one kind and risk band (an empty list means no sign-off)."""
    if kind not in KINDS or band not in BANDS:
        raise InvalidPolicy(f"Unknown kind/band '{kind}/{band}'.", field="kind")
    clean = validate_steps(band=band, steps=steps)
    inform = list(inform_roles or [])
    if any(r not in Role.values for r in inform):
        raise InvalidPolicy("inform_roles must be known roles.", field="inform_roles")
    with transaction.atomic():
        rule = ChainRule.objects.select_for_update().filter(kind=kind, band=band).first()
        before = {"steps": rule.steps, "inform_roles": rule.inform_roles} if rule else None
        if rule is None:
            rule = ChainRule(kind=kind, band=band)
        rule.steps, rule.inform_roles = clean, inform
        rule.save()
        record(
            action="chain_rule_updated",
            at=now,
            actor_id=actor_id,
            subject_kind=kind,
            detail=f"{kind}/{band}",
            before=before,
            after={"steps": clean, "inform_roles": inform},
        )
    return rule


def stored_chains() -> dict[tuple[str, str], Chain]:
    """The brand's chain per (kind, band), as stored (a missing pair falls back to the preset)."""
    return {
        (rule.kind, rule.band): (list(rule.steps), list(rule.inform_roles))
        for rule in ChainRule.objects.all()
    }
