"""The sweep's common case, reminders, for many due brands at once.

Most due work is a reminder, and most due brands have one or two due steps, so brand by brand
the sweep's time went on round trips: a schema switch, a transaction, the claim, four reads,
three writes, the attention rows and the due index, for every brand. Here a chunk of due brands
is handled in one transaction on one connection with the same few round trips whatever the
number of brands: the claim and the brands' reads go out together, then the writes, then the
due index, each round trip a pipeline of one statement per brand and kind (``_pipelined``),
and the public rows (members, people, attention rows) are read and written for the chunk at
once. A brand's statements are the same text every minute, so they are prepared on the
connection the first time and only bound and run afterwards: PostgreSQL's parse and plan of
every brand's statements, most of a chunk's time, is paid once per connection, not per sweep.
Each brand's due steps are still claimed with ``FOR UPDATE SKIP LOCKED`` (two sweeps at once
never remind a step twice, a step being decided is not reminded), and what a reminder does is
worked out by the same code as brand by brand (``plan_reminders``), from the same reads.

A brand with anything else due (a deadline reached, a step nobody may decide, a full batch of
due steps) is not touched here: it is handed back for ``sweep_brand``. A chunk that fails (a
brand's schema missing, say) is rolled back whole and its brands handed back too, so each is
then swept, or fails and is logged, on its own.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from time import perf_counter
from typing import Any, TypeVar

import psycopg
from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connection, transaction
from django.db.models import Model
from django_tenants.utils import get_public_schema_name, schema_context, tenant_context

from approvals import announcements
from approvals.models import (
    ApprovalRequest,
    ApprovalStep,
    AuditEntry,
    CrisisState,
    Decision,
    DigestEntry,
    Incident,
    NotificationPreference,
    QuietHours,
)
from approvals.schedule.models import BrandDue
from approvals.services.attention import KINDS, steps_attention
from approvals.services.due import DueBatch, Mailer, plan_reminders, reminder_email
from outbox.models import OutboxEvent
from outbox.notifications import EMAIL
from outbox.services import new_event
from outbox.tasks import react_to_outbox_events_of_brands
from tenants.attention.services import sync_attention_of_brands
from tenants.models import Brand, Membership, User
from tenants.roles import PERMISSIONS, Role
from tenants.worker import enqueue_on_commit

logger = logging.getLogger(__name__)

# Brands a transaction takes on: big enough that the fixed statements cost little per brand,
# small enough that a statement's text, its parameters and the rows it locks stay modest.
CHUNK_BRANDS = 100


M = TypeVar("M", bound=Model)

_NEVER_BY_ITSELF = 2**31  # executions before psycopg would prepare a statement unasked

_ESCALATION_ROLES = PERMISSIONS["approvals.decide"][0] | {Role.ACCOUNT_LEAD}


def remind_due_brands(
    *, brands: Sequence[Brand], now: datetime, batch_size: int
) -> tuple[dict[int, int], list[Brand]]:
    """Send (or hold through quiet hours) the due reminders of ``brands``, a chunk of brands
    per transaction; returns the steps handled per brand id, and the brands left for
    ``sweep_brand`` (other work due, more than ``batch_size - 1`` due steps, or a chunk that
    failed), which this call did not change."""
    handled: dict[int, int] = {}
    left: list[Brand] = []
    # On the public schema (every statement names the brands' schemas), the caller's brand
    # put back afterwards.
    with schema_context(get_public_schema_name()):
        for start in range(0, len(brands), CHUNK_BRANDS):
            chunk = list(brands[start : start + CHUNK_BRANDS])
            try:
                with transaction.atomic():
                    done, rest = _remind_chunk(chunk, now=now, batch_size=batch_size)
            except Exception:
                # Nothing of the chunk was written: each brand is swept on its own instead,
                # where one brand's failure is logged with the brand named and spares the rest.
                logger.warning(
                    "Reminders across brands failed for %s; sweeping them one by one",
                    ", ".join(brand.slug for brand in chunk),
                    exc_info=True,
                )
                left += chunk
                continue
            handled.update(done)
            left += rest
    return handled, left


@dataclass
class _Brand:
    """What one brand of the chunk needs, as read for the chunk."""

    index: int
    brand: Brand
    steps: list[ApprovalStep]
    decisions: dict[int, list[Decision]] = field(default_factory=dict)
    crisis: CrisisState | None = None
    quiet: list[QuietHours] = field(default_factory=list)
    digest_minutes: dict[int, int] = field(default_factory=dict)
    # What the chunk writes for it.
    events: list[OutboxEvent] = field(default_factory=list)
    digests: list[DigestEntry] = field(default_factory=list)


def _remind_chunk(
    brands: list[Brand], *, now: datetime, batch_size: int
) -> tuple[dict[int, int], list[Brand]]:
    work = _claim_and_read(brands, now=now, limit=batch_size)
    with_steps = [w for w in work if w.steps]
    members: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for brand_id, user_id, role in (
        Membership.objects.filter(brand_id__in=[w.brand.pk for w in with_steps])
        .order_by("created_at", "id")
        .values_list("brand_id", "user_id", "role")
    ):
        members[brand_id].append((user_id, role))
    # Who an email can reach: active people with an address (``outbox.notifications``).
    people = {
        user.pk: user
        for user in User.objects.filter(
            pk__in={user_id for pairs in members.values() for user_id, _role in pairs},
            is_active=True,
        ).exclude(email="")
    }

    handled: dict[int, int] = {w.brand.pk: 0 for w in work if not w.steps}
    left: list[Brand] = []
    reminded: list[tuple[_Brand, DueBatch, list[ApprovalStep], list[AuditEntry]]] = []
    for w in with_steps:
        # No SQL: only the brand's local time, links and names below read the current brand.
        with tenant_context(w.brand):
            batch = DueBatch(
                steps=w.steps,
                crisis=w.crisis,
                members=members.get(w.brand.pk, []),
                quiet=w.quiet,
                decisions=w.decisions,
            )
            # An escalation only ever names members who may decide or account leads: a brand
            # with none has nobody to escalate to, whatever its rota says (no rota read).
            could_escalate = any(role in _ESCALATION_ROLES for _user, role in batch.members)
            if not could_escalate:
                batch.on_duty = []
            if len(w.steps) >= batch_size or any(
                now >= step.deadline_at
                or (step.escalated_at is None and could_escalate and not batch.deciders(step))
                for step in w.steps
                if step.deadline_at is not None
            ):
                left.append(w.brand)
                continue
            plan = plan_reminders(
                batch=batch,
                now=now,
                mailer=_mailer(
                    w,
                    in_crisis=batch.in_crisis,
                    people=people,
                    member_ids={user_id for user_id, _role in batch.members},
                ),
            )
            if plan.rest:  # cannot happen after the check above; never half-handle a brand
                left.append(w.brand)
                continue
            w.events += [
                new_event(name=announcements.NOTICE, payload=notice) for notice in plan.notices
            ]
            reminded.append((w, batch, plan.reminded, plan.entries))
            handled[w.brand.pk] = len(plan.reminded)

    event_ids = _write(reminded)
    sync_attention_of_brands(
        kinds=KINDS,
        items={
            w.brand.pk: steps_attention(
                steps=steps, decisions=batch.decisions, crisis=batch.crisis, slug=w.brand.slug
            )
            for w, batch, steps, _entries in reminded
        },
        source_ids={w.brand.pk: [step.pk for step in steps] for w, _b, steps, _e in reminded},
    )
    swept = [w for w in work if w.brand.pk in handled]
    _sync_due(swept)
    batches = [
        (w.brand.schema_name, event_ids[w.index]) for w, *_rest in reminded if event_ids[w.index]
    ]
    if batches:
        # One message for the chunk (a broker send is a round trip or more); the brands are
        # named in it since it is sent from the public schema.
        enqueue_on_commit(react_to_outbox_events_of_brands, batches)
    return handled, left


def _mailer(w: _Brand, *, in_crisis: bool, people: dict[int, User], member_ids: set[int]) -> Mailer:
    """``email_on_commit`` of a step's reminder from what the chunk read: the same addresses,
    emails (one outbox event each) and digest entries, gathered for the chunk's one write."""

    def reach(ids: list[int]) -> list[User]:
        # ``outbox.notifications.recipients``: active members with an address, in id order.
        return [people[i] for i in sorted(set(ids)) if i in member_ids and i in people]

    def mail(step: ApprovalStep, reachable: list[int], now: datetime) -> list[str]:
        subject, body, urgent = reminder_email(step=step)

        def email(chosen: list[User]) -> list[str]:
            full_subject = f"[{w.brand.name}] {subject}"
            w.events += [
                new_event(
                    name=EMAIL, payload={"to": p.email, "subject": full_subject, "body": body}
                )
                for p in chosen
            ]
            return [p.email for p in chosen]

        ids = list(reachable)
        if urgent or not ids or in_crisis:
            return email(reach(ids))
        at_once: list[int] = []
        held: list[int] = []
        for user_id in ids:
            minutes = w.digest_minutes.get(user_id, settings.APPROVALS_DIGEST_MINUTES)
            too_late = (
                step.deadline_at is not None
                and now + 2 * timedelta(minutes=minutes) > step.deadline_at
            )
            (at_once if minutes == 0 or too_late else held).append(user_id)
        sent = email(reach(at_once)) if at_once else []
        held_people = reach(held)
        w.digests += [
            DigestEntry(user_id=p.pk, subject=subject, body=body, created_at=now)
            for p in held_people
        ]
        return sent + [p.email for p in held_people]

    return mail


