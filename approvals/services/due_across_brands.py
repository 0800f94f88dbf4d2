"""The sweep's common case, reminders, for many due brands at once.

Most due work is a reminder, and most due brands have one or two due steps, so brand by brand
the sweep's time went on round trips: a schema switch, a transaction, the claim, four reads,
three writes, the attention rows and the due index, for every brand. Here a chunk of due brands
is handled in one transaction on one connection with the same few round trips whatever the
number of brands: the members (public rows), then the claim and the brands' reads together,
then the writes and the due index together, each as statements of ``SCHEMAS_PER_STATEMENT``
brands (a ``UNION ALL`` for reads, one data-modifying CTE per brand for writes). Each brand's
due steps are still claimed with ``FOR UPDATE SKIP LOCKED`` (two sweeps at once never remind a
step twice, a step being decided is not reminded), and what a reminder does is worked out by
the same code as brand by brand (``plan_reminders``), from the same reads.

What bounds the chunk is PostgreSQL's work per brand schema: every table (and its indexes) a
statement names costs a connection catalog lookups the first time it meets that brand, and
planning and locking every time. So a brand's schema is read only for what its reminders can
depend on (a brand where nobody may decide or be escalated to: the claim alone, see
``_needs_facts``), and the attention rows are left alone (a reminder changes nothing they show).

A brand with anything else due (a deadline reached, a step nobody may decide, a full batch of
due steps) is not touched here: it is handed back for ``sweep_brand``. A chunk that fails (a
brand's schema missing, say) is rolled back whole and its brands handed back too, so each is
then swept, or fails and is logged, on its own.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from functools import cache
from typing import Any, TypeVar

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
    NotificationPreference,
    QuietHours,
)
from approvals.schedule.models import BrandDue
from approvals.services.due import DueBatch, Mailer, plan_reminders, reminder_email
from outbox.models import OutboxEvent
from outbox.notifications import EMAIL
from outbox.services import new_event
from outbox.tasks import react_to_outbox_events_of_brands
from tenants.models import Brand, Membership, User
from tenants.roles import PERMISSIONS, Role
from tenants.worker import enqueue_on_commit

logger = logging.getLogger(__name__)

# Brands a transaction takes on: big enough that the fixed statements cost little per brand,
# small enough that a statement's text, its parameters and the rows it locks stay modest.
CHUNK_BRANDS = 100

# Brand schemas one statement reaches. PostgreSQL's planning time grows faster than the number
# of a statement's parts (measured on the bench: 1.2 ms to plan the claim of 10 brands, 41-75
# ms for 100), so the chunk's per-schema work goes out as statements of this many brands each,
# all of one step sent in one round trip (``_results``).
SCHEMAS_PER_STATEMENT = 10

M = TypeVar("M", bound=Model)
T = TypeVar("T")

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
    # Members first (public rows): a brand where nobody may decide or be escalated to needs
    # none of its decisions, crisis state, quiet hours or digest choices for a reminder
    # (``_needs_facts``), so its schema is read for the claim only.
    members: dict[int, list[tuple[int, str]]] = defaultdict(list)
    for brand_id, user_id, role in (
        Membership.objects.filter(brand_id__in=[b.pk for b in brands])
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
    work = _claim_and_read(
        brands,
        now=now,
        limit=batch_size,
        facts_of={b.pk for b in brands if _needs_facts(members.get(b.pk, []))},
    )
    with_steps = [w for w in work if w.steps]

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

    # The writes and the due index in one round trip. No attention rows to keep: a reminder
    # changes none of what a step's row shows (its title, roles, deadline, who is excluded),
    # only ``reminders_sent`` and ``next_action_at``.
    event_ids = _write(reminded, then=_due_statements([w for w in work if w.brand.pk in handled]))
    batches = [
        (w.brand.schema_name, event_ids[w.index]) for w, *_rest in reminded if event_ids[w.index]
    ]
    if batches:
        # One message for the chunk (a broker send is a round trip or more); the brands are
        # named in it since it is sent from the public schema.
        enqueue_on_commit(react_to_outbox_events_of_brands, batches)
    return handled, left


def _needs_facts(members: list[tuple[int, str]]) -> bool:
    """Whether a brand's reminders depend on its decisions, crisis state, quiet hours and
    digest choices: only through the people who may decide a step (``choose_deciders``: members
    of a deciding role, earlier deciders left out) and, for a step nobody may decide, those it
    could be escalated to. A brand with neither reminds nobody, holds nothing through quiet
    hours and escalates nothing, whatever those rows say."""
    return any(role in _ESCALATION_ROLES for _user, role in members)


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


def _groups(items: Sequence[T]) -> list[Sequence[T]]:
    """``items`` in runs of ``SCHEMAS_PER_STATEMENT``, one statement's worth each."""
    size = SCHEMAS_PER_STATEMENT
    return [items[start : start + size] for start in range(0, len(items), size)]


