from django.apps import AppConfig


class ApprovalsScheduleConfig(AppConfig):
    name = "approvals.schedule"
    label = "approvals_schedule"
    verbose_name = "Approvals schedule (all brands)"
