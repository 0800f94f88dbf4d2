"""Changing the policy's thresholds and switches; a new crisis threshold can start or end a
crisis at once, so this sits above the crisis module (the policy row itself is ``policy``)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction

from approvals.errors import InvalidPolicy
from approvals.models import AutonomyPolicy
from approvals.services.audit import record
from approvals.services.crisis import evaluate_crisis
from approvals.services.policy import POLICY_FIELDS, get_policy, policy_snapshot


def update_policy(*, actor_id: int | None, now: datetime, **changes: Any) -> AutonomyPolicy:
    """Change thresholds and switches (not the level: use ``apply_preset`` for that)."""
    unknown = set(changes) - (set(POLICY_FIELDS) - {"level"})
    if unknown:
        raise InvalidPolicy(f"Unknown policy field(s): {', '.join(sorted(unknown))}.")
    with transaction.atomic():
        policy = AutonomyPolicy.objects.select_for_update().get(id=get_policy().id)
        before = policy_snapshot(policy=policy)
        for field, value in changes.items():
            setattr(policy, field, value)
        if policy.medium_risk_from >= policy.high_risk_from or policy.high_risk_from > 100:
            raise InvalidPolicy(
                "medium_risk_from must be below high_risk_from, which is at most 100.",
                field="medium_risk_from",
            )
        if policy.boost_lead_up_to < policy.boost_no_signoff_up_to:
            raise InvalidPolicy(
                "boost_lead_up_to must be at least boost_no_signoff_up_to.",
                field="boost_lead_up_to",
            )
        try:
            with transaction.atomic():
                policy.save(update_fields=[*changes, "updated_at"])
        except IntegrityError as exc:
            raise InvalidPolicy(f"The policy values are out of range: {exc}") from None
        record(
            action="policy_updated",
            at=now,
            actor_id=actor_id,
            before=before,
            after=policy_snapshot(policy=policy),
        )
        if "crisis_threshold" in changes:
            evaluate_crisis(actor_id=actor_id, now=now)
    return policy
