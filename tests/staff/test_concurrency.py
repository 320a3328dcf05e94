"""Two administrators invite the same address at the same moment: one wins, one gets a field
error. Needs PostgreSQL (SQLite serializes writers, so there is no race to test)."""

import threading

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, connections

from clinicorg.staff import actions
from clinicorg.staff.models import StaffMember

from .conftest import invite_data


@pytest.mark.django_db(transaction=True)
def test_two_concurrent_invites_of_one_address_give_one_member_and_one_clear_error(acme, admin):
    if connection.vendor != "postgresql":
        pytest.skip("The concurrency test needs PostgreSQL (set DATABASE_URL).")
    barrier = threading.Barrier(2)
    results: list = []

    def invite(address: str, employee_id: str):
        try:
            barrier.wait(timeout=10)
            member = actions.invite_staff(
                invite_data(acme, email=address, employee_id=employee_id), actor=admin, send=False
            )
            results.append(("ok", member.pk))
        except ValidationError as exc:
            results.append(("error", exc.message_dict))
        except Exception as exc:  # noqa: BLE001 (reported by the assertion below)
            results.append(("crash", repr(exc)))
        finally:
            connections.close_all()

    for _round in range(5):
        results.clear()
        address = f"race{_round}@acme.test"
        threads = [
            threading.Thread(target=invite, args=(address, f"A{_round}")),
            threading.Thread(target=invite, args=(address.upper(), f"B{_round}")),
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join(timeout=30)
        kinds = sorted(kind for kind, _ in results)
        assert kinds == ["error", "ok"], results
        error = next(detail for kind, detail in results if kind == "error")
        assert error == {"email": [actions.EMAIL_TAKEN]}
        assert StaffMember.objects.filter(email__iexact=address).count() == 1
