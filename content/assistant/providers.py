"""AI providers: any OpenAI-compatible Chat Completions endpoint (through the ``openai`` SDK,
asking for JSON-schema structured output), or the offline generator when none is configured.

Failures are sorted once, here: rate limits, server errors, timeouts and unreachable endpoints
are retryable (the worker retries the job with backoff); refusals, malformed output and
configuration problems are not, and their message tells a person what to do.
"""

from __future__ import annotations

import functools
import json
import time
from dataclasses import dataclass, field
from typing import Any, Protocol

import openai
from django.conf import settings

from content.assistant import prompts
from content.assistant.context import GenerationContext
from content.models import AssistantSettings


class ProviderError(Exception):
    def __init__(self, message: str, *, code: str, retryable: bool) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.retryable = retryable
        # Tokens of an answer that came back but could not be used: billed all the same.
        self.tokens_in = 0
        self.tokens_out = 0


@dataclass(frozen=True)
class ProviderConfig:
    api_key: str = ""
    base_url: str = ""
    model: str = ""
    timeout: float = 30.0
    max_retries: int = 1

    @property
    def offline(self) -> bool:
        return not self.api_key and not self.base_url


@dataclass
class GeneratedVariant:
    text: str
    risk_score: int = 0
    risk_reasons: list[str] = field(default_factory=list)


@dataclass
class ProviderResult:
    variants: list[GeneratedVariant]
    provider: str
    model: str
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: int = 0


class Provider(Protocol):
    name: str
    model: str

    def generate(
        self, ctx: GenerationContext, *, variants: int, feedback: list[str]
    ) -> ProviderResult: ...


def resolve_config(brand_settings: AssistantSettings | None) -> ProviderConfig:
    """Platform AI settings with the brand's own overrides applied."""
    s = brand_settings
    if s is not None and s.offline_only:
        return ProviderConfig(timeout=float(settings.AI_TIMEOUT_SECONDS), max_retries=0)
    return ProviderConfig(
        api_key=(s.api_key if s and s.api_key else settings.AI_API_KEY),
        base_url=(s.base_url if s and s.base_url else settings.AI_BASE_URL),
        model=(s.model if s and s.model else settings.AI_MODEL),
        timeout=(
            s.timeout_seconds if s and s.timeout_seconds else float(settings.AI_TIMEOUT_SECONDS)
        ),
        max_retries=settings.AI_SDK_MAX_RETRIES,
    )


def provider_for(config: ProviderConfig) -> Provider:
    """The offline generator when no endpoint is configured, else the OpenAI-compatible one."""
    if config.offline:
        from content.assistant.offline import OfflineProvider

        return OfflineProvider()
    return OpenAIProvider(config)


def _classify(exc: openai.OpenAIError, config: ProviderConfig) -> ProviderError:
    where = config.base_url or "the OpenAI API"
    if isinstance(exc, openai.APITimeoutError):
        return ProviderError(
            f"The AI provider at {where} did not answer within {config.timeout:g} seconds.",
            code="provider_timeout",
            retryable=True,
        )
    if isinstance(exc, openai.APIConnectionError):
        return ProviderError(
            f"The AI provider at {where} could not be reached.",
            code="provider_unreachable",
            retryable=True,
        )
    if isinstance(exc, openai.RateLimitError):
        return ProviderError(
            "The AI provider is rate limiting requests (HTTP 429).",
            code="provider_rate_limited",
            retryable=True,
        )
    if isinstance(exc, openai.APIStatusError):
        status = exc.status_code
        if status >= 500:
            return ProviderError(
                f"The AI provider had a server error (HTTP {status}).",
                code="provider_server_error",
                retryable=True,
            )
        if status in (401, 403):
            return ProviderError(
                f"The AI provider refused the API key (HTTP {status}). Check the brand's "
                "assistant settings or the platform's AI_API_KEY.",
                code="provider_auth",
                retryable=False,
            )
        if status == 404:
            return ProviderError(
                f"The AI provider does not know the model '{config.model}' or the base URL is "
                "wrong (HTTP 404). Check the model name and base URL.",
                code="provider_not_found",
                retryable=False,
            )
        return ProviderError(
            f"The AI provider rejected the request (HTTP {status}): {exc.message}",
            code="provider_rejected",
            retryable=False,
        )
    return ProviderError(
        f"The AI provider call failed: {exc}", code="provider_error", retryable=False
    )


