"""Reading a table typed in a spreadsheet: CSV as Excel writes it, in any of its encodings and
delimiters, and XLSX. Plain functions on bytes; no database."""

import csv
import io
from dataclasses import dataclass

from lms.errors import UserError
from lms.i18n import N_

DELIMITERS = ",;\t"
# Bytes that Windows-1252 leaves undefined: a file holding them is in neither encoding we read.
_UNDEFINED_IN_CP1252 = {0x81, 0x8D, 0x8F, 0x90, 0x9D}


class TableError(UserError):
    """The file cannot be read as a table; the message says what to do."""


@dataclass(frozen=True)
class Table:
    header: list[str]
    rows: list[tuple[int, list[str]]]  # (line number in the file, cells)
    encoding: str = ""
    delimiter: str = ""


def decode(raw: bytes) -> tuple[str, str]:
    """The text and the name of its encoding: UTF-8 (with or without BOM), UTF-16 with a BOM
    (Excel's "Unicode text"), else Windows-1252 (Excel's "CSV (separator: semicolon)" in
    Western Europe)."""
    if raw.startswith(b"\xef\xbb\xbf"):
        return raw[3:].decode("utf-8", errors="strict"), "UTF-8"
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        return raw.decode("utf-16"), "UTF-16"
    try:
        return raw.decode("utf-8"), "UTF-8"
    except UnicodeDecodeError:
        pass
    if b"\x00" in raw or _UNDEFINED_IN_CP1252 & set(raw):
        raise TableError(
            N_(
                "The file's encoding is not recognised (neither UTF-8 nor Windows-1252). In "
                "Excel, save it with “File > Save as” and the type “CSV UTF-8 (comma "
                "delimited)”, then import it again."
            )
        )
    return raw.decode("cp1252"), "Windows-1252"


def sniff_delimiter(text: str) -> str:
    """The delimiter of the first line: the one of comma, semicolon and tab it holds most of
    outside quotes (a lone column reads as comma-separated)."""
    first_line = next(iter(text.splitlines()), "")
    outside_quotes = "".join(first_line.split('"')[::2])
    counts = {delimiter: outside_quotes.count(delimiter) for delimiter in DELIMITERS}
    best = max(DELIMITERS, key=lambda delimiter: counts[delimiter])
    return best if counts[best] else ","


def read_csv(raw: bytes) -> Table:
    text, encoding = decode(raw)
    delimiter = sniff_delimiter(text)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    try:
        header = next(reader, [])
        rows = [(reader.line_num, row) for row in reader]
    except csv.Error as error:
        raise TableError(
            N_("Line %(line)d cannot be read: %(error)s."), line=reader.line_num, error=str(error)
        ) from error
    return Table([cell.strip() for cell in header], rows, encoding, delimiter)


def read_xlsx(raw: bytes) -> Table:
    """The first sheet of an Excel workbook; line numbers are the sheet's row numbers."""
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(io.BytesIO(raw), read_only=True, data_only=True)
    except Exception as error:  # openpyxl raises many kinds for a file that is not a workbook
        raise TableError(N_("The file is not an Excel workbook (.xlsx).")) from error
    sheet = workbook.worksheets[0]
    lines = [
        (number, ["" if cell is None else str(cell) for cell in row])
        for number, row in enumerate(sheet.iter_rows(values_only=True), start=1)
    ]
    workbook.close()
    if not lines:
        return Table([], [], "XLSX")
    return Table([cell.strip() for cell in lines[0][1]], lines[1:], "XLSX")


def read_table(raw: bytes, filename: str) -> Table:
    table = read_xlsx(raw) if filename.lower().endswith(".xlsx") else read_csv(raw)
    # No text of the application holds a NUL, and PostgreSQL cannot store one.
    for line, cells in [(1, table.header), *table.rows]:
        if any("\x00" in cell for cell in cells):
            raise TableError(N_("Line %(line)d contains a NUL character."), line=line)
    return table
