"""Signals from integrators, in batches of up to 1,000, stored whole or not at all.

A batch is checked first (every rule below names ``signals.<index>.<field>``) and then
written in one statement; if any item is wrong nothing of the batch is stored. Storing is
idempotent by (source, external_id): an item already stored (from an earlier or a concurrent
batch) is answered as a duplicate and left as it was, so a retried batch stores nothing twice.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone

from content import selectors as content
from content.assistant import injection
from listening.errors import ListeningError
from listening.models import OWN_SOURCE, Signal, SignalKind
from listening.services.due_index import mark_inputs_changed
from listening.tasks import evaluate_brand_triggers, watch_brand_for_crisis
from tenants.worker import enqueue_on_commit

MAX_BATCH = 1000
# A source's clock and ours differ a little; further ahead than this is a mistake.
FUTURE_SLACK = timedelta(minutes=10)


@dataclass(frozen=True)
class SignalIngestOutcome:
    """Which items of the batch were stored now and which were stored before (by index)."""

    created: list[int] = field(default_factory=list)
    duplicates: list[int] = field(default_factory=list)


def _where(index: int, name: str) -> str:
    return f"signals.{index}.{name}"


def _check(items: list[dict[str, Any]], now: datetime) -> None:
    if len(items) > MAX_BATCH:
        raise ListeningError(f"Send at most {MAX_BATCH} signals at a time.", field="signals")
    seen: dict[tuple[str, str], int] = {}
    for index, item in enumerate(items):
        if item["source"].lower() == OWN_SOURCE:
            raise ListeningError(
                f"'{OWN_SOURCE}' is the source of the signals Brandroom makes itself; name "
                "your channel or system.",
                field=_where(index, "source"),
            )
        if item["observed_at"] > now + FUTURE_SLACK:
            raise ListeningError(
                "The signal is observed in the future.", field=_where(index, "observed_at")
            )
        key = (item["source"], item["external_id"])
        if key in seen:
            raise ListeningError(
                f"Signal {seen[key]} of this batch has the same source and external_id.",
                field=_where(index, "external_id"),
            )
        seen[key] = index
    wanted = {item["audience"] for item in items if item.get("audience") is not None}
    known = set(content.audiences().filter(pk__in=wanted).values_list("pk", flat=True))
    for index, item in enumerate(items):
        if item.get("audience") is not None and item["audience"] not in known:
            raise ListeningError(
                f"The brand has no audience {item['audience']}.", field=_where(index, "audience")
            )


def _own_posts(items: list[dict[str, Any]]) -> set[str]:
    """The post ids items name that are posts Brandroom published for the brand."""
    named = {item["post_external_id"] for item in items if item.get("post_external_id")}
    if not named:
        return set()
    return set(
        content.drafts()
        .filter(external_id__in=named, published_at__isnull=False)
        .values_list("external_id", flat=True)
    )


def _row(item: dict[str, Any], own_posts: set[str]) -> dict[str, Any]:
    text = item.get("text", "")
    post = item.get("post_external_id", "")
    return {
        "kind": item["kind"],
        "source": item["source"],
        "external_id": item["external_id"],
        "audience_id": item.get("audience"),
        "topic": item.get("topic", ""),
        "value": item.get("value", 1),
        "sentiment": item.get("sentiment"),
        "text": text,
        "post_external_id": post,
        "from_own_output": bool(post) and post in own_posts,
        # The public's words are data: attempts in them to instruct an assistant are marked,
        # and nothing in Brandroom hands a signal's text to the assistant.
        "injection_signals": [s.as_dict() for s in injection.detect(text)],
        "attributes": item.get("attributes") or {},
        "observed_at": item["observed_at"].isoformat(),
    }


_COLUMNS = (
    "kind text, source text, external_id text, audience_id bigint, topic text, value float8, "
    "sentiment float8, text text, post_external_id text, from_own_output boolean, "
    "injection_signals jsonb, attributes jsonb, observed_at timestamptz"
)
_NAMES = (
    "kind, source, external_id, audience_id, topic, value, sentiment, text, post_external_id, "
    "from_own_output, injection_signals, attributes, observed_at"
)


def ingest_signals(
    *, items: list[dict[str, Any]], now: datetime | None = None
) -> SignalIngestOutcome:
    """Store a batch of signals (validated items: ``kind``, ``source``, ``external_id``,
    ``observed_at`` and optional ``audience``, ``topic``, ``value``, ``sentiment``, ``text``,
    ``post_external_id``, ``attributes``). A rule an item breaks refuses the whole batch; new
    signals enqueue an evaluation of the brand's triggers and a crisis watch once the batch is
    committed."""
    now = now or timezone.now()
    _check(items, now)
    own_posts = _own_posts(items)
    rows = [_row(item, own_posts) for item in items]
    table = Signal._meta.db_table
    # One statement for the whole batch; ON CONFLICT makes a concurrent batch with the same
    # signals wait for ours and then skip them, so nothing is stored twice. The hourly rollup
    # (SignalHour) follows in the same statement: a statement trigger adds the rows actually
    # inserted, grouped, so a re-sent signal never counts twice (migration 0008).
    sql = f"""
        INSERT INTO {table} ({_NAMES}, received_at)
        SELECT {_NAMES}, now() FROM jsonb_to_recordset(%s::jsonb) AS r({_COLUMNS})
        ON CONFLICT (source, external_id) DO NOTHING
        RETURNING source, external_id
    """
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(sql, [json.dumps(rows)])
            stored = {(source, external_id) for source, external_id in cursor.fetchall()}
        created = [
            i for i, item in enumerate(items) if (item["source"], item["external_id"]) in stored
        ]
        if created:
            # Only the triggers these signals could match are judged: the cost follows the
            # rules whose inputs changed, not all of the brand's rules.
            enqueue_on_commit(
                evaluate_brand_triggers,
                kinds=sorted({items[i]["kind"] for i in created}),
                topics=sorted({str(items[i].get("topic", "")).lower() for i in created}),
            )
            enqueue_on_commit(watch_brand_for_crisis)
            # And the every-minute cycle looks at the brand: the reconciler if the message
            # above is lost, and the one that judges change-against-baseline rules in time.
            mark_inputs_changed(now=now)
    new = set(created)
    duplicates = [i for i in range(len(items)) if i not in new]
    return SignalIngestOutcome(created=created, duplicates=duplicates)


# An inbox item's sentiment as a signal's score.
INBOX_SENTIMENT = {"negative": -1.0, "neutral": 0.0, "positive": 1.0}


def record_inbox_signal(*, item_id: int) -> Signal | None:
    """Turn an inbox item into a mention signal of Brandroom's own (source ``brandroom``),
    scored by the item's sentiment and reach, so negative comments feed the crisis watch. It
    answers the brand's own presence, so no trigger counts it (no trigger can loop on it).
    Safe to run twice: one signal per item; None when the item is gone or already recorded."""
    item = content.inbox_items().filter(pk=item_id).first()
    if item is None:
        return None
    attributes: dict[str, Any] = {"inbox_item": item.pk, "inbox_kind": item.kind}
    if item.channel is not None:
        attributes["network"] = item.channel.network
    if item.author_followers is not None:
        attributes["reach"] = item.author_followers
    with transaction.atomic():
        try:
            with transaction.atomic():
                stored = Signal.objects.create(
                    kind=SignalKind.MENTION,
                    source=OWN_SOURCE,
                    external_id=f"inbox-{item.pk}",
                    sentiment=INBOX_SENTIMENT.get(item.sentiment, 0.0),
                    text=item.text,
                    from_own_output=True,
                    injection_signals=item.injection_signals,
                    attributes=attributes,
                    observed_at=item.received_at,
                )
        except IntegrityError:
            return None
        enqueue_on_commit(watch_brand_for_crisis)
        mark_inputs_changed(now=timezone.now())
    return stored
