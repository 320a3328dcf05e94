"""The NUCC Health Care Provider Taxonomy code set: loading the official CSV, search, checks.

The code set is reference data shared by every organization (it is not tenant data), loaded by
an operator with `clinicorg taxonomy load FILE`. Each code keeps the version that last listed
it; a code missing from a newer version is marked retired (`retired_in`) rather than deleted,
so members who already hold it keep a valid record, while new assignments must use current
codes. When no code set is loaded at all, codes are checked by format only.
"""

import csv
import io
import re
from dataclasses import dataclass
from pathlib import Path

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Case, IntegerField, Q, Value, When

from clinicorg.core.validators import validate_taxonomy_format

from .models import TaxonomyCode

COLUMNS = (
    "Code",
    "Grouping",
    "Classification",
    "Specialization",
    "Definition",
    "Notes",
    "Display Name",
    "Section",
)
# CSV column -> model field, for the columns the product keeps.
FIELDS = {
    "Grouping": "grouping",
    "Classification": "classification",
    "Specialization": "specialization",
    "Definition": "definition",
    "Display Name": "display_name",
    "Section": "section",
}
_VERSION_RE = re.compile(r"^\d{1,3}\.\d{1,2}$")
# Official file names carry the version as three digits: nucc_taxonomy_251.csv is 25.1.
_FILE_VERSION_RE = re.compile(r"(?:^|[^0-9])(\d{2})(\d)(?:[^0-9]|$)")


class LoadError(Exception):
    """The file cannot be loaded; the message names the row and column."""


@dataclass(frozen=True)
class LoadResult:
    version: str
    added: int
    updated: int
    unchanged: int
    retired: int
    restored: int


def version_key(version: str) -> tuple[int, ...]:
    return tuple(int(p) for p in version.split("."))


def version_from_filename(name: str) -> str | None:
    """ "nucc_taxonomy_251.csv" -> "25.1"; None when the name carries no version."""
    match = _FILE_VERSION_RE.search(Path(name).stem)
    return f"{match.group(1)}.{match.group(2)}" if match else None


def validate_version(version: str) -> str:
    version = (version or "").strip()
    if not _VERSION_RE.match(version):
        raise LoadError(f"Version {version!r} is not of the form 25.1.")
    return version


def loaded_versions() -> list[str]:
    versions = set(TaxonomyCode.objects.values_list("version", flat=True).distinct())
    return sorted(versions, key=version_key)


def current_version() -> str | None:
    versions = loaded_versions()
    return versions[-1] if versions else None


def read_rows(stream) -> list[dict]:
    """Rows of the official CSV as {field: value}, checked; raises LoadError naming the row."""
    reader = csv.DictReader(stream)
    header = [h.strip() for h in (reader.fieldnames or [])]
    missing = [c for c in ("Code", *FIELDS) if c not in header]
    if missing:
        raise LoadError(
            f"The file lacks the column(s) {', '.join(missing)}; expected the NUCC CSV "
            f"columns {', '.join(COLUMNS)}."
        )
    reader.fieldnames = header
    rows: dict[str, dict] = {}
    for line, raw in enumerate(reader, start=2):
        code = (raw.get("Code") or "").strip().upper()
        if not code and not any((v or "").strip() for v in raw.values() if isinstance(v, str)):
            continue  # blank line
        try:
            validate_taxonomy_format(code)
        except ValidationError as exc:
            raise LoadError(f"Row {line}, column Code: {exc.messages[0]}") from exc
        if code in rows:
            raise LoadError(f"Row {line}, column Code: {code} appears twice in the file.")
        row = {"code": code}
        for column, field in FIELDS.items():
            value = (raw.get(column) or "").strip()
            limit = TaxonomyCode._meta.get_field(field).max_length
            if limit and len(value) > limit:
                raise LoadError(f"Row {line}, column {column}: longer than {limit} characters.")
            row[field] = value
        rows[code] = row
    if not rows:
        raise LoadError("The file has no taxonomy codes.")
    return list(rows.values())


def open_csv(path) -> io.TextIOBase:
    """The file as text; NUCC has published both UTF-8 and Windows-1252 files."""
    data = Path(path).read_bytes()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252")
    return io.StringIO(text, newline="")


