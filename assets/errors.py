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


class VideoTooLarge(AssetsError):
    """A video whose frames have more pixels than a still may: its poster frame could not be
    made into renditions."""

    code = "video_too_large"


class AssetInUse(AssetsError):
    status_code = 409
    code = "asset_in_use"


class DraftNotEditable(AssetsError):
    status_code = 409
    code = "draft_not_editable"


class NotFound(AssetsError):
    status_code = 404
    code = "not_found"


# Resumable (tus) uploads: the answers the protocol names.
class UploadGone(AssetsError):
    """The upload expired (or was finished long ago) and its pieces are gone."""

    status_code = 410
    code = "upload_expired"


class UploadOffsetMismatch(AssetsError):
    """The piece does not start where the upload stands (ask with HEAD, then resume)."""

    status_code = 409
    code = "offset_mismatch"


class UploadBusy(AssetsError):
    """Another piece of the same upload is being received right now."""

    status_code = 423
    code = "upload_busy"


class WrongPieceType(AssetsError):
    status_code = 415
    code = "unsupported_media_type"


class ProtocolVersionUnsupported(AssetsError):
    status_code = 412
    code = "tus_version_unsupported"
