from django.apps import AppConfig


class StaffConfig(AppConfig):
    name = "clinicorg.staff"
    label = "staff"
    verbose_name = "Staff"
