"""A small organization with something in every dashboard figure, at two locations.

Built through the actions; invitation times are moved with a plain update, as the clock would.
"""

from datetime import timedelta

import pytest
from django.utils import timezone

from clinicorg.directory import actions as directory
from clinicorg.staff import actions as staff_actions
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
