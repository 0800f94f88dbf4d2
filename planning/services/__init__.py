"""Changes to the rolling plan, one module per concern: pillars, cadence, campaigns, plan items
and the monthly roll."""
