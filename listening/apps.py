from django.apps import AppConfig


class ListeningConfig(AppConfig):
    # Listening: customer signals from integrators, their aggregates, the active hours of
    # audiences learned from them, and triggers that turn signals into briefs. Layer 6, beside
    # results: it reads content (audiences, briefs, jobs); nothing below knows it exists.
    name = "listening"
    verbose_name = "Signals, segments and triggers"

    def ready(self) -> None:
        from listening import receivers

        receivers.connect()
