"""THE directory fields: one declaration of what every front end shows of a location, a
department or position, and an employee category (see core.fields).

The Locations page's columns, the API's location answers (`LocationOut`, `LocationDetailOut`),
the locations export and the import's columns read `LOCATION_FIELD_LIST`; the structure pages
and their API answers read `NAMED_FIELD_LIST` (departments and positions share one shape) and
`CATEGORY_FIELD_LIST`. The export reads the records of `filters.locations_for` with
`queries.visible_managers` prefetched, so only the managers the reader may see are written.
"""

from clinicorg.core.fields import API, DETAIL, EXPORT, PAGE, Field, FieldList, yes_no


def _manager_emails(location) -> str:
    return "; ".join(sorted(m.email for m in location.visible_managers))


LOCATION_FIELD_LIST = FieldList(
    Field("id", "Id", API),
    Field("code", "Code", PAGE | API | EXPORT),
    Field("name", "Name", PAGE | API | EXPORT),
    Field("address_line1", "Address", API | EXPORT),
    Field("address_line2", "Address line 2", API | EXPORT),
    Field("city", "City", PAGE | API | EXPORT),  # with the state on the page
    Field("state", "State", API | EXPORT),
    Field("postal_code", "Postal code", API | EXPORT),
    Field("phone", "Phone", API | EXPORT),
    Field("timezone", "Time zone", API | EXPORT),
    Field("status", "Status", PAGE | API | EXPORT),
    Field("npi", "Location NPI", PAGE | API | EXPORT),
    Field("place_of_service", "Place of service", API | EXPORT),
    Field(
        "credentialing_enabled",
        "Credentialing enabled",
        API | EXPORT,
        read=yes_no("credentialing_enabled"),
    ),
    Field("managers", "Managers", DETAIL | EXPORT, read=_manager_emails, header="Manager emails"),
    Field("staff_count", "Staff", PAGE | API),
    Field("payer_enrollments", "Payer enrollments", DETAIL),
)

# Departments and positions: a name and an active flag.
NAMED_FIELD_LIST = FieldList(
    Field("id", "Id", API),
    Field("name", "Name", PAGE | API),
    Field("member_count", "Staff", PAGE | API),
    Field("is_active", "Status", PAGE | API),
)

CATEGORY_FIELD_LIST = FieldList(
    Field("id", "Id", API),
    Field("name", "Name", PAGE | API),
    Field("member_count", "Staff", PAGE | API),
    Field("status", "Status", PAGE | API),
)
