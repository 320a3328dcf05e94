"""A small organization with something in every dashboard figure, at two locations, and
licenses that reach a reminder day today.

Built through the actions; invitation times are moved with a plain update, as the clock would.
"""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from clinicorg.core import outbox
from clinicorg.directory import actions as directory
from clinicorg.reports.queries import org_today
from clinicorg.staff import actions as staff_actions
from clinicorg.staff.actions import set_location_managers
from clinicorg.staff.models import Invitation, Status


@pytest.fixture
def world(acme, globex, admin):
    system = acme.system
    cardio = directory.create_department("Cardiology", actor=system)
    nurse = directory.create_position("Nurse", actor=system)
    contractor = directory.create_employee_category("Contractor", actor=system)
    directory.update_location(acme.branch, {"credentialing_enabled": True}, actor=system)
    directory.add_payer_enrollment(
        acme.branch, {"payer_name": "Aetna", "payer_id": "60054"}, actor=system
    )
    directory.add_payer_enrollment(
        acme.main, {"payer_name": "Cigna", "payer_id": "62308"}, actor=system
    )
    manager = acme.member("manager@acme.test", location=acme.branch)
    people = {
        "main_provider": acme.member(
            "doc@acme.test", role="provider", department=cardio, position=nurse
        ),
        "branch_provider": acme.member(
            "np@acme.test", role="provider", location=acme.branch, category=contractor
        ),
        "branch_desk": acme.member(
            "desk@acme.test", role="front_desk", location=acme.branch, department=cardio
        ),
        "main_leave": acme.member("leave@acme.test", role="front_desk", status=Status.ON_LEAVE),
        "branch_gone": acme.member(
            "gone@acme.test", role="provider", location=acme.branch, status=Status.DEACTIVATED
        ),
    }
    staff_actions.update_credentials(
        people["branch_provider"],
        {"npi": "1234567893", "taxonomy_codes": ["207Q00000X"]},
        actor=system,
    )
    invited = {}
    for key, location in (("open", acme.main), ("expired", acme.branch), ("old", acme.main)):
        invited[key] = staff_actions.invite_staff(
            {
                "email": f"{key}@acme.test",
                "first_name": key.title(),
                "last_name": "Invitee",
                "primary_location": location,
                "role": acme.roles["front_desk"],
            },
            actor=system,
        )
    now = timezone.now()
    Invitation.objects.filter(staff=invited["expired"]).update(expires_at=now - timedelta(days=1))
    Invitation.objects.filter(staff=invited["old"]).update(accepted_at=now - timedelta(days=2))
    invited["accepted_long_ago"] = acme.member("early@acme.test", location=acme.branch)
    Invitation.objects.create(
        staff=invited["accepted_long_ago"],
        token_hash="x" * 64,
        expires_at=now - timedelta(days=60),
        accepted_at=now - timedelta(days=61),
    )
    globex.member("doc@globex.test", role="provider")
    return {"manager": manager, **people, **invited}


@pytest.fixture
def due(world, acme, admin):
    """Licenses that reach a reminder day today (default windows 90, 60, 30, 7)."""
    today = org_today(acme.org)
    desk_manager = acme.member("desk-manager@acme.test", role="front_desk")
    set_location_managers(acme.main, [desk_manager.pk], actor=acme.system)
    plan = [
        (world["main_provider"], "MAIN-30", 30),  # announced: a window
        (world["branch_provider"], "BRANCH-7", 7),  # announced: a window
        (world["branch_provider"], "BRANCH-OLD", -14),  # announced: expired, weekly
        # Announced too: within the 60-day window, which nobody was told of yet.
        (world["branch_provider"], "BRANCH-45", 45),
        (world["branch_gone"], "GONE-7", 7),  # deactivated holder: never
    ]
    for member, number, days in plan:
        staff_actions.add_license(
            member,
            {"state": "CA", "number": number, "expires_on": today + timedelta(days=days)},
            actor=acme.system,
        )
    # The invitations went out when they were made: the mail outbox holds no other email.
    outbox.send_due()
    mail.outbox.clear()
    return {"desk_manager": desk_manager, "today": today}


EXPECTED = {
    "admin@acme.test": {"MAIN-30", "BRANCH-7", "BRANCH-OLD", "BRANCH-45"},
    # An administrator limited to Branch.
    "manager@acme.test": {"BRANCH-7", "BRANCH-OLD", "BRANCH-45"},
    "early@acme.test": {"BRANCH-7", "BRANCH-OLD", "BRANCH-45"},
    # A Front Desk member who manages Main.
    "desk-manager@acme.test": {"MAIN-30"},
    "doc@acme.test": {"MAIN-30"},
    "np@acme.test": {"BRANCH-7", "BRANCH-OLD", "BRANCH-45"},
}
ALL_NUMBERS = {"MAIN-30", "BRANCH-7", "BRANCH-OLD", "BRANCH-45", "GONE-7"}
