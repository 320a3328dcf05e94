from django.urls import path

from ..views import staff

urlpatterns = [
    path("staff/", staff.staff_list, name="staff_list"),
    path("staff/new/", staff.staff_create, name="staff_create"),
    path("staff/bulk/", staff.staff_bulk, name="staff_bulk"),
    path("staff/<int:pk>/", staff.staff_detail, name="staff_detail"),
    path("staff/<int:pk>/edit/", staff.staff_edit, name="staff_edit"),
    path("staff/<int:pk>/status/", staff.staff_status, name="staff_status"),
    path(
        "staff/<int:pk>/invitation/resend/",
        staff.staff_invitation_resend,
        name="staff_invitation_resend",
    ),
    path(
        "staff/<int:pk>/invitation/revoke/",
        staff.staff_invitation_revoke,
        name="staff_invitation_revoke",
    ),
    path("staff/<int:pk>/email/", staff.staff_email, name="staff_email"),
    path("invite/<str:token>/", staff.invite_accept, name="invite_accept"),
]
