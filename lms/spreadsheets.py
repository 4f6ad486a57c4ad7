"""Files for spreadsheet programs: CSV that Excel opens directly in the page's language, and XLSX.

French Excel expects semicolons and decimal commas; every CSV starts with the UTF-8 byte-order
mark so the accents survive, and times are the local time of ``LMS_TIMEZONE``.
"""

import csv
import io
from collections.abc import Iterable
from datetime import datetime

from flask import Response
from flask_babel import to_user_timezone

from lms.formats import current_language

# Spreadsheet programs run cells starting with these as formulas (CSV injection).
FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def delimiter(language: str) -> str:
    return ";" if language == "fr" else ","


def local_time(value: datetime) -> datetime:
    """A stored UTC time in the configured time zone, without zone (what a sheet can show)."""
    return to_user_timezone(value).replace(tzinfo=None)


def csv_cell(value, language: str) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return local_time(value).isoformat(sep=" ", timespec="minutes")
    if isinstance(value, float):
        text = f"{value:.4f}".rstrip("0").rstrip(".")
        return text.replace(".", ",") if language == "fr" else text
    text = str(value)
    return "'" + text if text.startswith(FORMULA_START) else text


def csv_response(rows: Iterable[list], filename: str) -> Response:
    language = current_language()
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=delimiter(language), lineterminator="\r\n")
    for row in rows:
        writer.writerow([csv_cell(value, language) for value in row])
    return Response(
        "\ufeff" + buffer.getvalue(),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )


def xlsx_response(rows: Iterable[list], filename: str) -> Response:
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(
            [
                local_time(value)
                if isinstance(value, datetime)
                else (csv_cell(value, "en") if isinstance(value, str) else value)
                for value in row
            ]
        )
    buffer = io.BytesIO()
    workbook.save(buffer)
    return Response(
        buffer.getvalue(),
        mimetype=XLSX_MIMETYPE,
        headers={"Content-Disposition": f'attachment; filename="{filename}"'},
    )
