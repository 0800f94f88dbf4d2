"""Reads over a brand's content. Runs inside the brand's schema."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.db.models import QuerySet, TextField
from django.db.models.functions import Cast
from django_tenants.utils import schema_context

from content.assistant.usage import month_start, month_usage
from content.models import (
    AssistantSettings,
    AudienceProfile,
    BrandVoice,
    Brief,
    Channel,
    Draft,
    GenerationJob,
    InboxItem,
)
from tenants.models import Agency


def channels() -> QuerySet[Channel]:
    """The brand's channels."""
    return Channel.objects.all()


def get_draft(*, draft_id: int) -> Draft:
    """One draft with its channel (raises Draft.DoesNotExist)."""
    return Draft.objects.select_related("channel").get(pk=draft_id)


def superseded_draft(*, draft_id: int) -> bool:
    """Whether the draft is an old version, replaced by a newer one while it was in review."""
    return Draft.objects.filter(pk=draft_id, status=Draft.Status.SUPERSEDED).exists()


MAX_HISTORY = 100


# ``locked_ready_variants``' statement, written out once: it runs for every draft routed, and
# Django rebuilding its subqueries cost more Python than the rows took to read. A sibling is a
# ready draft of the same job, kind and parent (both without one) as the ready draft asked
# about. The brand's schema is the search_path, so the text is the same in every brand.
_LOCKED_READY_VARIANTS_SQL = f"""
    SELECT * FROM {Draft._meta.db_table} AS draft
    WHERE draft.status = %(ready)s
      AND (
        draft.id = %(id)s
        OR draft.job_id IS NOT NULL AND EXISTS (
          SELECT 1 FROM {Draft._meta.db_table} AS asked
          WHERE asked.id = %(id)s AND asked.status = %(ready)s
            AND asked.job_id = draft.job_id AND asked.kind = draft.kind
            AND asked.parent_id IS NOT DISTINCT FROM draft.parent_id
        )
      )
    ORDER BY draft.id
    FOR UPDATE"""


def locked_ready_variants(*, draft_id: int) -> list[Draft]:
    """The ready draft and its ready sibling variants (the same generation job's other
    alternatives), row-locked in id order until the transaction ends; empty once the draft
    moved on or is gone. A draft written by hand, or a job's only variant, comes alone.

    One statement: the draft and its siblings are found and locked together."""
    return list(
        Draft.objects.raw(
            _LOCKED_READY_VARIANTS_SQL, {"id": draft_id, "ready": Draft.Status.READY.value}
        )
    )


def drafts_by_id(*, draft_ids: list[int]) -> dict[int, Draft]:
    """Drafts by id with their channels (missing ids are left out)."""
    return {d.pk: d for d in Draft.objects.select_related("channel").filter(pk__in=draft_ids)}


def ready_draft_ids(*, ready_before: datetime) -> list[int]:
    """Drafts still ``ready`` since before ``ready_before``, oldest first: ones the approvals
    policy should have seen by now."""
    return list(
        Draft.objects.filter(status=Draft.Status.READY, updated_at__lt=ready_before)
        .order_by("updated_at", "pk")
        .values_list("pk", flat=True)[:200]
    )


def draft_history(*, draft: Draft) -> list[Draft]:
    """Every version of a draft's text, oldest first (the history is a line: one revision per
    version, enforced by the database)."""
    older: list[Draft] = []
    current = draft
    while current.parent_id is not None and len(older) < MAX_HISTORY:
        current = Draft.objects.select_related("channel").get(pk=current.parent_id)
        older.append(current)
    newer: list[Draft] = []
    current = draft
    while len(newer) < MAX_HISTORY:
        following = Draft.objects.select_related("channel").filter(parent=current).first()
        if following is None:
            break
        newer.append(following)
        current = following
    return [*reversed(older), draft, *newer]


def voice_versions() -> QuerySet[BrandVoice]:
    """Every version of the brand voice."""
    return BrandVoice.objects.all()


