"""The brand's paid-media settings: spend thresholds for sign-off and pacing tolerance."""

from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from media.errors import MediaError
from media.models import MediaSettings
from media.money import is_currency
from media.selectors import DEFAULT_SPEND_THRESHOLDS
from tenants.roles import Role


def _check_thresholds(thresholds: dict[str, Any]) -> dict[str, list[dict[str, Any]]]:
    clean: dict[str, list[dict[str, Any]]] = {}
    for currency, tiers in thresholds.items():
        if not is_currency(currency):
            raise MediaError(f"'{currency}' is not an ISO 4217 currency code.", "spend_thresholds")
        if not isinstance(tiers, list) or not tiers:
            raise MediaError(f"Give {currency} a list of tiers.", field="spend_thresholds")
        previous = Decimal(-1)
        out = []
        for i, tier in enumerate(tiers):
            up_to = tier.get("up_to") if isinstance(tier, dict) else None
            approvers = tier.get("approvers", []) if isinstance(tier, dict) else None
            if not isinstance(approvers, list) or set(approvers) - set(Role.values):
                raise MediaError(
                    f"{currency} tier {i + 1}: approvers must be a list of roles.",
                    field="spend_thresholds",
                )
            if up_to is None:
                if i != len(tiers) - 1:
                    raise MediaError(
                        f"{currency}: only the last tier may have no upper limit.",
                        field="spend_thresholds",
                    )
                out.append({"up_to": None, "approvers": sorted(set(approvers))})
                continue
            try:
                limit = Decimal(str(up_to))
            except InvalidOperation:
                raise MediaError(
                    f"{currency} tier {i + 1}: up_to must be an amount.", field="spend_thresholds"
                ) from None
            if limit <= previous:
                raise MediaError(
                    f"{currency}: tiers must go up in amount.", field="spend_thresholds"
                )
            previous = limit
            out.append({"up_to": str(limit), "approvers": sorted(set(approvers))})
        clean[currency] = out
    return clean


def update_media_settings(
    *,
    spend_thresholds: dict[str, Any] | None = None,
    pacing_tolerance_percent: int | None = None,
) -> MediaSettings:
    """Change the brand's spend thresholds (replacing them all) or pacing tolerance."""
    settings, _ = MediaSettings.objects.get_or_create(
        pk=1, defaults={"spend_thresholds": DEFAULT_SPEND_THRESHOLDS}
    )
    fields = ["updated_at"]
    if spend_thresholds is not None:
        settings.spend_thresholds = _check_thresholds(spend_thresholds)
        fields.append("spend_thresholds")
    if pacing_tolerance_percent is not None:
        if not 0 < pacing_tolerance_percent <= 100:
            raise MediaError("Give a tolerance from 1 to 100 percent.", "pacing_tolerance_percent")
        settings.pacing_tolerance_percent = pacing_tolerance_percent
        fields.append("pacing_tolerance_percent")
    settings.save(update_fields=fields)
    return settings


def seed_media_settings() -> MediaSettings:
    """Create the brand's settings with the default thresholds (on brand creation)."""
    settings, _ = MediaSettings.objects.get_or_create(
        pk=1, defaults={"spend_thresholds": DEFAULT_SPEND_THRESHOLDS}
    )
    return settings
