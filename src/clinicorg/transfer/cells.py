"""The one rule for cells of the files the product writes (exports, templates, error copies,
the audit log's CSV): a cell a spreadsheet would run as a formula gets a leading apostrophe,
and an import takes it off again so that an exported file imports back unchanged."""

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def neutralize(value) -> str:
    text = "" if value is None else str(value)
    if text.startswith(FORMULA_STARTS):
        return "'" + text
    return text


def unneutralize(value: str) -> str:
    """Undo `neutralize` on a cell read back from a file."""
    if value[:1] == "'" and value[1:].startswith(FORMULA_STARTS):
        return value[1:]
    return value
