"""Template tags of the reports area: the expiry flag of a license on a provider's profile."""

from django import template

from clinicorg.reports import queries

register = template.Library()


@register.simple_tag(takes_context=True)
def license_flag(context, license_, member):
    """The state of a license of `member` today in the organization's time zone: "expired",
    "expiring" (within the organization's largest reminder window) or ""."""
    if license_.expires_on is None:
        return ""
    cache = context.render_context.setdefault("license_flag", {})
    if "today" not in cache:
        organization = member.organization
        cache["today"] = queries.org_today(organization)
        cache["window"] = queries.reminder_settings(organization).horizon
    return queries.license_state(license_.expires_on, cache["today"], cache["window"])
