"""What a brand writes with and for: its channels (more arrives with the AI assistant)."""

from __future__ import annotations

from django.db import models
from django.db.models import Q

from content.networks import Network


class Channel(models.Model):
    """One of the brand's accounts on a network, with that network's rules for posts."""

    network = models.CharField(max_length=16, choices=Network.choices)
    handle = models.CharField(max_length=100)
    name = models.CharField(max_length=200, blank=True)
    max_length = models.PositiveIntegerField()
    max_hashtags = models.PositiveIntegerField()
    links_allowed = models.BooleanField()
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "handle"], name="unique_channel_handle"),
            models.CheckConstraint(
                condition=Q(max_length__gt=0), name="channel_max_length_positive"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_network_display()} @{self.handle}"
