"""What the operator commands share: finding the organization a command is given."""

from django.core.management.base import CommandError

from .models import Organization


def organization(slug: str) -> Organization:
    """The organization with this slug, or a CommandError naming the ones there are."""
    found = Organization.objects.filter(slug=(slug or "").strip()).first()
    if found is None:
        slugs = ", ".join(Organization.objects.order_by("slug").values_list("slug", flat=True))
        raise CommandError(
            f"No organization with slug {slug!r}. "
            f"Organizations: {slugs or 'none (run `clinicorg demo`)'}."
        )
    return found
