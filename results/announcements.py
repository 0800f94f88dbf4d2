"""What results announces for other apps (integrations) to react to, as outbox events written
in the same transaction as the change (see ``outbox.services``)."""

# A KPI's current period turned off track (once per KPI and period). Payload: ``kpi_id``,
# ``name``, ``metric``, ``period``, ``period_start``, ``actual``, ``projected``, ``target``,
# ``direction``, ``department_id``, ``owner_id``.
KPI_OFF_TRACK = "results.kpi_off_track"
