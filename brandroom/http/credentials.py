"""How the kernel recognises a credential that is a caller of its own."""

from __future__ import annotations

from typing import Protocol, runtime_checkable


@runtime_checkable
class KeyCredential(Protocol):
    """What DRF leaves in ``request.auth`` for a caller that is a key, not a person (the
    brand's API keys): idempotency keys and the per-key rate budget are scoped to it. A person's
    session or token is not one; those callers are scoped to the person."""

    @property
    def credential_id(self) -> str: ...
