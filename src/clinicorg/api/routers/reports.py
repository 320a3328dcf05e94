"""/api/v1/reports/...: the dashboard's figures, the license expiry list, reminder settings.

Same scope and filters as the pages: a token limited to some locations counts and lists the
staff of those locations only.
"""

from datetime import date
from typing import Literal
from urllib.parse import parse_qsl

from ninja import Field, Query, Router, Schema

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.reports import actions, queries

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
    board = queries.dashboard(request.auth)
    return {"tables": [_table(t) for t in (*board.figures, *board.tables)]}


class LicenseFilters(Input):
    window: int = Field(
        queries.DEFAULT_WINDOW,
        ge=1,
        le=queries.MAX_WINDOW,
        description="Licenses expiring within this many days (and expired ones).",
    )
    show: Literal["", "expired", "expiring"] = Field(
        "", description="Narrow to expired or to expiring licenses."
    )
    location: int | None = Field(None, description="Holder's primary location id.")
    state: str = Field("", max_length=2, description="License state, e.g. CA.")
    q: str = Field("", description="Holder's name or email, or the license number.")
    sort: Literal[
        "",
        "expires",
        "-expires",
        "provider",
        "-provider",
        "location",
        "-location",
        "state",
        "-state",
    ] = Field("", description="Order; soonest expiry first by default.")


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
        left = queries.days_left(lic.expires_on, today)
        return {
            "id": lic.pk,
            "state": lic.state,
            "number": lic.number,
            "expires_on": lic.expires_on,
            "days_left": left,
            "status": "expired" if left < 0 else "expiring",
            "staff": {"id": lic.staff_id, "name": lic.staff.full_name, "email": lic.staff.email},
            "location": {
                "id": lic.staff.primary_location_id,
                "name": lic.staff.primary_location.name,
            },
        }

    licenses = queries.licenses_for(request.auth, today=today, **filters.dict())
    return {**page_of(licenses, page, out), "today": today}


class ReminderSettingsOut(Schema):
    enabled: bool = Field(description="Whether license expiry digests go out.")
    windows: list[int] = Field(
        description="Days before expiry on which a license is announced (also on its expiry "
        "day, then weekly while expired)."
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
