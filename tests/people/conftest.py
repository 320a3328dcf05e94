"""Fixtures of the people area: a provider, a small NUCC code set, supervisors."""

import pytest

from clinicorg.staff import actions, taxonomy
from clinicorg.staff.models import Status

# A few real NUCC codes, written the way the official CSV is.
CSV_HEADER = "Code,Grouping,Classification,Specialization,Definition,Notes,Display Name,Section\n"
FAMILY = "207Q00000X"
INTERNAL = "207R00000X"
CARDIO = "207RC0000X"
NP_FAMILY = "363LF0000X"


def nucc_csv(*codes: str) -> str:
    rows = {
        FAMILY: '207Q00000X,Allopathic & Osteopathic Physicians,Family Medicine,,"Family '
        'medicine, whole-person care.",,Family Medicine Physician,Individual',
        INTERNAL: "207R00000X,Allopathic & Osteopathic Physicians,Internal Medicine,,"
        "Adults.,,Internal Medicine Physician,Individual",
        CARDIO: "207RC0000X,Allopathic & Osteopathic Physicians,Internal Medicine,"
        "Cardiovascular Disease,Hearts.,,Cardiovascular Disease Physician,Individual",
        NP_FAMILY: "363LF0000X,Physician Assistants & Advanced Practice Nursing Providers,"
        "Nurse Practitioner,Family,Family NP.,,Family Nurse Practitioner,Individual",
    }
    return CSV_HEADER + "".join(rows[c] + "\n" for c in codes)


@pytest.fixture
def write_csv(tmp_path):
    def write(name: str, *codes: str, text: str | None = None):
        path = tmp_path / name
        path.write_text(text if text is not None else nucc_csv(*codes), encoding="utf-8")
        return path

    return write


@pytest.fixture
def code_set(db, write_csv):
    """Version 25.1 of a four-code set."""
    return taxonomy.load_file(
        write_csv("nucc_taxonomy_251.csv", FAMILY, INTERNAL, CARDIO, NP_FAMILY)
    )


@pytest.fixture
def provider(acme):
    return acme.member("doc@acme.test", role="provider", first_name="Dana", last_name="Doc")


@pytest.fixture
def branch_admin(acme):
    """An Administrator whose access is limited to the Branch location."""
    return acme.member("branchadmin@acme.test", location=acme.branch)


# The member pickers (test_pickers.py, test_people_search_api.py).


@pytest.fixture
def people(acme, admin):
    """Members named Picker: appointed supervisors at each location, plain members, a
    deactivated supervisor, a member with access to all locations at the Branch."""
    main_boss = acme.member("mainboss@acme.test", last_name="Picker", role="provider")
    branch_boss = acme.member(
        "branchboss@acme.test", last_name="Picker", role="provider", location=acme.branch
    )
    gone_boss = acme.member("goneboss@acme.test", last_name="Picker", role="provider")
    for m in (main_boss, branch_boss, gone_boss):
        actions.appoint_supervisor(m, actor=admin)
    actions.change_staff_status(gone_boss, Status.DEACTIVATED, "Left", actor=admin)
    acme.member("plain@acme.test", last_name="Picker", role="front_desk")
    acme.member(
        "branchplain@acme.test", last_name="Picker", role="front_desk", location=acme.branch
    )
    acme.member(
        "regional@acme.test",
        last_name="Picker",
        location=acme.branch,
        all_locations=True,
        role="front_desk",
    )
    return acme


@pytest.fixture
def line(acme, admin):
    """Appointed supervisors named Chain: Sam, who reports to Xena and whom Ann reports to;
    Ann supervises Ben, Ben supervises Dan; Cal stands apart."""
    made = {}
    for first in ("Xena", "Sam", "Ann", "Ben", "Dan", "Cal"):
        made[first] = acme.member(
            f"{first.lower()}@acme.test", first_name=first, last_name="Chain", role="provider"
        )
        actions.appoint_supervisor(made[first], actor=admin)
    for member, boss in (("Sam", "Xena"), ("Ann", "Sam"), ("Ben", "Ann"), ("Dan", "Ben")):
        actions.update_staff(made[member], {"supervisor": made[boss]}, actor=admin)
    return made
