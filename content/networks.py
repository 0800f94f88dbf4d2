"""The social networks we write for and each one's rules for a post."""

from __future__ import annotations

from dataclasses import dataclass

from django.db import models


class Network(models.TextChoices):
    X = "x", "X"
    LINKEDIN = "linkedin", "LinkedIn"
    INSTAGRAM = "instagram", "Instagram"
    FACEBOOK = "facebook", "Facebook"
    TIKTOK = "tiktok", "TikTok"
    THREADS = "threads", "Threads"


@dataclass(frozen=True)
class NetworkRules:
    max_length: int
    max_hashtags: int
    links_allowed: bool


DEFAULT_RULES: dict[str, NetworkRules] = {
    Network.X: NetworkRules(max_length=280, max_hashtags=2, links_allowed=True),
    Network.LINKEDIN: NetworkRules(max_length=3000, max_hashtags=5, links_allowed=True),
    Network.INSTAGRAM: NetworkRules(max_length=2200, max_hashtags=30, links_allowed=False),
    Network.FACEBOOK: NetworkRules(max_length=63206, max_hashtags=3, links_allowed=True),
    Network.TIKTOK: NetworkRules(max_length=2200, max_hashtags=5, links_allowed=False),
    Network.THREADS: NetworkRules(max_length=500, max_hashtags=1, links_allowed=True),
}
