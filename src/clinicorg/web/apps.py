from django.apps import AppConfig


class WebConfig(AppConfig):
    name = "clinicorg.web"
    label = "web"
