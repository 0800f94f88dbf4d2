"""Worker actors of the outbox: run an event's reactions; reconcile every brand periodically."""

from __future__ import annotations

import logging

import dramatiq
from django.conf import settings
from django_tenants.utils import schema_context
from dramatiq_crontab import interval

from brandroom.queues import QUEUE_DEFAULT, QUEUE_HOUSEKEEPING
from outbox import services
from tenants.models import Brand

logger = logging.getLogger(__name__)


# Retried quickly at first (a deadlock, a restart of the database), then backing off; after the
# last retry the reconciler takes over. Safe to run twice: each reaction runs once per event.
@dramatiq.actor(
    queue_name=QUEUE_DEFAULT,
    max_retries=settings.OUTBOX_MAX_RETRIES,
    min_backoff=settings.OUTBOX_RETRY_MIN_BACKOFF_MS,
    max_backoff=60_000,
)
def react_to_outbox_event(event_id: int) -> None:
    """Run the reactions to one outbox event, in its brand (the brand travels with it)."""
    services.dispatch_event(event_id=event_id)


@dramatiq.actor(
    queue_name=QUEUE_DEFAULT,
    max_retries=settings.OUTBOX_MAX_RETRIES,
    min_backoff=settings.OUTBOX_RETRY_MIN_BACKOFF_MS,
    max_backoff=60_000,
)
def react_to_outbox_events(event_ids: list[int]) -> None:
    """``react_to_outbox_event`` for the events one transaction wrote (``record_event`` sends
    one message per transaction and brand): their reactions share one transaction; a failing
    one is raised at the end and the retry skips the reactions that already ran."""
    services.dispatch_events(event_ids=event_ids)


@dramatiq.actor(
    queue_name=QUEUE_DEFAULT,
    max_retries=settings.OUTBOX_MAX_RETRIES,
    min_backoff=settings.OUTBOX_RETRY_MIN_BACKOFF_MS,
    max_backoff=60_000,
)
def react_to_outbox_events_of_brands(batches: list[tuple[str, list[int]]]) -> None:
    """``react_to_outbox_events`` for events several brands wrote in one transaction (the
    sweep's reminders across brands), each brand's run in its own schema: one message instead
    of one a brand. Sent from the public schema with the brands named in it; a brand that is
    gone or suspended is skipped, as the worker skips a message sent for one."""
    failure: Exception | None = None
    brands = Brand.objects.filter(schema_name__in=[schema for schema, _ids in batches])
    by_schema = {brand.schema_name: brand for brand in brands}
    for schema, event_ids in batches:
        brand = by_schema.get(schema)
        if brand is None or not brand.is_active:
            logger.info(
                "Skipping outbox events %s of brand schema %s: gone or suspended", event_ids, schema
            )
            continue
        with schema_context(schema):
            for event_id in event_ids:
                try:
                    services.dispatch_event(event_id=event_id)
                except Exception as exc:
                    failure = failure or exc
    if failure is not None:
        raise failure


@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=0)
def reconcile_brand_flows() -> None:
    fixed = services.reconcile_brand()
    if fixed:
        logger.info("Reconciled %s left-behind flows", fixed)


@interval(seconds=settings.OUTBOX_RECONCILE_INTERVAL_SECONDS)
@dramatiq.actor(queue_name=QUEUE_HOUSEKEEPING, max_retries=0)
def reconcile_flows_everywhere() -> None:
    """One reconciliation message per active brand, each run in that brand."""
    for schema in Brand.objects.filter(status=Brand.Status.ACTIVE).values_list(
        "schema_name", flat=True
    ):
        with schema_context(schema):
            reconcile_brand_flows.send()
