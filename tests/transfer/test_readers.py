"""The XLSX reader reads every form of cell a spreadsheet program writes, and refuses the rest.

Workbooks here are written by hand, as Excel and LibreOffice write them (shared strings, rich
text, styles with date formats, entities, formulas with values), so the reader is checked
against the format rather than against one writer.
"""

import io
import zipfile

import pytest

from clinicorg.transfer.readers import FileRejected, read_table

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
DOC = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
RELS = "http://schemas.openxmlformats.org/package/2006/relationships"

STRINGS = [
    "<si><t>Email</t></si>",
    "<si><t>Hire date</t></si>",
    '<si><r><rPr><b/></rPr><t xml:space="preserve">Ann </t></r><r><t>Lee</t></r>'
    "<rPh><t>アン</t></rPh></si>",
    "<si><t>a&amp;b@acme.test</t></si>",
]
STYLES = (
    f'<styleSheet xmlns="{NS}"><numFmts count="1"><numFmt numFmtId="164" '
    'formatCode="dd/mm/yyyy;@"/></numFmts><cellXfs count="3"><xf numFmtId="0"/>'
    '<xf numFmtId="164" applyNumberFormat="1"/><xf numFmtId="14"/></cellXfs></styleSheet>'
)


def workbook(rows: str, *, calc: str = "") -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr(
            "xl/workbook.xml",
            f'<workbook xmlns="{NS}" xmlns:r="{DOC}"><sheets><sheet name="Instructions" '
            'sheetId="2" r:id="rId2"/><sheet name="Staff" sheetId="1" r:id="rId1"/></sheets>'
            f"{calc}</workbook>",
        )
        z.writestr(
            "xl/_rels/workbook.xml.rels",
            f'<Relationships xmlns="{RELS}">'
            f'<Relationship Id="rId1" Type="{DOC}/worksheet" Target="worksheets/sheet1.xml"/>'
            f'<Relationship Id="rId2" Type="{DOC}/worksheet" Target="worksheets/sheet2.xml"/>'
            f'<Relationship Id="rId3" Type="{DOC}/sharedStrings" Target="sharedStrings.xml"/>'
            f'<Relationship Id="rId4" Type="{DOC}/styles" Target="styles.xml"/></Relationships>',
        )
        z.writestr(
            "xl/sharedStrings.xml",
            f'<sst xmlns="{NS}" count="{len(STRINGS)}">{"".join(STRINGS)}</sst>',
        )
        z.writestr("xl/styles.xml", STYLES)
        z.writestr("xl/worksheets/sheet2.xml", f'<worksheet xmlns="{NS}"><sheetData/></worksheet>')
        z.writestr(
            "xl/worksheets/sheet1.xml",
            f'<worksheet xmlns="{NS}"><dimension ref="A1:D9"/><sheetData>'
            '<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>1</v></c></row>'
            f"{rows}</sheetData></worksheet>",
        )
    return buf.getvalue()


def rows_of(data: bytes, tmp_path) -> list:
    path = tmp_path / "s.xlsx"
    path.write_bytes(data)
    table = read_table(path, "s.xlsx")
    return [table.headers, *table.rows]


def test_every_kind_of_cell_reads_as_its_text(tmp_path):
    data = workbook(
        '<row r="2" spans="1:4"><c r="A2" t="s"><v>3</v></c><c r="B2" s="1"><v>45352</v></c>'
        '<c r="C2" t="s"><v>2</v></c><c r="D2" t="b"><v>1</v></c></row>'
        '<row r="4"><c r="A4" t="inlineStr"><is><t>x&lt;y@acme.test</t></is></c>'
        '<c r="B4" s="2"><v>45352.5</v></c><c r="C4" t="str"><f>A4</f><v>x&amp;y</v></c>'
        '<c r="D4"><f>1+1</f><v>2</v></c><c r="E4" s="1"/></row>'
        '<row r="5"><c r="A5"><v>000123</v></c><c r="B5"><v>1.5</v></c></row>'
    )
    assert rows_of(data, tmp_path) == [
        ["Email", "Hire date"],
        (2, ["a&b@acme.test", "2024-03-01", "Ann Lee", "yes"]),
        (4, ["x<y@acme.test", "2024-03-01 12:00:00", "x&y", "2"]),
        (5, ["123", "1.5"]),
    ]


def test_rows_and_cells_without_references_take_the_next_place(tmp_path):
    data = workbook('<row><c t="inlineStr"><is><t>a</t></is></c><c><v>7</v></c></row>')
    assert rows_of(data, tmp_path)[1] == (2, ["a", "7"])


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ('<row r="2"><c r="A2" t="e"><v>#N/A</v></c></row>', "Cell A2 holds the error #N/A"),
        ('<row r="2"><c r="A2" t="s"><v>99</v></c></row>', "Cell A2 refers to a missing shared"),
        ('<row r="2"><c r="B2"><f>A1</f></c></row>', "Cell B2 holds a formula without a"),
        ('<row r="2"><foo/><c r="A2"><v>1</v></c></row>', "unexpected markup in row 2"),
        ('<row r="2"><c r="A2"><v>1</v></c></row>junk<row r="3"/>', "workbook is damaged"),
    ],
)
def test_cells_that_cannot_be_read_as_they_are_refuse_the_file(tmp_path, rows, message):
    with pytest.raises(FileRejected, match=message):
        rows_of(workbook(rows), tmp_path)


def test_stored_formula_values_are_refused_when_the_workbook_was_never_calculated(tmp_path):
    rows = '<row r="2"><c r="A2"><f>1+1</f><v>0</v></c></row>'
    assert rows_of(workbook(rows), tmp_path)[1] == (2, ["0", ""])
    with pytest.raises(FileRejected, match="Cell A2 holds a formula whose value was never"):
        rows_of(workbook(rows, calc='<calcPr fullCalcOnLoad="1"/>'), tmp_path)
