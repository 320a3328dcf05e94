"""/api/v1/supervisors, /api/v1/staff/{id}/credentials (with licenses), /api/v1/taxonomy, and
/api/v1/people/search (the member pickers' search)."""

from datetime import date, datetime
from typing import Literal

from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.directory.models import Department, Location
from clinicorg.staff import actions, queries, supervisors, taxonomy
from clinicorg.staff.bio import render_bio
from clinicorg.staff.models import StaffMember

from ..pagination import LimitOffset, PageParams, page_of
from ..schemas import ERRORS, Error, Input, Ref

router = Router(tags=["Supervisors and credentials"])


class MemberRef(Schema):
    id: int
    name: str
    email: str


class SupervisorOut(Schema):
    id: int = Field(description="Id of the appointment (used by DELETE and reassign_to).")
    staff: MemberRef
    locations: list[Ref]
    departments: list[Ref]
    direct_reports: int
    appointed_at: datetime


class SupervisorIn(Input):
    staff: int = Field(description="Id of the staff member to appoint.")
    locations: list[int] = []
    departments: list[int] = []


class SupervisorPatch(Input):
    locations: list[int] | None = None
    departments: list[int] | None = None


class RemoveParams(Input):
    reassign_to: int | None = Field(
        None, description="Supervisor (appointment) id that takes over the direct reports."
    )
    clear: bool = Field(False, description="Leave the direct reports without a supervisor.")


class TaxonomyOut(Schema):
    code: str
    is_primary: bool
    label: str
    retired_in: str


class LicenseOut(Schema):
    id: int
    state: str
    number: str
    expires_on: date | None


class CredentialsOut(Schema):
    staff_id: int
    npi: str
    taxonomy: list[TaxonomyOut]
    primary_taxonomy: str | None
    bio: str = Field(description="The bio as stored: limited markdown, no HTML.")
    bio_html: str = Field(description="The bio rendered and sanitized, as patients see it.")
    capacity: int
    scheduling_step: int
    licenses: list[LicenseOut]


class CredentialsIn(Input):
    """Fields left out are not changed. `taxonomy_codes` is the full list to hold."""

    npi: str | None = None
    taxonomy_codes: list[str] | None = None
    primary_taxonomy: str | None = None
    bio: str | None = None
    capacity: int | None = None
    scheduling_step: int | None = None


class LicenseIn(Input):
    state: str
    number: str
    expires_on: date | None = None


class TaxonomyCodeOut(Schema):
    code: str
    label: str
    grouping: str
    classification: str
    specialization: str
    section: str
    version: str
    retired_in: str


class TaxonomyPage(Schema):
    count: int
    limit: int
    offset: int
    items: list[TaxonomyCodeOut]


class TaxonomyFilters(Input):
    q: str = Field(
        "", description="Words matched against code, classification, specialization, name."
    )
    include_retired: bool = False
    limit: int = Field(20, ge=1, le=100)
    offset: int = Field(0, ge=0)


class PeopleSearch(Input):
    purpose: Literal[tuple(queries.PICK_PERMISSIONS)] = Field(
        queries.PICK_MEMBER,
        alias="for",
        description="What the member is chosen for, which decides who is offered: `supervisor` "
        "(current appointed supervisors, for a member's supervisor), `manager` (current staff "
        "the caller may make a location manager), `appointee` (current staff not yet "
        "supervisors, who may be appointed), `member` (any current staff member).",
    )
    q: str = Field(
        "", max_length=200, description="Name, email or employee id; blank offers nobody."
    )
    exclude: int | None = Field(None, description="A member id to leave out (the one edited).")
    replacing: int | None = Field(
        None,
        description="With `for=supervisor`: the staff id of a supervisor being removed. Only "
        "who may take over their direct reports is offered: not them, not one of their "
        "reports, nobody whose reporting line runs through those reports.",
    )


class PersonFound(Schema):
    id: int = Field(description="Staff member id.")
    name: str
    email: str
    location: str = Field(description="Name of the member's primary location.")


class PeopleFound(Schema):
    items: list[PersonFound]


