"""Appending to the audit trail. One call from the service that makes the change, inside its
transaction, so the entry commits (or rolls back) with the change it describes."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db.models import Model
from django.utils import timezone
from django.utils.text import slugify

from tenants.audit.context import current_request
from tenants.audit.models import ActorKind, AuditEntry
from tenants.models import ApiKey, Brand, User
from tenants.selectors import current_brand

# Values never written to the trail, only whether they were set.
SECRET_FIELDS = frozenset({"api_key", "secret", "secret_hash", "password", "token"})
REDACTED = "[redacted]"


@dataclass(frozen=True)
class Actor:
    kind: str
    user_id: int | None = None
    api_key_id: int | None = None
    label: str = ""


SYSTEM = Actor(kind=ActorKind.SYSTEM, label="system")


def person(*, user: User) -> Actor:
    """A signed-in person."""
    return Actor(kind=ActorKind.PERSON, user_id=user.pk, label=user.email or user.username)


def api_key(*, key: ApiKey) -> Actor:
    """An integrator's key; the person who created it is recorded with it."""
    creator = key.created_by
    by = f", created by {creator.email or creator.username}" if creator is not None else ""
    return Actor(
        kind=ActorKind.API_KEY,
        user_id=key.created_by_id,
        api_key_id=key.pk,
        label=f"API key '{key.name}' ({key.prefix}…){by}",
    )


def acting() -> Actor:
    """Who is behind the current request: its signed-in person or its API key; the system when
    there is no request or nobody authenticated."""
    request = current_request()
    if request is None:
        return SYSTEM
    auth = getattr(request, "auth", None)
    if isinstance(auth, ApiKey):
        return api_key(key=auth)
    user = getattr(request, "user", None)
    if isinstance(user, User) and user.is_authenticated:
        return person(user=user)
    return SYSTEM


def _json(value: Any) -> Any:
    """``value`` as JSON-ready data (decimals and times as text), secrets redacted."""
    if value is None:
        return None
    if isinstance(value, dict):
        return {
            str(k): (REDACTED if k in SECRET_FIELDS and v else _json(v)) for k, v in value.items()
        }
    if isinstance(value, list | tuple | set | frozenset):
        return [_json(v) for v in value]
    if isinstance(value, bool | int | float | str):
        return value
    if isinstance(value, Decimal):
        return str(value)
    return DjangoJSONEncoder().default(value)


def _subject_kind(subject: Model) -> str:
    return slugify(str(subject._meta.verbose_name)).replace("-", "_")


def record(
    *,
    action: str,
    subject: Model,
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
    detail: str = "",
    brand: Brand | None = None,
    actor: User | None = None,
) -> AuditEntry:
    """Append one entry about ``subject`` (its kind, id and name at the time are kept).
    ``brand`` defaults to the brand whose schema the connection is on; ``actor`` (the acting
    person) defaults to whoever the current request authenticated as."""
    if brand is None:
        brand = current_brand()
    who = person(user=actor) if actor is not None else acting()
    return AuditEntry.objects.create(
        at=timezone.now(),
        brand_id=brand.pk,
        brand_slug=brand.slug,
        actor_kind=who.kind,
        actor_user_id=who.user_id,
        actor_api_key_id=who.api_key_id,
        actor_label=who.label[:300],
        action=action,
        subject_kind=_subject_kind(subject),
        subject_id=subject.pk,
        subject_label=str(subject)[:300],
        before=_json(before),
        after=_json(after),
        detail=detail,
    )


def record_changes(
    *,
    action: str,
    subject: Model,
    values: dict[str, Any],
    brand: Brand | None = None,
    actor: User | None = None,
) -> AuditEntry | None:
    """Append one entry with the fields of ``values`` that differ from ``subject``'s (call it
    before the subject is changed), or nothing when no value differs."""
    before: dict[str, Any] = {}
    after: dict[str, Any] = {}
    for field, value in values.items():
        old = getattr(subject, field)
        if old != value:
            before[field] = old
            after[field] = value
    if not after:
        return None
    return record(
        action=action,
        subject=subject,
        before=before,
        after=after,
        brand=brand,
        actor=actor,
    )


def fields_of(*, row: Model, names: Iterable[str]) -> dict[str, Any]:
    """``row``'s values of ``names``, for an entry's before or after."""
    return {name: getattr(row, name) for name in names}
