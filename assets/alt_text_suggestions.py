"""The assistant's alt-text suggestions for a draft's images: ask (202, written on the worker
like drafts), write one (the actor), read them, and accept one (it becomes the image's alt
text through ``set_draft_assets``, audited).

They take the drafts' path: the brand's provider (the offline generator unless an endpoint is
configured), its monthly budget (a reservation held while the suggestion is being written),
the assistant's checks on the answer, and the worker's retries for a provider that is down.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from decimal import Decimal

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone

from assets import alt_text
from assets.errors import AssetsError, DraftNotEditable, NotFound
from assets.models import AltTextSuggestion, DraftAsset
from assets.services import Attachment, DraftAssetsChange, set_draft_assets
from assets.tasks import suggest_alt_text
from content.assistant import usage
from content.assistant.context import (
    GenerationContext,
    audience_spec,
    brand_name,
    brief_spec,
    channel_spec,
    voice_spec,
)
from content.assistant.providers import OpenAIProvider, ProviderError, resolve_config
from content.models import AssistantSettings, Draft
from content.selectors import current_voice
from content.services.generation import assistant_settings
from tenants.models import User
from tenants.worker import enqueue_on_commit

OPEN = (AltTextSuggestion.Status.QUEUED, AltTextSuggestion.Status.RUNNING)


def register_spend() -> None:
    """Suggestions are paid from the brand's AI budget (called from AssetsConfig.ready)."""
    usage.register_spend_source(usage.SpendSource(model=AltTextSuggestion, open_statuses=OPEN))


def _reservation(*, offline: bool) -> Decimal:
    """The most one suggestion can cost: one call at the caps, every attempt."""
    if offline:
        return Decimal(0)
    return Decimal(usage.max_cost_of_call() * settings.AI_JOB_MAX_ATTEMPTS).quantize(
        Decimal("0.000001")
    )


def request_alt_text_suggestions(
    *,
    draft_id: int,
    asset_id: int | None = None,
    created_by: User | None = None,
    created_by_key_id: int | None = None,
    now: datetime | None = None,
) -> list[AltTextSuggestion]:
    """Ask the assistant for alt text for one asset on the draft, or (no ``asset_id``) for
    every one of its images that has none; written on the worker. An asset whose suggestion
    is still being written is not asked for twice. Refused (402) once the brand's AI budget
    cannot hold them, (409) for a published draft, (400 naming ``asset``) for an asset not on
    the draft or a draft with nothing to suggest for."""
    now = now or timezone.now()
    with transaction.atomic():
        draft = Draft.objects.select_for_update().filter(pk=draft_id).first()
        if draft is None:
            raise NotFound(f"Draft {draft_id} does not exist.")
        if draft.status == Draft.Status.PUBLISHED:
            raise DraftNotEditable(
                f"Draft {draft.pk} is published; its images' alt text can no longer change.",
                field="asset",
            )
        links = list(DraftAsset.objects.filter(draft=draft).order_by("position"))
        if asset_id is not None:
            wanted = [link for link in links if link.asset_id == asset_id]
            if not wanted:
                raise AssetsError(f"Asset {asset_id} is not on draft {draft.pk}.", field="asset")
        else:
            wanted = [link for link in links if not link.alt_text.strip()]
            if not wanted:
                raise AssetsError(
                    f"Every image on draft {draft.pk} has alt text (or it has none); name an "
                    "asset to ask for a suggestion anyway.",
                    field="asset",
                )
        open_rows = {
            row.asset_id: row
            for row in AltTextSuggestion.objects.filter(
                draft=draft, asset_id__in=[link.asset_id for link in wanted], status__in=OPEN
            )
        }
        missing = [link for link in wanted if link.asset_id not in open_rows]
        assistant_settings()
        # The settings row serialises budget checks with generation jobs' (see content jobs).
        brand_settings = AssistantSettings.objects.select_for_update().get(singleton=True)
        reserve = _reservation(offline=resolve_config(brand_settings).offline)
        if missing:
            usage.ensure_budget_left(
                brand_settings=brand_settings, now=now, reserve=reserve * len(missing)
            )
        for link in missing:
            row = AltTextSuggestion.objects.create(
                draft=draft,
                asset_id=link.asset_id,
                cost_reserved=reserve,
                created_by=created_by,
                created_by_key_id=created_by_key_id,
            )
            open_rows[link.asset_id] = row
            enqueue_on_commit(suggest_alt_text, suggestion_id=row.pk)
        return [open_rows[link.asset_id] for link in wanted]


class RetryLater(Exception):
    """A retryable provider failure with attempts left: the worker retries with backoff."""


def _context(draft: Draft) -> GenerationContext:
    return GenerationContext(
        kind=draft.kind,
        brand_name=brand_name(),
        voice=voice_spec(current_voice()),
        channel=channel_spec(draft.channel),
        audience=audience_spec(draft.audience),
        brief=brief_spec(draft.brief),
    )


