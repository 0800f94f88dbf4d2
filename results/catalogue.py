"""The catalogue of what a KPI can measure: one entry per metric, with its source, unit, how
it adds up over a period, which scopes apply, and its definition (the API and docs/results.md
show these words).

One definition of engagement everywhere: **engagements** are reactions + comments + shares +
saves (link clicks and video views are counted apart). Paid engagements are the same actions
as the network reports them for a boost. A boost's **results** are the count its objective
names (reach, engagements, clicks or conversions), in the boost report and the media report
alike.
"""

from __future__ import annotations

from dataclasses import dataclass

POSTS = "posts"
CHANNELS = "channels"
INBOX = "inbox"
APPROVALS = "approvals"
ASSISTANT = "assistant"
PAID = "paid"

# How a period's value behaves while the period runs: a total grows with time (so the
# projection scales it to the whole period); a rate, median or level does not.
TOTAL = "total"
RATE = "rate"

POST_SCOPES = frozenset({"channel", "audience", "campaign", "pillar"})


@dataclass(frozen=True)
class Metric:
    key: str
    label: str
    source: str
    unit: str  # count, percent, minutes, usd
    behaves: str  # TOTAL or RATE
    scopes: frozenset[str]
    definition: str
    # True when the figure itself can be negative (and so can its target).
    signed: bool = False


def _post_total(key: str, label: str, definition: str) -> Metric:
    return Metric(key, label, POSTS, "count", TOTAL, POST_SCOPES, definition)


CATALOGUE: dict[str, Metric] = {
    m.key: m
    for m in [
        _post_total("impressions", "Impressions", "Growth of published posts' impressions."),
        _post_total(
            "reach",
            "Reach",
            "Growth of published posts' reach (each post's unique accounts; summed over posts, "
            "so one account reached by two posts counts twice).",
        ),
        _post_total("reactions", "Reactions", "Growth of likes and other reactions."),
        _post_total("comments", "Comments", "Growth of comments on published posts."),
        _post_total("shares", "Shares", "Growth of shares and reposts."),
        _post_total("saves", "Saves", "Growth of saves and bookmarks."),
        _post_total("link_clicks", "Link clicks", "Growth of clicks on the posts' links."),
        _post_total("video_views", "Video views", "Growth of video views."),
        _post_total(
            "engagements",
            "Engagements",
            "Reactions + comments + shares + saves gained in the period.",
        ),
        Metric(
            "engagement_rate",
            "Engagement rate",
            POSTS,
            "percent",
            RATE,
            POST_SCOPES,
            "Engagements / impressions x 100, over the growth in the period.",
        ),
        Metric(
            "click_through_rate",
            "Click-through rate",
            POSTS,
            "percent",
            RATE,
            POST_SCOPES,
            "Link clicks / impressions x 100, over the growth in the period.",
        ),
        Metric(
            "posts_published",
            "Posts published",
            POSTS,
            "count",
            TOTAL,
            POST_SCOPES,
            "Posts (not replies) published in the period. results/figures/ sets it against "
            "the plan: posts_planned (the plan's items on those days, dropped ones left out) "
            "and published_vs_planned (published / planned x 100).",
        ),
        Metric(
            "followers",
            "Followers",
            CHANNELS,
            "count",
            RATE,
            frozenset({"channel"}),
            "Followers on the last day reported in the period, summed over channels.",
        ),
        Metric(
            "follower_growth",
            "Follower growth",
            CHANNELS,
            "count",
            TOTAL,
            frozenset({"channel"}),
            "Followers gained (or lost) over the period: each reported day's followers minus "
            "the channel's previous reported day.",
            signed=True,
        ),
        Metric(
            "profile_visits",
            "Profile visits",
            CHANNELS,
            "count",
            TOTAL,
            frozenset({"channel"}),
            "Profile visits reported for the period's days.",
        ),
        Metric(
            "mentions",
            "Mentions",
            CHANNELS,
            "count",
            TOTAL,
            frozenset({"channel"}),
            "Mentions reported for the period's days.",
        ),
        Metric(
            "negative_mention_share",
            "Share of negative mentions",
            CHANNELS,
            "percent",
            RATE,
            frozenset({"channel"}),
            "Negative / (positive + neutral + negative) mentions x 100.",
        ),
        Metric(
            "median_reply_minutes",
            "Median reply time",
            INBOX,
            "minutes",
            RATE,
            frozenset({"channel"}),
            "Median minutes from an inbox item's arrival to its first published reply, over "
            "the items received in the period that have one.",
        ),
        Metric(
            "replies_in_time_share",
            "Replies inside the reply deadline",
            INBOX,
            "percent",
            RATE,
            frozenset({"channel"}),
            "Share of inbox items received in the period whose first reply was published "
            "within the brand's reply deadline (results settings); an item still unanswered "
            "past its deadline counts as late, one still inside it is not counted yet.",
        ),
        Metric(
            "median_signoff_minutes_post",
            "Median sign-off time, posts",
            APPROVALS,
            "minutes",
            RATE,
            frozenset(),
            "Median minutes from an approval request for a post to its decision, over "
            "requests decided in the period.",
        ),
        Metric(
            "median_signoff_minutes_reply",
            "Median sign-off time, replies",
            APPROVALS,
            "minutes",
            RATE,
            frozenset(),
            "As for posts, for replies.",
        ),
        Metric(
            "median_signoff_minutes_boost",
            "Median sign-off time, boosts",
            APPROVALS,
            "minutes",
            RATE,
            frozenset(),
            "As for posts, for boosts.",
        ),
        Metric(
            "novelty_rejections",
            "Novelty rejections",
            ASSISTANT,
            "count",
            TOTAL,
            frozenset(),
            "Drafts written in the period that the novelty check found too similar to a "
            "recent post.",
        ),
        Metric(
            "ai_cost_per_post",
            "AI cost per published post",
            ASSISTANT,
            "usd",
            RATE,
            frozenset(),
            "Estimated AI cost of the generation jobs of the period / posts published in it.",
        ),
        Metric(
            "paid_impressions",
            "Paid impressions",
            PAID,
            "count",
            TOTAL,
            frozenset(),
            "Impressions the boosts' results report for periods starting in the period.",
        ),
        Metric(
            "paid_engagements",
            "Paid engagements",
            PAID,
            "count",
            TOTAL,
            frozenset(),
            "Engagements (same definition as organic) the boosts' results report.",
        ),
        Metric(
            "paid_clicks",
            "Paid clicks",
            PAID,
            "count",
            TOTAL,
            frozenset(),
            "Clicks the boosts' results report.",
        ),
        Metric(
            "paid_results",
            "Paid results",
            PAID,
            "count",
            TOTAL,
            frozenset(),
            "Each boost's results as its objective counts them (reach, engagements, clicks or "
            "conversions), summed.",
        ),
    ]
}
