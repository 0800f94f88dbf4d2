from django.apps import AppConfig


class ListeningScheduleConfig(AppConfig):
    name = "listening.schedule"
    label = "listening_schedule"
    verbose_name = "Trigger evaluation schedule (all brands)"