@router.get(
    "/people/search",
    response={200: PeopleFound, **ERRORS},
    tags=["People search"],
    summary="Search people to choose (the member pickers)",
    description="Up to 20 current members matching `q`, among the staff the caller may see, "
    "that the caller may choose for the purpose given in `for`: the search behind the "
    "pickers of the pages. Needs the purpose's permission (Manage locations for `manager`, "
    "Manage staff otherwise).",
)
def search_people(request, params: Query[PeopleSearch]):
    found = queries.pick_staff(
        request.auth,
        params.purpose,
        params.q,
        exclude=params.exclude,
        replacing=params.replacing,
    )
    return {
        "items": [
            {"id": m.pk, "name": m.full_name, "email": m.email, "location": m.primary_location.name}
            for m in found
        ]
    }


# Supervisors


def _supervisor_out(s) -> dict:
    return {
        "id": s.pk,
        "staff": {"id": s.staff.pk, "name": s.staff.full_name, "email": s.staff.email},
        "locations": [{"id": x.pk, "name": x.name} for x in s.locations.all()],
        "departments": [{"id": x.pk, "name": x.name} for x in s.departments.all()],
        "direct_reports": s.report_count,
        "appointed_at": s.appointed_at,
    }


def _scope(actor, location_ids, department_ids):
    """Resolve ids within the actor's organization; unknown ids become a field error."""
    locations = list(Location.objects.visible_to(actor).filter(pk__in=set(location_ids)))
    departments = list(Department.objects.visible_to(actor).filter(pk__in=set(department_ids)))
    if len(locations) != len(set(location_ids)):
        raise ValidationError({"locations": "Unknown location id, or one you cannot access."})
    if len(departments) != len(set(department_ids)):
        raise ValidationError({"departments": "Unknown department id."})
    return locations, departments


@router.get(
    "/supervisors", response={200: list[SupervisorOut], **ERRORS}, summary="List supervisors"
)
@paginate(LimitOffset, serialize=_supervisor_out)
def list_supervisors(request):
    policy.require(request.auth, P.MANAGE_STAFF)
    return supervisors.supervisors_for(request.auth)


@router.post(
    "/supervisors", response={201: SupervisorOut, **ERRORS}, summary="Appoint a supervisor"
)
def appoint_supervisor(request, payload: SupervisorIn):
    policy.require(request.auth, P.MANAGE_STAFF)
    member = get_object_or_404(StaffMember.objects.visible_to(request.auth), pk=payload.staff)
    locations, departments = _scope(request.auth, payload.locations, payload.departments)
    sup = actions.appoint_supervisor(
        member, locations=locations, departments=departments, actor=request.auth
    )
    return Status(201, _supervisor_out(supervisors.get_supervisor(request.auth, sup.pk)))


@router.get("/supervisors/{int:supervisor_id}", response={200: SupervisorOut, **ERRORS})
def get_supervisor(request, supervisor_id: int):
    policy.require(request.auth, P.MANAGE_STAFF)
    return _supervisor_out(supervisors.get_supervisor(request.auth, supervisor_id))


@router.patch(
    "/supervisors/{int:supervisor_id}",
    response={200: SupervisorOut, **ERRORS},
    summary="Change what a supervisor supervises",
)
def update_supervisor(request, supervisor_id: int, payload: SupervisorPatch):
    policy.require(request.auth, P.MANAGE_STAFF)
    sup = supervisors.get_supervisor(request.auth, supervisor_id)
    location_ids = (
        payload.locations if payload.locations is not None else [x.pk for x in sup.locations.all()]
    )
    department_ids = (
        payload.departments
        if payload.departments is not None
        else [x.pk for x in sup.departments.all()]
    )
    locations, departments = _scope(request.auth, location_ids, department_ids)
    actions.update_supervisor(sup, locations=locations, departments=departments, actor=request.auth)
    return _supervisor_out(supervisors.get_supervisor(request.auth, supervisor_id))


