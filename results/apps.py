from django.apps import AppConfig


class ResultsConfig(AppConfig):
    # Measurement: organic results of published posts and channels, the figures Brandroom
    # computes from its own data, departments and their KPIs. Layer 6: it reads content,
    # approvals and media; none of them knows it exists.
    name = "results"
    verbose_name = "Results and KPIs"

    def ready(self) -> None:
        from results import receivers

        receivers.connect()
