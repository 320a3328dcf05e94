"""/api/v1/reports/...: the dashboard's figures, the license expiry list, reminder settings.

Same scope and filters as the pages: a token limited to some locations counts and lists the
staff of those locations only.
"""

from datetime import date, datetime
from typing import Literal
from urllib.parse import parse_qsl

from ninja import Field, Query, Router, Schema

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.reports import actions, queries
from clinicorg.reports.filters import LicenseFilterSet, licenses_for

from ..filters import query_schema
from ..pagination import PageParams, page_of
from ..schemas import ERRORS, Input, Ref

router = Router(tags=["Reports"])


class FigureOut(Schema):
    label: str
    value: int
    filters: dict[str, str] = Field(
        description="Filters of the list this number counts (GET /staff or /locations)."
    )


class TableOut(Schema):
    key: str
    title: str
    list: Literal["staff", "locations"]
    rows: list[FigureOut]


class DashboardOut(Schema):
    as_of: datetime = Field(
        description="When the figures were counted: for a token of every location they are "
        "kept up to a minute, and counted again at once after any change in the organization."
    )
    tables: list[TableOut]


def _table(table) -> dict:
    return {
        "key": table.key,
        "title": table.title,
        "list": "locations" if table.link == "web:location_list" else "staff",
        "rows": [
            {"label": r.label, "value": r.value, "filters": dict(parse_qsl(r.query))}
            for r in table.rows
        ],
    }


@router.get(
    "/reports/dashboard",
    response={200: DashboardOut, **ERRORS},
    summary="The dashboard's figures, each with the list filters it counts",
)
def get_dashboard(request):
    if not queries.can_view_dashboard(request.auth):
        policy.require(request.auth, P.MANAGE_STAFF)
    board = queries.cached_dashboard(request.auth)
    return {"as_of": board.as_of, "tables": [_table(t) for t in (*board.figures, *board.tables)]}


LicenseFilters = query_schema(LicenseFilterSet, "LicenseFilters")


class HolderOut(Schema):
    id: int
    name: str
    email: str


class ExpiringLicenseOut(Schema):
    id: int
    state: str
    number: str
    expires_on: date
    days_left: int = Field(description="Negative once expired.")
    status: Literal["expired", "expiring"]
    staff: HolderOut
    location: Ref


class LicensePage(Schema):
    count: int
    limit: int
    offset: int
    today: date = Field(description="Today in the organization's time zone.")
    items: list[ExpiringLicenseOut]


@router.get(
    "/reports/licenses",
    response={200: LicensePage, **ERRORS},
    summary="Licenses expired or expiring within a window, soonest first",
)
def list_licenses(request, filters: Query[LicenseFilters], page: Query[PageParams]):
    policy.require(request.auth, P.MANAGE_STAFF)
    today = queries.org_today(request.auth.organization)

    def out(lic) -> dict:
        lic = queries.expiry(lic, today)
        return {
            "id": lic.pk,
            "state": lic.state,
            "number": lic.number,
            "expires_on": lic.expires_on,
            "days_left": lic.days_left,
            "status": lic.expiry,
            "staff": {"id": lic.staff_id, "name": lic.staff.full_name, "email": lic.staff.email},
            "location": {
                "id": lic.staff.primary_location_id,
                "name": lic.staff.primary_location.name,
            },
        }

    licenses = licenses_for(request.auth, filters.dict(), today=today)
    return {**page_of(licenses, page, out), "today": today}


class ReminderSettingsOut(Schema):
    enabled: bool = Field(description="Whether license expiry digests go out.")
    windows: list[int] = Field(
        description="Reminder windows, in days before expiry: a license is announced once "
        "within each (at the first daily run after it enters it), on its expiry day, then "
        "weekly while expired."
    )


class ReminderSettingsIn(Input):
    enabled: bool | None = None
    windows: list[int] | None = Field(None, description="1–8 distinct numbers of days, 1–365.")


@router.get(
    "/reports/reminder-settings",
    response={200: ReminderSettingsOut, **ERRORS},
    summary="Read the organization's license reminder settings",
)
def get_reminder_settings(request):
    policy.require(request.auth, P.MANAGE_SETTINGS)
    return queries.reminder_settings(request.auth.organization)


@router.patch(
    "/reports/reminder-settings",
    response={200: ReminderSettingsOut, **ERRORS},
    summary="Change the organization's license reminder settings",
)
def update_reminder_settings(request, payload: ReminderSettingsIn):
    data = payload.dict(exclude_none=True)
    return actions.update_reminder_settings(data, actor=request.auth)