@router.delete(
    "/supervisors/{int:supervisor_id}",
    response={204: None, **ERRORS, 409: Error},
    summary="Remove a supervisor",
    description="A supervisor with direct reports is removed only with `reassign_to` (another "
    "supervisor's id) or `clear=true`; otherwise 409 names the number of reports.",
)
def remove_supervisor(request, supervisor_id: int, params: Query[RemoveParams]):
    policy.require(request.auth, P.MANAGE_STAFF)
    sup = supervisors.get_supervisor(request.auth, supervisor_id)
    reassign_to = None
    if params.reassign_to is not None:
        reassign_to = (
            supervisors.supervisors_for(request.auth).filter(pk=params.reassign_to).first()
        )
        if reassign_to is None:
            raise ValidationError(
                {"reassign_to": "No supervisor with this id; use an id from GET /supervisors."}
            )
    actions.remove_supervisor(sup, actor=request.auth, reassign_to=reassign_to, clear=params.clear)
    return Status(204, None)


# Credentials


def _member(actor, staff_id) -> StaffMember:
    """A member whose credentials the actor may manage (at the member's primary location)."""
    policy.require(actor, P.MANAGE_STAFF)
    member = supervisors.get_member(actor, staff_id)
    policy.require(actor, P.MANAGE_STAFF, member.primary_location)
    return member


def _credentials_out(member) -> dict:
    assignments = list(member.taxonomies.all())
    described = taxonomy.describe_codes([a.code for a in assignments])
    return {
        "staff_id": member.pk,
        "npi": member.npi,
        "taxonomy": [
            {
                "code": a.code,
                "is_primary": a.is_primary,
                "label": getattr(described.get(a.code), "label", ""),
                "retired_in": getattr(described.get(a.code), "retired_in", ""),
            }
            for a in assignments
        ],
        "primary_taxonomy": next((a.code for a in assignments if a.is_primary), None),
        "bio": member.bio,
        "bio_html": str(render_bio(member.bio)),
        "capacity": member.capacity,
        "scheduling_step": member.scheduling_step,
        "licenses": list(member.licenses.all()),
    }


@router.get(
    "/staff/{int:staff_id}/credentials",
    response={200: CredentialsOut, **ERRORS},
    summary="A member's provider credentials",
)
def get_credentials(request, staff_id: int):
    return _credentials_out(_member(request.auth, staff_id))


@router.put(
    "/staff/{int:staff_id}/credentials",
    response={200: CredentialsOut, **ERRORS},
    summary="Change a member's provider credentials",
)
def update_credentials(request, staff_id: int, payload: CredentialsIn):
    member = _member(request.auth, staff_id)
    data = payload.dict(exclude_unset=True)
    if data.get("taxonomy_codes") is None:
        data.pop("taxonomy_codes", None)
    actions.update_credentials(member, data, actor=request.auth)
    return _credentials_out(_member(request.auth, staff_id))


@router.post(
    "/staff/{int:staff_id}/credentials/licenses",
    response={201: LicenseOut, **ERRORS},
    summary="Add a license",
)
def add_license(request, staff_id: int, payload: LicenseIn):
    member = _member(request.auth, staff_id)
    return Status(201, actions.add_license(member, payload.dict(), actor=request.auth))


@router.delete(
    "/staff/{int:staff_id}/credentials/licenses/{int:license_id}",
    response={204: None, **ERRORS},
    summary="Remove a license",
)
def remove_license(request, staff_id: int, license_id: int):
    member = _member(request.auth, staff_id)
    actions.remove_license(member.licenses.get(pk=license_id), actor=request.auth)
    return Status(204, None)


# Taxonomy


def _code_out(entry) -> dict:
    return {
        "code": entry.code,
        "label": taxonomy.label_of(entry),
        "grouping": entry.grouping,
        "classification": entry.classification,
        "specialization": entry.specialization,
        "section": entry.section,
        "version": entry.version,
        "retired_in": entry.retired_in,
    }


@router.get(
    "/taxonomy",
    response={200: TaxonomyPage, **ERRORS},
    tags=["Taxonomy"],
    summary="Search the NUCC taxonomy code set",
)
def search_taxonomy(request, filters: Query[TaxonomyFilters]):
    qs = taxonomy.search_queryset(filters.q, include_retired=filters.include_retired)
    return page_of(qs, PageParams(limit=filters.limit, offset=filters.offset), _code_out)
