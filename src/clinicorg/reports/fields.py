"""THE license expiry fields: one declaration of what every front end shows of a license on
the expiry list (see core.fields).

The License expiry page's columns, the API's list (`ExpiringLicenseOut`) and the license
export read `LICENSE_FIELD_LIST`. Each license is read after `queries.expiry`, which gives it
its `days_left` and its `expiry` ("expired" or "expiring") as of the organization's today.
"""

from clinicorg.core.fields import API, EXPORT, PAGE, Field, FieldList, iso_date

LICENSE_FIELD_LIST = FieldList(
    Field("id", "Id", API),
    Field("staff", "Provider", PAGE | API | EXPORT, read="staff.full_name"),
    # Under the provider's name on the page; the API gives it as the holder's `email`.
    Field("email", "Email", EXPORT, read="staff.email"),
    Field("location", "Location", PAGE | API | EXPORT, read="staff.primary_location.name"),
    Field("license", "License", PAGE),  # state and number on the page
    Field("state", "State", API | EXPORT),
    Field("number", "License number", API | EXPORT),
    Field("expires_on", "Expires on", PAGE | API | EXPORT, read=iso_date("expires_on")),
    Field("days_left", "Days left", PAGE | API | EXPORT),
    Field("status", "Status", API | EXPORT, read="expiry"),
)
