"""Template filters of the audit labels (core.labels): one table for every page."""

from django import template

from clinicorg.core import labels

register = template.Library()


@register.filter
def action_label(action: str) -> str:
    return labels.action_label(action)
