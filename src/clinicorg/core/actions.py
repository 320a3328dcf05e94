"""Creating organizations (the tenants)."""

from django.db import transaction
from django.utils.text import slugify

from . import audit
from .models import Organization
from .writes import validate


def create_organization(name: str, slug: str = "", *, timezone="America/New_York", actor=None):
    """A new organization with its seeded roles. Run by operators (CLI), not by tenants."""
    from clinicorg.access.actions import seed_roles

    org = Organization(name=name.strip(), slug=slug or slugify(name), timezone=timezone)
    validate(org, exclude=["slug"])
    if Organization.objects.filter(slug=org.slug).exists():
        from django.core.exceptions import ValidationError

        raise ValidationError({"slug": "An organization with this slug already exists."})
    with transaction.atomic():
        org.save()
        audit.record(
            "create_organization",
            actor=actor,
            organization_id=org.pk,
            target=org,
            changes={"name": [None, org.name], "slug": [None, org.slug]},
        )
        seed_roles(org, actor=actor)
    return org
