from django.apps import AppConfig


class ReportsConfig(AppConfig):
    name = "clinicorg.reports"
    label = "reports"
    verbose_name = "Reports"
