"""Reads of the rolling plan: its lists (``plan``) and the gaps view (``gaps``)."""
