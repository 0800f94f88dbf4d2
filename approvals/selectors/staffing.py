"""Whether the brand's approval chains can be decided by the people it has: a chain step whose
roles nobody on the brand holds would wait for its deadline for nothing."""

from __future__ import annotations

from typing import Any

from approvals.models import ChainRule
from approvals.selectors.people import staffed_roles
from tenants.roles import PERMISSIONS


def unheld_chain_steps(*, rules: list[ChainRule] | None = None) -> list[dict[str, Any]]:
    """Every chain step (of ``rules``, default all) that no member of the brand may decide
    because nobody holds any of its roles, with a sentence a lead can act on."""
    deciding_roles, _scope = PERMISSIONS["approvals.decide"]
    held = set(staffed_roles(roles=deciding_roles))
    chosen = rules if rules is not None else list(ChainRule.objects.order_by("kind", "band"))
    warnings = []
    for rule in chosen:
        for position, step in enumerate(rule.steps, start=1):
            roles = list(step.get("roles", []))
            if held.intersection(roles):
                continue
            warnings.append(
                {
                    "kind": rule.kind,
                    "band": rule.band,
                    "position": position,
                    "roles": roles,
                    "detail": (
                        f"Step {position} of the {rule.kind}/{rule.band} chain waits for "
                        f"{' or '.join(roles)}, and nobody on the brand holds "
                        f"{'that role' if len(roles) == 1 else 'these roles'}: add someone, "
                        "or change the chain. Until then such steps go straight to whoever "
                        "is on duty."
                    ),
                }
            )
    return warnings
