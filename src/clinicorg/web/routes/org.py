"""Routes of the organization pages (structure, settings) and the audit log."""

from django.urls import path

from ..views import audit, org


def _named(key: str, plural: str) -> list:
    """Departments and positions share one set of views, told apart by `kind`."""
    kind = {"kind": key}
    return [
        path(f"organization/{plural}/", org.named_list, kind, name=f"structure_{key}_list"),
        path(f"organization/{plural}/new/", org.named_create, kind, name=f"structure_{key}_create"),
        path(
            f"organization/{plural}/<int:pk>/edit/",
            org.named_edit,
            kind,
            name=f"structure_{key}_edit",
        ),
        path(
            f"organization/{plural}/<int:pk>/status/",
            org.named_status,
            kind,
            name=f"structure_{key}_status",
        ),
        path(
            f"organization/{plural}/<int:pk>/deactivate/",
            org.named_deactivate,
            kind,
            name=f"structure_{key}_deactivate",
        ),
    ]


urlpatterns = [
    *_named("department", "departments"),
    *_named("position", "positions"),
    path("organization/categories/", org.category_list, name="structure_category_list"),
    path("organization/categories/new/", org.category_create, name="structure_category_create"),
    path(
        "organization/categories/<int:pk>/edit/",
        org.category_edit,
        name="structure_category_edit",
    ),
    path(
        "organization/categories/<int:pk>/status/",
        org.category_status,
        name="structure_category_status",
    ),
    path(
        "organization/categories/<int:pk>/delete/",
        org.category_delete,
        name="structure_category_delete",
    ),
    path("organization/settings/", org.org_settings, name="org_settings"),
    path("organization/settings/npis/new/", org.org_npi_add, name="org_settings_npi_add"),
    path(
        "organization/settings/npis/<int:pk>/remove/",
        org.org_npi_remove,
        name="org_settings_npi_remove",
    ),
    path("audit/", audit.audit_list, name="audit_list"),
    path("audit/export.csv", audit.audit_export, name="audit_export"),
    path("audit/<int:pk>/", audit.audit_detail, name="audit_detail"),
]
