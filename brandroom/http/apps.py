from django.apps import AppConfig


class HttpConfig(AppConfig):
    name = "brandroom.http"
    # Its tables keep the names they had under tenants (tenants_idempotencyrecord,
    # tenants_throttlecounter); the label only names the app.
    label = "brandroom_http"
    verbose_name = "HTTP infrastructure (idempotency, throttling, API schema)"
