"""/api/v1/locations: locations, their payer enrollments and managers."""

from datetime import date
from typing import Literal

from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.directory import actions, queries
from clinicorg.directory.filters import LocationFilterSet, locations_for
from clinicorg.directory.models import PayerEnrollment
from clinicorg.staff import actions as staff_actions

from ..filters import query_schema
from ..pagination import LimitOffset
from ..schemas import ERRORS, Input

router = Router()


class EnrollmentOut(Schema):
    id: int
    payer_name: str
    payer_id: str
    status: str
    effective_date: date | None


class ManagerOut(Schema):
    id: int
    email: str
    name: str


class LocationOut(Schema):
    id: int
    name: str
    code: str
    status: str
    address_line1: str
    address_line2: str
    city: str
    state: str
    postal_code: str
    phone: str
    timezone: str
    npi: str
    place_of_service: str
    credentialing_enabled: bool
    staff_count: int | None = None


class LocationDetailOut(LocationOut):
    payer_enrollments: list[EnrollmentOut]
    managers: list[ManagerOut]

    @staticmethod
    def resolve_payer_enrollments(obj):
        return list(obj.payer_enrollments.all())

    @staticmethod
    def resolve_managers(obj):
        return _managers(obj)


def _managers(location) -> list[dict]:
    """The location's managers the caller may see (queries.visible_managers)."""
    return [{"id": m.id, "email": m.email, "name": m.full_name} for m in location.visible_managers]


class LocationIn(Input):
    name: str
    code: str
    address_line1: str = ""
    address_line2: str = ""
    city: str = ""
    state: str = ""
    postal_code: str = ""
    phone: str = ""
    timezone: str = Field("", description="IANA zone; empty means the organization's zone.")
    npi: str = ""
    place_of_service: str = ""
    credentialing_enabled: bool = False


class LocationPatch(Input):
    name: str | None = None
    code: str | None = None
    address_line1: str | None = None
    address_line2: str | None = None
    city: str | None = None
    state: str | None = None
    postal_code: str | None = None
    phone: str | None = None
    timezone: str | None = None
    npi: str | None = None
    place_of_service: str | None = None
    credentialing_enabled: bool | None = None
    status: Literal["active", "inactive"] | None = None


LocationFilters = query_schema(LocationFilterSet, "LocationFilters")


class EnrollmentIn(Input):
    payer_name: str
    payer_id: str
    status: Literal["pending", "active", "terminated"] = "pending"
    effective_date: date | None = None


class EnrollmentPatch(Input):
    payer_name: str | None = None
    payer_id: str | None = None
    status: Literal["pending", "active", "terminated"] | None = None
    effective_date: date | None = None


class ManagersIn(Input):
    staff: list[int]


def _location(actor, location_id):
    """A location the actor may manage: 404 outside their scope, 403 without the permission."""
    return queries.access_location_by_id(actor, location_id)


def _detail(actor, pk):
    return queries.location_detail(actor, pk)


@router.get("", response={200: list[LocationOut], **ERRORS}, summary="List locations")
@paginate(LimitOffset)
def list_locations(request, filters: Query[LocationFilters]):
    policy.require(request.auth, P.MANAGE_LOCATIONS)
    return locations_for(request.auth, filters.dict())


@router.post(
    "", response={201: LocationDetailOut, **ERRORS, 409: dict}, summary="Create a location"
)
def create_location(request, payload: LocationIn):
    location = actions.create_location(payload.dict(), actor=request.auth)
    return Status(201, _detail(request.auth, location.pk))


@router.get("/{int:location_id}", response={200: LocationDetailOut, **ERRORS})
def get_location(request, location_id: int):
    return _detail(request.auth, location_id)


@router.patch("/{int:location_id}", response={200: LocationDetailOut, **ERRORS})
def update_location(request, location_id: int, payload: LocationPatch):
    location = _location(request.auth, location_id)
    data = payload.dict(exclude_unset=True)
    status = data.pop("status", None)
    if data:
        actions.update_location(location, data, actor=request.auth)
    if status:
        actions.set_location_status(location, status, actor=request.auth)
    return _detail(request.auth, location_id)


@router.delete("/{int:location_id}", response={204: None, **ERRORS, 409: dict})
def delete_location(request, location_id: int):
    location = _location(request.auth, location_id)
    actions.delete_location(location, actor=request.auth)
    return Status(204, None)


def _enrollment(actor, location_id, enrollment_id) -> PayerEnrollment:
    return _location(actor, location_id).payer_enrollments.get(pk=enrollment_id)


@router.get("/{int:location_id}/payer-enrollments", response={200: list[EnrollmentOut], **ERRORS})
def list_enrollments(request, location_id: int):
    return list(_location(request.auth, location_id).payer_enrollments.all())


@router.post("/{int:location_id}/payer-enrollments", response={201: EnrollmentOut, **ERRORS})
def add_enrollment(request, location_id: int, payload: EnrollmentIn):
    location = _location(request.auth, location_id)
    return Status(201, actions.add_payer_enrollment(location, payload.dict(), actor=request.auth))


@router.patch(
    "/{int:location_id}/payer-enrollments/{int:enrollment_id}",
    response={200: EnrollmentOut, **ERRORS},
)
def update_enrollment(request, location_id: int, enrollment_id: int, payload: EnrollmentPatch):
    enrollment = _enrollment(request.auth, location_id, enrollment_id)
    actions.update_payer_enrollment(
        enrollment, payload.dict(exclude_unset=True), actor=request.auth
    )
    return _enrollment(request.auth, location_id, enrollment_id)


@router.delete(
    "/{int:location_id}/payer-enrollments/{int:enrollment_id}", response={204: None, **ERRORS}
)
def remove_enrollment(request, location_id: int, enrollment_id: int):
    enrollment = _enrollment(request.auth, location_id, enrollment_id)
    actions.remove_payer_enrollment(enrollment, actor=request.auth)
    return Status(204, None)


@router.put("/{int:location_id}/managers", response={200: list[ManagerOut], **ERRORS})
def set_managers(request, location_id: int, payload: ManagersIn):
    location = _location(request.auth, location_id)
    staff_actions.set_location_managers(location, payload.staff, actor=request.auth)
    return _managers(_detail(request.auth, location_id))
