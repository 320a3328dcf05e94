"""Template tags of the people area: the provider credentials card shown on a staff profile."""

from django import template

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.staff.bio import render_bio

register = template.Library()


@register.inclusion_tag("web/people/_credentials_card.html", takes_context=True)
def credentials_card(context, member):
    """Everything the card needs from `member` alone (two queries: taxonomies, licenses)."""
    from clinicorg.staff.taxonomy import code_set_loaded, describe_codes

    request = context.get("request")
    user = getattr(request, "user", None)
    assignments = list(member.taxonomies.all())
    licenses = list(member.licenses.all())
    described = describe_codes([a.code for a in assignments])
    return {
        "member": member,
        # Front desk or billing staff without credentials get a one-line card, not a page of
        # dashes; anyone with credentials, or in a clinical role, gets the whole card.
        "show_all": bool(member.npi or member.bio or assignments or licenses)
        or bool(member.role and member.role.is_clinical),
        "taxonomies": [
            {"code": a.code, "is_primary": a.is_primary, "entry": described.get(a.code)}
            for a in assignments
        ],
        "licenses": licenses,
        "code_set_loaded": bool(assignments)
        and len(described) < len(assignments)
        and code_set_loaded(),
        "bio_html": render_bio(member.bio),
        "can_edit": bool(
            user is not None
            and user.is_authenticated
            and policy.can(user, P.MANAGE_STAFF, member.primary_location)
        ),
    }


@register.filter
def bio_html(text):
    return render_bio(text)
