from django.urls import path

from ..views import locations

urlpatterns = [
    path("locations/", locations.location_list, name="location_list"),
    path("locations/new/", locations.location_create, name="location_create"),
    path("locations/<int:pk>/", locations.location_detail, name="location_detail"),
    path("locations/<int:pk>/edit/", locations.location_edit, name="location_edit"),
    path("locations/<int:pk>/status/", locations.location_status, name="location_status"),
    path("locations/<int:pk>/delete/", locations.location_delete, name="location_delete"),
    path("locations/<int:pk>/managers/", locations.location_managers, name="location_managers"),
    path(
        "locations/<int:pk>/managers/<int:mid>/grant-access/",
        locations.manager_grant_access,
        name="location_manager_grant_access",
    ),
    path(
        "locations/<int:pk>/enrollments/new/",
        locations.enrollment_create,
        name="enrollment_create",
    ),
    path(
        "locations/<int:pk>/enrollments/<int:eid>/",
        locations.enrollment_edit,
        name="enrollment_edit",
    ),
    path(
        "locations/<int:pk>/enrollments/<int:eid>/delete/",
        locations.enrollment_delete,
        name="enrollment_delete",
    ),
]
