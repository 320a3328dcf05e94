from django.urls import path

from ..views import reports

urlpatterns = [
    path("dashboard/", reports.dashboard, name="dashboard"),
    path("dashboard/export.<str:fmt>", reports.dashboard_export, name="dashboard_export"),
    path("licenses/", reports.license_list, name="license_list"),
    path("licenses/export.<str:fmt>", reports.license_export, name="license_export"),
    path("licenses/reminders/", reports.reminder_settings, name="reminder_settings"),
]