def _results(statements: list[tuple[str, list[Any]]]) -> list[list[tuple[Any, ...]]]:
    """The rows of each statement, in order, all sent in one round trip: the connection binds
    parameters on the client (Django's default with psycopg), so one ``execute`` can carry
    several statements, each planned on its own, and each run in a snapshot of its own."""
    if not statements:
        return []
    with connection.cursor() as cursor:
        cursor.execute(
            ";\n".join(sql for sql, _params in statements),
            [p for _sql, params in statements for p in params],
        )
        driver = cursor.cursor  # psycopg's cursor: ``nextset`` walks the statements' results
        results = [_rows_of(driver)]
        while driver.nextset():
            results.append(_rows_of(driver))
    if len(results) != len(statements):
        raise RuntimeError(f"{len(statements)} statements sent, {len(results)} results")
    return results


def _rows_of(driver: Any) -> list[tuple[Any, ...]]:
    # A statement without rows to return (an INSERT, say) has no description.
    return [] if driver.description is None else list(driver.fetchall())


def _claim_and_read(
    brands: list[Brand], *, now: datetime, limit: int, facts_of: set[int]
) -> list[_Brand]:
    """Lock and read each brand's due open steps (with their requests), most overdue first,
    skipping steps another transaction holds (the per-brand sweep's claim), then, for the
    brands in ``facts_of`` only, read their steps' decisions and the brand's crisis state,
    quiet hours and digest choices (``read_due_batch``): one round trip for the chunk.

    Every brand-schema table a statement names costs the connection its catalog entries (the
    table's and its indexes', ~0.2-0.4 ms of PostgreSQL CPU each on a connection that has not
    seen the brand), so a brand's schema is read for what its reminders can depend on only."""
    work = [_Brand(index=i, brand=b, steps=[]) for i, b in enumerate(brands)]
    step_columns = ", ".join(
        _columns(ApprovalStep, "st") + _columns(ApprovalRequest, "rq", prefix="request__")
    )
    statements: list[tuple[str, list[Any]]] = []
    for group in _groups(work):
        ctes = [
            f"c{w.index} AS (SELECT {w.index} AS brand_index, {step_columns}"
            f" FROM {_table(w.brand, ApprovalStep)} st"
            f" JOIN {_table(w.brand, ApprovalRequest)} rq ON rq.id = st.request_id"
            " WHERE st.status = %s AND st.next_action_at <= %s"
            " ORDER BY st.next_action_at LIMIT %s FOR UPDATE OF st SKIP LOCKED)"
            for w in group
        ]
        statements.append(
            (
                "WITH "
                + ", ".join(ctes)
                + " "
                + " UNION ALL ".join(f"SELECT * FROM c{w.index}" for w in group),
                [ApprovalStep.Status.OPEN, now, limit] * len(group),
            )
        )
    claims_end = len(statements)
    # Decisions on every due open step: a superset of the claimed ones (read after the claim,
    # which holds them), narrowed below to the steps claimed. The crisis state without its
    # incident: a reminder needs only whether the brand is in crisis.
    decision_columns = ", ".join(_columns(Decision, "d"))
    crisis_columns = ", ".join(_columns(CrisisState, "c"))
    quiet_columns = ", ".join(_columns(QuietHours, "q"))
    reads: list[tuple[str, str, list[Any]]] = []  # kind, SQL of one brand, its parameters
    for w in work:
        if w.brand.pk not in facts_of:
            continue
        reads += [
            (
                "decision",
                f"SELECT {w.index}, {decision_columns} FROM {_table(w.brand, Decision)} d"
                f" WHERE d.step_id IN (SELECT st.id FROM {_table(w.brand, ApprovalStep)} st"
                " WHERE st.status = %s AND st.next_action_at <= %s)",
                [ApprovalStep.Status.OPEN, now],
            ),
            (
                "crisis",
                f"SELECT {w.index}, {crisis_columns} FROM {_table(w.brand, CrisisState)} c"
                " WHERE c.id = 1",
                [],
            ),
            (
                "quiet",
                f"SELECT {w.index}, {quiet_columns} FROM {_table(w.brand, QuietHours)} q",
                [],
            ),
            (
                "preference",
                f"SELECT {w.index}, p.user_id, p.digest_minutes"
                f" FROM {_table(w.brand, NotificationPreference)} p",
                [],
            ),
        ]
    kinds = ("decision", "crisis", "quiet", "preference")
    for kind in kinds:
        statements += [
            _union_of(list(parts))
            for parts in _groups([(sql, params) for k, sql, params in reads if k == kind])
        ]
    results = _results(statements)
    claims = [row for rows in results[:claims_end] for row in rows]
    per_kind = len(results[claims_end:]) // len(kinds)
    decisions, crises, quiets, preferences = (
        [
            row
            for rows in results[claims_end + k * per_kind : claims_end + (k + 1) * per_kind]
            for row in rows
        ]
        for k in range(len(kinds))
    )

    steps_width = len(ApprovalStep._meta.concrete_fields)
    for row in claims:
        step = _instance(ApprovalStep, row[1 : 1 + steps_width])
        step.request = _instance(ApprovalRequest, row[1 + steps_width :])
        work[row[0]].steps.append(step)
    for w in work:
        w.steps.sort(key=lambda s: (s.next_action_at, s.pk))
    claimed = {w.index: {step.pk for step in w.steps} for w in work}
    for row in decisions:
        decision = _instance(Decision, row[1:])
        if decision.step_id in claimed[row[0]]:
            work[row[0]].decisions.setdefault(decision.step_id, []).append(decision)
    for w in work:
        for found in w.decisions.values():
            found.sort(key=lambda d: d.pk)
    for row in crises:
        work[row[0]].crisis = _instance(CrisisState, row[1:])
    for row in quiets:
        work[row[0]].quiet.append(_instance(QuietHours, row[1:]))
    for index, user_id, minutes in preferences:
        work[index].digest_minutes[user_id] = minutes
    return work


