"""Template helpers of the import/export area (used by list pages of other areas)."""

from django import template

from clinicorg.access import policy
from clinicorg.access.catalogue import P

register = template.Library()


@register.filter
def can_import_export(user) -> bool:
    """Whether the Upload and Export buttons lead anywhere for this user."""
    return bool(user and user.is_authenticated and policy.can(user, P.IMPORT_EXPORT))
