"""The sweep's index across brands, in the public schema (a shared app inside approvals).

One row per brand with the earliest moment that brand has approval work due, so the periodic
sweep finds due brands with one indexed query instead of visiting every brand's schema.
"""
