from typing import Any

from django.apps import AppConfig


class MediaConfig(AppConfig):
    # The paid-media (boosts) app; uploaded files live in UPLOADS_ROOT, not here.
    name = "media"
    label = "paid_media"
    verbose_name = "Paid media"

    def ready(self) -> None:
        from approvals.subjects import register_describer
        from media import receivers
        from media.describe import describe_boost
        from tenants.signals import brand_provisioned

        receivers.connect()
        register_describer("boost", describe_boost)
        brand_provisioned.connect(_seed_brand, dispatch_uid="media.seed_brand")


def _seed_brand(sender: Any, *, brand: Any, **kwargs: Any) -> None:
    from django_tenants.utils import schema_context

    from media.services.settings import seed_media_settings

    with schema_context(brand.schema_name):
        seed_media_settings()
