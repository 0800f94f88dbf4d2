"""Any OpenAI-compatible Chat Completions endpoint, through the ``openai`` SDK, in the
structured-output dialect the brand chose or the server accepts."""

from __future__ import annotations

import functools
import json
import logging
import re
import time
from collections.abc import Callable
from typing import Any, TypeVar

import openai
from django.conf import settings
from openai.types.chat import ChatCompletion

from content.assistant import prompts
from content.assistant.context import GenerationContext
from content.assistant.providers.base import (
    GeneratedVariant,
    JudgeVerdict,
    ProviderConfig,
    ProviderError,
    ProviderResult,
    parse_json,
    parse_reasons,
    parse_score,
    parse_verdict,
)
from content.assistant.providers.config import brand_endpoint_problem

T = TypeVar("T")
logger = logging.getLogger(__name__)


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
        # The answer's body is not repeated: a brand's endpoint could be anything, and its
        # words would come back through our API.
        return ProviderError(
            f"The AI provider rejected the request (HTTP {status}). Check the model name, "
            "base URL and the brand's assistant settings.",
            code="provider_rejected",
            retryable=False,
        )
    return ProviderError(
        f"The AI provider call failed ({type(exc).__name__}).",
        code="provider_error",
        retryable=False,
    )


# No draft on any network is this long; a model that writes more is broken or was steered, and
# its text is refused before anything is stored.
MAX_DRAFT_CHARS = 10_000


def parse_variants(content: str | None) -> list[GeneratedVariant]:
    """The variants in a structured-output reply; malformed output is a non-retryable error."""
    malformed = ProviderError(
        "The AI provider answered with output that is not the requested JSON. Try again, or "
        "use a model that supports JSON-schema structured output.",
        code="malformed_output",
        retryable=False,
    )
    data = parse_json(content, malformed)
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
        if len(text) > MAX_DRAFT_CHARS:
            raise ProviderError(
                f"The model wrote a {len(text):,}-character draft; no channel takes more than "
                f"{MAX_DRAFT_CHARS:,}. Nothing was stored: ask again, or use another model.",
                code="output_too_long",
                retryable=False,
            )
        score = parse_score(row.get("risk_score"), malformed)
        reasons = parse_reasons(row.get("risk_reasons"), malformed)
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


def _usable_content(completion: Any) -> str | None:
    """The text of a completion's answer, or the ProviderError saying why there is none."""
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
    return message.content  # type: ignore[no-any-return]


# Structured-output dialects, in the order "auto" tries them.
DIALECTS = ("json_schema", "json_object", "text")
# Per process: the dialect an endpoint (base URL, model) turned out to accept, so "auto" asks
# in that shape straight away next time instead of being refused first.
_detected: dict[tuple[str, str], str] = {}
_SHAPE_WORDS = ("response_format", "json_schema", "json_object", "schema", "structured")


def _refuses_shape(exc: openai.OpenAIError) -> bool:
    """Whether an error answer is the server refusing the request's response_format (llama.cpp
    answers a json_schema request with a 500 naming it; others with a 400 or 422)."""
    if not isinstance(exc, openai.APIStatusError) or exc.status_code not in (400, 422, 500, 501):
        return False
    said = f"{exc.message} {exc.body}".lower()
    return any(word in said for word in _SHAPE_WORDS)


def request_shape(
    dialect: str, messages: list[dict[str, str]], schema_format: dict[str, Any]
) -> tuple[list[dict[str, str]], dict[str, Any] | None]:
    """The messages and response_format for one dialect. Without json_schema, the schema goes
    into the prompt too, since the server will not hold the model to it."""
    if dialect == "json_schema":
        return messages, schema_format
    schema = schema_format["json_schema"]["schema"]
    spelled = (
        "\n\nAnswer with only a JSON object (no prose, no code fence) matching this JSON "
        f"schema: {json.dumps(schema)}"
    )
    with_schema = [*messages[:-1], {**messages[-1], "content": messages[-1]["content"] + spelled}]
    if dialect == "json_object":
        return with_schema, {"type": "json_object", "schema": schema}
    return with_schema, None


