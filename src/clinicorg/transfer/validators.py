"""Set-based validation of whole files: every row, every error, one query per lookup table.

The rules are the single-record ones: each cell goes through the model field's own `clean`
(types, lengths, validators, choices - the same calls `full_clean` makes for a form or the API),
references follow `staff.actions.records.reference_error`, and uniqueness uses the messages of
`STAFF_CONSTRAINTS` / the location constraints. What differs is only how the data is fetched:
lookup tables are read once, not per row.

The result is a `Plan`: the rows to create and to update, already resolved to column values,
the number unchanged, and the errors as (row, column, message).
"""

import re
from dataclasses import dataclass, field
from datetime import date
from itertools import zip_longest

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator, MaxLengthValidator, RegexValidator
from django.db import connection
from django.db.models import CharField
from django.db.models.functions import Lower

from clinicorg.access import policy
from clinicorg.access.catalogue import P
from clinicorg.access.models import Role
from clinicorg.core import audit
from clinicorg.directory.actions import _LOCATION_CONSTRAINTS, LOCATION_AUDIT_FIELDS
from clinicorg.directory.models import (
    ActiveStatus,
    Department,
    EmployeeCategory,
    Location,
    Position,
)
from clinicorg.staff import rules, taxonomy
from clinicorg.staff.actions.records import normalize_email
from clinicorg.staff.models import StaffMember, Status, Supervisor, TaxonomyAssignment
from clinicorg.staff.rules import EMAIL_TAKEN, reference_error

from .cells import unneutralize
from .columns import COLUMNS, column_letter, header_index, normalize_header
from .dates import parse_date_text
from .readers import Table

CHUNK = 5000
YES = frozenset({"yes", "y", "true", "1", "x"})
NO = frozenset({"no", "n", "false", "0", ""})
_SPLIT = re.compile(r"[;,\n]")


@dataclass
class RowError:
    row: int
    column: str
    message: str

    def __str__(self) -> str:
        where = f"row {self.row}, column {self.column}" if self.column else f"row {self.row}"
        return f"{where}: {self.message}"

    def as_dict(self) -> dict:
        return {"row": self.row, "column": self.column, "message": self.message}


@dataclass
class Plan:
    kind: str
    mode: str
    total_rows: int = 0
    creates: list = field(default_factory=list)
    updates: list = field(default_factory=list)
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    file_message: str = ""

    @property
    def invitations(self) -> int:
        if isinstance(self.creates, CountedRows):
            return self.creates.invites
        return sum(1 for c in self.creates if c.get("invite"))

    @property
    def error_rows(self) -> int:
        return len({e.row for e in self.errors})

    @property
    def valid(self) -> bool:
        return not self.errors and not self.file_message

    def error(self, row: int, column: str, message: str) -> None:
        self.errors.append(RowError(row, column, message))


def _first_message(exc: ValidationError) -> str:
    return exc.messages[0] if exc.messages else "Invalid value."


def map_headers(kind: str, table: Table, plan: Plan) -> dict[str, int] | None:
    """Column key -> index, or None after reporting unknown, duplicate and missing columns."""
    accepted = header_index(kind)
    found: dict[str, int] = {}
    for i, header in enumerate(table.headers):
        norm = normalize_header(header)
        letter = column_letter(i)
        if not norm:
            if any(i < len(cells) and cells[i].strip() for _n, cells in table.head):
                plan.error(1, letter, f"Column {letter} has values but no header.")
            continue
        col = accepted.get(norm)
        if col is None:
            plan.error(1, letter, f"Unknown column “{header.strip()}”.")
        elif col.key in found:
            plan.error(1, letter, f"Column “{col.label}” appears twice.")
        else:
            found[col.key] = i
    for col in COLUMNS[kind]:
        if col.required and col.key not in found:
            plan.error(1, col.label, f"Missing required column “{col.label}”.")
    if plan.errors:
        expected = ", ".join(c.label for c in COLUMNS[kind])
        plan.file_message = (
            f"The header row does not match the template. Expected columns: {expected}."
        )
        return None
    return found


def parse_yes_no(value: str) -> bool | None:
    v = value.strip().lower()
    if v in YES:
        return True
    if v in NO:
        return False
    return None


# A strict subset of what Django's EmailValidator accepts (plain dot-atom local part, ASCII
# host names): a match is certainly valid; anything else goes through the validator itself.
# Host labels here cannot start or end with "-"; the length test below keeps each under 64.
_PLAIN_EMAIL = re.compile(
    r"^[A-Za-z0-9_+-]++(?:\.[A-Za-z0-9_+-]++)*+@[a-z0-9]++(?:[.-][a-z0-9]++)*\.[a-z]{2,63}$"
)


def _fast_check(validator):
    """A cheap test that implies `validator` passes, or None when there is none."""
    if isinstance(validator, MaxLengthValidator):
        limit = validator.limit_value
        return lambda v: len(v) <= limit
    if isinstance(validator, EmailValidator):
        return lambda v: (
            len(v) <= 254 and len(v) - v.find("@") <= 64 and _PLAIN_EMAIL.match(v) is not None
        )
    if type(validator) is RegexValidator and not validator.inverse_match:
        # The validator's own pattern, compiled here: its lazy wrapper costs more than the match.
        regex = re.compile(validator.regex.pattern, validator.regex.flags)
        return lambda v: regex.search(v) is not None
    return None


