"""The input boundary: what a value from outside must be before it reaches the database.

One check per kind of value, shared by the API's input schemas (api.schemas.Input), every web
form (web.forms.BoundaryMixin) and the list pages' filters (web.views.base.list_filters):

- text holds no control characters other than tab, line feed and carriage return, and no lone
  surrogates (PostgreSQL refuses NUL; no encoder accepts a lone surrogate);
- an integer fits the database's signed 64-bit column;
- an integer given as text is written with ASCII digits ("²" or "١٢" are not numbers here).

Each check answers a sentence for people, or "" when the value is fine.
"""

import re

INT_MIN = -(2**63)
INT_MAX = 2**63 - 1

# C0 controls but tab, LF and CR; DEL; C1 controls; lone surrogates.
_FORBIDDEN_TEXT = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\x7f-\x9f\ud800-\udfff]")
# The same rule for JSON Schema (OpenAPI `pattern`), so generated clients and fuzzers know it.
TEXT_PATTERN = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uD800-\uDFFF]*$"
_ASCII_INT = re.compile(r"[+-]?[0-9]+")

TEXT_MESSAGE = "Contains characters that are not allowed (control characters or invalid Unicode)."
INT_MESSAGE = f"Enter a whole number between {INT_MIN} and {INT_MAX}."
DIGITS_MESSAGE = "Enter a whole number written with the digits 0-9."


def text_problem(value: str) -> str:
    return TEXT_MESSAGE if _FORBIDDEN_TEXT.search(value) else ""


def int_problem(value: int) -> str:
    return "" if INT_MIN <= value <= INT_MAX else INT_MESSAGE


def int_text_problem(value: str) -> str:
    """For a number that arrives as text (a query parameter, a form field)."""
    value = value.strip()
    if not _ASCII_INT.fullmatch(value):
        return DIGITS_MESSAGE
    return int_problem(int(value))


def problem(value) -> str:
    """The first problem of a parsed value, looking inside lists, tuples and dicts."""
    if isinstance(value, bool) or value is None:
        return ""
    if isinstance(value, str):
        return text_problem(value)
    if isinstance(value, int):
        return int_problem(value)
    if isinstance(value, dict):
        items = [*value.keys(), *value.values()]
    elif isinstance(value, (list, tuple, set, frozenset)):
        items = value
    else:
        return ""
    for item in items:
        found = problem(item)
        if found:
            return found
    return ""


def is_int_text(value: str) -> bool:
    """True for text an id filter may turn into an int without a problem."""
    return not int_text_problem(value)
