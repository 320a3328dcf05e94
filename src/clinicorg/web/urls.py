"""Web UI URLs. Each area keeps its routes in web/routes/<area>.py."""

from django.urls import path

from clinicorg.security import urls as security_urls

from .routes import access, locations, org, people, reports, scheduling, staff, transfer
from .views import auth

app_name = "web"

urlpatterns = [
    path("", auth.home, name="home"),
    path("signin/", auth.signin, name="login"),
    path("signout/", auth.signout, name="logout"),
    *locations.urlpatterns,
    *org.urlpatterns,  # departments, positions, categories, settings, audit log
    *staff.urlpatterns,  # Employee Center, profile, invitations, status
    *people.urlpatterns,  # supervisors, provider credentials, my profile
    *access.urlpatterns,  # roles, access rules
    *transfer.urlpatterns,  # imports, exports, templates
    *reports.urlpatterns,  # dashboard, license expiry, reminders
    *scheduling.urlpatterns,  # schedules, availability, visit types, public booking
    *security_urls.urlpatterns,  # sign-in code, two-factor, password reset, unlock
]
