from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "clinicorg.reports"
    label = "reports"
    verbose_name = "Reports"

    def ready(self):
        from . import outbox  # noqa: F401  (reminder digests join the mail outbox)
