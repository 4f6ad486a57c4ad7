"""CSV cells as French and English Excel read them; XLSX downloads open as a workbook."""

import io
from datetime import UTC, datetime

from lms import create_app, spreadsheets


def test_cells_follow_the_language_and_the_time_zone(tmp_path):
    app = create_app({"TESTING": True, "INSTANCE_PATH": tmp_path})
    winter = datetime(2026, 12, 3, 23, 30, tzinfo=UTC)
    with app.test_request_context():
        assert spreadsheets.csv_cell(75.5, "fr") == "75,5"
        assert spreadsheets.csv_cell(75.5, "en") == "75.5"
        assert spreadsheets.csv_cell(3, "fr") == "3"
        assert spreadsheets.csv_cell(winter, "fr") == "2026-12-04 00:30"  # Europe/Paris
        assert spreadsheets.csv_cell("=HYPERLINK(1)", "fr") == "'=HYPERLINK(1)"
        assert spreadsheets.delimiter("fr") == ";" and spreadsheets.delimiter("en") == ","


def test_an_xlsx_download_is_a_workbook_with_local_times(tmp_path):
    from openpyxl import load_workbook

    app = create_app({"TESTING": True, "INSTANCE_PATH": tmp_path})
    with app.test_request_context():
        response = spreadsheets.xlsx_response(
            [["when", "score"], [datetime(2026, 7, 1, 10, 0, tzinfo=UTC), 0.5]], "x.xlsx"
        )
    sheet = load_workbook(io.BytesIO(response.get_data())).active
    assert [cell.value for cell in sheet[2]] == [datetime(2026, 7, 1, 12, 0), 0.5]