def load_code_set(rows: list[dict], version: str) -> LoadResult:
    """Bring the stored code set up to `version`; idempotent, in bulk, in one transaction.

    Codes in the file are added or updated; stored codes missing from it are marked retired in
    this version (kept, so members holding them stay valid). Loading a version older than the
    newest one loaded is refused, since it would retire current codes.
    """
    version = validate_version(version)
    newest = current_version()
    if newest and version_key(version) < version_key(newest):
        raise LoadError(
            f"Version {version} is older than the loaded version {newest}; load {newest} or "
            "a newer file."
        )
    keep = ("version", "retired_in", *FIELDS.values())
    added = updated = unchanged = restored = 0
    with transaction.atomic():
        existing = {c.code: c for c in TaxonomyCode.objects.select_for_update()}
        to_create, to_update = [], []
        for row in rows:
            current = existing.get(row["code"])
            if current is None:
                to_create.append(TaxonomyCode(**row, version=version, retired_in=""))
                added += 1
                continue
            changed = current.retired_in != "" or any(
                getattr(current, f) != row[f] for f in FIELDS.values()
            )
            if current.retired_in:
                restored += 1
            for field in FIELDS.values():
                setattr(current, field, row[field])
            current.retired_in = ""
            if current.version != version:
                current.version = version
                to_update.append(current)
            elif changed:
                to_update.append(current)
            if changed:
                updated += 1
            else:
                unchanged += 1
        listed = {row["code"] for row in rows}
        to_retire = [
            c.code for code, c in existing.items() if code not in listed and not c.retired_in
        ]
        TaxonomyCode.objects.bulk_create(to_create, batch_size=500)
        TaxonomyCode.objects.bulk_update(to_update, keep, batch_size=500)
        for start in range(0, len(to_retire), 500):
            TaxonomyCode.objects.filter(code__in=to_retire[start : start + 500]).update(
                retired_in=version
            )
    return LoadResult(version, added, updated, unchanged, len(to_retire), restored)


def load_file(path, version: str | None = None) -> LoadResult:
    """Load an official NUCC CSV file; the version comes from its name when not given."""
    version = version or version_from_filename(str(path))
    if not version:
        raise LoadError(
            f"Cannot tell the code-set version from the file name {Path(path).name!r}; "
            "pass it with --version (for example --version 25.1)."
        )
    with open_csv(path) as stream:
        rows = read_rows(stream)
    return load_code_set(rows, version)


# Reads


def label_of(entry: TaxonomyCode) -> str:
    if entry.display_name:
        return entry.display_name
    return " — ".join(p for p in (entry.classification, entry.specialization) if p)


def code_set_loaded() -> bool:
    return TaxonomyCode.objects.exists()


def describe_codes(codes) -> dict[str, TaxonomyCode]:
    """The loaded entries of these codes, in one query, each with a `label`."""
    codes = list(codes)
    if not codes:
        return {}
    found = {c.code: c for c in TaxonomyCode.objects.filter(code__in=codes)}
    for entry in found.values():
        entry.label = label_of(entry)
    return found


def search(text: str, *, limit: int = 20, include_retired: bool = False):
    """Codes whose code, classification, specialization or display name match every word.

    Exact and prefix matches on the code come first.
    """
    results = list(
        search_queryset(text, include_retired=include_retired)[: max(1, min(limit, 100))]
    )
    for entry in results:
        entry.label = label_of(entry)
    return results


def search_queryset(text: str, *, include_retired: bool = False):
    """The ordered queryset behind `search`, for paginated lists."""
    text = (text or "").strip()
    qs = TaxonomyCode.objects.all()
    if not include_retired:
        qs = qs.filter(retired_in="")
    words = text.split()
    for word in words:
        qs = qs.filter(
            Q(code__istartswith=word)
            | Q(classification__icontains=word)
            | Q(specialization__icontains=word)
            | Q(display_name__icontains=word)
            | Q(grouping__icontains=word)
        )
    rank = Value(2, output_field=IntegerField())
    if text:
        rank = Case(
            When(code__iexact=text, then=Value(0)),
            When(code__istartswith=text, then=Value(1)),
            default=Value(2),
            output_field=IntegerField(),
        )
    return qs.annotate(rank=rank).order_by("rank", "classification", "specialization", "code")


def code_set() -> dict[str, str]:
    """The whole loaded code set as {code: version that retired it, or ""}; empty if none.

    For bulk planners, which check many members' codes against it without a query each.
    """
    return dict(TaxonomyCode.objects.values_list("code", "retired_in"))


def check_codes(codes, *, held=(), known: dict[str, str] | None = None) -> dict[str, str]:
    """Problems with taxonomy codes to assign, {code: message}; empty when all are fine.

    Format is always checked. When a code set is loaded, a newly added code must be a current
    code of it; codes the member already holds (`held`) stay valid even if the set has since
    retired them or was loaded after they were assigned, so other edits are never blocked.
    `known` is the preloaded `code_set()` (bulk planners); without it the codes are looked up.
    """
    problems: dict[str, str] = {}
    for code in codes:
        try:
            validate_taxonomy_format(code)
        except ValidationError as exc:
            problems[code] = exc.messages[0]
    rest = [c for c in codes if c not in problems and c not in held]
    if not rest:
        return problems
    if known is None:
        if not code_set_loaded():
            return problems
        known = dict(TaxonomyCode.objects.filter(code__in=rest).values_list("code", "retired_in"))
    elif not known:
        return problems
    for code in rest:
        if code not in known:
            problems[code] = f"{code} is not in the loaded NUCC taxonomy code set."
        elif known[code]:
            problems[code] = f"{code} was retired in code set {known[code]}; choose a current code."
    return problems
