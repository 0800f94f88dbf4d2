"""Worker jobs for the plan: the roll that keeps every brand's plan twelve months ahead, the
assembly of review packs, and the reminders of overdue review actions.

The roll is monthly in effect (a month is added and the past one closed as a brand's month
turns), checked daily so each brand rolls soon after its own local midnight, and a missed run
is caught up by the next one."""

from __future__ import annotations

import logging

import dramatiq
from django.utils import timezone
from dramatiq_crontab import cron

from brandroom.queues import QUEUE_DEFAULT, QUEUE_HOUSEKEEPING
from planning.services.roll import roll_plan
from tenants.models import Brand
from tenants.selectors import current_brand
from tenants.worker import OPTION

logger = logging.getLogger(__name__)


@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=3)
def roll_brand_plan() -> None:
    """Roll the plan of the brand the message was sent for (safe to run twice: a second run
    finds nothing to add or close)."""
    brand = current_brand()
    outcome = roll_plan(brand=brand)
    if outcome.added or outcome.closed:
        logger.info("Plan of %s rolled: %s", brand.slug, outcome)


@cron("41 * * * *")
@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=0)
def roll_plans_everywhere() -> None:
    """Hourly (brands' months turn at their own local midnight): one message per active
    brand, each run in that brand's schema."""
    for schema in Brand.objects.filter(status=Brand.Status.ACTIVE).values_list(
        "schema_name", flat=True
    ):
        # Named on the message itself rather than read from the connection by the middleware:
        # the brand is what the message is about.
        roll_brand_plan.send_with_options(**{OPTION: schema})


@dramatiq.actor(queue_name=QUEUE_DEFAULT, max_retries=3)
def assemble_review_pack(*, review_id: int, generation: int) -> None:
    """Build a review's pack (someone is waiting to read it: the default queue, not the
    sweeps'). A newer request or a closed review makes this one a no-op."""
    from planning.services.packs import build_pack

    review = build_pack(brand=current_brand(), review_id=review_id, generation=generation)
    if review is not None:
        logger.info("Review pack %s of %s built", review.pk, current_brand().slug)


@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=3)
def remind_brand_overdue_actions() -> None:
    """Remind and escalate the overdue review actions of the brand the message was sent for
    (safe to run twice: each action is reminded and escalated once)."""
    from planning.services.overdue import remind_overdue_actions

    outcome = remind_overdue_actions(brand=current_brand())
    if outcome.reminded or outcome.escalated:
        logger.info("Overdue review actions of %s: %s", current_brand().slug, outcome)


@cron("23 * * * *")
@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=0)
def sweep_overdue_review_actions() -> None:
    """Hourly (a due day passes at each brand's own local midnight): one message per active
    brand, each run in that brand's schema."""
    for schema in Brand.objects.filter(status=Brand.Status.ACTIVE).values_list(
        "schema_name", flat=True
    ):
        remind_brand_overdue_actions.send_with_options(**{OPTION: schema})


@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=3)
def announce_brand_due_items() -> None:
    """Announce the plan items of the brand the message was sent for whose time has come
    (safe to run twice: each item is announced once)."""
    from planning.services.due import announce_due_items

    announce_due_items(brand=current_brand(), now=timezone.now())


@cron("*/5 * * * *")
@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=0)
def announce_due_items_everywhere() -> None:
    """Every five minutes: one message per active brand, each run in that brand's schema."""
    for schema in Brand.objects.filter(status=Brand.Status.ACTIVE).values_list(
        "schema_name", flat=True
    ):
        announce_brand_due_items.send_with_options(**{OPTION: schema})