class FieldCleaner:
    """A model field's own `clean` (the rules `full_clean` applies), made cheap per row.

    For text fields whose validators all have a cheap sufficient test (length, a regex, a
    plain email address), a value passing those tests is accepted without the full call;
    any other value - and every value of other fields - goes through `field.clean`, which
    gives the exact message. Low-cardinality columns are memoized.
    """

    def __init__(self, model, name: str, *, memo: bool = False):
        self.field = field = model._meta.get_field(name)
        self.memo: dict | None = {} if memo else None
        self.fast = None
        # The length every value up to which passes, when a length is all the field checks.
        self.max_length: int | None = None
        if isinstance(field, CharField) and not field.choices:
            checks = [_fast_check(v) for v in field.validators]
            if all(c is not None for c in checks):
                self.fast = checks
            if field.validators and all(type(v) is MaxLengthValidator for v in field.validators):
                self.max_length = min(v.limit_value for v in field.validators)
        self.empty = self._clean("")

    def _clean(self, value):
        if value == "" and self.field.null and self.field.blank:
            return None, None
        try:
            return self.field.clean(value, None), None
        except ValidationError as exc:
            return None, _first_message(exc)

    def __call__(self, value):
        if not value:
            return self.empty
        fast = self.fast
        if fast is not None:
            for check in fast:
                if not check(value):
                    break
            else:
                return value, None
        memo = self.memo
        if memo is not None and value in memo:
            return memo[value]
        result = self._clean(value)
        if memo is not None and len(memo) < 10_000:
            memo[value] = result
        return result

    def column(self, values: list[str]) -> tuple[list, dict[int, str]]:
        """Each value of a column as `__call__` cleans it, and {index: message} of those
        refused. A column whose longest value fits a length-only field is taken as it is, in
        one pass over the lengths."""
        empty_value, empty_message = self.empty
        if self.max_length is not None and max(map(len, values), default=0) <= self.max_length:
            if empty_message is not None:
                return values, {i: empty_message for i, v in enumerate(values) if not v}
            if empty_value == "":
                return values, {}
            return [v if v else empty_value for v in values], {}
        cleaned, errors = [], {}
        for i, value in enumerate(values):
            value, message = self(value)
            cleaned.append(value)
            if message is not None:
                errors[i] = message
        return cleaned, errors


def _chunks(seq, size=CHUNK):
    seq = list(seq)
    for start in range(0, len(seq), size):
        yield seq[start : start + size]


# --- staff -----------------------------------------------------------------------------------

STAFF_TEXT_FIELDS = ("first_name", "last_name", "display_name", "employee_id", "phone", "npi")
STAFF_REF_FIELDS = ("primary_location", "role", "department", "position", "category")
# Audit snapshot order (as records.STAFF_AUDIT_FIELDS).
STAFF_VALUE_FIELDS = (
    "email",
    "first_name",
    "last_name",
    "display_name",
    "primary_location_id",
    "role_id",
    "department_id",
    "position_id",
    "category_id",
    "supervisor_id",
    "employee_id",
    "phone",
    "hire_date",
    "npi",
    "capacity",
    "scheduling_step",
)


@dataclass
class Ref:
    id: int
    name: str
    active: bool
    organization_id: int

    @property
    def is_active(self) -> bool:
        return self.active


class StaffLookups:
    """The organization's reference data, read once."""

    def __init__(self, org_id: int):
        self.org_id = org_id
        self.locations: dict[str, Ref] = {}
        self.location_by_id: dict[int, Ref] = {}
        for pk, code, name, status in Location.objects.filter(organization_id=org_id).values_list(
            "id", "code", "name", "status"
        ):
            ref = Ref(pk, name, status == ActiveStatus.ACTIVE, org_id)
            ref.code = code
            self.locations[code.lower()] = ref
            self.location_by_id[pk] = ref
        self.roles: dict[str, Ref] = {}
        self.role_by_id: dict[int, Ref] = {}
        self.admin_role_ids: set[int] = set()
        self.role_objects = {r.pk: r for r in Role.objects.filter(organization_id=org_id)}
        for role in self.role_objects.values():
            pk, name, key = role.pk, role.name, role.key
            ref = Ref(pk, name, True, org_id)
            self.roles[name.lower()] = ref
            if key:
                self.roles.setdefault(key.lower(), ref)
                self.roles.setdefault(key.replace("_", " ").lower(), ref)
                if key == "administrator":
                    self.admin_role_ids.add(pk)
            self.role_by_id[pk] = ref
        self.named: dict[str, dict[str, Ref]] = {}
        self.named_by_id: dict[str, dict[int, Ref]] = {}
        for fname, qs, active in (
            ("department", Department.objects.values_list("id", "name", "is_active"), None),
            ("position", Position.objects.values_list("id", "name", "is_active"), None),
            ("category", EmployeeCategory.objects.values_list("id", "name", "status"), "active"),
        ):
            by_name, by_id = {}, {}
            for pk, name, flag in qs.filter(organization_id=org_id):
                ref = Ref(pk, name, flag == active if active else bool(flag), org_id)
                by_name[name.lower()] = ref
                by_id[pk] = ref
            self.named[fname] = by_name
            self.named_by_id[fname] = by_id
        self.supervisors: dict[str, tuple[int, str]] = {}
        # A supervisor's name in the audit log belongs to their primary location.
        self.supervisor_by_id: dict[int, audit.Label] = {}
        for staff_id, email, first, last, location_id in Supervisor.objects.filter(
            organization_id=org_id
        ).values_list(
            "staff_id",
            "staff__email",
            "staff__first_name",
            "staff__last_name",
            "staff__primary_location_id",
        ):
            label = f"{first} {last}".strip() or email
            self.supervisors[email.lower()] = (staff_id, label)
            self.supervisor_by_id[staff_id] = audit.Label(label, location_id)
        self._taxonomy: dict[str, str] | None = None

    def taxonomy_codes(self) -> dict[str, str]:
        """The loaded NUCC code set, {code: version that retired it or ""}; empty if none."""
        if self._taxonomy is None:
            self._taxonomy = taxonomy.code_set()
        return self._taxonomy

    def role_names(self) -> str:
        return ", ".join(sorted({r.name for r in self.roles.values()}))


