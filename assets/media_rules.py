"""Each network's rules for the media on a post: how many, which shapes, how long a video,
whether a post needs media (or video). Checked when a draft's media are set (too many is
refused) and reported as warnings (a shape the network crops, a video too long, a post that
needs media and has none)."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from content.networks import Network


@dataclass(frozen=True)
class MediaRules:
    max_images: int
    # Width / height the network shows uncropped (None: any shape).
    min_ratio: Fraction | None = None
    max_ratio: Fraction | None = None
    requires_media: bool = False
    # Videos: how long the network takes (None: no video rule), and whether a post must be one.
    max_video_seconds: int | None = None
    requires_video: bool = False


# The networks' published limits for image posts (carousels included), kept conservative.
MEDIA_RULES: dict[str, MediaRules] = {
    Network.X: MediaRules(max_images=4, max_video_seconds=140),
    Network.LINKEDIN: MediaRules(max_images=20, max_video_seconds=15 * 60),
    Network.INSTAGRAM: MediaRules(
        max_images=10,
        min_ratio=Fraction(4, 5),
        max_ratio=Fraction(191, 100),
        requires_media=True,
        max_video_seconds=90,
    ),
    Network.FACEBOOK: MediaRules(max_images=10, max_video_seconds=240 * 60),
    Network.TIKTOK: MediaRules(
        max_images=35, requires_media=True, requires_video=True, max_video_seconds=10 * 60
    ),
    Network.THREADS: MediaRules(max_images=20, max_video_seconds=5 * 60),
}
# A draft without a channel (or on a network we have no rules for) takes our own ceiling.
ANY_NETWORK = MediaRules(max_images=10)


def rules_for(network: str | None) -> MediaRules:
    return MEDIA_RULES.get(network or "", ANY_NETWORK)


def shape_warning(*, rules: MediaRules, width: int, height: int) -> str | None:
    """Why the network would crop an image of this shape, or None when it fits."""
    ratio = Fraction(width, height)
    if rules.min_ratio is not None and ratio < rules.min_ratio:
        return f"taller than {_as_ratio(rules.min_ratio)}; the network crops it"
    if rules.max_ratio is not None and ratio > rules.max_ratio:
        return f"wider than {_as_ratio(rules.max_ratio)}; the network crops it"
    return None


def _as_ratio(value: Fraction) -> str:
    return f"{float(value):.2f}:1"


def length_warning(*, rules: MediaRules, seconds: float) -> str | None:
    """Why the network would refuse a video this long, or None when it fits."""
    if rules.max_video_seconds is not None and seconds > rules.max_video_seconds:
        return f"{seconds:.0f} s long; the network takes at most {rules.max_video_seconds} s"
    return None