def parse_variants(content: str | None) -> list[GeneratedVariant]:
    """The variants in a structured-output reply; malformed output is a non-retryable error."""
    malformed = ProviderError(
        "The AI provider answered with output that is not the requested JSON. Try again, or "
        "use a model that supports JSON-schema structured output.",
        code="malformed_output",
        retryable=False,
    )
    try:
        data: Any = json.loads(content or "")
    except ValueError:
        raise malformed from None
    rows = data.get("variants") if isinstance(data, dict) else None
    if not isinstance(rows, list) or not rows:
        raise malformed
    variants = []
    for row in rows:
        if not isinstance(row, dict) or not isinstance(row.get("text"), str):
            raise malformed
        text = row["text"].strip()
        if not text:
            raise malformed
        try:
            score = max(0, min(100, int(row.get("risk_score") or 0)))
        except (TypeError, ValueError):
            raise malformed from None
        raw_reasons = row.get("risk_reasons") or []
        if isinstance(raw_reasons, str):  # one reason sent as a string, not a list of one
            raw_reasons = [raw_reasons]
        if not isinstance(raw_reasons, list):
            raise malformed
        reasons = [str(r).strip() for r in raw_reasons if str(r).strip()]
        variants.append(GeneratedVariant(text=text, risk_score=score, risk_reasons=reasons))
    return variants


@functools.lru_cache(maxsize=64)
def openai_client(
    *, api_key: str, base_url: str, timeout: float, max_retries: int
) -> openai.OpenAI:
    """One client (and connection pool) per endpoint configuration and process.

    Building a client costs ~30 ms (bench/: it loads the CA bundle even for http://), more than
    the rest of a job's own work; the client is thread-safe, so worker threads share it.
    """
    return openai.OpenAI(
        # Local OpenAI-compatible servers often need no key, but the SDK insists on one.
        api_key=api_key or "not-needed",
        base_url=base_url or None,
        timeout=timeout,
        max_retries=max_retries,
    )


def _usable_variants(completion: Any, variants: int) -> list[GeneratedVariant]:
    """The variants of a completion, or the ProviderError saying why there are none."""
    if not completion.choices:
        raise ProviderError(
            "The AI provider answered without any choices.",
            code="malformed_output",
            retryable=False,
        )
    choice = completion.choices[0]
    message = choice.message
    if getattr(message, "refusal", None):
        raise ProviderError(
            f"The model refused to write this: \u201c{message.refusal}\u201d. Rephrase the "
            "brief or the instructions and ask again.",
            code="refused",
            retryable=False,
        )
    if choice.finish_reason == "content_filter":
        raise ProviderError(
            "The AI provider's content filter stopped the answer. Rephrase the brief or "
            "the instructions and ask again.",
            code="refused",
            retryable=False,
        )
    if choice.finish_reason == "length":
        raise ProviderError(
            "The model's answer was cut off at its length limit. Ask for fewer variants.",
            code="truncated_output",
            retryable=False,
        )
    return parse_variants(message.content)[:variants]


class OpenAIProvider:
    """Chat Completions with a JSON-schema response format, on any OpenAI-compatible server."""

    name = "openai"

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config
        self.model = config.model

    def generate(
        self, ctx: GenerationContext, *, variants: int, feedback: list[str]
    ) -> ProviderResult:
        started = time.monotonic()
        client = openai_client(
            api_key=self.config.api_key,
            base_url=self.config.base_url,
            timeout=self.config.timeout,
            max_retries=self.config.max_retries,
        )
        try:
            completion = client.chat.completions.create(
                model=self.config.model,
                messages=prompts.build_messages(  # type: ignore[arg-type]
                    ctx, variants=variants, feedback=feedback
                ),
                response_format=prompts.response_format(variants),  # type: ignore[arg-type]
            )
        except openai.OpenAIError as exc:
            raise _classify(exc, self.config) from exc
        latency_ms = int((time.monotonic() - started) * 1000)
        usage = completion.usage
        tokens_in = usage.prompt_tokens if usage else 0
        tokens_out = usage.completion_tokens if usage else 0
        try:
            variants_out = _usable_variants(completion, variants)
        except ProviderError as exc:
            exc.tokens_in, exc.tokens_out = tokens_in, tokens_out
            raise
        return ProviderResult(
            variants=variants_out,
            provider=self.name,
            model=completion.model or self.config.model,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            latency_ms=latency_ms,
        )