def _date_order(org_id: int) -> str:
    """How the organization writes dates whose day and month could be swapped."""
    from clinicorg.core.models import Organization

    return Organization.objects.values_list("date_order", flat=True).get(pk=org_id)


# What the preview reads of existing members: their key, status and every imported value.
_EXISTING_FIELDS = ("id", "organization_id", "status", "all_locations", *STAFF_VALUE_FIELDS)


def _existing_by_email(emails) -> dict[str, dict]:
    """Members of the whole installation with these (lower-cased) emails, in a few queries."""
    out: dict[str, dict] = {}
    meta = StaffMember._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(meta.get_field(f).column) for f in _EXISTING_FIELDS)
    table = quote(meta.db_table)
    hire_date = meta.get_field("hire_date")
    # Raw SQL: the ORM's per-parameter work dominates a 5,000-value IN list; the expression
    # matches the unique index on LOWER(email).
    postgres = connection.vendor == "postgresql"
    with connection.cursor() as cur:
        for chunk in _chunks(emails, 20_000 if postgres else CHUNK):
            if postgres:
                # One array parameter: psycopg would parse 20,000 placeholders otherwise.
                where, params = f"LOWER({quote('email')}) = ANY(%s)", [chunk]
            else:
                where = f"LOWER({quote('email')}) IN ({', '.join(['%s'] * len(chunk))})"
                params = chunk
            cur.execute(f"SELECT {columns} FROM {table} WHERE {where}", params)
            for values in cur.fetchall():
                row = dict(zip(_EXISTING_FIELDS, values, strict=True))
                if isinstance(row["hire_date"], str):
                    row["hire_date"] = hire_date.to_python(row["hire_date"])
                out[row["email"].lower()] = row
    return out


_FK_ATTNAMES = frozenset(
    (
        "primary_location_id",
        "role_id",
        "department_id",
        "position_id",
        "category_id",
        "supervisor_id",
    )
)


def audit_renderer(lookups: StaffLookups):
    """The audit log's rendering of imported values, as core.audit.snapshot renders the
    same fields of a single write: `render(attname, value) -> (field name, value)`, and
    `render.locations(ids)` for a set of additional locations. Foreign keys read by their
    display name (a location's keeps its id, for redaction), dates as ISO text. One function
    for the create events, the update events and the preview; its label tables are built
    once per plan."""
    labels = {
        "primary_location_id": {
            k: audit.Label(r.name, k) for k, r in lookups.location_by_id.items()
        },
        "role_id": {k: r.name for k, r in lookups.role_by_id.items()},
        "supervisor_id": lookups.supervisor_by_id,
        **{
            f"{f}_id": {k: r.name for k, r in lookups.named_by_id[f].items()}
            for f in ("department", "position", "category")
        },
    }

    def render(attname: str, value):
        table = labels.get(attname)
        if table is not None:
            return attname[:-3], None if value is None else table.get(value, str(value))
        if type(value) is date:
            return attname, value.isoformat()
        return attname, value

    location_by_id = lookups.location_by_id

    def locations(ids) -> list:
        return audit.location_codes((i, location_by_id[i].code) for i in ids)

    render.locations = locations
    return render


def audit_name(attname: str) -> str:
    """The audit log names fields as the models do (`role`, not `role_id`)."""
    return attname[:-3] if attname in _FK_ATTNAMES else attname


def _columns(rows: list, cols: dict[str, int]) -> dict[str, list[str]]:
    """Each mapped column as a list of stripped cell texts, one per data row (a short row's
    missing cells read as empty)."""
    by_column = list(zip_longest(*(cells for _n, cells in rows), fillvalue=""))
    out = {}
    for key, idx in cols.items():
        values = list(map(str.strip, by_column[idx])) if idx < len(by_column) else [""] * len(rows)
        if "\x00'" in "\x00" + "\x00".join(values):
            for j in [j for j, v in enumerate(values) if v[:1] == "'"]:
                values[j] = unneutralize(values[j])
        out[key] = values
    return out


def _per_text(column: list[str], decide) -> dict:
    """{text: decide(text)} for each distinct text of a column."""
    return {text: decide(text) for text in set(column)}


class _RefMemo:
    """(id, message) for a value referring to a record by code or name, computed once per
    distinct text. `refs` maps the lowercased text to the record; `not_found(text)` says
    what is wrong when none matches."""

    def __init__(self, refs: dict, not_found):
        self.refs = refs
        self.not_found = not_found
        self.memo: dict = {}

    def __call__(self, text):
        try:
            return self.memo[text]
        except KeyError:
            result = self.memo[text] = self.resolve(text)
            return result

    def resolve(self, text):
        if not text:
            return None, "This field cannot be blank."
        ref = self.refs.get(text.lower())
        if ref is None:
            return None, self.not_found(text)
        return ref.id, None


class CountedRows(list):
    """The rows to create of a plan that is only checked, not written: counted, not kept (but
    for the first few, the preview's sample), so that checking a file takes memory for its keys
    only."""

    SAMPLE = 100

    def __init__(self):
        super().__init__()
        self.n = self.invites = 0
        self.sample = []

    def append(self, item) -> None:
        if self.n < self.SAMPLE:
            self.sample.append(item)
        self.n += 1
        self.invites += bool(item["invite"]) if "invite" in item else 0

    def __len__(self) -> int:
        return self.n


