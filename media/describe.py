"""A boost as its approver reads it on the phone: the post being boosted, who it reaches,
when, what it may spend, and what is left of the month's paid budget."""

from __future__ import annotations

from zoneinfo import ZoneInfo

from django.db import connection

from approvals.subjects import SubjectFacts
from assets.selectors import phone_images_of
from brandroom.currencies import format_money
from content import selectors as content_selectors
from content.models import Draft
from media import selectors
from media.models import Boost


def _targeting(targeting: dict[str, object]) -> str:
    parts = []
    for key, value in targeting.items():
        shown = ", ".join(map(str, value)) if isinstance(value, list) else str(value)
        parts.append(f"{key.replace('_', ' ')}: {shown}")
    return "; ".join(parts)


def describe_boost(boost_id: int) -> SubjectFacts | None:
    boost = Boost.objects.filter(pk=boost_id).first()
    if boost is None:
        return None
    tz = ZoneInfo(connection.tenant.timezone)
    text = ""
    if boost.draft_id is not None:
        try:
            text = content_selectors.get_draft(draft_id=boost.draft_id).text
        except Draft.DoesNotExist:
            text = "(the boosted draft was deleted)"
    elif boost.external_post_ref:
        text = f"Post {boost.external_post_ref} (published outside Brandroom)"
    money = boost.currency
    facts = [
        ("Network", boost.get_network_display()),
        ("Objective", boost.get_objective_display()),
        ("Budget", format_money(boost.budget_total, money)),
    ]
    if boost.daily_cap is not None:
        facts.append(("Daily cap", format_money(boost.daily_cap, money)))
    starts, ends = boost.starts_at.astimezone(tz), boost.ends_at.astimezone(tz)
    facts.append(("Runs", f"{starts:%a %d %b %H:%M} to {ends:%a %d %b %H:%M}"))
    profile = boost.audience
    if profile is not None:
        named = f"{profile.name}: {profile.description}" if profile.description else profile.name
        facts.append(("Audience", named))
    else:
        facts.append(("Audience", "no audience profile named"))
    if boost.audience_ref:
        facts.append(("Network audience", boost.audience_ref))
    facts.append(("Targeting", _targeting(boost.targeting) or "none set"))
    spent = selectors.spend_of(boost_id=boost.pk)
    if spent:
        facts.append(("Spent so far", format_money(spent, money)))
    month = starts.date().replace(day=1)
    budget = next(
        (
            view
            for view in selectors.budget_overview(tz=tz)
            if view.month == month and view.currency == money
        ),
        None,
    )
    facts.append(
        (
            f"Left of {month:%B}'s paid budget",
            format_money(budget.remaining, money)
            + f" of {format_money(budget.amount, money)} (this boost included)"
            if budget is not None
            else f"no monthly budget set in {money}",
        )
    )
    images = phone_images_of(
        links=selectors.boost_assets(boost_id=boost.pk),
        brand_slug=connection.tenant.slug,
    )
    return SubjectFacts(heading="Boost", text=text, facts=facts, images=images)
