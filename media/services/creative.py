"""The images and videos a boost carries: its creative, in order with alt text, checked
against the network's media rules. When they may change is the boost's state machine's
business (``boosts.set_boost_assets``); this module only checks and writes them."""

from __future__ import annotations

from django.db import transaction

from assets import media_rules
from assets.services import Attachment, lock_attachments
from media.errors import MediaError
from media.models import Boost, BoostAsset
from tenants.audit import services as audit
from tenants.audit.models import AuditAction
from tenants.models import User


def replace_boost_assets(
    *,
    boost: Boost,
    attachments: list[Attachment],
    actor: User | None = None,
    actor_key_id: int | None = None,
) -> bool:
    """Put these assets on a (locked) boost in this order with their alt text, replacing what
    it carried, with an audit entry; more images than the boost's network takes, or an asset
    that does not exist or comes twice, is a 400. Returns whether anything changed."""
    limit = media_rules.rules_for(boost.network).max_images
    if len(attachments) > limit:
        raise MediaError(
            f"A {boost.get_network_display()} boost carries at most {limit} images.",
            field="assets",
        )
    with transaction.atomic():
        lock_attachments(attachments=attachments, on="the boost")
        current = BoostAsset.objects.filter(boost=boost).order_by("position")
        before = [(link.asset_id, link.alt_text) for link in current]
        after = [(item.asset_id, item.alt_text.strip()) for item in attachments]
        if before == after:
            return False
        BoostAsset.objects.filter(boost=boost).delete()
        BoostAsset.objects.bulk_create(
            BoostAsset(boost=boost, asset_id=asset_id, position=index, alt_text=alt_text)
            for index, (asset_id, alt_text) in enumerate(after)
        )
        audit.record(
            action=AuditAction.BOOST_ASSETS_SET,
            subject=boost,
            before={"status": boost.status, "assets": before},
            after={"assets": after},
            # An API key acting is recorded as the key (from the request), not its creator.
            actor=actor if actor_key_id is None else None,
        )
        return True
