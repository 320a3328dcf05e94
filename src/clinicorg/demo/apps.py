from django.apps import AppConfig


class DemoConfig(AppConfig):
    name = "clinicorg.demo"
    label = "demo"
    verbose_name = "Demo organization"
