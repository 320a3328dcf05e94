"""Property tests: the scoped querysets and `can()` never disagree.

For random roles, random access rules (members and location-limited tokens) and random
permissions, `visible_to(actor)` returns exactly the objects at whose location `can()` holds.
"""

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from clinicorg.access import policy
from clinicorg.access.catalogue import ALL_PERMISSIONS, PERMISSIONS, P
from clinicorg.access.models import ApiToken, Role
from clinicorg.core import audit
from clinicorg.core.models import AuditEvent
from clinicorg.directory import actions as directory
from clinicorg.directory.models import Location
from clinicorg.staff.models import StaffMember, Status

CATALOGUE = sorted(ALL_PERMISSIONS)


@pytest.fixture
def landscape(acme, globex):
    """Four Acme locations (one inactive) with staff and audit events at each, and Globex's."""
    system = acme.system
    extra = directory.create_location({"name": "Acme East", "code": "EAST"}, actor=system)
    closed = directory.create_location({"name": "Acme Old", "code": "OLD"}, actor=system)
    locations = [acme.main, acme.branch, extra, closed]
    for i, loc in enumerate(locations):
        for j in range(2):
            acme.member(f"s{i}{j}@acme.test", role="front_desk", location=loc)
        audit.record("probe", actor=system, organization_id=acme.org.pk, location_id=loc.pk)
    globex.member("g@globex.test", role="front_desk")
    audit.record(
        "probe", actor=globex.system, organization_id=globex.org.pk, location_id=globex.main.pk
    )
    directory.set_location_status(closed, "inactive", actor=system)
    role = Role.objects.create(organization=acme.org, name="Random", permissions=[])
    actor = acme.member("actor@acme.test", role=role)
    token = ApiToken.objects.create(
        organization=acme.org, name="random", role=role, token_hash="x" * 64, hint="x"
    )
    return {"acme": acme, "locations": locations, "role": role, "actor": actor, "token": token}


def _configure(landscape, perms, primary, grants, all_locations, status, use_token):
    role = landscape["role"]
    Role.objects.filter(pk=role.pk).update(permissions=sorted(perms))
    locations = landscape["locations"]
    if use_token:
        token = landscape["token"]
        ApiToken.objects.filter(pk=token.pk).update(all_locations=all_locations)
        token.locations.set([locations[i] for i in grants])
        return ApiToken.objects.select_related("role").get(pk=token.pk)
    member = landscape["actor"]
    StaffMember.objects.filter(pk=member.pk).update(
        all_locations=all_locations, primary_location=locations[primary], status=status
    )
    member.extra_locations.set([locations[i] for i in grants])
    return StaffMember.objects.select_related("role").get(pk=member.pk)


ACTORS = st.fixed_dictionaries(
    {
        "perms": st.sets(st.sampled_from(CATALOGUE)),
        "primary": st.integers(0, 2),
        "grants": st.sets(st.integers(0, 3)),
        "all_locations": st.booleans(),
        "status": st.sampled_from([Status.ACTIVE, Status.ON_LEAVE, Status.SUSPENDED]),
        "use_token": st.booleans(),
    }
)


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actor=ACTORS, permission=st.sampled_from(CATALOGUE))
def test_the_staff_scope_is_exactly_where_can_holds(landscape, actor, permission):
    who = _configure(landscape, **actor)
    everyone = StaffMember.objects.select_related("primary_location")
    scoped = set(policy.staff_scope(StaffMember.objects.all(), who, permission))
    expected = {m for m in everyone if policy.can(who, permission, m.primary_location)}
    assert scoped == expected


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actor=ACTORS)
def test_visible_to_of_an_actor_who_manages_staff_and_locations_agrees_with_can(landscape, actor):
    actor = {**actor, "perms": actor["perms"] | {P.MANAGE_STAFF, P.MANAGE_LOCATIONS}}
    actor["status"] = Status.ACTIVE
    who = _configure(landscape, **actor)
    staff = set(StaffMember.objects.visible_to(who))
    expected = {
        m
        for m in StaffMember.objects.select_related("primary_location")
        if policy.can(who, P.MANAGE_STAFF, m.primary_location)
    }
    assert staff == expected
    locations = set(Location.objects.visible_to(who))
    assert locations == {
        loc for loc in Location.objects.all() if policy.can(who, P.MANAGE_LOCATIONS, loc)
    }


@settings(
    max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actor=ACTORS)
def test_the_audit_scope_shows_the_events_of_locations_the_reader_can_access(landscape, actor):
    actor = {**actor, "perms": actor["perms"] | {P.VIEW_AUDIT_LOG}, "status": Status.ACTIVE}
    who = _configure(landscape, **actor)
    located = AuditEvent.objects.filter(action="probe")
    by_id = {loc.pk: loc for loc in Location.objects.all()}
    visible = set(located.visible_to(who))
    assert visible == {
        e for e in located if policy.can(who, P.VIEW_AUDIT_LOG, by_id[e.location_id])
    }


@settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(actor=ACTORS)
def test_effective_permissions_are_what_explain_allows(landscape, actor):
    who = _configure(landscape, **actor)
    for loc in landscape["locations"]:
        perms = policy.effective_permissions(who, loc)
        assert perms <= who.role.permission_set
        for name in PERMISSIONS:
            assert (name in perms) == policy.can(who, name, loc)
