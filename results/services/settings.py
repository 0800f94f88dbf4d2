"""The brand's measurement rules."""

from __future__ import annotations

from content.services import update_assistant_settings
from results.services.kpis import evaluate_kpis_on_commit


def update_reply_deadline(*, reply_deadline_minutes: int) -> int:
    """Set the brand's reply deadline (kept by content, which also dates each inbox item by it)
    that ``replies_in_time_share`` judges replies by; past periods are judged by it too (their
    figures are computed when read), and the worker re-judges the KPIs after the commit."""
    row = update_assistant_settings(reply_deadline_minutes=reply_deadline_minutes)
    evaluate_kpis_on_commit()
    return row.reply_deadline_minutes
