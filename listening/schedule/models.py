"""Public-schema table: which brands the every-minute trigger evaluation must look at."""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class BrandTriggerDue(models.Model):
    """A brand's entry in the evaluation cycle: ``inputs_changed_at`` is set when new inputs
    arrived (signals) since the last cycle and cleared when a cycle takes them; ``next_check_at``
    is the earliest ``next_check_at`` of the brand's enabled time-based triggers (absence,
    calendar events, KPIs).

    The cycle reads only the rows that are due, through the two partial indexes, so its cost
    follows the rules whose inputs changed or whose time came, not the number of brands."""

    brand = models.OneToOneField(
        "tenants.Brand", on_delete=models.CASCADE, primary_key=True, related_name="+"
    )
    inputs_changed_at = models.DateTimeField(null=True, blank=True)
    next_check_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(
                fields=["inputs_changed_at"],
                condition=Q(inputs_changed_at__isnull=False),
                name="trigger_due_inputs",
            ),
            models.Index(
                fields=["next_check_at"],
                condition=Q(next_check_at__isnull=False),
                name="trigger_due_next_check",
            ),
        ]

    def __str__(self) -> str:
        return f"brand {self.brand_id} inputs {self.inputs_changed_at} check {self.next_check_at}"
