"""The one way a brand's tables name a person (a ``tenants.User`` in the public schema)."""

from __future__ import annotations

from typing import Any

from django.db import models


def person_reference(*, required: bool = False, **options: Any) -> models.ForeignKey[Any, Any]:
    """A foreign key to the person, as ``<name>`` / ``<name>_id`` like any other; nullable
    unless ``required`` (a row that always has its person, such as a decision's decider).

    No database constraint: PostgreSQL cannot enforce one from a brand's schema into the public
    one, and a person who leaves must not take the brand's history with them (``DO_NOTHING``:
    the id stays, a join finds nobody). No reverse accessor on the user, since one user spans
    many brand schemas. ``options`` add field options such as ``verbose_name`` or ``help_text``.
    """
    return models.ForeignKey(
        "tenants.User",
        null=not required,
        blank=not required,
        on_delete=models.DO_NOTHING,
        db_constraint=False,
        related_name="+",
        **options,
    )
