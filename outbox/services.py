"""Writing outbox events and running their reactions (on the worker, or from the reconciler)."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, transaction
from django.db.models import F
from django.utils import timezone
from django_tenants.utils import get_public_schema_name

from outbox import handlers
from outbox.models import OutboxEvent
from tenants.selectors import current_schema_name
from tenants.worker import PendingSend, enqueue_on_commit

logger = logging.getLogger(__name__)

# How many stale rows one reconciliation run of a brand takes on (the next run takes the rest).
RECONCILE_BATCH = 200
# How many times one dispatch runs, in its transaction, the events its reactions wrote (and
# then those theirs wrote): a draft needs one (routing's events); a chain that goes on longer
# sends the rest as a message.
FOLLOW_ROUNDS = 2


# ``dispatch_events``' lock-read of a message's events, written out once: it runs for every
# message, and Django rebuilding ``select_for_update().filter(pk__in=ids).order_by("pk")``
# cost more Python than the row took to read. The brand's schema is the search_path.
_LOCK_EVENTS_SQL = (
    f"SELECT * FROM {OutboxEvent._meta.db_table} WHERE id = ANY(%s) ORDER BY id FOR UPDATE"
)

# ... and its note that the events are done, one row each (bulk_update's CASE per row and
# column cost more Python than the rows took to write).
_NOTE_DONE_SQL = f"""
    UPDATE {OutboxEvent._meta.db_table} AS event
    SET handled = done.handled, dispatched_at = done.dispatched_at
    FROM unnest(%s::bigint[], %s::text[]::jsonb[], %s::timestamptz[])
        AS done (id, handled, dispatched_at)
    WHERE event.id = done.id"""


class _PayloadEncoder(DjangoJSONEncoder):
    # Times keep their microseconds (Django's encoder cuts them to milliseconds), so a time in
    # a payload equals the same time read from the database.
    def default(self, o: Any) -> Any:
        if isinstance(o, datetime):
            return o.isoformat()
        return super().default(o)


class NotInBrand(RuntimeError):
    """Outbox events belong to a brand: they are written in the brand's schema."""


def record_event(*, name: str, payload: dict[str, Any]) -> OutboxEvent:
    """Announce ``name`` as part of the current transaction: the row commits (or rolls back)
    with the change that caused it, and once committed the worker runs the handlers other apps
    registered for ``name``. ``payload`` must be JSON (datetimes become ISO 8601 strings)."""
    if current_schema_name() == get_public_schema_name():
        raise NotInBrand(f"The outbox event {name} must be recorded inside a brand's schema.")
    event = OutboxEvent.objects.create(
        name=name, payload=json.loads(json.dumps(payload, cls=_PayloadEncoder))
    )
    _dispatch_on_commit([event])
    return event


def record_events(*, name: str, payloads: Iterable[dict[str, Any]]) -> list[OutboxEvent]:
    """``record_event`` for many events of one kind, written in one statement (a sweep batch's
    notices), and dispatched together once the transaction commits."""
    return record_events_together(events=[(name, payload) for payload in payloads])


def record_events_together(*, events: Iterable[tuple[str, dict[str, Any]]]) -> list[OutboxEvent]:
    """``record_event`` for ``(name, payload)`` pairs of any kinds (a job's drafts and their
    moves), written in one statement and dispatched together once the transaction commits."""
    if current_schema_name() == get_public_schema_name():
        names = sorted({name for name, _payload in events})
        raise NotInBrand(f"The outbox events {names} must be recorded inside a brand's schema.")
    written = OutboxEvent.objects.bulk_create(
        [new_event(name=name, payload=payload) for name, payload in events]
    )
    if written:
        _dispatch_on_commit(written)
    return written


def _dispatch_on_commit(events: list[OutboxEvent]) -> None:
    """One worker message for the events a transaction writes in a brand, sent once it
    commits: a broker send costs a round trip (several with the PostgreSQL broker), more than
    writing the events did, and one message's events share one transaction of bookkeeping
    (``dispatch_events``).

    The message is an on-commit hook that shares its events' fate: events join a message only
    if the savepoints that could still undo them are the ones that would drop its hook. So
    events written at one level of a transaction (or in savepoints since released) go in one
    message; an event written in a deeper savepoint that is still open gets its own, dropped
    with it if that savepoint rolls back, so no message ever names an event that was undone."""
    from outbox.tasks import react_to_outbox_events  # the actor module imports these services

    event_ids = [event.pk for event in events]
    if not connection.in_atomic_block:  # autocommit: the events are in, the send goes now
        enqueue_on_commit(react_to_outbox_events, event_ids)
        return
    schema = current_schema_name()
    level = tuple(sid for sid in connection.savepoint_ids if sid)
    messages = _pending_messages()
    # Messages registered here, or in savepoints since released (one rolled back would have
    # dropped them), can be undone by nothing but what undoes these events: one message.
    joined = [
        m
        for m in messages
        if m.schema == schema and m.level[: len(level)] == level and not m.send.sent
    ]
    if not joined:
        send = enqueue_on_commit(react_to_outbox_events, event_ids)
        messages.append(_PendingMessage(schema, level, send, list(events)))
        return
    first = joined[0]
    first.level = level
    for other in joined[1:]:
        first.event_ids.extend(other.event_ids)
        first.events.extend(other.events)
        other.send.withdraw()
        messages.remove(other)
    first.event_ids.extend(event_ids)  # read when the message is sent
    first.events.extend(events)


