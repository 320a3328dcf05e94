from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "clinicorg.security"
    label = "security"
    verbose_name = "Security"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        from . import lockout, sessions, two_factor  # noqa: F401  (connect their signals)
