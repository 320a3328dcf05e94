from django.apps import AppConfig


class TransferConfig(AppConfig):
    name = "clinicorg.transfer"
    label = "transfer"
    verbose_name = "Import and export"
