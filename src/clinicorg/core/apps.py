from django.apps import AppConfig


class CoreConfig(AppConfig):
    name = "clinicorg.core"
    label = "core"
    verbose_name = "Core"
