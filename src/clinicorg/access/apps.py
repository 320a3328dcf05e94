from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "clinicorg.access"
    label = "access"
    verbose_name = "Access"