def current_voice() -> BrandVoice | None:
    """The brand voice new drafts are written with (the latest version), if any."""
    return BrandVoice.objects.order_by("-version").first()


def audiences() -> QuerySet[AudienceProfile]:
    """The brand's audience profiles."""
    return AudienceProfile.objects.all()


def briefs() -> QuerySet[Brief]:
    """The brand's briefs with their audience and channels."""
    return Brief.objects.select_related("audience").prefetch_related("channels")


def reply_deadline_minutes() -> int:
    """How long the brand gives itself to answer an inbox item (its policy; the default when
    never set). The inbox sets each item's deadline from it and results judges replies by it."""
    stored = AssistantSettings.objects.values_list("reply_deadline_minutes", flat=True).first()
    if stored is not None:
        return stored
    default = AssistantSettings._meta.get_field("reply_deadline_minutes").get_default()
    return int(default)


def inbox_items() -> QuerySet[InboxItem]:
    """Incoming comments, mentions and messages."""
    return InboxItem.objects.select_related("channel")


def drafts() -> QuerySet[Draft]:
    """The brand's drafts with what they were written for."""
    return Draft.objects.select_related("channel")


# The columns a draft is listed with (content.api's draft shape), as values() names them; the
# foreign keys as their ids, ``cost_estimate`` as numeric(10, 6) text (what the API shows).
DRAFT_COLUMNS = (
    "pk",
    "kind",
    "status",
    "channel_id",
    "text",
    "version",
    "parent_id",
    "job_id",
    "variant",
    "brief_id",
    "audience_id",
    "inbox_item_id",
    "provider",
    "model",
    "prompt_version",
    "voice_version",
    "tokens_in",
    "tokens_out",
    "latency_ms",
    "attempts",
    "guardrail_violations",
    "novelty",
    "risk_score",
    "risk_reasons",
    "flags",
    "labels",
    "needs_person",
    "needs_person_reason",
    "created_by_id",
    "created_by_key_id",
    "created_at",
    "updated_at",
    "external_id",
    "external_url",
    "published_at",
    "publish_at",
    "approved_late",
)


def draft_rows() -> QuerySet[Draft, dict[str, Any]]:
    """The brand's drafts as plain rows for listing (``DRAFT_COLUMNS`` and ``cost``): one
    statement a page, no join and no model instance per draft."""
    listed: QuerySet[Draft, dict[str, Any]] = Draft.objects.values(
        *DRAFT_COLUMNS, cost=Cast("cost_estimate", TextField())
    )
    return listed


def jobs() -> QuerySet[GenerationJob]:
    """Generation jobs with the drafts they delivered."""
    return GenerationJob.objects.prefetch_related("drafts")


def agency_ai_usage(*, agency: Agency, now: datetime) -> dict[str, Any]:
    """This month's AI use of every brand of the agency, with totals (two queries per brand)."""
    brands: list[dict[str, Any]] = []
    for brand in agency.brands.order_by("name"):
        with schema_context(brand.schema_name):
            # An unsaved default row when the brand never touched its settings.
            row = AssistantSettings.objects.filter(singleton=True).first() or AssistantSettings()
            usage = month_usage(brand_settings=row, now=now)
        brands.append(
            {
                "brand": brand.slug,
                "name": brand.name,
                "jobs": usage.jobs,
                "tokens_in": usage.tokens_in,
                "tokens_out": usage.tokens_out,
                "cost": usage.cost,
                "budget": usage.budget,
                "remaining": usage.remaining,
            }
        )
    return {
        "agency": agency.slug,
        "month": month_start(now).strftime("%Y-%m"),
        "jobs": sum(b["jobs"] for b in brands),
        "tokens_in": sum(b["tokens_in"] for b in brands),
        "tokens_out": sum(b["tokens_out"] for b in brands),
        "cost": sum((b["cost"] for b in brands), start=0),
        "brands": brands,
    }
