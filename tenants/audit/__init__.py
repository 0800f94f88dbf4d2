"""The product-wide audit trail: who changed members, roles, API keys, brands, assistant
settings, boosts and budgets, when, and from what to what.

It lives in the tenants layer (the lowest that knows brands, people and API keys) and in the
public schema, so every app above can append to it with one call and a brand's entries outlive
the brand's own schema (the entry saying the brand was deleted stays readable). The approvals
app keeps its own, finer-grained trail of steps and decisions inside each brand's schema.
"""
