from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "clinicorg.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"

    def ready(self):
        from . import outbox  # noqa: F401  (appointment confirmations join the mail outbox)
