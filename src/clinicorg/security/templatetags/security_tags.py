from django import template

from clinicorg.security.lockout import is_locked

register = template.Library()


@register.simple_tag
def sign_in_locked(member) -> bool:
    return is_locked(member)
