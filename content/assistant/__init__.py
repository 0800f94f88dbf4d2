"""The AI content assistant: prompts, providers, checks and the generation pipeline.

One module per concern: ``context`` (what a generation is about), ``prompts`` (versioned
templates), ``providers`` (OpenAI-compatible endpoints), ``offline`` (the stand-in generator),
``guardrails``, ``novelty`` and ``risk`` (checks on every draft), ``pipeline`` (generate, check,
regenerate once, deliver flagged), ``usage`` (tokens, cost, budgets) and ``jobs`` (the services
that queue and run generation jobs).
"""