def _qn(name: str) -> str:
    return connection.ops.quote_name(name)


def _table(brand: Brand, model: type[Model]) -> str:
    return f"{_qn(brand.schema_name)}.{_qn(model._meta.db_table)}"


def _columns(model: type[Model], alias: str, prefix: str = "") -> list[str]:
    return [
        f"{alias}.{_qn(f.column)}" + (f" AS {_qn(prefix + f.column)}" if prefix else "")
        for f in model._meta.concrete_fields
    ]


def _instance(model: type[M], values: Sequence[Any]) -> M:
    """A model instance from a row of its concrete columns, converted as the ORM would."""
    fields = model._meta.concrete_fields
    converted = [
        f.from_db_value(v, None, connection) if hasattr(f, "from_db_value") else v
        for f, v in zip(fields, values, strict=True)
    ]
    return model.from_db(DEFAULT_DB_ALIAS, [f.attname for f in fields], converted)


def _pipelined(statements: list[tuple[str, list[Any]]]) -> list[list[tuple[Any, ...]]]:
    """The rows of each statement, in order, all sent in one round trip (psycopg's pipeline
    mode), each statement run in a snapshot of its own (READ COMMITTED).

    Each statement is prepared on the connection (server-side binding): a brand's statements
    are the same text every sweep, so a pooled connection parses and plans them once and then
    only binds and runs them, with the plan that does not depend on the parameters
    (``plan_cache_mode``, set for the chunk's transaction in ``_claim_and_read``). psycopg keeps
    up to ``APPROVALS_SWEEP_PREPARED_STATEMENTS`` of them a connection, the least recently used
    dropped first (each costs the server some 40 kB of memory)."""
    if not statements:
        return []
    connection.ensure_connection()
    driver = connection.connection
    keep = settings.APPROVALS_SWEEP_PREPARED_STATEMENTS
    if keep and driver.prepare_threshold is None:
        # Django turns preparing off (it binds on the client, which never prepares); only the
        # statements asked to be prepared below are, the threshold being out of reach.
        driver.prepare_threshold = _NEVER_BY_ITSELF
    if driver.prepared_max is not None and driver.prepared_max < keep:
        driver.prepared_max = keep
    started = perf_counter()
    with connection.wrap_database_errors:
        cursors = [psycopg.Cursor(driver) for _statement in statements]
        with driver.pipeline():
            for cursor, (sql, params) in zip(cursors, statements, strict=True):
                cursor.execute(sql, params, prepare=keep > 0)
        results = [_rows_of(cursor) for cursor in cursors]
        for cursor in cursors:
            cursor.close()
    if connection.queries_logged:
        # One entry per round trip, as Django logs one ``execute``.
        connection.queries_log.append(
            {
                "sql": ";\n".join(sql for sql, _params in statements),
                "time": f"{perf_counter() - started:.3f}",
            }
        )
    return results


