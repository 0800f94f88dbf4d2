"""Generate, check, regenerate once with the violations fed back, deliver flagged.

Pure over a ``GenerationContext`` and a provider: it returns checked variants and the usage it
took; ``content.services.jobs`` turns them into drafts.

Flags name the checks that fired and put a draft in the policy's high band; labels only inform
(who wrote it, whether it was regenerated). Some flags also need a person whatever the autonomy
level: a reply to a comment that tried to instruct the assistant, unsafe output, and a judge's
objection.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

from content.assistant import guardrails, injection, novelty, risk, safety
from content.assistant.context import GenerationContext, RecentPost
from content.assistant.providers import GeneratedVariant, JudgeVerdict, Provider, ProviderError
from content.risk_bands import HIGH_RISK_FROM


@dataclass
class CheckedVariant:
    text: str
    variant: int
    violations: list[guardrails.Violation]
    novelty: novelty.NoveltyResult
    risk: risk.RiskResult
    attempts: int = 1
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: int = 0
    flags: list[str] = field(default_factory=list)
    labels: list[str] = field(default_factory=list)
    needs_person_reason: str = ""


@dataclass
class PipelineResult:
    variants: list[CheckedVariant]
    provider: str
    model: str
    tokens_in: int = 0
    tokens_out: int = 0
    latency_ms: int = 0


def problems(
    text: str,
    ctx: GenerationContext,
    *,
    threshold: int,
    embed: novelty.Embedder | None = None,
) -> tuple[list[guardrails.Violation], novelty.NoveltyResult]:
    """Guardrail and output-safety violations, and the closest recent post."""
    return guardrails.check(text, ctx) + safety.check(text, ctx), novelty.closest_recent(
        text, ctx.recent_posts, threshold=threshold, embed=embed
    )


# Flags that need a person's sign-off whatever the autonomy level or the brand's chains.
PERSON_FLAGS = {
    "injection_attempt": "the comment tried to instruct the assistant ({})",
    "unsafe_output": "the output checks fired ({})",
    "judge_objection": "the judge objected ({})",
}


def needs_person_reason(flags: list[str], *, ctx: GenerationContext, codes: list[str]) -> str:
    """Why a person must sign this draft off, or "" when the policy may decide alone."""
    parts = []
    if "injection_attempt" in flags and ctx.comment is not None:
        parts.append(
            PERSON_FLAGS["injection_attempt"].format(
                injection.describe(list(ctx.comment.injection_signals))
            )
        )
    unsafe = [c for c in codes if c in safety.CODES]
    if "unsafe_output" in flags:
        parts.append(PERSON_FLAGS["unsafe_output"].format(", ".join(unsafe)))
    if "judge_objection" in flags:
        parts.append(PERSON_FLAGS["judge_objection"].format("see the risk reasons"))
    return ("Needs a person: " + "; ".join(parts) + ".")[:300] if parts else ""


def feedback_for(
    violations: list[guardrails.Violation], similar: novelty.NoveltyResult
) -> list[str]:
    lines = [v.detail for v in violations]
    if similar.too_similar:
        lines.append(
            f"Too similar ({similar.score:.0f}%) to a recent post: \u201c{similar.text}\u201d. "
            "Say it differently."
        )
    return lines


def check_text(
    text: str,
    ctx: GenerationContext,
    *,
    threshold: int,
    generated: GeneratedVariant | None = None,
    verdict: JudgeVerdict | None = None,
    embed: novelty.Embedder | None = None,
    found: tuple[list[guardrails.Violation], novelty.NoveltyResult] | None = None,
) -> tuple[list[guardrails.Violation], novelty.NoveltyResult, risk.RiskResult, list[str]]:
    """All checks on one text: guardrails, output safety, novelty, risk, and the flags (names
    of the checks that fired) they raise. ``found`` is what ``problems`` already said about
    this very text, so it is not worked out (nor its embeddings paid for) twice."""
    violations, similar = (
        found if found is not None else problems(text, ctx, threshold=threshold, embed=embed)
    )
    unsafe = [v for v in violations if v.code in safety.CODES]
    findings = list(unsafe)
    if verdict is not None and not verdict.acceptable:
        why = "; ".join(verdict.reasons) or "no reasons given"
        findings.append(guardrails.Violation("judge_objection", f"The judge objected: {why}."))
    scored = risk.score(
        text,
        ctx,
        model_score=generated.risk_score if generated else None,
        model_reasons=generated.risk_reasons if generated else None,
        findings=findings,
    )
    if verdict is not None and verdict.risk_score > scored.score:
        # Like the writer's own estimate, the judge's may only raise the score.
        reasons = [
            *scored.reasons,
            {
                "code": "judge_assessment",
                "detail": f"The judge's assessment ({verdict.risk_score}/100) is higher.",
                "points": verdict.risk_score - scored.score,
            },
        ]
        scored = risk.RiskResult(score=verdict.risk_score, reasons=reasons)
    flags = []
    if len(unsafe) < len(violations):
        flags.append("guardrail_violations")
    if unsafe:
        flags.append("unsafe_output")
    if ctx.comment is not None and ctx.comment.injection_signals:
        flags.append("injection_attempt")
    if verdict is not None and not verdict.acceptable:
        flags.append("judge_objection")
    if similar.too_similar:
        flags.append("repeats_recent_post")
    if scored.score >= HIGH_RISK_FROM:
        flags.append("high_risk")
    return violations, similar, scored, flags


def run(
    ctx: GenerationContext,
    provider: Provider,
    *,
    variants: int,
    novelty_threshold: int = novelty.DEFAULT_THRESHOLD,
    judge: bool = False,
) -> PipelineResult:
    """Ask for ``variants`` drafts; any that fail a check is regenerated once, then delivered
    with its flags whatever the second attempt looks like. With ``judge``, each delivered
    draft also gets the provider's independent second look (its tokens count too)."""
    first = provider.generate(ctx, variants=variants, feedback=[])
    result = PipelineResult(
        variants=[],
        provider=first.provider,
        model=first.model,
        tokens_in=first.tokens_in,
        tokens_out=first.tokens_out,
        latency_ms=first.latency_ms,
    )
    share = max(1, len(first.variants))
    base = ctx
    said: list[RecentPost] = []
    for number, generated in enumerate(first.variants, start=1):
        # Each variant must not repeat the ones before it either.
        ctx = replace(base, recent_posts=(*base.recent_posts, *said))
        chosen = generated
        attempts = 1
        tokens_in, tokens_out = first.tokens_in // share, first.tokens_out // share
        latency = first.latency_ms
        embedded_before = provider.embedding_tokens
        violations, similar = problems(
            generated.text, ctx, threshold=novelty_threshold, embed=provider.embed
        )
        regeneration_failed = False
        if violations or similar.too_similar:
            attempts = 2
            try:
                second = provider.generate(
                    ctx, variants=1, feedback=feedback_for(violations, similar)
                )
            except ProviderError as exc:
                # The first answer was good enough to deliver flagged; losing it (and what it
                # cost) because the fix-up call failed would throw paid work away.
                regeneration_failed = True
                used_in, used_out, used_ms = exc.tokens_in, exc.tokens_out, 0
            else:
                used_in, used_out, used_ms = (
                    second.tokens_in,
                    second.tokens_out,
                    second.latency_ms,
                )
                if second.variants:
                    chosen = second.variants[0]
            result.tokens_in += used_in
            result.tokens_out += used_out
            result.latency_ms += used_ms
            tokens_in += used_in
            tokens_out += used_out
            latency += used_ms
        labels = []
        verdict = None
        if judge:
            try:
                verdict = provider.judge(chosen.text, ctx)
            except ProviderError as exc:
                # The deterministic checks still ran; the approver sees the judge was missing.
                labels.append("judge_failed")
                judged_in, judged_out = exc.tokens_in, exc.tokens_out
            else:
                judged_in = verdict.tokens_in if verdict else 0
                judged_out = verdict.tokens_out if verdict else 0
            result.tokens_in += judged_in
            result.tokens_out += judged_out
            tokens_in += judged_in
            tokens_out += judged_out
        violations, similar, scored, flags = check_text(
            chosen.text,
            ctx,
            threshold=novelty_threshold,
            generated=chosen,
            verdict=verdict,
            embed=provider.embed,
            # The first answer delivered as it came: its checks above still hold.
            found=(violations, similar) if chosen is generated else None,
        )
        embedded = provider.embedding_tokens - embedded_before
        result.tokens_in += embedded
        tokens_in += embedded
        if regeneration_failed:
            labels.append("regeneration_failed")
        elif attempts == 2:
            labels.append("regenerated")
        if provider.name == "offline":
            labels.append("offline_generated")
        result.variants.append(
            CheckedVariant(
                text=chosen.text,
                variant=number,
                violations=violations,
                novelty=similar,
                risk=scored,
                attempts=attempts,
                tokens_in=tokens_in,
                tokens_out=tokens_out,
                latency_ms=latency,
                flags=flags,
                labels=labels,
                needs_person_reason=needs_person_reason(
                    flags, ctx=ctx, codes=[v.code for v in violations]
                ),
            )
        )
        said.append(RecentPost(draft_id=None, text=chosen.text, status="variant", alternative=True))
    return result
