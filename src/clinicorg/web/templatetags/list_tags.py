"""Template tags of the list pages: the options of a long filter."""

from html import escape

from django import template
from django.utils.safestring import mark_safe

register = template.Library()


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
