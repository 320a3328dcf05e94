"""Template tags of the reports area: the expiry flag of a license on a provider's profile,
and the options of a long location filter."""

from html import escape

from django import template
from django.utils.safestring import mark_safe

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


@register.simple_tag
def filter_options(options):
    """`<option>`s of (value, label, selected) tuples, escaped as `escape` does (it is
    `html.escape`), in one pass: a thousand locations cost a template loop with its per-node
    work, or format_html's per-call work, otherwise."""
    return mark_safe(
        "".join(
            f'<option value="{escape(str(value))}"{" selected" if on else ""}>'
            f"{escape(str(label))}</option>"
            for value, label, on in options
        )
    )
