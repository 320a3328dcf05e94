"""/api/v1/audit-events: the audit log, read-only, with the filters of the audit log page
(core.filters.AuditFilterSet): the days of its date filters are the organization's.

Needs `administration.view_audit_log`. A token limited to some locations sees the events of
those locations only (see core.scope.audit_scope).
"""

from datetime import datetime

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.core.filters import AuditFilterSet, audit_events_for
from clinicorg.core.queries import date_range_problem, get_audit_event

from ..filters import query_schema
from ..pagination import LimitOffset
from ..schemas import ERRORS

router = Router(tags=["Audit log"])


class AuditEventOut(Schema):
    id: int
    occurred_at: datetime = Field(description="When the change was made (ISO 8601, UTC).")
    actor_id: int | None = Field(description="Staff member who made it; null for a token/system.")
    actor_token_id: int | None = Field(description="API token that made it, if any.")
    actor_label: str = Field(
        description='Who made it, as recorded: an email, "token:<name>" or "system".'
    )
    action: str = Field(description="Action name, e.g. create_location, update_department.")
    target_type: str = Field(description="Kind of record changed, e.g. location, department.")
    target_id: str = Field(description="Id of the record changed.")
    target_label: str = Field(description="Name of the record at the time of the change.")
    location_id: int | None = Field(description="Location the record belongs to, if any.")
    changes: dict = Field(description="{field: [old, new]} for each changed field.")
    request_id: str = Field(description="X-Request-ID of the request that made the change.")
    ip: str | None = Field(description="Client address of that request.")


AuditFilters = query_schema(AuditFilterSet, "AuditFilters")


@router.get(
    "/audit-events",
    response={200: list[AuditEventOut], **ERRORS},
    summary="List audit events, newest first",
)
@paginate(LimitOffset)
def list_audit_events(request, filters: Query[AuditFilters]):
    policy.require(request.auth, P.VIEW_AUDIT_LOG)
    problem = date_range_problem(filters.date_from, filters.date_to)
    if problem:
        raise ValidationError({"date_to": problem})
    return audit_events_for(request.auth, filters.dict())


@router.get(
    "/audit-events/{int:event_id}",
    response={200: AuditEventOut, **ERRORS},
    summary="Read one audit event",
)
def get_event(request, event_id: int):
    policy.require(request.auth, P.VIEW_AUDIT_LOG)
    return get_audit_event(request.auth, event_id)
