"""Template tags of the access area: the access panel on a member's profile, and permission
names that wrap between their parts."""

import re

from django import template
from django.utils.html import escape
from django.utils.safestring import mark_safe

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.directory.models import Location

register = template.Library()


@register.filter
def breakable(name: str) -> str:
    """`name` (a permission such as calendar.view_appointments) allowed to wrap after each dot
    and underscore, never inside a word, where its column is narrow."""
    return mark_safe(re.sub(r"([._])", r"\1<wbr>", escape(name)))


def access_panel_context(viewer, member) -> dict:
    """What the profile shows of a member's role, access rules and effective access.

    Only locations the viewer can access are listed, so a location-scoped administrator learns
    nothing about the others. Effective access comes from `policy.effective_access`, the same
    `explain()` that guards every page and endpoint.
    """
    locations = list(
        policy.location_scope(Location.objects.all(), viewer).order_by("-status", "name")
    )
    granted = set(member.extra_locations.values_list("id", flat=True))
    rows = policy.effective_access(member, locations)
    for row in rows:
        loc = row["location"]
        row["is_primary"] = loc.pk == member.primary_location_id
        row["granted"] = member.all_locations or row["is_primary"] or loc.pk in granted
    rows.sort(key=lambda r: (not r["is_primary"], not r["granted"], not r["count"]))
    primary = member.primary_location
    return {
        "member": member,
        "rows": rows,
        "all_locations": member.all_locations,
        "member_active": member.is_active,
        "can_edit": policy.can(viewer, P.MANAGE_STAFF, primary),
        "can_view_roles": policy.can(viewer, P.MANAGE_ROLES),
    }


@register.inclusion_tag("web/access/_panel.html", takes_context=True)
def access_panel(context, member):
    request = context.get("request")
    viewer = getattr(request, "user", None) or context.get("user")
    return access_panel_context(viewer, member)
