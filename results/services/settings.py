"""The brand's measurement rules."""

from __future__ import annotations

from results.models import ResultsSettings
from results.services.kpis import evaluate_kpis_on_commit


def update_results_settings(*, reply_deadline_minutes: int) -> ResultsSettings:
    """Set the reply deadline that ``replies_in_time_share`` judges inbox replies by; past
    periods are judged by it too (their figures are computed when read), and the worker re-judges
    the KPIs after the commit."""
    row, _created = ResultsSettings.objects.update_or_create(
        pk=1, defaults={"reply_deadline_minutes": reply_deadline_minutes}
    )
    evaluate_kpis_on_commit()
    return row
