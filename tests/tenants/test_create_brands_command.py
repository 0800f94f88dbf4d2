"""Creating many brands from a CSV shows progress and reports each brand that failed (issue
22), making the command fail instead of skipping it silently."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command

from tenants.models import Brand

pytestmark = pytest.mark.django_db


def test_brands_from_a_csv_are_made_and_each_failure_is_named(world, tmp_path) -> None:
    listing = tmp_path / "brands.csv"
    listing.write_text(
        "agency,slug,name,timezone,currency\n"
        "test-agency,kiwi-kayaks,Kiwi Kayaks,Pacific/Auckland,NZD\n"
        "test-agency,alpine-coffee,Taken Slug,UTC,EUR\n"
        "no-such-agency,lost-brand,Lost,UTC,EUR\n"
        "test-agency,fjord-fish,Fjord Fish,Nowhere/Land,NOK\n"
        "test-agency,tokyo-tea,Tokyo Tea,Asia/Tokyo,JPY\n",
        encoding="utf-8",
    )
    out = io.StringIO()
    with pytest.raises(CommandError) as failed:
        call_command("create_brands", str(listing), stdout=out)

    assert "3 of 5 brands failed: alpine-coffee, lost-brand, fjord-fish" in str(failed.value)
    text = out.getvalue()
    assert "create brands: " in text  # the progress lines (plain: not a terminal)
    assert "line 3, slug:" in text and "line 4, agency:" in text and "line 5, timezone:" in text
    made = dict(
        Brand.objects.filter(slug__in=["kiwi-kayaks", "tokyo-tea"]).values_list("slug", "currency")
    )
    assert made == {"kiwi-kayaks": "NZD", "tokyo-tea": "JPY"}
    assert not Brand.objects.filter(slug__in=["lost-brand", "fjord-fish"]).exists()


def test_a_csv_without_the_needed_columns_is_refused_before_anything_is_made(
    world, tmp_path
) -> None:
    listing = tmp_path / "brands.csv"
    listing.write_text("slug,name\nsolo,Solo\n", encoding="utf-8")
    with pytest.raises(CommandError, match="no column agency"):
        call_command("create_brands", str(listing), stdout=io.StringIO())
    assert not Brand.objects.filter(slug="solo").exists()
