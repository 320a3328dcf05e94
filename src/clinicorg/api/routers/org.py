"""/api/v1 organization structure: departments, positions, employee categories, and the
organization's own settings with its organizational (Type 2) NPIs.

Every endpoint needs `administration.manage_organization_settings`; writes go through
`directory.actions`, reads through the scoped queries of `directory.queries`.
"""

from typing import Literal

from django.shortcuts import get_object_or_404
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.core.models import Organization, OrganizationNPI
from clinicorg.directory import actions, queries
from clinicorg.directory.filters import (
    CategoryFilterSet,
    NamedFilterSet,
    categories_for,
    departments_for,
    positions_for,
)
from clinicorg.directory.models import Department, EmployeeCategory, Position

from ..filters import query_schema
from ..pagination import LimitOffset
from ..schemas import ERRORS, Error, Input

router = Router()

# Departments and positions share one shape: a name and an active flag.


class NamedOut(Schema):
    id: int
    name: str
    is_active: bool = Field(description="Inactive ones are no longer offered when assigning.")
    member_count: int = Field(description="Staff members assigned to it, in any status.")


class NamedIn(Input):
    name: str = Field(description="Unique in the organization, case-insensitively.")


class NamedPatch(Input):
    name: str | None = Field(None, description="New name; unique case-insensitively.")
    is_active: bool | None = Field(
        None, description="false deactivates (existing assignments stay), true reactivates."
    )


NamedFilters = query_schema(NamedFilterSet, "NamedFilters")


def _named_routes(model, path: str, tag: str, list_query, create, update) -> None:
    """List, create, read and patch for departments or positions (same life, same rules)."""
    noun = model._meta.model_name  # "department" / "position"

    def get_one(actor, pk):
        return get_object_or_404(list_query(actor, {}), pk=pk)

    @router.get(
        path,
        response={200: list[NamedOut], **ERRORS},
        summary=f"List {noun}s",
        tags=[tag],
        operation_id=f"list_{noun}s",
    )
    @paginate(LimitOffset)
    def list_items(request, filters: Query[NamedFilters]):
        policy.require(request.auth, P.MANAGE_SETTINGS)
        return list_query(request.auth, filters.dict())

    @router.post(
        path,
        response={201: NamedOut, **ERRORS},
        summary=f"Create a {noun}",
        tags=[tag],
        operation_id=f"create_{noun}",
    )
    def create_item(request, payload: NamedIn):
        obj = create(payload.name, actor=request.auth)
        return Status(201, get_one(request.auth, obj.pk))

    @router.get(
        f"{path}/{{int:item_id}}",
        response={200: NamedOut, **ERRORS},
        summary=f"Read a {noun}",
        tags=[tag],
        operation_id=f"get_{noun}",
    )
    def get_item(request, item_id: int):
        policy.require(request.auth, P.MANAGE_SETTINGS)
        return get_one(request.auth, item_id)

    @router.patch(
        f"{path}/{{int:item_id}}",
        response={200: NamedOut, **ERRORS},
        summary=f"Rename, deactivate or reactivate a {noun}",
        tags=[tag],
        operation_id=f"update_{noun}",
    )
    def update_item(request, item_id: int, payload: NamedPatch):
        policy.require(request.auth, P.MANAGE_SETTINGS)
        obj = queries.get_in_org(model, request.auth, item_id)
        data = payload.dict(exclude_unset=True)
        if data:
            update(obj, data, actor=request.auth)
        return get_one(request.auth, item_id)


_named_routes(
    Department,
    "/departments",
    "Departments",
    departments_for,
    actions.create_department,
    actions.update_department,
)
_named_routes(
    Position,
    "/positions",
    "Positions",
    positions_for,
    actions.create_position,
    actions.update_position,
)


# Employee categories: Active or Deprecated; a category in use cannot be deleted.

CategoryStatusValue = Literal["active", "deprecated"]


class CategoryOut(Schema):
    id: int
    name: str
    status: CategoryStatusValue = Field(
        description="Only active categories can be newly assigned; deprecated ones keep "
        "their existing assignments."
    )
    member_count: int = Field(description="Staff members assigned to it, in any status.")


class CategoryIn(Input):
    name: str = Field(description="Unique in the organization, case-insensitively.")
    status: CategoryStatusValue = Field("active", description="active (default) or deprecated.")


class CategoryPatch(Input):
    name: str | None = Field(None, description="New name; unique case-insensitively.")
    status: CategoryStatusValue | None = Field(None, description="active or deprecated.")


CategoryFilters = query_schema(CategoryFilterSet, "CategoryFilters")


def _category(actor, pk):
    return get_object_or_404(categories_for(actor, {}), pk=pk)


@router.get(
    "/employee-categories",
    response={200: list[CategoryOut], **ERRORS},
    summary="List employee categories",
    tags=["Employee categories"],
)
@paginate(LimitOffset)
def list_categories(request, filters: Query[CategoryFilters]):
    policy.require(request.auth, P.MANAGE_SETTINGS)
    return categories_for(request.auth, filters.dict())


@router.post(
    "/employee-categories",
    response={201: CategoryOut, **ERRORS},
    summary="Create an employee category",
    tags=["Employee categories"],
)
def create_category(request, payload: CategoryIn):
    category = actions.create_employee_category(
        payload.name, status=payload.status, actor=request.auth
    )
    return Status(201, _category(request.auth, category.pk))


