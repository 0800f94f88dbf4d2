"""What the results app announces. Sent on commit; the integrations app turns it into the
``kpi.off_track`` webhook event (results never imports integrations)."""

from django.dispatch import Signal

# kwargs: schema_name, kpi_id, period_start (date), actual, projected, target, direction
kpi_off_track = Signal()
