"""Resumable uploads of large files (video), wire-compatible with the tus 1.0.0 protocol (core,
creation, termination, expiration): ``services`` receives the pieces, ``selectors`` reads an
upload's progress, ``pieces`` keeps the bytes received so far on disk. The finished file goes
through the same service as a multipart upload (``assets.services.upload_asset``)."""