def _start(kind: str, table: Table, mode: str, keep_rows: bool = True):
    """The plan of an import, its column map (None when the headers are refused), the column
    labels, and whether it updates existing records."""
    from .models import Mode

    plan = Plan(kind=kind, mode=mode, total_rows=len(table.head))
    if not keep_rows:
        plan.creates = CountedRows()
    labels = {c.key: c.label for c in COLUMNS[kind]}
    return plan, map_headers(kind, table, plan), labels, mode == Mode.UPDATE


def _unique_in_file(
    value: str, row: int, own_id, taken: dict, seen: dict, taken_message: str, what: str
) -> str | None:
    """Why a row may not hold `value` (another member has it, or an earlier row), or None.

    The first row that may hold it is remembered in `seen`.
    """
    message = rules.unique_error(value, own_id, taken, taken_message)
    if message:
        return message
    if value in seen:
        return f"This {what} appears more than once in the file (row {seen[value]})."
    seen[value] = row
    return None


class _Scope:
    """What the acting person may see and do, read once for a whole staff file.

    Every decision is the policy's own (`explain`, `explain_grant`, `explain_member_access`),
    memoized per location, per role and per shape of a member's access; the planner only
    preloads the data those functions look at.
    """

    def __init__(self, actor, lookups: StaffLookups, *, updating: bool):
        self.actor = actor
        self.lookups = lookups
        self.org_id = actor.organization_id
        self.updating = updating
        visible_locations = set(Location.objects.visible_to(actor).values_list("id", flat=True))
        self.locations = {
            code: ref for code, ref in lookups.locations.items() if ref.id in visible_locations
        }
        self.visible_ids: set[int] = set()
        self.extra_of: dict[int, set[int]] = {}
        from clinicorg.staff.actions.records import appointed_supervisors

        self.appointed_ids = set(
            appointed_supervisors(actor, self.org_id).values_list("id", flat=True)
        )
        self._memo: dict = {}

    def see(self, existing: dict) -> list[int]:
        """Read what the decisions need about these existing members (one batch of the file's
        rows); returns the ids of those the actor may see."""
        ours = [r["id"] for r in existing.values() if r["organization_id"] == self.org_id]
        if not (self.updating and ours):
            return []
        visible: set[int] = set()
        for chunk in _chunks(ours):
            visible.update(
                StaffMember.objects.visible_to(self.actor)
                .filter(id__in=chunk)
                .values_list("id", flat=True)
            )
        self.visible_ids |= visible
        through = StaffMember.extra_locations.through
        for chunk in _chunks(sorted(visible)):
            for sid, lid in through.objects.filter(staffmember_id__in=chunk).values_list(
                "staffmember_id", "location_id"
            ):
                self.extra_of.setdefault(sid, set()).add(lid)
        return sorted(visible)

    def _location(self, loc_id: int) -> Location:
        ref = self.lookups.location_by_id[loc_id]
        loc = Location(id=loc_id, organization_id=self.org_id, name=ref.name)
        loc.status = ActiveStatus.ACTIVE if ref.active else ActiveStatus.INACTIVE
        return loc

    def _memoized(self, key, decide) -> str | None:
        try:
            return self._memo[key]
        except KeyError:
            decision = decide()
            message = self._memo[key] = None if decision.allowed else decision.message
            return message

    def may_see(self, found: dict) -> bool:
        return found["id"] in self.visible_ids

    def location_denial(self, loc_id: int) -> str | None:
        return self._memoized(
            ("location", loc_id),
            lambda: policy.explain(self.actor, P.MANAGE_STAFF, self._location(loc_id)),
        )

    def grant_denial(self, role_id: int) -> str | None:
        role = self.lookups.role_objects[role_id]
        return self._memoized(
            ("role", role_id),
            lambda: policy.explain_grant(self.actor, permissions=role.permission_set),
        )

    def extra_location_denial(self, loc_id: int) -> str | None:
        return self._memoized(
            ("grant_location", loc_id),
            lambda: policy.explain_grant(self.actor, locations=[self._location(loc_id)]),
        )

    def member_denial(self, current: dict) -> str | None:
        by_id = self.lookups.location_by_id
        ids = {current["primary_location_id"], *self.extra_of.get(current["id"], ())}
        active = frozenset(i for i in ids if by_id[i].active)
        key = ("member", current["primary_location_id"], current["all_locations"], active)
        key += (current["role_id"],)
        return self._memoized(
            key,
            lambda: policy.explain_member_access(
                self.actor,
                P.MANAGE_STAFF,
                label="This member",
                primary_location=self._location(current["primary_location_id"]),
                all_locations=current["all_locations"],
                location_ids=active,
                role=self.lookups.role_objects[current["role_id"]],
            ),
        )

    def supervisor_chain(self) -> dict[int, int]:
        """{member id: supervisor id} of the organization, for the reporting-loop rule."""
        return dict(
            StaffMember.objects.filter(organization_id=self.org_id, supervisor__isnull=False)
            .values_list("id", "supervisor_id")
            .iterator(chunk_size=CHUNK)
        )

    def taxonomy_held(self, ids) -> dict[int, list[str]]:
        held: dict[int, list[str]] = {}
        for chunk in _chunks(ids):
            for sid, code in TaxonomyAssignment.objects.filter(staff_id__in=chunk).values_list(
                "staff_id", "code"
            ):
                held.setdefault(sid, []).append(code)
        return held


