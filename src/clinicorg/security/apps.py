from django.apps import AppConfig


class SecurityConfig(AppConfig):
    name = "clinicorg.security"
    label = "security"
    verbose_name = "Security"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self):
        # Connect their signals; password-reset emails join the mail outbox.
        from . import lockout, outbox, sessions, two_factor  # noqa: F401
