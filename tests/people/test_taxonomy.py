"""The NUCC code set: loading the official CSV, newer versions, search, the command."""

from io import StringIO
from pathlib import Path

import pytest
from django.core.management import CommandError, call_command

from clinicorg.staff import taxonomy
from clinicorg.staff.models import TaxonomyCode

from .conftest import CARDIO, CSV_HEADER, FAMILY, INTERNAL, NP_FAMILY

REAL_FILE = Path("/work/shared/data/nucc_taxonomy_251.csv")
needs_real_file = pytest.mark.skipif(not REAL_FILE.exists(), reason="NUCC 25.1 CSV not present")


@needs_real_file
def test_the_real_251_file_loads_all_883_codes_and_reloading_changes_nothing(
    db, django_assert_max_num_queries
):
    # In bulk: a handful of batched statements, not one per code.
    with django_assert_max_num_queries(15):
        first = taxonomy.load_file(REAL_FILE)
    assert (first.version, first.added, first.retired) == ("25.1", 883, 0)
    assert TaxonomyCode.objects.count() == 883
    family = TaxonomyCode.objects.get(code="207Q00000X")
    assert family.classification == "Family Medicine"
    assert family.display_name == "Family Medicine Physician"
    assert family.section == "Individual"
    again = taxonomy.load_file(REAL_FILE)
    assert (again.added, again.updated, again.unchanged, again.retired) == (0, 0, 883, 0)


@needs_real_file
def test_search_of_the_real_file_finds_codes_by_name_and_by_code(db):
    taxonomy.load_file(REAL_FILE)
    by_name = [e.code for e in taxonomy.search("family medicine")]
    assert by_name[0] == "207Q00000X" or "207Q00000X" in by_name
    assert taxonomy.search("207Q00000X")[0].code == "207Q00000X"
    nurse = taxonomy.search("nurse practitioner family")
    assert "363LF0000X" in [e.code for e in nurse]


def test_the_version_comes_from_the_official_file_name():
    assert taxonomy.version_from_filename("nucc_taxonomy_251.csv") == "25.1"
    assert taxonomy.version_from_filename("/x/nucc_taxonomy_240.csv") == "24.0"
    assert taxonomy.version_from_filename("codes.csv") is None


def test_a_newer_version_retires_dropped_codes_and_keeps_them(code_set, write_csv):
    assert code_set.added == 4
    newer = taxonomy.load_file(write_csv("nucc_taxonomy_252.csv", FAMILY, INTERNAL, NP_FAMILY))
    assert (newer.version, newer.added, newer.retired, newer.unchanged) == ("25.2", 0, 1, 3)
    cardio = TaxonomyCode.objects.get(code=CARDIO)
    assert cardio.retired_in == "25.2"
    assert cardio.version == "25.1"
    assert TaxonomyCode.objects.get(code=FAMILY).version == "25.2"
    # Retired codes leave search unless asked for.
    assert CARDIO not in [e.code for e in taxonomy.search("cardiovascular")]
    assert CARDIO in [e.code for e in taxonomy.search("cardiovascular", include_retired=True)]


def test_a_code_that_comes_back_is_restored(code_set, write_csv):
    taxonomy.load_file(write_csv("nucc_taxonomy_252.csv", FAMILY))
    back = taxonomy.load_file(write_csv("nucc_taxonomy_260.csv", FAMILY, CARDIO))
    assert back.restored == 1
    assert TaxonomyCode.objects.get(code=CARDIO).retired_in == ""
    assert TaxonomyCode.objects.get(code=INTERNAL).retired_in == "25.2"


def test_changed_names_are_updated(code_set, write_csv):
    text = (
        CSV_HEADER + "207Q00000X,Physicians,Family Medicine,,New text.,,Family Doctor,Individual\n"
    )
    result = taxonomy.load_file(write_csv("nucc_taxonomy_252.csv", text=text))
    assert result.updated == 1
    assert TaxonomyCode.objects.get(code=FAMILY).display_name == "Family Doctor"


def test_an_older_version_than_the_loaded_one_is_refused(code_set, write_csv):
    with pytest.raises(taxonomy.LoadError, match="older than the loaded version 25.1"):
        taxonomy.load_file(write_csv("nucc_taxonomy_240.csv", FAMILY))
    assert not TaxonomyCode.objects.filter(retired_in__gt="").exists()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("Code,Name\n207Q00000X,x\n", "lacks the column"),
        (CSV_HEADER + "207Q0000,G,C,,,,D,Individual\n", "Row 2, column Code"),
        (CSV_HEADER + "207Q00000X,G,C,,,,D,I\n207Q00000X,G,C,,,,D,I\n", "appears twice"),
        (CSV_HEADER, "no taxonomy codes"),
    ],
)
def test_a_bad_file_is_refused_with_the_row_and_loads_nothing(db, write_csv, text, message):
    with pytest.raises(taxonomy.LoadError, match=message):
        taxonomy.load_file(write_csv("nucc_taxonomy_251.csv", text=text))
    assert not TaxonomyCode.objects.exists()


def test_a_windows_1252_file_loads(db, tmp_path):
    path = tmp_path / "nucc_taxonomy_251.csv"
    path.write_bytes(
        (CSV_HEADER + "207Q00000X,G,Family Medicine,,Caf\xe9 care.,,Family,Individual\n").encode(
            "cp1252"
        )
    )
    taxonomy.load_file(path)
    assert TaxonomyCode.objects.get().definition == "Café care."


def test_the_load_command_prints_counts(db, write_csv):
    out = StringIO()
    call_command(
        "taxonomy", "load", str(write_csv("codes.csv", FAMILY)), "--version", "25.1", stdout=out
    )
    assert out.getvalue().strip() == (
        "Taxonomy code set 25.1: 1 added, 0 updated, 0 unchanged, 0 retired."
    )


def test_the_load_command_explains_a_missing_version_or_file(db, write_csv):
    with pytest.raises(CommandError, match="--version"):
        call_command("taxonomy", "load", str(write_csv("codes.csv", FAMILY)))
    with pytest.raises(CommandError, match="No such file"):
        call_command("taxonomy", "load", "/nonexistent/nucc_taxonomy_251.csv")


def test_the_search_command_lists_matches(code_set):
    out = StringIO()
    call_command("taxonomy", "search", "internal", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0] == "207RC0000X  Cardiovascular Disease Physician" or any(
        line.startswith(INTERNAL) for line in lines
    )
    assert len(lines) == 2
    out = StringIO()
    call_command("taxonomy", "search", "zzz", stdout=out)
    assert "No taxonomy code matches" in out.getvalue()
