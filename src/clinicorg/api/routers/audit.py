"""/api/v1/audit-events: the audit log, read-only, with the filters of the audit log page.

Needs `administration.view_audit_log`. A token limited to some locations sees the events of
those locations only (see core.scope.audit_scope).
"""

from datetime import date, datetime

from django.core.exceptions import ValidationError
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.core.models import AuditEvent
from clinicorg.core.queries import filter_audit_events, get_audit_event

from ..pagination import LimitOffset
from ..schemas import ERRORS, Input

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


class AuditFilters(Input):
    actor: str = Field(
        "",
        description="A staff member id, or text matched against who made the change "
        "(email, token name).",
    )
    action: str = Field("", description="Exact action name, e.g. update_location.")
    target_type: str = Field("", description="Kind of record, e.g. location.")
    target_id: str = Field("", description="Id of the record (use with target_type).")
    date_from: date | None = Field(None, description="First day included (YYYY-MM-DD).")
    date_to: date | None = Field(None, description="Last day included (YYYY-MM-DD).")
    q: str = Field("", description="Text in the target's name, the actor or the action.")


@router.get(
    "/audit-events",
    response={200: list[AuditEventOut], **ERRORS},
    summary="List audit events, newest first",
)
@paginate(LimitOffset)
def list_audit_events(request, filters: Query[AuditFilters]):
    policy.require(request.auth, P.VIEW_AUDIT_LOG)
    if filters.date_from and filters.date_to and filters.date_from > filters.date_to:
        raise ValidationError({"date_to": "The last day comes before the first day."})
    # audit_events_for(actor, **filters) cannot take the `actor` filter by keyword (its first
    # parameter has the same name), so scope and filter in two explicit steps.
    scoped = AuditEvent.objects.visible_to(request.auth)
    return filter_audit_events(scoped, **filters.dict())


@router.get(
    "/audit-events/{int:event_id}",
    response={200: AuditEventOut, **ERRORS},
    summary="Read one audit event",
)
def get_event(request, event_id: int):
    policy.require(request.auth, P.VIEW_AUDIT_LOG)
    return get_audit_event(request.auth, event_id)
