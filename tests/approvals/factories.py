"""Drafts for approvals tests, made through the ORM (the content app owns the real flow)."""

from __future__ import annotations

import factory

from content.models import Draft


class DraftFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Draft

    kind = "post"
    text = factory.Sequence(lambda n: f"Fresh roast number {n} is in the shop today.")
    status = "ready"
    risk_score = 10
