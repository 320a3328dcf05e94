"""The audit log in people's words: one table of labels for the actions, fields, values and
record kinds the audit events store. Pages and emails show these; the event detail and the CSV
export keep the stored names beside them."""

# Every action the product records, as a person says what happened.
ACTION_LABELS = {
    "accept_invitation": "Accepted invitation",
    "add_availability_override": "Added availability override",
    "add_license": "Added license",
    "add_organization_npi": "Added organization NPI",
    "add_payer_enrollment": "Added payer enrollment",
    "add_time_off": "Added time off",
    "appoint_supervisor": "Appointed supervisor",
    "book_appointment": "Booked appointment",
    "cancel_appointment": "Cancelled appointment",
    "change_own_password": "Changed own password",
    "change_staff_email": "Changed sign-in email",
    "change_staff_role": "Changed role",
    "change_staff_status": "Changed status",
    "create_api_token": "Created API token",
    "create_department": "Created department",
    "create_employee_category": "Created employee category",
    "create_location": "Created location",
    "create_organization": "Created organization",
    "create_position": "Created position",
    "create_role": "Created role",
    "create_staff": "Added staff member",
    "create_visit_type": "Created visit type",
    "deactivate_location": "Deactivated location",
    "deactivate_staff": "Deactivated staff member",
    "delete_employee_category": "Deleted employee category",
    "delete_location": "Deleted location",
    "delete_role": "Deleted role",
    "import_commit": "Imported spreadsheet",
    "invite_staff": "Invited staff member",
    "lock_out_sign_in": "Locked out sign-in",
    "purge_import_files": "Deleted old import files",
    "reactivate_location": "Reactivated location",
    "reactivate_staff": "Reactivated staff member",
    "remove_availability_override": "Removed availability override",
    "remove_license": "Removed license",
    "remove_organization_npi": "Removed organization NPI",
    "remove_payer_enrollment": "Removed payer enrollment",
    "remove_supervisor": "Removed supervisor",
    "remove_time_off": "Removed time off",
    "resend_invitation": "Resent invitation",
    "revoke_api_token": "Revoked API token",
    "revoke_invitation": "Revoked invitation",
    "send_license_reminder": "Sent license reminder",
    "set_appointment_status": "Changed appointment status",
    "set_availability": "Changed weekly availability",
    "set_location_access": "Changed location access",
    "set_location_managers": "Changed location managers",
    "set_supervisor": "Changed supervisor",
    "unlock_sign_in": "Unlocked sign-in",
    "update_credentials": "Changed provider credentials",
    "update_department": "Changed department",
    "update_employee_category": "Changed employee category",
    "update_location": "Changed location",
    "update_organization": "Changed organization settings",
    "update_own_profile": "Changed own profile",
    "update_payer_enrollment": "Changed payer enrollment",
    "update_position": "Changed position",
    "update_reminder_settings": "Changed reminder settings",
    "update_role": "Changed role permissions",
    "update_scheduling_settings": "Changed scheduling settings",
    "update_staff": "Changed staff record",
    "update_supervisor": "Changed supervisor",
    "update_visit_type": "Changed visit type",
}

# Field names whose plain reading ("primary_location" → "Primary location") is not enough.
FIELD_LABELS = {
    "is_active": "Active",
    "all_locations": "All locations",
    "npi": "NPI",
    "tax_id": "Tax id",
    "employee_id": "Employee id",
    "payer_id": "Payer id",
    "place_of_service": "Place of service",
    "credentialing_enabled": "Credentialing",
    "timezone": "Time zone",
    "address_line1": "Address line 1",
    "address_line2": "Address line 2",
    "scheduling_step": "Scheduling step (minutes)",
    "bio": "Biography",
    "extra_locations": "Additional locations",
}

# Stored values of status-like fields, as the pages show them.
VALUE_LABELS = {
    "active": "Active",
    "inactive": "Inactive",
    "pending": "Pending",
    "on_leave": "On leave",
    "suspended": "Suspended",
    "deactivated": "Deactivated",
    "terminated": "Terminated",
    "deprecated": "Deprecated",
    "booked": "Booked",
    "cancelled": "Cancelled",
    "completed": "Completed",
    "no_show": "No-show",
}
STATUS_FIELDS = {"status", "enrollment_status"}

# The kinds of records the log stores (model names).
TARGET_TYPE_LABELS = {
    "staffmember": "Staff member",
    "employeecategory": "Employee category",
    "organizationnpi": "Organization NPI",
    "payerenrollment": "Payer enrollment",
    "apitoken": "API token",
    "accessrule": "Access rule",
    "taxonomyassignment": "Taxonomy assignment",
    "importjob": "Import job",
    "visittype": "Visit type",
}


def _plain(name: str) -> str:
    return name.replace("_", " ").strip().capitalize()


def action_label(action: str) -> str:
    return ACTION_LABELS.get(action) or _plain(action)


def field_label(field: str) -> str:
    return FIELD_LABELS.get(field) or _plain(field)


def value_label(field: str, value: str) -> str:
    """A stored value as shown: a status by its name ("On leave"), anything else as it is."""
    if field in STATUS_FIELDS:
        return VALUE_LABELS.get(value, value)
    return value


def target_type_label(value: str) -> str:
    return TARGET_TYPE_LABELS.get(value) or _plain(value)
