"""SQL expressions the results figures are made of, one definition each for the KPI actuals
and the results lists: engagements, a percentage, a median, an interval in minutes."""

from __future__ import annotations

from typing import Any

from django.db.models import Aggregate, F, FloatField, Func
from django.db.models.functions import Cast, NullIf

ENGAGEMENTS = F("reactions") + F("comments") + F("shares") + F("saves")


def percent(part: Any, whole: Any) -> Any:
    """``part`` as a percentage of ``whole``; NULL (no data) when ``whole`` is 0."""
    return Cast(part, FloatField()) * 100.0 / NullIf(Cast(whole, FloatField()), 0.0)


class Median(Aggregate):
    """PostgreSQL's continuous median."""

    function = "PERCENTILE_CONT"
    name = "median"
    template = "%(function)s(0.5) WITHIN GROUP (ORDER BY %(expressions)s)"
    output_field = FloatField()


class Minutes(Func):
    """An interval in minutes."""

    template = "(EXTRACT(EPOCH FROM %(expressions)s) / 60.0)"
    output_field = FloatField()
