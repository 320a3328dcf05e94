"""THE staff fields: one declaration of what every front end shows of a staff member.

The Employee Center's columns, the API's staff answers (`StaffOut`, `StaffDetailOut`), the
staff export and the import's columns all read their fields and labels from
`STAFF_FIELD_LIST` (see core.fields). The export reads the records of `filters.staff_for`, so
`supervisor_visible` is there for each.
"""

from clinicorg.core.fields import API, DETAIL, EXPORT, PAGE, Field, FieldList, iso_date, name_of


def _supervisor_email(member) -> str:
    # A supervisor outside the reader's locations is not theirs to read.
    return member.supervisor.email if member.supervisor_id and member.supervisor_visible else ""


def _extra_location_codes(member) -> str:
    return "; ".join(sorted(loc.code for loc in member.extra_locations.all()))


def _taxonomy_codes(member) -> str:
    # The primary code first: the import reads the first code as the primary one.
    return "; ".join(t.code for t in member.taxonomies.all())


STAFF_FIELD_LIST = FieldList(
    Field("id", "Id", API),
    Field("name", "Name", PAGE),  # "Last, First" on the page; the API and files split it
    Field("email", "Email", PAGE | API | EXPORT),
    Field("first_name", "First name", API | EXPORT),
    Field("last_name", "Last name", API | EXPORT),
    Field("display_name", "Display name", API | EXPORT),
    Field(
        "primary_location",
        "Primary location",
        PAGE | API | EXPORT,
        read="primary_location.code",
        header="Primary location code",
    ),
    Field("role", "Role", PAGE | API | EXPORT, read="role.name"),
    Field(
        "extra_locations",
        "Additional locations",
        DETAIL | EXPORT,
        read=_extra_location_codes,
        header="Additional location codes",
    ),
    Field("department", "Department", PAGE | API | EXPORT, read=name_of("department")),
    Field("position", "Position", PAGE | API | EXPORT, read=name_of("position")),
    Field("category", "Category", API | EXPORT, read=name_of("category")),
    Field(
        "supervisor",
        "Supervisor",
        API | EXPORT,
        read=_supervisor_email,
        header="Supervisor email",
    ),
    Field("employee_id", "Employee id", PAGE | API | EXPORT),
    Field("phone", "Phone", API | EXPORT),
    Field("hire_date", "Hire date", API | EXPORT, read=iso_date("hire_date")),
    Field("npi", "NPI", EXPORT),
    Field("taxonomies", "Taxonomy codes", EXPORT, read=_taxonomy_codes),
    Field("capacity", "Capacity", EXPORT),
    Field("scheduling_step", "Scheduling step", EXPORT),
    Field("status", "Status", PAGE | API | EXPORT),
    Field("status_changed_at", "Status changed", API),
    Field("all_locations", "All locations", API),
    Field("created_at", "Created", API),
    Field("invitation", "Invitation", DETAIL),
)
