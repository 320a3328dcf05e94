"""The base of the domain field lists: one declaration of a model's readable fields.

A field list names each field once: its key (the API's property, the export's column key), its
label in people's words (the list page's column header), the front ends that show it, and, for
the export, how its value is read from a record. The front ends derive from it:
- the export writes its header and every row from the fields it shows (transfer.exports), and
  the import's columns take their headers from the same fields (transfer.columns);
- a list page takes its column headers from it (`fields.<key>.label` in the template);
- the API's output schemas are typed pydantic classes held to it by a test
  (tests/staff/test_fields.py, tests/directory/test_fields.py), which fail when either side
  has a field the other lacks.
"""

import enum
from collections.abc import Callable
from dataclasses import dataclass
from operator import attrgetter


class FrontEnd(enum.Flag):
    PAGE = enum.auto()  # a column of the list page
    API = enum.auto()  # a property of the API's list items (and of each record's answer)
    DETAIL = enum.auto()  # a property of the API's answer for one record only
    EXPORT = enum.auto()  # a column of the export file (CSV, XLSX)


PAGE, API, DETAIL, EXPORT = FrontEnd.PAGE, FrontEnd.API, FrontEnd.DETAIL, FrontEnd.EXPORT


@dataclass(frozen=True)
class Field:
    """One readable field.

    `read` gives the value an export writes (a related record by the key an import reads back:
    a code, an email); a dotted attribute path or a function of the record, the field's own
    attribute by default. `header` is the export's column header when it differs from the
    label because the file holds such a key ("Primary location code").
    """

    key: str
    label: str
    shown: FrontEnd
    read: Callable[[object], object] | str | None = None
    header: str = ""

    def __post_init__(self):
        if EXPORT in self.shown:
            read = self.read or self.key
            object.__setattr__(self, "read", attrgetter(read) if isinstance(read, str) else read)
        elif self.read is not None:
            raise ValueError(f"{self.key}: only an exported field is read for the export.")
        object.__setattr__(self, "header", self.header or self.label)


class FieldList:
    """A model's field list, in the export's column order. `fields["email"]` is one field,
    which is how a template reads a label: `{{ fields.email.label }}`."""

    def __init__(self, *fields: Field):
        self.fields = fields
        self.by_key = {f.key: f for f in fields}
        if len(self.by_key) != len(fields):
            raise ValueError("Two fields share a key.")

    def __getitem__(self, key: str) -> Field:
        return self.by_key[key]

    def __iter__(self):
        return iter(self.fields)

    def shown_in(self, front_end: FrontEnd) -> tuple[Field, ...]:
        return tuple(f for f in self.fields if front_end & f.shown)

    def keys(self, front_end: FrontEnd) -> set[str]:
        return {f.key for f in self.shown_in(front_end)}


def name_of(relation: str) -> Callable[[object], str]:
    """The name of an optional related record, empty without one (no query: the foreign key's
    id is read first)."""
    id_attr = f"{relation}_id"

    def read(obj) -> str:
        return getattr(obj, relation).name if getattr(obj, id_attr) is not None else ""

    return read


def yes_no(attr: str) -> Callable[[object], str]:
    """A flag as the files write it (and imports read it): yes or no."""
    get = attrgetter(attr)
    return lambda obj: "yes" if get(obj) else "no"


def iso_date(attr: str) -> Callable[[object], str]:
    get = attrgetter(attr)

    def read(obj) -> str:
        value = get(obj)
        return value.isoformat() if value else ""

    return read