def _json_in_text(content: str | None) -> str:
    """The JSON object in a plain-text answer (inside a code fence or prose, if any)."""
    text = (content or "").strip()
    fenced = re.search(r"```(?:json)?\s*(\{.*\})\s*```", text, re.S)
    if fenced:
        return fenced.group(1)
    first, last = text.find("{"), text.rfind("}")
    return text[first : last + 1] if 0 <= first < last else text


class OpenAIProvider:
    """Chat Completions on any OpenAI-compatible server, in the structured-output dialect the
    brand chose or the server accepts: OpenAI's ``json_schema``, ``json_object`` with a schema
    (llama.cpp), or plain text whose JSON is parsed and checked."""

    name = "openai"

    def __init__(self, config: ProviderConfig) -> None:
        self.config = config
        self.model = config.model
        self.embedding_tokens = 0

    def embed(self, texts: list[str]) -> list[list[float]] | None:
        if not self.config.embedding_model or not texts:
            return None
        client = openai_client(
            api_key=self.config.api_key,
            base_url=self.config.base_url,
            timeout=self.config.timeout,
            max_retries=self.config.max_retries,
        )
        # Each text is cut so one call stays within the prompt cap the budget reserved for.
        room = max(200, settings.AI_MAX_PROMPT_TOKENS // (len(texts) * 4))
        try:
            answer = client.embeddings.create(
                model=self.config.embedding_model, input=[t[:room] for t in texts]
            )
        except (openai.OpenAIError, ValueError) as exc:
            logger.warning("Embeddings call failed, comparing words only: %s", type(exc).__name__)
            return None
        usage = getattr(answer, "usage", None)
        self.embedding_tokens += int(getattr(usage, "prompt_tokens", 0) or 0)
        rows = sorted(answer.data or [], key=lambda row: row.index)
        if len(rows) != len(texts):
            return None
        return [list(row.embedding) for row in rows]

    def _dialects(self) -> list[str]:
        chosen = self.config.structured_output
        if chosen in DIALECTS:
            return [chosen]
        known = _detected.get((self.config.base_url, self.config.model))
        return [known] if known else list(DIALECTS)

    def _check_endpoint(self) -> None:
        if self.config.brand_endpoint:
            # Checked again at each call: DNS may have changed since the settings were saved.
            problem = brand_endpoint_problem(
                base_url=self.config.base_url, api_key=self.config.api_key
            )
            if problem is not None:
                raise ProviderError(
                    f"The brand's AI endpoint cannot be used: {problem[1]} Change the "
                    "assistant settings.",
                    code="provider_config",
                    retryable=False,
                )

    def ask(
        self,
        messages: list[dict[str, str]],
        schema_format: dict[str, Any],
        parse: Callable[[str | None], T],
    ) -> tuple[T, str, int, int, int]:
        """One structured answer to other messages than a draft's (alt text, say), with the
        same endpoint checks, dialects, caps and error sorting as drafts: the parsed value,
        the model, tokens in and out, and the latency."""
        self._check_endpoint()
        return self._ask(messages, schema_format, parse)

    def generate(
        self, ctx: GenerationContext, *, variants: int, feedback: list[str]
    ) -> ProviderResult:
        self._check_endpoint()
        messages = prompts.build_messages(ctx, variants=variants, feedback=feedback)
        schema_format = prompts.response_format(variants)

        def parse(content: str | None) -> list[GeneratedVariant]:
            return parse_variants(content)[:variants]

        variants_out, model, tokens_in, tokens_out, latency_ms = self._ask(
            messages, schema_format, parse
        )
        return ProviderResult(
            variants=variants_out,
            provider=self.name,
            model=model,
            tokens_in=tokens_in,
            tokens_out=tokens_out,
            latency_ms=latency_ms,
        )

    def judge(self, text: str, ctx: GenerationContext) -> JudgeVerdict:
        """A second, independent look at one draft (it sees only the draft, the brand's rules
        and the comment, as data)."""
        verdict, _model, tokens_in, tokens_out, _ms = self._ask(
            prompts.judge_messages(text, ctx), prompts.judge_response_format(), parse_verdict
        )
        verdict.tokens_in, verdict.tokens_out = tokens_in, tokens_out
        return verdict

    def _ask(
        self,
        messages: list[dict[str, str]],
        schema_format: dict[str, Any],
        parse: Callable[[str | None], T],
    ) -> tuple[T, str, int, int, int]:
        """One answer parsed by ``parse``, in the first dialect the server accepts: the parsed
        value, the model, tokens in and out, and the latency."""
        refused: list[str] = []
        for dialect in self._dialects():
            try:
                result = self._call(dialect, messages, schema_format, parse)
            except _ShapeRefused:
                refused.append(dialect)
                continue
            if self.config.structured_output not in DIALECTS:
                _detected[(self.config.base_url, self.config.model)] = dialect
            return result
        where = self.config.base_url or "the OpenAI API"
        others = [d for d in DIALECTS if d not in refused]
        advice = (
            f"Set the brand's structured_output to {' or '.join(others)} (or auto)."
            if others
            else "Use a server or model that supports one of json_schema, json_object or text."
        )
        raise ProviderError(
            f"The AI server at {where} refused the request's output format "
            f"({', '.join(refused)}). {advice}",
            code="unsupported_output_format",
            retryable=False,
        )

    def _call(
        self,
        dialect: str,
        base_messages: list[dict[str, str]],
        schema_format: dict[str, Any],
        parse: Callable[[str | None], T],
    ) -> tuple[T, str, int, int, int]:
        messages, response_format = request_shape(dialect, base_messages, schema_format)
        # Bytes bound the tokens of any byte-level tokenizer: a prompt within the cap cannot
        # cost more than the job reserved against the budget.
        size = len(json.dumps([messages, response_format]).encode())
        if size > settings.AI_MAX_PROMPT_TOKENS:
            raise ProviderError(
                f"The prompt is {size:,} bytes, over the {settings.AI_MAX_PROMPT_TOKENS:,} "
                "the platform allows per call. Shorten the brand voice's examples or the brief.",
                code="prompt_too_large",
                retryable=False,
            )
        started = time.monotonic()
        client = openai_client(
            api_key=self.config.api_key,
            base_url=self.config.base_url,
            timeout=self.config.timeout,
            max_retries=self.config.max_retries,
        )
        # The request body as the chat completions endpoint takes it, posted through the
        # client's documented ``post`` (same retries, timeout and errors as
        # ``chat.completions.create``): ``create`` first walks the whole body, JSON schema
        # included, against its typed parameters to rename fields, here all already named as
        # sent, which cost more of the worker's time than anything else in the call (bench/).
        body: dict[str, Any] = {
            "model": self.config.model,
            "messages": messages,
            "max_tokens": settings.AI_MAX_OUTPUT_TOKENS,
        }
        if response_format is not None:
            body["response_format"] = response_format
        malformed = ProviderError(
            "The AI server answered without a chat completion (an empty body, an HTML page or "
            "other non-JSON). Check the base URL points at an OpenAI-compatible API.",
            code="malformed_output",
            retryable=False,
        )
        try:
            completion = client.post("/chat/completions", cast_to=ChatCompletion, body=body)
        except openai.OpenAIError as exc:
            if _refuses_shape(exc):
                raise _ShapeRefused(dialect) from exc
            raise _classify(exc, self.config) from exc
        except ValueError:  # a 200 whose body is not JSON at all
            raise malformed from None
        if not isinstance(completion, ChatCompletion) or not completion.choices:
            raise malformed
        latency_ms = int((time.monotonic() - started) * 1000)
        usage = completion.usage
        tokens_in = usage.prompt_tokens if usage else 0
        tokens_out = usage.completion_tokens if usage else 0
        try:
            content = _usable_content(completion)
            parsed = parse(_json_in_text(content) if dialect == "text" else content)
        except ProviderError as exc:
            exc.tokens_in, exc.tokens_out = tokens_in, tokens_out
            raise
        return parsed, completion.model or self.config.model, tokens_in, tokens_out, latency_ms


class _ShapeRefused(Exception):
    """The server refused the response_format of this dialect (try the next one)."""