class _PendingMessage:
    """A ``react_to_outbox_events`` message still to be sent on commit, the savepoint level
    (open savepoint ids) it was registered at, the event ids it will name and those events as
    written (for ``dispatch_events`` to run them in the transaction that wrote them)."""

    __slots__ = ("schema", "level", "send", "events")

    def __init__(
        self, schema: str, level: tuple[str, ...], send: PendingSend, events: list[OutboxEvent]
    ) -> None:
        self.schema, self.level, self.send, self.events = schema, level, send, events

    @property
    def event_ids(self) -> list[int]:
        ids: list[int] = self.send.args[0]
        return ids


def _pending_messages() -> list[_PendingMessage]:
    """The outbox messages the connection's open transaction will send on commit.

    Django replaces ``connection.run_on_commit`` with a new list whenever hooks are dropped or
    run (commit, rollback, a savepoint rolled back), so while it is the list seen last time
    every message noted is still to come; otherwise the survivors are found once, in one pass
    over the hooks, and the next events of the transaction find them without looking."""
    hooks = connection.run_on_commit
    state: tuple[list[Any], list[_PendingMessage]] | None = getattr(
        connection, "_outbox_messages", None
    )
    if state is not None and state[0] is hooks:
        return state[1]
    live = {id(entry[1]) for entry in hooks}
    kept = [m for m in state[1] if id(m.send) in live] if state is not None else []
    connection._outbox_messages = (hooks, kept)  # type: ignore[attr-defined]
    return kept


def new_event(*, name: str, payload: dict[str, Any]) -> OutboxEvent:
    """The unsaved event ``record_event`` writes (``payload`` made JSON), for a writer that
    inserts many at once and enqueues their dispatch itself (the sweep across brands)."""
    return OutboxEvent(name=name, payload=json.loads(json.dumps(payload, cls=_PayloadEncoder)))


def dispatch_event(*, event_id: int, now: datetime | None = None) -> bool:
    """``dispatch_events`` for one event (the reconciler's way, and older messages')."""
    return dispatch_events(event_ids=[event_id], now=now)


def dispatch_events(
    *, event_ids: list[int], now: datetime | None = None, follow: bool = True
) -> bool:
    """Run every reaction to the events one message names (those one transaction wrote) that
    has not run yet, with the note that it ran, so each runs once however often this is
    called. Returns True when every reaction has run.

    All the reactions run in one transaction with the events' rows locked (in id order: a
    second dispatcher, a retry or the reconciler, waits, then finds them done) and one
    statement noting them done, not a lock, a read and an update an event or a reaction.
    With ``follow``, the events those reactions write (routing's, say) run in the same
    transaction too instead of going out as a message of their own: nobody else can see them
    before the commit, so they need no lock, and they commit done with everything else, or
    roll back with it (a killed worker leaves the first events to the retry or the reconciler,
    which write them again).

    If a reaction fails, that transaction rolls back whole; the failure is counted on its
    event, which then runs its other reactions each in a transaction of its own without the
    one that failed, and every other event runs on its own: one failing reaction holds none of
    the others back and is not retried within this call. A failing reaction to a followed
    event rolled back with the event itself, so the message's events run again without
    following, and the events they write go out as their own message, where the same rules
    hold. The first failure is raised at the end (the worker retries, the reconciler catches
    what retries do not)."""
    failing: tuple[int, str] | None = None
    try:
        with transaction.atomic():
            done: list[OutboxEvent] = []
            # Messages of a caller's transaction are not this dispatch's to take.
            callers = {id(message.send) for message in _pending_messages()} if follow else set()
            batch: Iterable[OutboxEvent] = OutboxEvent.objects.raw(
                _LOCK_EVENTS_SQL, [list(event_ids)]
            )
            for _round in range(FOLLOW_ROUNDS + 1):
                for event in batch:
                    if event.dispatched_at is not None:
                        continue
                    ran = list(event.handled)
                    for key, handler in handlers.handlers_for(event.name):
                        if key not in ran:
                            failing = (event.pk, key)
                            handler(event)
                            ran.append(key)
                    event.handled, event.dispatched_at = ran, now or timezone.now()
                    done.append(event)
                if not follow or _round == FOLLOW_ROUNDS:
                    break  # what the last round wrote goes out as its message
                batch = _take_written_events(keep=callers)
                if not batch:
                    break
            failing = None
            if done:
                with connection.cursor() as cursor:
                    cursor.execute(
                        _NOTE_DONE_SQL,
                        [
                            [event.pk for event in done],
                            [json.dumps(event.handled) for event in done],
                            [event.dispatched_at for event in done],
                        ],
                    )
            return True
    except Exception as exc:
        if failing is None:
            raise  # the events' own rows could not be read or written: the worker retries
        failed_id, key = failing
        if failed_id not in event_ids:
            logger.warning("Reaction %s to followed outbox event failed: %r", key, exc)
            return dispatch_events(event_ids=event_ids, now=now, follow=False)
        logger.warning("Reaction %s to outbox event %s failed: %r", key, failed_id, exc)
        _count_failure(event_id=failed_id, key=key, exc=exc)
        for event_id in event_ids:
            try:
                if event_id == failed_id:
                    _dispatch_one_by_one(event_id=event_id, now=now, skip=key)
                else:
                    dispatch_events(event_ids=[event_id], now=now)
            except Exception as other:  # counted on its event; the first failure is raised
                logger.warning("Outbox event %s left undone: %r", event_id, other)
        raise


