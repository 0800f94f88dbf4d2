"""Signals content sends so that other apps (approvals) can react without content knowing them.

Each also carries ``schema_name``: the brand schema it happened in, for receivers that may run
when the connection is elsewhere (e.g. on-commit callbacks run after a test request ended)."""

from django.dispatch import Signal

# Sent (after the transaction commits) with ``draft_id`` when a draft has been checked and scored
# and is ready for the brand's approvals policy to decide what happens next.
draft_ready = Signal()

# Sent (after the transaction commits) with ``job_id``, ``code`` and ``reason`` when a generation
# job has finally failed; the hook point for a "draft.failed" webhook. Its "draft.ready"
# counterpart is ``draft_ready`` above.
draft_failed = Signal()

# Sent (after the transaction commits) with ``draft_id`` when an integrator reported that an
# approved draft went out (``content.services.mark_draft_published``); the hook point for the
# "post.published" webhook.
draft_published = Signal()
