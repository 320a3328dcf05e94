from django.urls import path

from ..views import reports

urlpatterns = [
    path("dashboard/", reports.dashboard, name="dashboard"),
    path("dashboard/export.<str:fmt>", reports.dashboard_export, name="dashboard_export"),
]