def _rows_of(cursor: psycopg.Cursor[Any]) -> list[tuple[Any, ...]]:
    # A statement without rows to return (an INSERT, say) has no description.
    return [] if cursor.description is None else list(cursor.fetchall())


def _claim_and_read(brands: list[Brand], *, now: datetime, limit: int) -> list[_Brand]:
    """Lock and read each brand's due open steps (with their requests), most overdue first,
    skipping steps another transaction holds (the per-brand sweep's claim), then read their
    decisions and each brand's crisis state, quiet hours and digest choices
    (``read_due_batch``): one round trip for the chunk."""
    work = [_Brand(index=i, brand=b, steps=[]) for i, b in enumerate(brands)]
    step_columns = ", ".join(
        _columns(ApprovalStep, "st") + _columns(ApprovalRequest, "rq", prefix="request__")
    )
    decision_columns = ", ".join(_columns(Decision, "d"))
    crisis_columns = ", ".join(
        _columns(CrisisState, "c") + _columns(Incident, "n", prefix="incident__")
    )
    quiet_columns = ", ".join(_columns(QuietHours, "q"))
    # The status is written into the text, not bound: the plan kept for every later sweep can
    # then use the partial index on open steps' due times.
    is_open = f"st.status = '{ApprovalStep.Status.OPEN.value}'"
    # Each brand's statements, the same text every sweep (no chunk position in them).
    kinds: list[Callable[[Brand], tuple[str, list[Any]]]] = [
        lambda b: (
            f"SELECT {step_columns}"
            f" FROM {_table(b, ApprovalStep)} st"
            f" JOIN {_table(b, ApprovalRequest)} rq ON rq.id = st.request_id"
            f" WHERE {is_open} AND st.next_action_at <= %s"
            " ORDER BY st.next_action_at LIMIT %s FOR UPDATE OF st SKIP LOCKED",
            [now, limit],
        ),
        # Decisions on every due open step: a superset of the claimed ones (read after the
        # claim, which holds them), narrowed below to the steps claimed.
        lambda b: (
            f"SELECT {decision_columns} FROM {_table(b, Decision)} d"
            f" WHERE d.step_id IN (SELECT st.id FROM {_table(b, ApprovalStep)} st"
            f" WHERE {is_open} AND st.next_action_at <= %s)",
            [now],
        ),
        lambda b: (
            f"SELECT {crisis_columns} FROM {_table(b, CrisisState)} c"
            f" LEFT JOIN {_table(b, Incident)} n ON n.id = c.incident_id WHERE c.id = 1",
            [],
        ),
        lambda b: (f"SELECT {quiet_columns} FROM {_table(b, QuietHours)} q", []),
        lambda b: (
            f"SELECT p.user_id, p.digest_minutes FROM {_table(b, NotificationPreference)} p",
            [],
        ),
    ]
    # Plans made once and kept for later sweeps: one that does not depend on the parameters,
    # or PostgreSQL plans each of the first five runs again (for this transaction only).
    statements: list[tuple[str, list[Any]]] = [
        ("SET LOCAL plan_cache_mode = force_generic_plan", [])
    ]
    statements += [kind(w.brand) for kind in kinds for w in work]
    results = _pipelined(statements)[1:]
    n = len(work)
    claims, decisions, crises, quiets, preferences = (
        [(index, row) for index, rows in enumerate(results[k * n : (k + 1) * n]) for row in rows]
        for k in range(len(kinds))
    )

    steps_width = len(ApprovalStep._meta.concrete_fields)
    for index, row in claims:
        step = _instance(ApprovalStep, row[:steps_width])
        step.request = _instance(ApprovalRequest, row[steps_width:])
        work[index].steps.append(step)
    for w in work:
        w.steps.sort(key=lambda s: (s.next_action_at, s.pk))
    claimed = {w.index: {step.pk for step in w.steps} for w in work}
    for index, row in decisions:
        decision = _instance(Decision, row)
        if decision.step_id in claimed[index]:
            work[index].decisions.setdefault(decision.step_id, []).append(decision)
    for w in work:
        for found in w.decisions.values():
            found.sort(key=lambda d: d.pk)
    crisis_width = len(CrisisState._meta.concrete_fields)
    for index, row in crises:
        crisis = _instance(CrisisState, row[:crisis_width])
        incident = row[crisis_width:]
        crisis.incident = None if incident[0] is None else _instance(Incident, incident)
        work[index].crisis = crisis
    for index, row in quiets:
        work[index].quiet.append(_instance(QuietHours, row))
    for index, (user_id, minutes) in preferences:
        work[index].digest_minutes[user_id] = minutes
    return work


