from django.apps import AppConfig


class ApprovalsConfig(AppConfig):
    name = "approvals"
    verbose_name = "Approvals"

    def ready(self) -> None:
        from approvals import receivers
        from approvals.models import Duty
        from approvals.selectors.rota import on_duty_ids
        from content.duty import register_inbox_duty

        receivers.connect()
        # The inbox assigns incoming items to whoever the rota has on inbox duty.
        register_inbox_duty(lambda now: on_duty_ids(now=now, duty=Duty.INBOX))