def validate_staff(
    table: Table, *, actor, mode: str, on_progress=None, keep_rows: bool = True
) -> Plan:
    plan, cols, labels, updating = _start("staff", table, mode, keep_rows)
    if cols is None:
        return plan
    org_id = actor.organization_id
    lookups = StaffLookups(org_id)
    required = {c.key for c in COLUMNS["staff"] if c.required}
    date_order = _date_order(org_id)
    # Who the actor may see: members and locations outside their scope read as unknown, so a
    # file learns nothing about them (an outside member's email is "taken", as another
    # organization's is; an outside location's code is "no location").
    scope = _Scope(actor, lookups, updating=updating)
    taken_ids: dict[str, int] = {}
    taken_npis: dict[str, int] = {}
    with connection.cursor() as cur:
        # Raw rows: the organization may have 100,000 members; the ORM's per-row cost shows.
        cur.execute(
            f"SELECT id, employee_id, npi FROM {StaffMember._meta.db_table} "
            "WHERE organization_id = %s AND (employee_id <> '' OR npi <> '')",
            [org_id],
        )
        taken = cur.fetchall()
    for pk, emp, npi in taken:
        if emp:
            taken_ids[emp] = pk
        if npi:
            taken_npis[npi] = pk
    existing_admins = set(
        StaffMember.objects.filter(
            organization_id=org_id, status=Status.ACTIVE, role_id__in=lookups.admin_role_ids
        ).values_list("id", flat=True)
    )

    clean = {name: FieldCleaner(StaffMember, name) for name in STAFF_TEXT_FIELDS}
    clean_email = FieldCleaner(StaffMember, "email")
    clean_date = FieldCleaner(StaffMember, "hire_date", memo=True)
    clean_int = {
        name: FieldCleaner(StaffMember, name, memo=True) for name in ("capacity", "scheduling_step")
    }
    defaults = {
        "capacity": StaffMember._meta.get_field("capacity").get_default(),
        "scheduling_step": StaffMember._meta.get_field("scheduling_step").get_default(),
    }
    location_denial, grant_denial, member_denial = (
        scope.location_denial,
        scope.grant_denial,
        scope.member_denial,
    )
    ref_location = _RefMemo(scope.locations, lambda code: f"No location with code “{code}”.")
    ref_role = _RefMemo(
        lookups.roles, lambda name: f"No role named “{name}”. Roles: {lookups.role_names()}."
    )
    ref_named = {
        f: _RefMemo(lookups.named[f], lambda text, f=f: f"No {f} named “{text}”.")
        for f in ("department", "position", "category")
    }
    named_by_id = lookups.named_by_id

    decided: dict = {}

    def rule(field, ref_id, by_id, is_change):
        """The single-record rule for a reference (staff.rules.reference_error), decided once
        per record and kind of change."""
        key = (field, ref_id, is_change)
        try:
            return decided[key]
        except KeyError:
            msg = decided[key] = reference_error(field, by_id[ref_id], org_id, changing=is_change)
            return msg

    dates: dict[str, tuple] = {}

    def hire_date(raw):
        """(date, None) or (None, message) for a hire date cell, decided once per text."""
        try:
            return dates[raw]
        except KeyError:
            pass
        text, msg = parse_date_text(raw, date_order)
        result = (None, msg) if msg else clean_date(text)
        if len(dates) < 100_000:
            dates[raw] = result
        return result

    supervisor_of = scope.supervisor_chain() if "supervisor" in cols and updating else {}
    seen_emails: dict[str, int] = {}
    unique_cols = [
        ("employee_id", taken_ids, {}, rules.EMPLOYEE_ID_TAKEN, "employee id"),
        ("npi", taken_npis, {}, rules.NPI_TAKEN, "NPI"),
    ]
    demoted: list[tuple[int, int]] = []
    err = plan.error
    location_by_id = lookups.location_by_id

    # The file is read a batch of rows at a time; what must hold across the whole file
    # (uniqueness, the last administrator) is kept in compact per-row state above.
    for batch in table.batches():
        if on_progress is not None:
            on_progress(table.fraction())
        data = _columns(batch, cols)
        for key in [k for k, values in data.items() if k not in required and not any(values)]:
            # An empty column means the same as an absent one (defaults; unchanged on update).
            del data[key]
        n_rows = len(batch)
        blank = [""] * n_rows
        numbers = [n for n, _c in batch]

        def col(key, data=data, blank=blank):
            return data.get(key, blank)

        emails_in = [normalize_email(e) for e in col("email")]
        existing = _existing_by_email({e.lower() for e in emails_in if e})
        visible_ids = scope.see(existing)
        held_codes = scope.taxonomy_held(visible_ids) if "taxonomies" in data and updating else {}
        text_cols = [
            (name, col(name), *clean[name].column(col(name)))
            for name in STAFF_TEXT_FIELDS
            if name in data
        ]
        c_location, c_role = col("primary_location"), col("role")
        # Codes, names and numbers repeat down a column: each distinct text is decided once
        # per batch, then looked up per row.
        location_of, role_of = _per_text(c_location, ref_location), _per_text(c_role, ref_role)
        named_cols = [
            (f, col(f), _per_text(col(f), ref_named[f]))
            for f in ("department", "position", "category")
            if f in data
        ]
        c_date = col("hire_date") if "hire_date" in data else None
        int_cols = [
            (name, col(name), _per_text(col(name), clean_int[name]))
            for name in ("capacity", "scheduling_step")
        ]
        c_supervisor = col("supervisor") if "supervisor" in data else None
        c_extra = col("extra_locations") if "extra_locations" in data else None
        c_tax = col("taxonomies") if "taxonomies" in data else None
        c_status = col("status") if "status" in data else None
        c_invite = col("send_invitation") if "send_invitation" in data else None
        for i in range(n_rows):
            row = numbers[i]
            n_errors = len(plan.errors)
            values: dict = {}
            email, msg = clean_email(emails_in[i])
            current = None
            if msg:
                err(row, labels["email"], msg)
            else:
                key = email.lower()
                first = seen_emails.get(key)
                if first is not None:
                    err(
                        row,
                        labels["email"],
                        f"This email appears more than once in the file (row {first}).",
                    )
                else:
                    seen_emails[key] = row
                found = existing.get(key)
                if found is not None:
                    if not (updating and scope.may_see(found)):
                        err(row, labels["email"], EMAIL_TAKEN)
                    else:
                        current = found
                values["email"] = email if current is None else current["email"]
            for name, column, cleaned, refused in text_cols:
                if current is not None and column[i] == "":
                    continue
                msg = refused.get(i) if refused else None
                if msg:
                    err(row, labels[name], msg)
                else:
                    values[name] = cleaned[i]
            if c_date is not None:
                raw = c_date[i]
                if raw or current is None:
                    value, msg = hire_date(raw) if raw else clean_date(raw)
                    if msg:
                        err(row, labels["hire_date"], msg)
                    else:
                        values["hire_date"] = value
            for name, column, cleaned in int_cols:
                raw = column[i]
                if raw == "":
                    if current is None:
                        values[name] = defaults[name]
                    continue
                value, msg = cleaned[raw]
                if msg:
                    err(row, labels[name], msg)
                else:
                    values[name] = value
            # References, by code or name, with the single-record rule for each.
            code = c_location[i]
            if code or current is None:
                loc_id, msg = location_of[code]
                if msg is None:
                    is_change = current is None or current["primary_location_id"] != loc_id
                    msg = rule("primary_location", loc_id, location_by_id, is_change)
                    msg = msg or location_denial(loc_id)
                if msg:
                    err(row, labels["primary_location"], msg)
                else:
                    values["primary_location_id"] = loc_id
            if current is not None:
                msg = member_denial(current)
                if msg:
                    err(row, labels["email"], msg)
            role_text = c_role[i]
            if role_text or current is None:
                role_id, msg = role_of[role_text]
                if msg is None and (current is None or current["role_id"] != role_id):
                    msg = grant_denial(role_id)
                if msg:
                    err(row, labels["role"], msg)
                else:
                    values["role_id"] = role_id
                    if (
                        current is not None
                        and current["id"] in existing_admins
                        and role_id not in lookups.admin_role_ids
                    ):
                        demoted.append((row, current["id"]))
            for fname, column, resolved in named_cols:
                text = column[i]
                if not text:
                    if current is None:
                        values[f"{fname}_id"] = None
                    continue
                ref_id, msg = resolved[text]
                if msg is None:
                    is_change = current is None or current[f"{fname}_id"] != ref_id
                    msg = rule(fname, ref_id, named_by_id[fname], is_change)
                if msg:
                    err(row, labels[fname], msg)
                else:
                    values[f"{fname}_id"] = ref_id
            if c_supervisor is not None:
                text = normalize_email(c_supervisor[i]).lower()
                if text:
                    sup = lookups.supervisors.get(text)
                    own = current["id"] if current is not None else None
                    msg = (
                        rules.SUPERVISOR_NOT_APPOINTED
                        if sup is None
                        else rules.supervisor_error(
                            own,
                            sup[0],
                            is_appointed=scope.appointed_ids.__contains__,
                            supervisor_of=supervisor_of.get,
                        )
                    )
                    if msg:
                        err(row, labels["supervisor"], msg)
                    else:
                        values["supervisor_id"] = sup[0]
                        if own is not None:
                            supervisor_of[own] = sup[0]
                elif current is None:
                    values["supervisor_id"] = None
            # Uniqueness within the organization and within the file.
            own_id = current["id"] if current is not None else None
            for name, taken, seen, taken_message, what in unique_cols:
                value = values.get(name)
                msg = value and _unique_in_file(
                    value, row, own_id, taken, seen, taken_message, what
                )
                if msg:
                    err(row, labels[name], msg)
            extra = None
            if c_extra is not None:
                text = c_extra[i]
                if text:
                    extra = []
                    for code in _SPLIT.split(text):
                        code = code.strip()
                        if not code:
                            continue
                        ref = scope.locations.get(code.lower())
                        msg = (
                            f"No location with code “{code}”."
                            if ref is None
                            else scope.extra_location_denial(ref.id)
                        )
                        if msg:
                            err(row, labels["extra_locations"], msg)
                        elif ref.id not in extra:
                            extra.append(ref.id)
            taxonomies = None
            if c_tax is not None:
                text = c_tax[i]
                if text:
                    taxonomies = []
                    for code in _SPLIT.split(text):
                        code = code.strip().upper()
                        if code and code not in taxonomies:
                            taxonomies.append(code)
                    held = held_codes.get(current["id"], ()) if current is not None else ()
                    problems = taxonomy.check_codes(
                        taxonomies, held=held, known=lookups.taxonomy_codes()
                    )
                    for code, message in problems.items():
                        err(row, labels["taxonomies"], f"“{code}”: {message}")
            if c_status is not None:
                wanted = c_status[i].lower().replace(" ", "_")
                msg = rules.import_status_error(current["status"] if current else None, wanted)
                if msg:
                    err(row, labels["status"], msg)
            invite = False
            if c_invite is not None:
                text = c_invite[i]
                flag = parse_yes_no(text)
                if flag is None:
                    err(row, labels["send_invitation"], f"Enter yes or no (not “{text}”).")
                else:
                    invite = flag and current is None
            if len(plan.errors) != n_errors:
                continue
            if current is None:
                kept = rules.resulting_extra_locations(
                    extra or [],
                    current=(),
                    primary_id=values.get("primary_location_id"),
                    actor_location_ids=None,
                )
                plan.creates.append(
                    {
                        "row": row,
                        "values": values,
                        "extra": [pk for pk in extra or [] if pk in kept],
                        "taxonomies": taxonomies or [],
                        "invite": invite,
                    }
                )
            else:
                changes = {}
                for name, value in values.items():
                    old = current.get(name)
                    if old != value:
                        changes[name] = [old, value]
                if changes or extra is not None or taxonomies is not None:
                    plan.updates.append(
                        {
                            "row": row,
                            "id": current["id"],
                            "changes": changes,
                            "extra": extra,
                            "taxonomies": taxonomies,
                            "current": current,
                        }
                    )
                else:
                    plan.unchanged += 1
    plan.total_rows = table.count
    if demoted and rules.leaves_no_admin(existing_admins, [pk for _r, pk in demoted]):
        for row, _pk in demoted:
            plan.error(row, labels["role"], rules.LAST_ADMIN_IN_FILE)
    if plan.updates:
        _drop_unchanged_relations(plan, policy.accessible_location_ids(actor))
    if plan.errors:
        plan.errors.sort(key=lambda e: e.row)
    plan.lookups = lookups
    return plan


