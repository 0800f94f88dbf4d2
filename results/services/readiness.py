"""Recording the brand's readiness week by week (the history, the agency view, the cockpit)."""

from __future__ import annotations

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from results.selectors.readiness import brand_readiness
from tenants.attention.models import ReadinessWeek
from tenants.attention.services import record_readiness
from tenants.selectors import current_brand


def record_brand_readiness(*, now: datetime) -> ReadinessWeek:
    """Compute the current brand's readiness and keep it as this week's (brand-local Monday);
    run daily, so the week's last reading stands."""
    brand = current_brand()
    tz = ZoneInfo(brand.timezone)
    readiness = brand_readiness(now=now, tz=tz)
    today = now.astimezone(tz).date()
    return record_readiness(
        brand_id=brand.pk,
        week=today - timedelta(days=today.weekday()),
        overall=readiness.overall,
        scores={c.key: c.score for c in readiness.criteria if c.score is not None},
        now=now,
    )
