"""The offline generator as a provider: no model, no cost; drafts composed by
``content.assistant.offline``."""

from __future__ import annotations

import time

from content.assistant.context import GenerationContext
from content.assistant.novelty import DEFAULT_THRESHOLD, closest_recent
from content.assistant.offline import MODEL, POST_TEMPLATES, compose_post, compose_reply
from content.assistant.providers.base import GeneratedVariant, JudgeVerdict, ProviderResult


class OfflineProvider:
    name = "offline"
    model = MODEL
    embedding_tokens = 0

    def embed(self, texts: list[str]) -> list[list[float]] | None:
        """No model: the broken-record check compares words only."""
        return None

    def judge(self, text: str, ctx: GenerationContext) -> JudgeVerdict | None:
        """No model to ask: the deterministic checks are all there is."""
        return None

    def generate(
        self, ctx: GenerationContext, *, variants: int, feedback: list[str]
    ) -> ProviderResult:
        started = time.monotonic()
        # A second attempt (with feedback) takes the next templates along, for a new wording;
        # a regeneration starts where the text it replaces is least likely to come back.
        offset = variants if feedback else 0
        if ctx.previous_text:
            offset += 1 + sum(map(ord, ctx.previous_text)) % len(POST_TEMPLATES)
        compose = compose_reply if ctx.kind == "reply" else compose_post
        span = len(POST_TEMPLATES) * 3  # every template with each of three openers
        candidates: list[tuple[float, str]] = []
        for index in range(offset, offset + span):
            text = compose(ctx, variant=index)
            if text in (ctx.previous_text, *ctx.earlier_versions) or any(
                text == t for _s, t in candidates
            ):
                continue
            # Templates whose optional parts are empty can coincide, and a wording may repeat
            # a recent post: prefer the wordings furthest from what the brand already said.
            score = closest_recent(text, ctx.recent_posts).score
            candidates.append((score, text))
        fresh = [t for s, t in candidates if s < DEFAULT_THRESHOLD]
        texts = fresh[:variants]
        for _score, text in sorted(candidates, key=lambda c: c[0]):
            if len(texts) >= variants:
                break
            if text not in texts:
                texts.append(text)
        while len(texts) < variants:
            texts.append(compose(ctx, variant=offset + len(texts)))
        return ProviderResult(
            variants=[GeneratedVariant(text=t) for t in texts],
            provider=self.name,
            model=self.model,
            latency_ms=int((time.monotonic() - started) * 1000),
        )
