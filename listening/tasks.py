"""Worker jobs for listening: after new signals arrived, judge the brand's triggers and watch
for a crisis."""

from __future__ import annotations

import logging

import dramatiq
from django.utils import timezone
from dramatiq_crontab import cron

from brandroom.queues import QUEUE_HOUSEKEEPING
from listening.services.crisis import watch_for_crisis
from listening.services.cycle import evaluate_due_brands
from listening.services.triggers import evaluate_triggers
from tenants.selectors import current_brand

logger = logging.getLogger(__name__)


@dramatiq.actor(max_retries=3)
def evaluate_brand_triggers(
    kinds: list[str] | None = None, topics: list[str] | None = None
) -> None:
    """Judge the triggers of the brand the message was sent for that signals of ``kinds`` and
    ``topics`` could match (enqueued on commit after a batch stored new signals; all of them
    when not given). Safe to run twice: a trigger in its cool-down does not fire."""
    evaluate_triggers(brand=current_brand(), kinds=kinds, topics=topics)


@dramatiq.actor(max_retries=3)
def watch_brand_for_crisis() -> None:
    """Compare the brand's last hour of negative signals with its baseline and warn the person
    on duty of a spike. Safe to run twice: the same spike does not warn twice."""
    watch_for_crisis(brand=current_brand())


@cron("*/1 * * * *")
@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=0, time_limit=55_000)
def evaluate_trigger_cycle() -> None:
    """Judge the triggers of every brand with new inputs since the last cycle and the
    time-based triggers that are due (absence of posts). Safe to run twice or overlapping:
    brands are claimed with SKIP LOCKED and each firing claims its trigger's cool-down. No
    retries: the next minute's run is the retry."""
    fired = evaluate_due_brands(now=timezone.now())
    if any(fired.values()):
        logger.info("Trigger cycle fired %s", fired)