@router.get(
    "/employee-categories/{int:category_id}",
    response={200: CategoryOut, **ERRORS},
    summary="Read an employee category",
    tags=["Employee categories"],
)
def get_category(request, category_id: int):
    policy.require(request.auth, P.MANAGE_SETTINGS)
    return _category(request.auth, category_id)


@router.patch(
    "/employee-categories/{int:category_id}",
    response={200: CategoryOut, **ERRORS},
    summary="Rename an employee category or set it Active/Deprecated",
    tags=["Employee categories"],
)
def update_category(request, category_id: int, payload: CategoryPatch):
    policy.require(request.auth, P.MANAGE_SETTINGS)
    category = queries.get_in_org(EmployeeCategory, request.auth, category_id)
    data = payload.dict(exclude_unset=True)
    if data:
        actions.update_employee_category(category, data, actor=request.auth)
    return _category(request.auth, category_id)


@router.delete(
    "/employee-categories/{int:category_id}",
    response={204: None, **ERRORS, 409: Error},
    summary="Delete an unused employee category",
    description="Refused with 409 while the category is assigned to anyone "
    "(`details.assigned` gives the count); deprecate it instead.",
    tags=["Employee categories"],
)
def delete_category(request, category_id: int):
    policy.require(request.auth, P.MANAGE_SETTINGS)
    category = queries.get_in_org(EmployeeCategory, request.auth, category_id)
    actions.delete_employee_category(category, actor=request.auth)
    return Status(204, None)


# The organization itself.


class OrganizationNPIOut(Schema):
    id: int
    label: str = Field(description='What the NPI is used for, e.g. "Billing".')
    npi: str = Field(description="Type 2 (organizational) NPI, 10 digits.")


class OrganizationOut(Schema):
    id: int
    name: str
    slug: str = Field(description="Fixed identifier of the organization.")
    timezone: str = Field(description="IANA time zone name, e.g. America/New_York.")
    tax_id: str = Field(description="Tax id (EIN); may be empty.")
    date_order: Literal["", "mdy", "dmy"] = Field(
        description="How imported spreadsheets write dates like 01/03/2024: mdy (month "
        'first), dmy (day first), or "" (not set: such dates are refused).'
    )
    npis: list[OrganizationNPIOut] = Field(description="Organizational (Type 2) NPIs.")


class OrganizationPatch(Input):
    name: str | None = Field(None, description="Organization name.")
    timezone: str | None = Field(None, description="IANA time zone name.")
    tax_id: str | None = Field(None, description="Tax id (EIN); empty to clear.")
    date_order: Literal["", "mdy", "dmy"] | None = Field(
        None, description='mdy, dmy, or "" to refuse dates whose day and month could be swapped.'
    )


class OrganizationNPIIn(Input):
    label: str = Field(description='What the NPI is used for, e.g. "Billing" or "Group".')
    npi: str = Field(description="10 digits whose last is the Luhn check over 80840 + the rest.")


def _npis(actor):
    return OrganizationNPI.objects.visible_to(actor).order_by("label", "npi", "id")


def _organization(actor) -> dict:
    org = Organization.objects.get(pk=actor.organization_id)
    fields = ("id", "name", "slug", "timezone", "tax_id", "date_order")
    return {**{f: getattr(org, f) for f in fields}, "npis": list(_npis(actor))}


@router.get(
    "/organization",
    response={200: OrganizationOut, **ERRORS},
    summary="Read the organization's settings",
    tags=["Organization"],
)
def get_organization(request):
    policy.require(request.auth, P.MANAGE_SETTINGS)
    return _organization(request.auth)


@router.patch(
    "/organization",
    response={200: OrganizationOut, **ERRORS},
    summary="Change the organization's name, time zone, tax id or date order",
    tags=["Organization"],
)
def update_organization(request, payload: OrganizationPatch):
    policy.require(request.auth, P.MANAGE_SETTINGS)
    data = payload.dict(exclude_unset=True)
    if data:
        org = Organization.objects.get(pk=request.auth.organization_id)
        actions.update_organization(org, data, actor=request.auth)
    return _organization(request.auth)


@router.get(
    "/organization/npis",
    response={200: list[OrganizationNPIOut], **ERRORS},
    summary="List the organizational NPIs",
    tags=["Organization"],
)
def list_organization_npis(request):
    policy.require(request.auth, P.MANAGE_SETTINGS)
    return list(_npis(request.auth))


@router.post(
    "/organization/npis",
    response={201: OrganizationNPIOut, **ERRORS},
    summary="Add an organizational NPI",
    tags=["Organization"],
)
def add_organization_npi(request, payload: OrganizationNPIIn):
    entry = actions.add_organization_npi(payload.label, payload.npi, actor=request.auth)
    return Status(201, entry)


@router.delete(
    "/organization/npis/{int:npi_id}",
    response={204: None, **ERRORS},
    summary="Remove an organizational NPI",
    tags=["Organization"],
)
def remove_organization_npi(request, npi_id: int):
    policy.require(request.auth, P.MANAGE_SETTINGS)
    entry = get_object_or_404(_npis(request.auth), pk=npi_id)
    actions.remove_organization_npi(entry, actor=request.auth)
    return Status(204, None)
