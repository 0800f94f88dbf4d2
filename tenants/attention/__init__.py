"""The attention rollup: what waits for people in every brand, in the public schema.

Each app writes its own kinds of rows (``services.sync_attention``) in the same transaction as
the change that caused them, and re-syncs them from its periodic reconciler; the cockpit reads
one brand-independent table, so its cost does not grow with the number of brands.
"""
