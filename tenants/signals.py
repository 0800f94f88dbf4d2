"""Signals other apps listen to (so tenants never imports them): a brand's schema is ready."""

from django.dispatch import Signal

# Sent with ``brand`` once a new brand's schema exists; apps seed their per-brand defaults.
brand_provisioned = Signal()