class _RowEncoder(json.JSONEncoder):
    def default(self, o: Any) -> Any:
        if isinstance(o, datetime | date | time):
            return o.isoformat()
        if isinstance(o, Decimal):
            return str(o)
        return super().default(o)


def _rows(objects: Sequence[Model]) -> str:
    """Unsaved instances as a JSON array of their columns (the id left to its sequence)."""
    return json.dumps(
        [
            {
                f.column: f.pre_save(obj, add=True)
                for f in type(obj)._meta.concrete_fields
                if not f.primary_key
            }
            for obj in objects
        ],
        cls=_RowEncoder,
    )


def _insert(name: str, brand: Brand, model: type[Model]) -> str:
    """A CTE inserting the rows of its parameter (``_rows``, in their order) into the brand's
    table, returning their ids."""
    table = _table(brand, model)
    columns = ", ".join(_qn(f.column) for f in model._meta.concrete_fields if not f.primary_key)
    return (
        f"{name} AS (INSERT INTO {table} ({columns})"
        f" SELECT {columns} FROM jsonb_populate_recordset(NULL::{table}, %s::jsonb)"
        " WITH ORDINALITY ORDER BY ordinality RETURNING id)"
    )


def _write(
    reminded: list[tuple[_Brand, DueBatch, list[ApprovalStep], list[AuditEntry]]],
) -> dict[int, list[int]]:
    """Every reminded brand's steps, audit entries, outbox events and digest entries in one
    round trip (a statement of data-modifying CTEs for each brand); returns each brand's new
    outbox event ids, in the order they were made."""
    statements: list[tuple[str, list[Any]]] = []
    for w, _batch, steps, entries in reminded:
        ctes = [
            f"s AS (UPDATE {_table(w.brand, ApprovalStep)} AS st"
            " SET reminders_sent = v.reminders_sent, next_action_at = v.next_action_at"
            " FROM jsonb_to_recordset(%s::jsonb)"
            " AS v(id bigint, reminders_sent integer, next_action_at timestamptz)"
            " WHERE st.id = v.id RETURNING st.id)",
            _insert("a", w.brand, AuditEntry),
            _insert("e", w.brand, OutboxEvent),
        ]
        params: list[Any] = [
            json.dumps(
                [
                    {
                        "id": s.pk,
                        "reminders_sent": s.reminders_sent,
                        "next_action_at": s.next_action_at,
                    }
                    for s in steps
                ],
                cls=_RowEncoder,
            ),
            _rows(entries),
            _rows(w.events),
        ]
        if w.digests:
            ctes.append(_insert("d", w.brand, DigestEntry))
            params.append(_rows(w.digests))
        statements.append(("WITH " + ", ".join(ctes) + " SELECT id FROM e", params))
    event_ids: dict[int, list[int]] = {}
    for (w, *_rest), rows in zip(reminded, _pipelined(statements), strict=True):
        event_ids[w.index] = sorted(event_id for (event_id,) in rows)
    return event_ids


def _sync_due(work: list[_Brand]) -> None:
    """``sync_brand_due`` for the chunk's swept brands, in one round trip: their index rows
    locked (made if missing) in brand order in one statement, then each set to its brand's
    earliest open-step due time in statements after it, whose snapshots (one a statement)
    see every change committed under those locks."""
    if not work:
        return
    table = _qn(BrandDue._meta.db_table)
    ordered = sorted(work, key=lambda w: w.brand.pk)
    statements: list[tuple[str, list[Any]]] = [
        (
            f"INSERT INTO {table} (brand_id, next_due_at)"
            " SELECT b, NULL FROM unnest(%s::bigint[]) AS b"
            f" ON CONFLICT (brand_id) DO UPDATE SET next_due_at = {table}.next_due_at",
            [[w.brand.pk for w in ordered]],
        )
    ]
    is_open = f"status = '{ApprovalStep.Status.OPEN.value}'"
    statements += [
        (
            f"UPDATE {table} SET next_due_at = (SELECT min(next_action_at)"
            f" FROM {_table(w.brand, ApprovalStep)} WHERE {is_open}) WHERE brand_id = %s",
            [w.brand.pk],
        )
        for w in ordered
    ]
    _pipelined(statements)
