"""Reading what spreadsheet programs write: encodings, delimiters, quoted fields, XLSX."""

import io
from pathlib import Path

import pytest

from lms.auth import tabular

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"


@pytest.mark.parametrize(
    ("raw", "text", "encoding"),
    [
        ("é;x".encode(), "é;x", "UTF-8"),
        (b"\xef\xbb\xbf" + "é;x".encode(), "é;x", "UTF-8"),
        ("é;x".encode("cp1252"), "é;x", "Windows-1252"),
        ("é\tx".encode("utf-16"), "é\tx", "UTF-16"),
        ("Œuvre – “x”".encode("cp1252"), "Œuvre – “x”", "Windows-1252"),
    ],
)
def test_encodings_excel_writes_are_recognised(raw, text, encoding):
    assert tabular.decode(raw) == (text, encoding)


def test_an_unknown_encoding_says_what_to_do():
    with pytest.raises(tabular.TableError) as error:
        tabular.decode(b"email\x81\x8d")
    assert "CSV UTF-8" in str(error.value)


@pytest.mark.parametrize(
    ("first_line", "delimiter"),
    [
        ("email,name,language,cohort", ","),
        ("email;name;language;cohort", ";"),
        ("email\tname\tlanguage\tcohort", "\t"),
        ('"a,b";"c,d";e', ";"),
        ("email", ","),
    ],
)
def test_the_delimiter_is_sniffed_outside_quotes(first_line, delimiter):
    assert tabular.sniff_delimiter(first_line + "\r\nx") == delimiter


def test_french_excel_file_is_read_with_its_quotes_and_line_numbers():
    table = tabular.read_csv((FIXTURES / "coaches-excel-fr-cp1252.csv").read_bytes())
    assert (table.encoding, table.delimiter) == ("Windows-1252", ";")
    assert table.header == ["email", "nom", "langue", "cohorte"]
    assert table.rows[0] == (2, ["lea.martin@example.org", "Martin; Léa", "fr", "Lyon 2027"])
    assert [line for line, _cells in table.rows] == [2, 3, 4]
    assert table.rows[2][1][1] == "Chloé Noël"


def test_utf8_excel_file_with_bom_and_doubled_quotes():
    table = tabular.read_csv((FIXTURES / "coaches-excel-utf8-bom.csv").read_bytes())
    assert table.header == ["email", "name", "language", "cohort"]
    assert table.rows[0][1][1] == 'Ana "Nina" Lopes'


def test_xlsx_first_sheet_is_read():
    from openpyxl import Workbook

    workbook = Workbook()
    workbook.active.append(["email", "name", "language", "cohort"])
    workbook.active.append(["lea@example.org", "Léa", "fr", 2027])
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = tabular.read_table(buffer.getvalue(), "Coachs.XLSX")
    assert table.header == ["email", "name", "language", "cohort"]
    assert table.rows == [(2, ["lea@example.org", "Léa", "fr", "2027"])]


def test_a_file_that_is_not_a_workbook_is_refused():
    with pytest.raises(tabular.TableError):
        tabular.read_table(b"email,name", "coaches.xlsx")
