"""The provider interface: what every AI provider answers (variants, a judge's verdict,
embeddings), its configuration and its one error type.

Failures are sorted once, by each provider: rate limits, server errors, timeouts and
unreachable endpoints are retryable (the worker retries the job with backoff); refusals,
malformed output and configuration problems are not, and their message tells a person what to
do.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any, Protocol

from content.assistant.context import GenerationContext


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
    # The brand set its own base URL: it must be public and carry the brand's own key.
    brand_endpoint: bool = False
    # "auto", or one of DIALECTS: how structured output is asked for.
    structured_output: str = "auto"
    # An embeddings model on the same endpoint, for the broken-record check ("" = none).
    embedding_model: str = ""

    @property
    def offline(self) -> bool:
        return not self.api_key and not self.base_url


@dataclass
class GeneratedVariant:
    text: str
    risk_score: int = 0
    risk_reasons: list[str] = field(default_factory=list)


@dataclass
class JudgeVerdict:
    acceptable: bool
    risk_score: int = 0
    reasons: list[str] = field(default_factory=list)
    tokens_in: int = 0
    tokens_out: int = 0


def parse_json(content: str | None, malformed: ProviderError) -> Any:
    """The JSON a model answered with; anything else raises ``malformed``."""
    try:
        return json.loads(content or "")
    except ValueError:
        raise malformed from None


def parse_score(value: Any, malformed: ProviderError) -> int:
    """A model's 0-100 risk score (clamped); a value that is not a number raises ``malformed``."""
    try:
        return max(0, min(100, int(value or 0)))
    except (TypeError, ValueError):
        raise malformed from None


def parse_reasons(value: Any, malformed: ProviderError) -> list[str]:
    """A model's reasons, stripped, blanks dropped; one reason sent as a string (not a list of
    one) counts. Anything else raises ``malformed``."""
    reasons = value or []
    if isinstance(reasons, str):
        reasons = [reasons]
    if not isinstance(reasons, list):
        raise malformed
    return [str(r).strip() for r in reasons if str(r).strip()]


def parse_verdict(content: str | None) -> JudgeVerdict:
    """The judge's verdict; anything else is malformed output."""
    malformed = ProviderError(
        "The judge answered with output that is not the requested verdict.",
        code="malformed_output",
        retryable=False,
    )
    data = parse_json(content, malformed)
    if not isinstance(data, dict) or not isinstance(data.get("acceptable"), bool):
        raise malformed
    return JudgeVerdict(
        acceptable=data["acceptable"],
        risk_score=parse_score(data.get("risk_score"), malformed),
        reasons=[r[:200] for r in parse_reasons(data.get("reasons"), malformed)][:5],
    )


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
    # Tokens spent on embeddings so far (they count like any other input tokens).
    embedding_tokens: int

    def generate(
        self, ctx: GenerationContext, *, variants: int, feedback: list[str]
    ) -> ProviderResult: ...

    def judge(self, text: str, ctx: GenerationContext) -> JudgeVerdict | None:
        """A second look at a draft, or None when the provider has no model to ask."""

    def embed(self, texts: list[str]) -> list[list[float]] | None:
        """One vector per text, or None when no embeddings model is configured (or it failed:
        the words-only comparison still stands)."""
