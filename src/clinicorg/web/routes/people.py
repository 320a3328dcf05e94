from django.urls import path

from ..views import people

urlpatterns = [
    path("supervisors/", people.supervisor_list, name="supervisor_list"),
    path("supervisors/new/", people.supervisor_appoint, name="supervisor_appoint"),
    path("supervisors/<int:pk>/edit/", people.supervisor_edit, name="supervisor_edit"),
    path("supervisors/<int:pk>/remove/", people.supervisor_remove, name="supervisor_remove"),
    path("staff/<int:pk>/credentials/", people.staff_credentials, name="staff_credentials"),
    path(
        "staff/<int:pk>/credentials/licenses/new/",
        people.license_add,
        name="staff_license_add",
    ),
    path(
        "staff/<int:pk>/credentials/licenses/<int:lid>/remove/",
        people.license_remove,
        name="staff_license_remove",
    ),
    path("taxonomy/search/", people.taxonomy_search, name="taxonomy_search"),
    path("people/search/", people.people_search, name="people_search"),
    path("me/", people.my_profile, name="my_profile"),
    path("me/password/", people.my_password, name="my_password"),
]