def _drop_unchanged_relations(plan: Plan, actor_location_ids) -> None:
    """Updates whose only 'change' is an identical location or taxonomy list are unchanged.
    The additional locations a row asks for become those the member ends with, by the rule of
    a single change (rules.resulting_extra_locations)."""
    ids = [u["id"] for u in plan.updates]
    through = StaffMember.extra_locations.through
    extra_now: dict[int, set[int]] = {}
    tax_now: dict[int, list[str]] = {}
    for chunk in _chunks(ids):
        for sid, lid in through.objects.filter(staffmember_id__in=chunk).values_list(
            "staffmember_id", "location_id"
        ):
            extra_now.setdefault(sid, set()).add(lid)
        for sid, code, primary in TaxonomyAssignment.objects.filter(staff_id__in=chunk).values_list(
            "staff_id", "code", "is_primary"
        ):
            codes = tax_now.setdefault(sid, [])
            codes.insert(0, code) if primary else codes.append(code)
    kept = []
    for u in plan.updates:
        if u["extra"] is not None:
            now = extra_now.get(u["id"], set())
            primary = u["changes"].get("primary_location_id", [None, None])[1]
            u["extra"] = sorted(
                rules.resulting_extra_locations(
                    u["extra"],
                    current=now,
                    primary_id=primary or u["current"]["primary_location_id"],
                    actor_location_ids=actor_location_ids,
                )
            )
            if set(u["extra"]) == now:
                u["extra"] = None
            else:
                u["extra_before"] = sorted(now)
        if u["taxonomies"] is not None:
            before = tax_now.get(u["id"], [])
            if u["taxonomies"] == before:
                u["taxonomies"] = None
            else:
                u["taxonomies_before"] = before
        if u["changes"] or u["extra"] is not None or u["taxonomies"] is not None:
            kept.append(u)
        else:
            plan.unchanged += 1
    plan.updates = kept


