"""A brand's creative assets (uploaded images), their renditions, and the images a draft
carries, in order, with alt text."""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import Q

from content.models import Draft
from tenants.people import person_reference


class AssetState(models.TextChoices):
    """Renditions are made on the worker: an asset is usable in pages once ``ready``."""

    PROCESSING = "processing"
    READY = "ready"
    FAILED = "failed"


class AssetKind(models.TextChoices):
    IMAGE = "image"
    VIDEO = "video"


class Asset(models.Model):
    """One uploaded image or video. ``original`` is the cleaned upload (an image's metadata
    stripped unless asked to keep it; a video as sent); ``thumbnail`` and ``phone`` are JPEG
    renditions made on the worker (of a video's poster frame)."""

    Kind = AssetKind
    State = AssetState

    kind = models.CharField(max_length=8, choices=Kind.choices, default=Kind.IMAGE)
    name = models.CharField(max_length=200)
    tags = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    # Judged from the bytes (Pillow), never from the file name or the declared type.
    content_type = models.CharField(max_length=40)
    size_bytes = models.PositiveBigIntegerField()
    width = models.PositiveIntegerField()
    height = models.PositiveIntegerField()
    # Videos only (ffprobe's reading).
    duration_seconds = models.FloatField(null=True, blank=True)
    metadata_stripped = models.BooleanField(default=True)
    original = models.FileField(max_length=300)
    thumbnail = models.FileField(max_length=300, blank=True)
    phone = models.FileField(max_length=300, blank=True)
    state = models.CharField(max_length=12, choices=State.choices, default=State.PROCESSING)
    failure = models.CharField(max_length=300, blank=True)
    # How many times the renditions message was sent again because the asset stayed
    # ``processing`` (its message lost, or its worker killed): bounded, see
    # ``assets.services.requeue_stuck_renditions``.
    rendition_resends = models.PositiveSmallIntegerField(default=0)
    created_by = person_reference()
    created_by_key_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        indexes = [
            # The every-minute sweep for renditions whose message was lost reads only these.
            models.Index(
                fields=["updated_at"],
                condition=Q(state="processing"),
                name="asset_processing_since",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=AssetState.values), name="asset_state_valid"
            ),
            models.CheckConstraint(condition=Q(kind__in=AssetKind.values), name="asset_kind_valid"),
            # A ready asset has its renditions; pages never fall back to the original.
            models.CheckConstraint(
                condition=~Q(state="ready") | (~Q(thumbnail="") & ~Q(phone="")),
                name="asset_ready_has_renditions",
            ),
        ]

    def __str__(self) -> str:
        return f"asset #{self.pk} {self.name} ({self.state})"


class DraftAsset(models.Model):
    """An asset on a draft, at a position (0 first), with the alt text read to people who
    cannot see it."""

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="asset_links")
    asset = models.ForeignKey(Asset, on_delete=models.PROTECT, related_name="draft_links")
    position = models.PositiveSmallIntegerField()
    alt_text = models.CharField(max_length=1000, blank=True)

    class Meta:
        ordering = ["draft", "position"]
        constraints = [
            models.UniqueConstraint(fields=["draft", "position"], name="draft_asset_position"),
            models.UniqueConstraint(fields=["draft", "asset"], name="draft_asset_once"),
        ]

    def __str__(self) -> str:
        return f"asset #{self.asset_id} at {self.position} on draft #{self.draft_id}"


