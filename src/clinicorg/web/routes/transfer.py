from django.urls import path

from ..views import transfer

urlpatterns = [
    path("imports/", transfer.import_history, name="import_history"),
    path("imports/new/", transfer.import_start, name="import_start"),
    path("imports/<int:pk>/", transfer.import_detail, name="import_detail"),
    path("imports/<int:pk>/status.json", transfer.import_status, name="import_status"),
    path("imports/<int:pk>/commit/", transfer.import_commit, name="import_commit"),
    path("imports/<int:pk>/retry/", transfer.import_retry, name="import_retry"),
    path("imports/<int:pk>/errors/", transfer.import_error_copy, name="import_error_copy"),
    path("imports/<int:pk>/fix/", transfer.import_fix, name="import_fix"),
    path(
        "imports/templates/<str:kind>.<str:fmt>",
        transfer.import_template,
        name="import_template",
    ),
    path("exports/staff/", transfer.export_staff, name="export_staff"),
    path("exports/locations/", transfer.export_locations, name="export_locations"),
]
