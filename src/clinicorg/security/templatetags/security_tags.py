from django import template

from clinicorg.security.lockout import is_locked
from clinicorg.security.rules import has_any_device

register = template.Library()


@register.simple_tag
def sign_in_locked(member) -> bool:
    return is_locked(member)


@register.simple_tag
def two_factor_on(member) -> bool:
    return has_any_device(member)
