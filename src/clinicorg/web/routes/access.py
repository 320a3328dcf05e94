"""Routes of the access area: roles & permissions, a member's role and access rules."""

from django.urls import path

from ..views import access

urlpatterns = [
    path("roles/", access.role_list, name="access_role_list"),
    path("roles/new/", access.role_create, name="access_role_create"),
    path("roles/<int:pk>/", access.role_detail, name="access_role_detail"),
    path("roles/<int:pk>/delete/", access.role_delete, name="access_role_delete"),
    path("staff/<int:pk>/role/", access.staff_role, name="access_staff_role"),
    path("staff/<int:pk>/access/", access.staff_rules, name="access_staff_rules"),
]
