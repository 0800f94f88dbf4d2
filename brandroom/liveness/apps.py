from django.apps import AppConfig


class LivenessConfig(AppConfig):
    name = "brandroom.liveness"
    label = "liveness"
    verbose_name = "Worker and scheduler liveness"