def _take_written_events(*, keep: set[int]) -> list[OutboxEvent]:
    """The events written in the current brand since ``dispatch_events`` began (those of the
    messages still to be sent, but the ones in ``keep``), their messages withdrawn: the
    caller runs them in this transaction and notes them done in it."""
    schema = current_schema_name()
    messages = _pending_messages()
    taken: list[OutboxEvent] = []
    for message in list(messages):
        if message.schema != schema or message.send.sent or id(message.send) in keep:
            continue
        message.send.withdraw()
        messages.remove(message)
        taken.extend(message.events)
    return sorted(taken, key=lambda event: event.pk)


def _count_failure(*, event_id: int, key: str, exc: Exception) -> None:
    OutboxEvent.objects.filter(pk=event_id).update(
        attempts=F("attempts") + 1, last_error=f"{key}: {exc!r}"[:2000]
    )


def _dispatch_one_by_one(*, event_id: int, now: datetime | None, skip: str = "") -> bool:
    """Each reaction (but ``skip``, which just failed) in its own transaction with the note
    that it ran: the way after a failure, so one failing reaction holds none of the others
    back. Raises the first failure at the end; True when every reaction has run."""
    event = OutboxEvent.objects.filter(pk=event_id).first()
    if event is None or event.dispatched_at is not None:
        return True
    failure: Exception | None = None
    for key, handler in handlers.handlers_for(event.name):
        if key == skip:
            continue
        try:
            with transaction.atomic():
                # The row lock makes a second dispatcher of the same event (a retry, the
                # reconciler) wait, then see this reaction done.
                locked = OutboxEvent.objects.select_for_update().get(pk=event_id)
                if key in locked.handled:
                    continue
                handler(locked)
                locked.handled = [*locked.handled, key]
                locked.save(update_fields=["handled"])
        except Exception as exc:
            logger.warning("Reaction %s to %s failed: %r", key, event, exc)
            _count_failure(event_id=event_id, key=key, exc=exc)
            failure = failure or exc
    if failure is not None:
        raise failure
    if skip:
        return False
    OutboxEvent.objects.filter(pk=event_id, dispatched_at__isnull=True).update(
        dispatched_at=now or timezone.now()
    )
    return True


def stale_event_ids(*, now: datetime) -> list[int]:
    """Events still waiting for a reaction after the grace period, oldest first."""
    cutoff = now - timedelta(seconds=settings.OUTBOX_RECONCILE_AFTER_SECONDS)
    return list(
        OutboxEvent.objects.filter(dispatched_at__isnull=True, created_at__lt=cutoff)
        .order_by("created_at", "pk")
        .values_list("pk", flat=True)[:RECONCILE_BATCH]
    )


def reconcile_brand(*, now: datetime | None = None) -> int:
    """Finish in the current brand what the flows left behind: run the reactions of events the
    worker did not finish (lost message, killed worker, a reaction that kept failing), then the
    apps' own reconcilers; drop dispatched events past the retention. Returns things fixed."""
    now = now or timezone.now()
    fixed = 0
    for event_id in stale_event_ids(now=now):
        try:
            dispatch_event(event_id=event_id, now=now)
        except Exception:
            logger.exception(
                "Reconciling outbox event %s failed; the next run tries again", event_id
            )
            continue
        fixed += 1
    for key, reconciler in handlers.reconcilers():
        try:
            fixed += reconciler()
        except Exception:
            logger.exception("Reconciler %s failed; the next run tries again", key)
    retention = now - timedelta(days=settings.EVENT_RETENTION_DAYS)
    OutboxEvent.objects.filter(dispatched_at__lt=retention).delete()
    return fixed
