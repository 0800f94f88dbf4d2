"""The worker's queues. Each is consumed by its own worker threads, so a burst on one never
starves another (see platform/Procfile and README "Worker queues")."""

# Cross-app reactions (outbox events), emails, worker pings: small and latency-sensitive.
QUEUE_DEFAULT = "default"
# AI generation jobs: slow calls to the model.
QUEUE_AI = "ai"
# Webhook deliveries: bursts follow busy moments of a brand.
QUEUE_WEBHOOKS = "webhooks"
# Periodic sweeps and housekeeping (deadlines, boost schedules, reconciliation, pruning).
QUEUE_HOUSEKEEPING = "housekeeping"

QUEUES = (QUEUE_DEFAULT, QUEUE_AI, QUEUE_WEBHOOKS, QUEUE_HOUSEKEEPING)