def _ask_model(
    provider: OpenAIProvider,
    ctx: GenerationContext,
    facts: alt_text.AssetFacts,
    row: AltTextSuggestion,
) -> str:
    text, model, tokens_in, tokens_out, _ms = provider.ask(
        alt_text.messages(ctx, facts), alt_text.response_format(), alt_text.parse
    )
    row.model = model
    row.tokens_in += tokens_in
    row.tokens_out += tokens_out
    return text


def write_alt_text_suggestion(*, suggestion_id: int) -> AltTextSuggestion | None:
    """Write one queued suggestion (the worker's job): ask the brand's provider, clean the
    answer (plain text, at most ``MAX_ALT_TEXT_CHARS``) and check it; an answer that fails a
    check, or a brief or asset name that tries to instruct the assistant, gives the
    metadata-only wording instead, with the reasons in ``flags``. Safe to run twice: only a
    queued suggestion is taken. Raises RetryLater on a retryable provider failure while
    attempts are left; None when there was nothing to do."""
    claimed = AltTextSuggestion.objects.filter(
        pk=suggestion_id, status=AltTextSuggestion.Status.QUEUED
    ).update(
        status=AltTextSuggestion.Status.RUNNING,
        started_at=timezone.now(),
        attempts=F("attempts") + 1,
    )
    if not claimed:
        return None
    row = AltTextSuggestion.objects.select_related(
        "asset", "draft__brief", "draft__channel", "draft__audience"
    ).get(pk=suggestion_id)
    asset = row.asset
    facts = alt_text.AssetFacts(
        kind=asset.kind,
        name=asset.name,
        tags=tuple(asset.tags),
        width=asset.width,
        height=asset.height,
        duration_seconds=asset.duration_seconds,
    )
    ctx = _context(row.draft)
    config = resolve_config(assistant_settings())
    hostile = alt_text.injection_signals(ctx, facts)
    labels: list[str] = []
    flags: list[dict[str, str]] = []
    if config.offline:
        row.provider, row.model = "offline", alt_text.OFFLINE_MODEL
        labels.append("offline_generated")
        text = alt_text.compose_offline(ctx, facts, use_brief=not hostile)
    elif hostile:
        # Never hand a brief that tries to instruct the assistant to a model: the wording
        # comes from the metadata alone, and the approver sees why.
        row.provider, row.model = "offline", alt_text.OFFLINE_MODEL
        labels.append("brief_not_sent")
        text = alt_text.compose_offline(ctx, facts, use_brief=False)
    else:
        provider = OpenAIProvider(config)
        row.provider, row.model = provider.name, provider.model
        try:
            text = alt_text.clean(_ask_model(provider, ctx, facts, row))
        except ProviderError as exc:
            return _failed(row, exc)
        found = alt_text.problems(text, ctx, facts)
        if found:
            flags = [v.as_dict() for v in found]
            labels.append("replaced_unsafe_output")
            text = alt_text.compose_offline(ctx, facts)
    if hostile:
        flags = [*flags, *(v.as_dict() for v in hostile)]
        labels.append("injection_attempt")
    row.status = AltTextSuggestion.Status.READY
    row.text = text
    row.flags = flags
    row.labels = labels
    row.failure_code = row.failure_reason = ""
    row.cost_estimate = usage.cost_for(tokens_in=row.tokens_in, tokens_out=row.tokens_out)
    row.finished_at = timezone.now()
    row.save()
    return row


def _failed(row: AltTextSuggestion, exc: ProviderError) -> AltTextSuggestion:
    # A billed answer that could not be used still counts against the budget.
    row.tokens_in += exc.tokens_in
    row.tokens_out += exc.tokens_out
    row.cost_estimate = usage.cost_for(tokens_in=row.tokens_in, tokens_out=row.tokens_out)
    row.failure_code = exc.code
    if exc.retryable and row.attempts < settings.AI_JOB_MAX_ATTEMPTS:
        row.status = AltTextSuggestion.Status.QUEUED
        row.failure_reason = f"Attempt {row.attempts} failed: {exc.message} Retrying."
        row.save()
        raise RetryLater(exc.message) from exc
    row.status = AltTextSuggestion.Status.FAILED
    row.failure_reason = exc.message + (
        f" Gave up after {row.attempts} attempts; ask again later." if exc.retryable else ""
    )
    row.finished_at = timezone.now()
    row.save()
    return row


