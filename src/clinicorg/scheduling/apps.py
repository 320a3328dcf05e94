from django.apps import AppConfig


class SchedulingConfig(AppConfig):
    name = "clinicorg.scheduling"
    label = "scheduling"
    verbose_name = "Scheduling"
