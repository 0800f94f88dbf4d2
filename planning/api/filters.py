"""List filters for the planning API."""

from __future__ import annotations

import django_filters

from planning.models import PlanItem


# Declared once rather than as the view's filterset_fields, for which django-filter builds a
# new FilterSet class on every request: a third of the month plan's CPU (bench/ "Plan for a
# month").
class PlanItemFilter(django_filters.FilterSet):
    class Meta:
        model = PlanItem
        fields = ["status", "channel", "pillar", "campaign", "owner", "audience", "whole_week"]