def requeue_stuck_suggestions(*, now: datetime | None = None) -> list[int]:
    """Send again every suggestion of the brand whose message is gone: queued for
    AI_JOB_REQUEUE_AFTER_SECONDS since it was asked for or last tried (longer than any retry
    backoff), or running far past the worker's time limit (its worker died). Until then it
    holds its budget reservation, so none may be left behind. Safe to overlap: SKIP LOCKED,
    and only a queued suggestion is taken by a run. The ids it sent."""
    from content.services.jobs import run_time_limit_seconds

    now = now or timezone.now()
    queued_before = now - timedelta(seconds=settings.AI_JOB_REQUEUE_AFTER_SECONDS)
    running_before = now - timedelta(seconds=run_time_limit_seconds() * 1.5)
    stuck = (
        Q(status=AltTextSuggestion.Status.QUEUED, started_at__isnull=True)
        & Q(created_at__lt=queued_before)
        | Q(status=AltTextSuggestion.Status.QUEUED, started_at__lt=queued_before)
        | Q(status=AltTextSuggestion.Status.RUNNING, started_at__lt=running_before)
    )
    with transaction.atomic():
        ids = list(
            AltTextSuggestion.objects.filter(stuck)
            .select_for_update(skip_locked=True)
            .order_by("created_at")
            .values_list("pk", flat=True)[:200]
        )
        # Marked as just tried, so the next sweep waits for this message before sending again.
        AltTextSuggestion.objects.filter(pk__in=ids).update(
            status=AltTextSuggestion.Status.QUEUED, started_at=now
        )
        for pk in ids:
            enqueue_on_commit(suggest_alt_text, suggestion_id=pk)
    return ids


def suggestion_by_id(*, suggestion_id: int) -> AltTextSuggestion:
    """One suggestion of the brand, or NotFound (404)."""
    row = AltTextSuggestion.objects.filter(pk=suggestion_id).first()
    if row is None:
        raise NotFound(f"Alt-text suggestion {suggestion_id} does not exist.")
    return row


def suggestions_for_draft(*, draft_id: int) -> list[AltTextSuggestion]:
    """The newest suggestion for each asset the draft carries, in the draft's order."""
    if not Draft.objects.filter(pk=draft_id).exists():
        raise NotFound(f"Draft {draft_id} does not exist.")
    positions = dict(
        DraftAsset.objects.filter(draft_id=draft_id).values_list("asset_id", "position")
    )
    newest: dict[int, AltTextSuggestion] = {}
    rows = AltTextSuggestion.objects.filter(draft_id=draft_id, asset_id__in=positions)
    for row in rows.order_by("-created_at", "-pk"):
        newest.setdefault(row.asset_id, row)
    return sorted(newest.values(), key=lambda row: positions[row.asset_id])


def accept_alt_text_suggestion(
    *,
    suggestion_id: int,
    alt_text_edit: str | None = None,
    actor: User | None = None,
    actor_key_id: int | None = None,
) -> tuple[AltTextSuggestion, DraftAssetsChange]:
    """Make a ready suggestion (or ``alt_text_edit``, a person's edit of it: plain text, at
    most ``MAX_ALT_TEXT_CHARS``) the image's alt text on its draft, through
    ``set_draft_assets``: in place while the draft is being written, as a new version once it
    went to review, audited either way. 409 for a suggestion not ready (or already accepted)
    or an asset no longer on the draft."""
    with transaction.atomic():
        row = AltTextSuggestion.objects.select_for_update().filter(pk=suggestion_id).first()
        if row is None:
            raise NotFound(f"Alt-text suggestion {suggestion_id} does not exist.")
        if row.status != AltTextSuggestion.Status.READY:
            raise AssetsError(
                f"Alt-text suggestion {row.pk} is {row.status}; only a ready one can be accepted.",
                status_code=409,
                code="suggestion_not_ready",
            )
        edited = alt_text_edit is not None and alt_text_edit.strip() != row.text
        chosen = row.text
        if alt_text_edit is not None:
            chosen = " ".join(alt_text_edit.split())
            if not chosen:
                raise AssetsError(
                    "Write the alt text, or leave it out to accept the suggestion.",
                    field="alt_text",
                )
            if alt_text.clean(chosen) != chosen:
                raise AssetsError(
                    f"Alt text is plain text of at most {alt_text.MAX_ALT_TEXT_CHARS} "
                    "characters, without markup.",
                    field="alt_text",
                )
        links = list(DraftAsset.objects.filter(draft_id=row.draft_id).order_by("position"))
        if all(link.asset_id != row.asset_id for link in links):
            raise AssetsError(
                f"Asset {row.asset_id} is no longer on draft {row.draft_id}.",
                status_code=409,
                code="conflict",
                field="asset",
            )
        change = set_draft_assets(
            draft_id=row.draft_id,
            attachments=[
                Attachment(
                    asset_id=link.asset_id,
                    alt_text=chosen if link.asset_id == row.asset_id else link.alt_text,
                )
                for link in links
            ],
            actor=actor,
            actor_key_id=actor_key_id,
            reason=f"Alt text of asset {row.asset_id} from suggestion {row.pk}"
            + (" (edited)." if edited else "."),
        )
        row.status = AltTextSuggestion.Status.ACCEPTED
        row.accepted_text = chosen
        row.accepted_edited = edited
        row.accepted_by = actor if actor_key_id is None else None
        row.accepted_at = timezone.now()
        row.save(
            update_fields=[
                "status",
                "accepted_text",
                "accepted_edited",
                "accepted_by",
                "accepted_at",
            ]
        )
        return row, change
