from django.apps import AppConfig


class ApiConfig(AppConfig):
    name = "clinicorg.api"
    label = "api"
