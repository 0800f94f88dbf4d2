from django.apps import AppConfig


class AssetsConfig(AppConfig):
    # Creative assets: a brand's uploaded images, their renditions, and the ordered images a
    # draft carries. Just above content (it attaches to drafts and reads their status); the
    # approvals phone view reads its renditions.
    name = "assets"
    verbose_name = "Creative assets"

    def ready(self) -> None:
        from django.conf import settings
        from PIL import Image

        from assets import alt_text_suggestions, receivers, working

        receivers.connect()
        working.register()
        alt_text_suggestions.register_spend()

        # Pillow's own decompression-bomb guard, everywhere images are opened (uploads and the
        # worker's renditions): warns above this many pixels, raises above twice as many.
        Image.MAX_IMAGE_PIXELS = settings.ASSET_IMAGE_MAX_PIXELS
