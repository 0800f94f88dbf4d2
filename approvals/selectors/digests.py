"""Reads for notification digests: how often each person wants theirs."""

from __future__ import annotations

from collections.abc import Iterable

from django.conf import settings

from approvals.models import NotificationPreference


def digest_minutes_for(*, user_ids: Iterable[int]) -> dict[int, int]:
    """Each person's digest interval in minutes (0: every notice at once), their own choice on
    this brand or else the platform default."""
    ids = list(user_ids)
    chosen = dict(
        NotificationPreference.objects.filter(user_id__in=ids).values_list(
            "user_id", "digest_minutes"
        )
    )
    return {i: chosen.get(i, settings.APPROVALS_DIGEST_MINUTES) for i in ids}
