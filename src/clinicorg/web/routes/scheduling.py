"""Routes of the schedule pages, availability, scheduling settings and the public booking page."""

from django.urls import path

from ..views import booking, scheduling

urlpatterns = [
    path("schedule/", scheduling.schedule_home, name="schedule_home"),
    path("schedule/locations/<int:pk>/", scheduling.schedule_day, name="schedule_day"),
    path("schedule/staff/<int:pk>/", scheduling.schedule_week, name="schedule_week"),
    path("schedule/book/", scheduling.schedule_book, name="schedule_book"),
    path(
        "schedule/appointments/<int:pk>/",
        scheduling.appointment_detail,
        name="schedule_appointment",
    ),
    path(
        "schedule/appointments/<int:pk>/cancel/",
        scheduling.appointment_cancel,
        name="schedule_appointment_cancel",
    ),
    path(
        "schedule/appointments/<int:pk>/status/",
        scheduling.appointment_status,
        name="schedule_appointment_status",
    ),
    path("staff/<int:pk>/availability/", scheduling.staff_availability, name="staff_availability"),
    path(
        "staff/<int:pk>/availability/overrides/new/",
        scheduling.availability_override_add,
        name="staff_availability_override_add",
    ),
    path(
        "staff/<int:pk>/availability/overrides/<int:oid>/remove/",
        scheduling.availability_override_remove,
        name="staff_availability_override_remove",
    ),
    path(
        "staff/<int:pk>/availability/time-off/new/",
        scheduling.time_off_add,
        name="staff_time_off_add",
    ),
    path(
        "staff/<int:pk>/availability/time-off/<int:tid>/remove/",
        scheduling.time_off_remove,
        name="staff_time_off_remove",
    ),
    path("organization/scheduling/", scheduling.scheduling_settings, name="scheduling_settings"),
    path("organization/visit-types/new/", scheduling.visit_type_create, name="visit_type_create"),
    path(
        "organization/visit-types/<int:pk>/edit/",
        scheduling.visit_type_edit,
        name="visit_type_edit",
    ),
    # Public: no sign-in.
    path("book/cancel/<str:token>/", booking.book_cancel, name="book_cancel"),
    path("book/<slug:org_slug>/", booking.book, name="book"),
    path("book/<slug:org_slug>/details/", booking.book_details, name="book_details"),
    path("book/<slug:org_slug>/booked/<str:ref>/", booking.book_done, name="book_done"),
]
