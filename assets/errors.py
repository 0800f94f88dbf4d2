"""Domain errors of the assets app; brandroom.errors maps them to HTTP once."""

from __future__ import annotations

from brandroom.rules import RuleViolation


class AssetsError(RuleViolation):
    """An assets rule said no; ``field`` names the input at fault."""


class UnsupportedFile(AssetsError):
    """The upload is not an image we take (judged from its bytes, not its name)."""

    code = "unsupported_file"


class FileTooLarge(AssetsError):
    status_code = 413
    code = "file_too_large"


class ImageTooLarge(AssetsError):
    """Too many pixels: a decompression bomb, or simply more than a post needs."""

    code = "image_too_large"


class AssetInUse(AssetsError):
    status_code = 409
    code = "asset_in_use"


class DraftNotEditable(AssetsError):
    status_code = 409
    code = "draft_not_editable"


class NotFound(AssetsError):
    status_code = 404
    code = "not_found"