def _union_of(parts: list[tuple[str, list[Any]]]) -> tuple[str, list[Any]]:
    return (
        " UNION ALL ".join(sql for sql, _params in parts),
        [p for _sql, params in parts for p in params],
    )


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


@cache
def _insert_columns(model: type[Model]) -> str:
    # The same for every brand: quoted once, not once a brand and column.
    return ", ".join(_qn(f.column) for f in model._meta.concrete_fields if not f.primary_key)


def _insert(name: str, brand: Brand, model: type[Model]) -> str:
    """A CTE inserting the rows of its parameter (``_rows``, in their order) into the brand's
    table, returning their ids."""
    table = _table(brand, model)
    columns = _insert_columns(model)
    return (
        f"{name} AS (INSERT INTO {table} ({columns})"
        f" SELECT {columns} FROM jsonb_populate_recordset(NULL::{table}, %s::jsonb)"
        " WITH ORDINALITY ORDER BY ordinality RETURNING id)"
    )


def _write(
    reminded: list[tuple[_Brand, DueBatch, list[ApprovalStep], list[AuditEntry]]],
    *,
    then: list[tuple[str, list[Any]]],
) -> dict[int, list[int]]:
    """Every reminded brand's steps, audit entries, outbox events and digest entries in one
    round trip (a statement of data-modifying CTEs for each group of brands), with the
    statements ``then`` run after them; returns each brand's new outbox event ids, in the
    order they were made."""
    statements: list[tuple[str, list[Any]]] = []
    for group in _groups(reminded):
        ctes: list[str] = []
        params: list[Any] = []
        selects: list[str] = []
        for w, _batch, steps, entries in group:
            i = w.index
            ctes.append(
                f"s{i} AS (UPDATE {_table(w.brand, ApprovalStep)} AS st"
                " SET reminders_sent = v.reminders_sent, next_action_at = v.next_action_at"
                " FROM jsonb_to_recordset(%s::jsonb)"
                " AS v(id bigint, reminders_sent integer, next_action_at timestamptz)"
                " WHERE st.id = v.id RETURNING st.id)"
            )
            params.append(
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
                )
            )
            ctes.append(_insert(f"a{i}", w.brand, AuditEntry))
            params.append(_rows(entries))
            ctes.append(_insert(f"e{i}", w.brand, OutboxEvent))
            params.append(_rows(w.events))
            selects.append(f"SELECT {i}, id FROM e{i}")
            if w.digests:
                ctes.append(_insert(f"d{i}", w.brand, DigestEntry))
                params.append(_rows(w.digests))
        statements.append(("WITH " + ", ".join(ctes) + " " + " UNION ALL ".join(selects), params))
    written = len(statements)
    event_ids: dict[int, list[int]] = defaultdict(list)
    for rows in _results(statements + then)[:written]:
        for index, event_id in rows:
            event_ids[index].append(event_id)
    for ids in event_ids.values():
        ids.sort()
    return event_ids


def _due_statements(work: list[_Brand]) -> list[tuple[str, list[Any]]]:
    """``sync_brand_due`` for the chunk's swept brands, sent after their writes: their index
    rows locked (made if missing) in brand order in one statement, then each set to its
    brand's earliest open-step due time in statements after it, whose snapshots (one a
    statement) see the chunk's writes and every change committed under those locks."""
    if not work:
        return []
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
    for group in _groups(ordered):
        statements.append(
            (
                f"UPDATE {table} AS due SET next_due_at = m.next_due_at FROM ("
                + " UNION ALL ".join(
                    f"SELECT {int(w.brand.pk)}::bigint AS brand_id,"
                    f" (SELECT min(next_action_at) FROM {_table(w.brand, ApprovalStep)}"
                    " WHERE status = %s) AS next_due_at"
                    for w in group
                )
                + ") AS m WHERE due.brand_id = m.brand_id",
                [ApprovalStep.Status.OPEN] * len(group),
            )
        )
    return statements
