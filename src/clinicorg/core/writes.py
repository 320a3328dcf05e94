"""Helpers the actions share: validation with field-named errors, race-safe unique saves."""

import functools

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction

from . import audit


def check_unique_ci(queryset, field: str, value: str, message: str, *, exclude_pk=None) -> None:
    """Refuse a value already used (case-insensitively) in `queryset`, naming the field."""
    if not value:
        return
    clash = queryset.filter(**{f"{field}__iexact": value})
    if exclude_pk is not None:
        clash = clash.exclude(pk=exclude_pk)
    if clash.exists():
        raise ValidationError({field: message})


def gather(*checks) -> None:
    """Run every check (a callable raising ValidationError) and raise one ValidationError with
    all their errors, so a form reports every problem at once rather than one per submit.

    A field that already has an error is not checked again by a later check (a blank name is
    not also "taken")."""
    errors: dict[str, list] = {}
    for check in checks:
        try:
            check(set(errors))
        except ValidationError as exc:
            if not hasattr(exc, "error_dict"):
                errors.setdefault("__all__", []).extend(exc.error_list)
                continue
            for field, field_errors in exc.error_dict.items():
                errors.setdefault(field, []).extend(field_errors)
    if errors:
        raise ValidationError(errors)


def validate(instance: models.Model, *, exclude: list[str] | None = None) -> None:
    """Field validation (types, validators, choices); constraints are checked by the action."""
    instance.full_clean(exclude=exclude, validate_unique=False, validate_constraints=False)


def save_unique(instance: models.Model, constraint_errors: dict[str, tuple[str, str]], **kw):
    """Save, turning a unique-constraint race into the same field error a check would give.

    `constraint_errors` maps a constraint name to (field, message).
    """
    try:
        with transaction.atomic():
            instance.save(**kw)
    except IntegrityError as exc:
        text = str(exc)
        for name, (field, message) in constraint_errors.items():
            if name in text:
                raise ValidationError({field: message}) from exc
        # SQLite names the columns, not the constraint.
        if len(constraint_errors) == 1 and "UNIQUE" in text.upper():
            field, message = next(iter(constraint_errors.values()))
            raise ValidationError({field: message}) from exc
        raise


def assign(instance: models.Model, data: dict, fields) -> None:
    for name in fields:
        if name in data:
            setattr(instance, name, data[name])


def record_update(action: str, instance, before: dict, fields, *, actor, **kw) -> dict:
    """Write the audit event of an update if anything changed; return the changes."""
    changes = audit.diff(before, audit.snapshot(instance, list(fields)))
    if changes:
        audit.record(action, actor=actor, target=instance, changes=changes, **kw)
    return changes


@functools.cache
def _plain_defaults(model) -> dict:
    """Each field's constant default, by name and by column name; a status has none (it is
    always recorded)."""
    defaults = {}
    for field in model._meta.concrete_fields:
        if field.name != "status" and field.has_default() and not callable(field.default):
            defaults[field.name] = defaults[field.attname] = field.default
    return defaults


_NO_DEFAULT = object()


def created_value_filter(model):
    """`recorded(name, value)`: whether a creation's audit event records this value. Empty
    values and untouched defaults (capacity 1, a 15-minute step...) are left out. The one
    rule for single writes (`record_create`) and bulk ones (imports), which pass column
    names and plain values."""
    defaults = _plain_defaults(model)

    def recorded(name: str, value) -> bool:
        # A zero is a value (0 == False, so it is not tested with `in` against the empties).
        empty = value is None or value is False or (isinstance(value, (str, list)) and not value)
        return not empty and defaults.get(name, _NO_DEFAULT) != value

    return recorded


def record_create(action: str, instance, fields, *, actor, also: dict | None = None, **kw):
    """Audit a creation with the values given (see `created_value_filter`), plus `also`:
    changes that are not fields of the record (a member's additional locations)."""
    recorded = created_value_filter(type(instance))
    changes = {
        k: [None, v] for k, v in audit.snapshot(instance, list(fields)).items() if recorded(k, v)
    }
    changes.update(also or {})
    return audit.record(action, actor=actor, target=instance, changes=changes, **kw)


def record_delete(action: str, instance, fields, *, actor, **kw):
    """Audit a deletion with the values the record had: {field: [old, None]}."""
    changes = {k: [v, None] for k, v in audit.snapshot(instance, list(fields)).items()}
    return audit.record(action, actor=actor, target=instance, changes=changes, **kw)
