from django.urls import path

from . import views

urlpatterns = [
    path("signin/code/", views.signin_code, name="signin_code"),
    path("account/two-factor/", views.two_factor_overview, name="two_factor"),
    path("account/two-factor/set-up/", views.two_factor_enroll, name="two_factor_enroll"),
    path(
        "account/two-factor/recovery-codes/",
        views.two_factor_recovery_codes,
        name="two_factor_recovery_codes",
    ),
    path(
        "account/two-factor/recovery-codes/download/",
        views.two_factor_recovery_codes_download,
        name="two_factor_recovery_codes_download",
    ),
    path(
        "account/two-factor/recovery-codes/new/",
        views.two_factor_regenerate,
        name="two_factor_regenerate",
    ),
    path("account/two-factor/turn-off/", views.two_factor_disable, name="two_factor_disable"),
    path("staff/<int:pk>/unlock/", views.unlock_sign_in, name="staff_unlock_sign_in"),
    path("staff/<int:pk>/two-factor/reset/", views.reset_two_factor, name="staff_reset_two_factor"),
    path("organization/settings/sign-in/", views.security_settings, name="security_settings"),
    path("password/reset/", views.PasswordResetRequest.as_view(), name="password_reset"),
    path("password/reset/sent/", views.PasswordResetDone.as_view(), name="password_reset_done"),
    path(
        "password/reset/<uidb64>/<token>/",
        views.PasswordResetConfirm.as_view(),
        name="password_reset_confirm",
    ),
    path(
        "password/reset/done/",
        views.PasswordResetComplete.as_view(),
        name="password_reset_complete",
    ),
]
