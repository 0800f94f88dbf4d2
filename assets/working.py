"""Assets whose renditions are still being made, on the staff cockpit's "Working now" panel
(see tenants/attention/working.py)."""

from __future__ import annotations

from typing import Any

from assets.models import Asset, AssetState
from tenants.attention.selectors import MemberBrand
from tenants.attention.working import WorkSource, register_work_source


def _describe(brand: MemberBrand, row: dict[str, Any]) -> tuple[str, str, int, int, str]:
    what = "video" if row["kind"] == "video" else "image"
    return (
        f"The {what} “{row['name']}”",
        "Making the thumbnail and the phone rendition",
        0,
        1,
        f"/brands/{brand.slug}/api/v1/assets/{row['id']}/",
    )


def register() -> None:
    register_work_source(
        WorkSource(
            kind="asset",
            table=Asset._meta.db_table,
            columns=("kind", "name"),
            working=f"t.state = '{AssetState.PROCESSING}'",
            describe=_describe,
        )
    )
