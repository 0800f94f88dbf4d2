from django.apps import AppConfig


class MediaConfig(AppConfig):
    # The paid-media (boosts) app; uploaded files live in UPLOADS_ROOT, not here.
    name = "media"
    label = "paid_media"
    verbose_name = "Paid media"