class ResumableUpload(models.Model):
    """A large file arriving in pieces (the tus protocol, assets/resumable/). The bytes so far
    sit in a file under ``ASSET_RESUMABLE_ROOT`` named by ``token``; ``offset`` is how many of
    them are safely there. Once the last byte arrives the file becomes an asset through the
    same checks as a multipart upload, and the piece file goes. Past ``expires_at`` an
    unfinished upload is gone (the sweep removes its row and file)."""

    # The upload's URL names it by this, not by its row id: it is not guessable.
    token = models.UUIDField(unique=True)
    length = models.PositiveBigIntegerField()
    offset = models.PositiveBigIntegerField(default=0)
    # From the client's Upload-Metadata; the type is still judged from the bytes at the end.
    filename = models.CharField(max_length=200, blank=True)
    declared_type = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=200, blank=True)
    tags = ArrayField(models.CharField(max_length=40), default=list, blank=True)
    keep_metadata = models.BooleanField(default=False)
    # The one who may send the pieces: a person, or an integrator's API key.
    created_by = person_reference()
    created_by_key_id = models.BigIntegerField(null=True, blank=True)
    asset = models.ForeignKey(
        Asset, null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField(db_index=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(offset__lte=models.F("length")), name="resumable_offset_within_length"
            ),
            models.CheckConstraint(condition=Q(length__gt=0), name="resumable_length_positive"),
        ]

    def __str__(self) -> str:
        return f"resumable upload {self.token} ({self.offset}/{self.length} bytes)"

    @property
    def complete(self) -> bool:
        return self.offset == self.length


class ChosenDraftAssets(models.Model):
    """A draft whose images were chosen by a person (possibly none at all), so carrying its
    parent's images to it (``carry_assets_to_revision``, on the worker) leaves it alone: a
    version made to take an image off must not get it back."""

    draft = models.OneToOneField(
        Draft, on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    chosen_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"images chosen for draft #{self.draft_id}"


class AltTextSuggestionStatus(models.TextChoices):
    """Written on the worker (``queued``, ``running``), then ``ready`` to be accepted (or
    ``failed``, with why); ``accepted`` once a person made it the image's alt text."""

    QUEUED = "queued"
    RUNNING = "running"
    READY = "ready"
    FAILED = "failed"
    ACCEPTED = "accepted"


class AltTextSuggestion(models.Model):
    """The assistant's suggested alt text for an asset on a draft, written from the draft's
    brief, the brand's voice and the asset's metadata (no vision model). A suggestion, never
    applied by itself: a person accepts it (or an edit of it). Its AI cost counts against the
    brand's monthly budget like a generation job's (``content.assistant.usage``)."""

    Status = AltTextSuggestionStatus

    draft = models.ForeignKey(Draft, on_delete=models.CASCADE, related_name="+")
    asset = models.ForeignKey(Asset, on_delete=models.CASCADE, related_name="alt_text_suggestions")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.QUEUED)
    text = models.CharField(max_length=250, blank=True)
    # What the checks found in the model's own answer, which was then replaced by the
    # metadata-only wording ({"code", "detail"} each); labels only inform.
    flags = models.JSONField(default=list, blank=True)
    labels = models.JSONField(default=list, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    failure_code = models.CharField(max_length=40, blank=True)
    failure_reason = models.TextField(blank=True)
    provider = models.CharField(max_length=40, blank=True)
    model = models.CharField(max_length=100, blank=True)
    tokens_in = models.PositiveIntegerField(default=0)
    tokens_out = models.PositiveIntegerField(default=0)
    cost_estimate = models.DecimalField(max_digits=10, decimal_places=6, default=0)
    # Held against the budget while queued or running, as a generation job's reservation.
    cost_reserved = models.DecimalField(max_digits=10, decimal_places=6, default=0)
    accepted_text = models.CharField(max_length=250, blank=True)
    accepted_edited = models.BooleanField(default=False)
    accepted_by = person_reference()
    accepted_at = models.DateTimeField(null=True, blank=True)
    created_by = person_reference()
    created_by_key_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(status__in=AltTextSuggestionStatus.values),
                name="alt_suggestion_status_valid",
            ),
            models.CheckConstraint(
                condition=~Q(status="failed") | ~Q(failure_reason=""),
                name="alt_suggestion_failure_has_reason",
            ),
            # Asking again while one is being written joins it instead of paying twice.
            models.UniqueConstraint(
                fields=["draft", "asset"],
                condition=Q(status__in=["queued", "running"]),
                name="alt_suggestion_one_open",
            ),
        ]

    def __str__(self) -> str:
        return f"alt text suggestion #{self.pk} for asset #{self.asset_id} ({self.status})"