# --- locations -------------------------------------------------------------------------------

# The location's own field list (directory.actions), less the yes/no column read apart.
LOCATION_TEXT_FIELDS = tuple(f for f in LOCATION_AUDIT_FIELDS if f != "credentialing_enabled")


def validate_locations(
    table: Table, *, actor, mode: str, on_progress=None, keep_rows: bool = True
) -> Plan:
    plan, cols, labels, updating = _start("locations", table, mode, keep_rows)
    if cols is None:
        return plan
    org_id = actor.organization_id
    existing = {
        row["code"].lower(): row
        for row in Location.objects.filter(organization_id=org_id).values(
            "id", *LOCATION_TEXT_FIELDS, "credentialing_enabled"
        )
    }
    names = {row["name"].lower(): row["id"] for row in existing.values()}
    clean = {name: FieldCleaner(Location, name) for name in LOCATION_TEXT_FIELDS}
    defaults = {
        f.name: f.get_default()
        for f in Location._meta.concrete_fields
        if f.name in LOCATION_TEXT_FIELDS or f.name == "credentialing_enabled"
    }
    managers = _LocationManagers(actor) if "managers" in cols else None
    name_taken = _LOCATION_CONSTRAINTS["location_name_unique_ci"][1]
    code_taken = _LOCATION_CONSTRAINTS["location_code_unique_ci"][1]
    seen_codes: dict[str, int] = {}
    seen_names: dict[str, int] = {}
    # The file is read a batch of rows at a time, as for staff; what must hold across the
    # whole file (each code and name once) is kept per key above.
    for batch in table.batches():
        if on_progress is not None:
            on_progress(table.fraction())
        if managers:
            managers.learn(batch, cols["managers"])
        for row, cells in batch:
            n_errors = len(plan.errors)

            def cell(key, cells=cells):
                idx = cols.get(key)
                return (
                    unneutralize(cells[idx].strip()) if idx is not None and idx < len(cells) else ""
                )

            code = cell("code")
            current = existing.get(code.lower()) if code else None
            if current is not None and not updating:
                plan.error(row, labels["code"], code_taken)
                current = None
            if current is not None:
                d = policy.explain(
                    actor,
                    P.MANAGE_LOCATIONS,
                    Location(
                        **{k: current[k] for k in ("id", "name", "status")}, organization_id=org_id
                    ),
                )
                if not d.allowed:
                    plan.error(row, labels["code"], d.message)
            values = {}
            for name in LOCATION_TEXT_FIELDS:
                if name not in cols:
                    if current is None:
                        values[name] = defaults[name]
                    continue
                raw = cell(name)
                if raw == "" and (current is not None or defaults[name]):
                    if current is None:
                        values[name] = defaults[name]
                    continue
                if name == "status":
                    raw = raw.lower()
                value, msg = clean[name](raw)
                if msg:
                    plan.error(row, labels[name], msg)
                else:
                    values[name] = value
            if "credentialing_enabled" in cols:
                text = cell("credentialing_enabled")
                flag = parse_yes_no(text)
                if flag is None:
                    plan.error(
                        row, labels["credentialing_enabled"], f"Enter yes or no (not “{text}”)."
                    )
                elif text or current is None:
                    values["credentialing_enabled"] = flag
            elif current is None:
                values["credentialing_enabled"] = False
            manager_ids = None
            if managers:
                now = managers.current.get(current["id"], ()) if current is not None else ()
                manager_ids = managers.parse(cell("managers"), row, plan, labels, keep=now)
            key = values.get("code", "").lower()
            if key:
                if key in seen_codes:
                    plan.error(
                        row,
                        labels["code"],
                        f"This code appears more than once in the file (row {seen_codes[key]}).",
                    )
                seen_codes[key] = row
            lname = values.get("name", "").lower()
            if lname:
                owner = names.get(lname)
                if owner is not None and (current is None or owner != current["id"]):
                    plan.error(row, labels["name"], name_taken)
                elif lname in seen_names:
                    plan.error(
                        row,
                        labels["name"],
                        f"This name appears more than once in the file (row {seen_names[lname]}).",
                    )
                seen_names[lname] = row
            if len(plan.errors) != n_errors:
                continue
            if current is None:
                plan.creates.append({"row": row, "values": values, "managers": manager_ids or []})
            else:
                changes = {k: [current[k], v] for k, v in values.items() if current[k] != v}
                before = managers.current.get(current["id"], []) if managers else []
                if manager_ids is not None:
                    # Managers the importer cannot see stay, as on the location's page.
                    manager_ids = [*manager_ids, *(m for m in before if m in managers.hidden)]
                if manager_ids is not None and set(manager_ids) == set(before):
                    manager_ids = None
                if changes or manager_ids is not None:
                    plan.updates.append(
                        {
                            "row": row,
                            "id": current["id"],
                            "changes": changes,
                            "current": current,
                            "managers": manager_ids,
                            "managers_before": before,
                        }
                    )
                else:
                    plan.unchanged += 1
    plan.total_rows = table.count
    plan.errors.sort(key=lambda e: e.row)
    plan.manager_labels = managers.labels if managers else {}
    return plan


