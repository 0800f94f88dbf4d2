"""Results' rows in the cockpit's attention rollup: KPIs off track in their current period.

Synced where KPIs are judged or removed, in the same transaction, and by the reconciler."""

from __future__ import annotations

from datetime import datetime, time
from zoneinfo import ZoneInfo

from results.models import Kpi
from tenants.attention.models import AttentionKind
from tenants.attention.services import Attention, sync_attention
from tenants.selectors import current_brand


def _collect() -> list[Attention]:
    brand = current_brand()
    tz = ZoneInfo(brand.timezone)
    kpis = Kpi.objects.filter(
        last_status=Kpi.Status.OFF_TRACK, last_status_period__isnull=False
    ).order_by("pk")
    return [
        Attention(
            kind=AttentionKind.KPI_OFF_TRACK,
            source_id=kpi.pk,
            title=f"KPI off track: {kpi.name} (this {kpi.period})",
            link=f"/brands/{brand.slug}/results/",
            # Off track for the period that started then (the judgement is per period).
            since=datetime.combine(kpi.last_status_period, time.min, tzinfo=tz),
            user_ids=[kpi.owner_id] if kpi.owner_id else [],
        )
        for kpi in kpis
        if kpi.last_status_period is not None
    ]


def sync_kpi_attention() -> int:
    """Make the brand's off-track KPI rows match its KPIs' last judgement; rows changed."""
    return sync_attention(kinds={AttentionKind.KPI_OFF_TRACK}, collect=_collect)
