"""Is the product's background machinery alive? Heartbeats of worker and scheduler processes,
and how far behind each queue is, for the health endpoint, check_worker and the launcher."""
