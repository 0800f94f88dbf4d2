"""Signals content sends so that other apps (approvals) can react without content knowing them."""

from django.dispatch import Signal

# Sent (after the transaction commits) with ``draft_id`` when a draft has been checked and scored
# and is ready for the brand's approvals policy to decide what happens next.
draft_ready = Signal()
