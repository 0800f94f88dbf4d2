"""Which provider a brand gets: the platform's AI settings with the brand's own overrides, and
the rules a brand's own endpoint must meet."""

from __future__ import annotations

from urllib.parse import urlsplit

from django.conf import settings

from brandroom.destinations import public_url_refusal
from content.assistant.providers.base import ProviderConfig
from content.models import AssistantSettings


def resolve_config(brand_settings: AssistantSettings | None) -> ProviderConfig:
    """Platform AI settings with the brand's own overrides applied."""
    s = brand_settings
    if s is not None and s.offline_only:
        return ProviderConfig(timeout=float(settings.AI_TIMEOUT_SECONDS), max_retries=0)
    brand_endpoint = bool(s is not None and s.base_url)
    if brand_endpoint:
        assert s is not None
        # Never the platform's key: it would go to a server of the brand's choosing.
        api_key, base_url = s.api_key, s.base_url
    else:
        api_key = s.api_key if s and s.api_key else settings.AI_API_KEY
        base_url = settings.AI_BASE_URL
    return ProviderConfig(
        api_key=api_key,
        base_url=base_url,
        brand_endpoint=brand_endpoint,
        structured_output=(s.structured_output if s is not None else "auto"),
        embedding_model=settings.AI_EMBEDDING_MODEL,
        model=(s.model if s and s.model else settings.AI_MODEL),
        timeout=(
            s.timeout_seconds if s and s.timeout_seconds else float(settings.AI_TIMEOUT_SECONDS)
        ),
        max_retries=settings.AI_SDK_MAX_RETRIES,
    )


def brand_endpoint_problem(*, base_url: str, api_key: str) -> tuple[str, str] | None:
    """Why a brand's own AI endpoint may not be used, as (field, message), or None.

    The brand's URL needs the brand's own key (the platform's never leaves for a server the
    brand chose) and must resolve to public addresses only, the same rule as webhook URLs.
    """
    if not base_url:
        return None
    if not api_key:
        return (
            "api_key",
            "A brand's own base_url needs the brand's own api_key; the platform's key is only "
            "sent to the platform's endpoint.",
        )
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return ("base_url", "Use an http or https URL with a host name.")
    if parts.username or parts.password:
        return ("base_url", "Leave credentials out of the URL; put the key in api_key.")
    if settings.AI_ALLOW_PRIVATE_URLS:
        return None
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError:
        return ("base_url", "The URL's port is not valid.")
    refusal = public_url_refusal(parts.hostname, port)
    if refusal is not None:
        return ("base_url", f"The AI base URL must point at a public address: {refusal}.")
    return None
