"""Worker jobs for listening: judge a brand's triggers after new signals arrived."""

from __future__ import annotations

import dramatiq

from listening.services.triggers import evaluate_triggers
from tenants.selectors import current_brand


@dramatiq.actor(max_retries=3)
def evaluate_brand_triggers() -> None:
    """Judge the triggers of the brand the message was sent for (enqueued on commit after a
    batch stored new signals). Safe to run twice: a trigger in its cool-down does not fire."""
    evaluate_triggers(brand=current_brand())
