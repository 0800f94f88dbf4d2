"""AI providers, one module each behind one interface (``base.Provider``): any OpenAI-compatible
endpoint (``openai_compatible``) or the offline generator (``offline``) when none is configured;
``config`` resolves which one a brand gets."""

from __future__ import annotations

from content.assistant.providers.base import (
    GeneratedVariant,
    JudgeVerdict,
    Provider,
    ProviderConfig,
    ProviderError,
    ProviderResult,
    parse_verdict,
)
from content.assistant.providers.config import brand_endpoint_problem, resolve_config
from content.assistant.providers.offline import OfflineProvider
from content.assistant.providers.openai_compatible import (
    DIALECTS,
    MAX_DRAFT_CHARS,
    OpenAIProvider,
    _detected,
    openai_client,
    parse_variants,
    request_shape,
)

__all__ = [
    "DIALECTS",
    "MAX_DRAFT_CHARS",
    "GeneratedVariant",
    "JudgeVerdict",
    "OfflineProvider",
    "OpenAIProvider",
    "Provider",
    "ProviderConfig",
    "ProviderError",
    "ProviderResult",
    "_detected",
    "brand_endpoint_problem",
    "openai_client",
    "parse_variants",
    "parse_verdict",
    "provider_for",
    "request_shape",
    "resolve_config",
]


def provider_for(config: ProviderConfig) -> Provider:
    """The offline generator when no endpoint is configured, else the OpenAI-compatible one."""
    if config.offline:
        return OfflineProvider()
    return OpenAIProvider(config)
