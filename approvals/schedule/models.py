"""Public-schema table: when each brand next has approval work due."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class BrandDue(models.Model):
    """The earliest ``next_action_at`` among the brand's open steps (None: nothing due).

    Kept in step with the brand's steps in the same transaction that changes them."""

    brand = models.OneToOneField(
        "tenants.Brand", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    next_due_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["next_due_at"],
                condition=Q(next_due_at__isnull=False),
                name="brand_due_next",
            )
        ]

    def __str__(self) -> str:
        return f"brand {self.brand_id} due {self.next_due_at}"