class _LocationManagers:
    """The "Manager emails" column: the members it may name, and each location's managers now.

    A manager is a current (not deactivated) member the importer may see and act on
    (policy.explain_member, as `staff.actions.set_location_managers` asks); read in one
    query per lookup, whatever the file's length. Managers the importer cannot see are kept.
    """

    def __init__(self, actor):
        self.actor = actor
        self.by_email: dict[str, int] = {}
        self.labels: dict[int, str] = {}
        self.denied: dict[int, str] = {}
        self.looked_up: set[str] = set()
        self.current: dict[int, list[int]] = {}
        through = Location.managers.through
        for loc_id, staff_id in through.objects.filter(
            location__organization_id=actor.organization_id
        ).values_list("location_id", "staffmember_id"):
            self.current.setdefault(loc_id, []).append(staff_id)
        named = {pk for ids in self.current.values() for pk in ids}
        seen = set()
        for chunk in _chunks(sorted(named)):
            seen.update(
                StaffMember.objects.visible_to(actor)
                .filter(id__in=chunk)
                .values_list("id", flat=True)
            )
        self.hidden = named - seen
        for chunk in _chunks(sorted(named)):
            for m in StaffMember.objects.filter(id__in=chunk).only(
                "id", "email", "first_name", "last_name"
            ):
                self.labels[m.id] = str(m)

    def learn(self, batch, idx: int) -> None:
        """Look up the members the cells of one batch of rows name (those not looked up yet)."""
        wanted = {
            normalize_email(email.strip()).lower()
            for _row, cells in batch
            if idx < len(cells)
            for email in _SPLIT.split(unneutralize(cells[idx].strip()))
            if email.strip()
        } - self.looked_up
        self.looked_up |= wanted
        candidates = (
            StaffMember.objects.visible_to(self.actor)
            .exclude(status=Status.DEACTIVATED)
            .annotate(email_lower=Lower("email"))
        )
        for chunk in _chunks(sorted(wanted)):
            for m in candidates.filter(email_lower__in=chunk).select_related(
                "role", "primary_location"
            ):
                self.by_email[m.email_lower] = m.id
                self.labels[m.id] = str(m)
                decision = policy.explain_member(self.actor, m, P.MANAGE_LOCATIONS)
                if not decision.allowed:
                    self.denied[m.id] = decision.message

    def parse(self, text: str, row: int, plan: Plan, labels: dict, keep=()) -> list[int] | None:
        """The member ids a cell names (None for an empty cell: the managers stay).

        Naming a member is acting on them, except for one who manages the location already
        (`keep`), as on the location's page.
        """
        if not text:
            return None
        ids: list[int] = []
        for email in _SPLIT.split(text):
            email = email.strip()
            if not email:
                continue
            pk = self.by_email.get(normalize_email(email).lower())
            if pk is None:
                message = f"No current staff member with email “{email}”."
                plan.error(row, labels["managers"], message)
            elif pk in self.denied and pk not in keep:
                plan.error(row, labels["managers"], self.denied[pk])
            elif pk not in ids:
                ids.append(pk)
        return ids


def validate_table(
    kind: str, table: Table, *, actor, mode: str, on_progress=None, keep_rows: bool = True
) -> Plan:
    """Check every row of the file. `keep_rows=False` (a check without a commit) counts the
    rows to create instead of keeping them."""
    if kind == "staff":
        policy.require(actor, P.MANAGE_STAFF)
        return validate_staff(
            table, actor=actor, mode=mode, on_progress=on_progress, keep_rows=keep_rows
        )
    policy.require(actor, P.MANAGE_LOCATIONS)
    return validate_locations(
        table, actor=actor, mode=mode, on_progress=on_progress, keep_rows=keep_rows
    )
