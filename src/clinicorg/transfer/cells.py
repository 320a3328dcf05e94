"""The one rule for cells of the files the product writes (exports, templates, error copies,
the audit log's CSV): a cell a spreadsheet would run as a formula gets a leading apostrophe."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text
