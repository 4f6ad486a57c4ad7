"""The cohort matrix: who sees it, constant SQL whatever the cohort size, filters, CSV, chart."""

import csv
import io
import uuid
from zoneinfo import ZoneInfo

import pytest
from openpyxl import load_workbook
from sqlalchemy import event, select

from lms.competence import queries
from lms.competence.models import Decision
from lms.extensions import db
from lms.quiz.models import Attempt
from lms.spreadsheets import XLSX_MIMETYPE
from lms.timeutil import utcnow
from tests.support import factories, trainer_data
from tests.support.web import Auth


@pytest.fixture
def units(db_session):
    quizzes = trainer_data.make_units(db_session)
    db_session.commit()
    return quizzes


def _client(app, user):
    client = app.test_client()
    assert Auth(client).login(user.email).status_code == 302
    return client


def _statements_for(app, client, url: str) -> tuple[int, str]:
    """How many SQL statements a page runs, and its HTML."""
    with app.app_context():
        engine = db.engine
    count = 0

    def counter(*_args, **_kwargs):
        nonlocal count
        count += 1

    event.listen(engine, "before_cursor_execute", counter)
    try:
        response = client.get(url)
    finally:
        event.remove(engine, "before_cursor_execute", counter)
    assert response.status_code == 200, response.status_code
    return count, response.get_data(as_text=True)


def test_the_matrix_runs_the_same_number_of_queries_for_10_and_200_coaches(app, db_session, units):
    trainer = factories.make_user(db_session, role="trainer", language="en")
    small = factories.make_cohort(db_session, trainers=[trainer])
    large = factories.make_cohort(db_session, trainers=[trainer])
    trainer_data.populate(db_session, small, units, 10, trainer)
    trainer_data.populate(db_session, large, units, 200, trainer)
    db_session.commit()
    client = _client(app, trainer)
    client.get(f"/trainer/cohorts/{small.id}")  # warm caches (locale, templates)
    small_count, small_page = _statements_for(app, client, f"/trainer/cohorts/{small.id}")
    large_count, large_page = _statements_for(app, client, f"/trainer/cohorts/{large.id}")
    assert "Coaches shown: 10 of 10." in small_page and "Coaches shown: 200 of 200." in large_page
    assert small_count == large_count, (small_count, large_count)
    # The page leaves out each cell's statement activity: it shows each coach's latest only.
    assert large_count <= 9, large_count
    csv_small, _ = _statements_for(app, client, f"/trainer/cohorts/{small.id}/matrix.csv")
    csv_large, _ = _statements_for(app, client, f"/trainer/cohorts/{large.id}/matrix.csv")
    assert csv_small == csv_large


def test_trainers_see_only_the_cohorts_they_teach(app, db_session, demo_cohort, units):
    other_trainer = factories.make_user(db_session, role="trainer")
    cohort_id = demo_cohort["cohort"].id
    db_session.commit()
    assert (
        _client(app, demo_cohort["trainer"]).get(f"/trainer/cohorts/{cohort_id}").status_code == 200
    )
    assert (
        _client(app, demo_cohort["admin"]).get(f"/trainer/cohorts/{cohort_id}").status_code == 200
    )
    assert _client(app, other_trainer).get(f"/trainer/cohorts/{cohort_id}").status_code == 403
    coach = _client(app, demo_cohort["coaches"][0])
    assert coach.get(f"/trainer/cohorts/{cohort_id}").status_code == 403
    assert coach.get(f"/trainer/cohorts/{cohort_id}/matrix.csv").status_code == 403
    assert _client(app, other_trainer).get("/trainer/cohorts/999999").status_code == 404


def test_statuses_best_scores_filters_and_sort(app, db_session, demo_cohort, units):
    trainer = demo_cohort["trainer"]
    first, second = demo_cohort["coaches"]
    first.display_name, second.display_name = "Zoé Validated", "Adam Started"
    trainer.language = "en"
    trainer_data.add_progress(db_session, first, units["T1"], score=0.9, validated_by=trainer)
    trainer_data.add_progress(db_session, first, units["T2"], score=0.75)
    trainer_data.add_progress(db_session, second, units["T1"], score=0.4, days_ago=40)
    db_session.commit()
    client = _client(app, trainer)
    base = f"/trainer/cohorts/{demo_cohort['cohort'].id}"

    page = client.get(base).get_data(as_text=True)
    assert page.index("Adam Started") < page.index("Zoé Validated")  # by name
    assert "90 %" in page and "40 %" in page

    page = client.get(f"{base}?status=validated&unit=T1").get_data(as_text=True)
    assert "Zoé Validated" in page and "Adam Started" not in page
    page = client.get(f"{base}?q=adam").get_data(as_text=True)
    assert "Adam Started" in page and "Zoé Validated" not in page
    page = client.get(f"{base}?inactive=30").get_data(as_text=True)
    assert "Adam Started" in page and "Zoé Validated" not in page
    page = client.get(f"{base}?sort=T1&order=desc").get_data(as_text=True)
    assert page.index("Zoé Validated") < page.index("Adam Started")

    export = client.get(f"{base}/matrix.csv")
    assert export.mimetype == "text/csv"
    assert "attachment" in export.headers["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(export.get_data(as_text=True).lstrip("\ufeff"))))
    header, *lines = rows
    assert header[:5] == [
        "Coach",
        "Last activity",
        "Unit T1: status",
        "Unit T1: best score (%)",
        "Unit T1: last activity",
    ]
    by_name = {line[0]: dict(zip(header, line, strict=True)) for line in lines}
    assert set(by_name) == {"Zoé Validated", "Adam Started"}
    assert not any("@" in cell for line in rows for cell in line)  # minimisation: no address
    zoe = by_name["Zoé Validated"]
    assert (zoe["Unit T1: status"], zoe["Unit T1: best score (%)"]) == ("Validated", "90")
    assert zoe["Unit T2: status"] == "Quiz passed / evidence sufficient"
    # The factory gives each unit its own competence (KT1 ⊃ T1, KT2 ⊃ T2).
    assert (zoe["Competence KT1: status"], zoe["Competence KT2: status"]) == (
        "Validated",
        "Quiz passed / evidence sufficient",
    )
    assert by_name["Adam Started"]["Unit T2: status"] == "Not started"


def test_the_chart_reads_without_colour(app, db_session, demo_cohort, units):
    trainer = demo_cohort["trainer"]
    trainer_data.add_progress(
        db_session, demo_cohort["coaches"][0], units["T1"], validated_by=trainer
    )
    db_session.commit()
    page = _client(app, trainer).get(f"/trainer/cohorts/{demo_cohort['cohort'].id}")
    html = page.get_data(as_text=True)
    assert '<svg xmlns="http://www.w3.org/2000/svg"' in html and 'role="img"' in html
    for status in (
        "validated",
        "in_progress",
        "not_started",
        "not_validated",
        "evidence_sufficient",
    ):
        assert f'id="pattern-{status}"' in html  # a pattern per status, not only a hue
    assert "✓ 1" in html or "✓" in html
    assert '<table class="distribution">' in html  # the same numbers as a table
    assert "style=" not in html  # CSP: no inline styles


def test_names_sort_naturally_and_units_and_competences_have_distinct_headings(
    app, db_session, demo_cohort, units
):
    trainer = demo_cohort["trainer"]
    trainer.language = "en"
    first, second = demo_cohort["coaches"]
    first.display_name, second.display_name = "Coach 2-10", "Coach 2-2"
    demo_cohort["cohort"].coaches.append(factories.make_user(db_session, display_name="Coach 2-1"))
    db_session.commit()
    page = _client(app, trainer).get(f"/trainer/cohorts/{demo_cohort['cohort'].id}")
    html = page.get_data(as_text=True)
    assert html.index(">Coach 2-1<") < html.index(">Coach 2-2<") < html.index(">Coach 2-10<")
    assert '<th scope="colgroup" colspan="2">Units</th>' in html
    assert '<span class="visually-hidden">Unit </span>T1</th>' in html
    assert '<span class="visually-hidden">Competence </span>KT1</th>' in html
    assert "scroll the table sideways to see them all; the names stay in place." in html


def test_french_csv_opens_in_french_excel(app, db_session, demo_cohort, units):
    """Semicolons, decimal commas, the centre's local time, a byte-order mark, unique titles."""
    trainer = demo_cohort["trainer"]
    coach = demo_cohort["coaches"][0]
    coach.display_name = "Zoé"
    trainer_data.add_progress(db_session, coach, units["T1"], score=0.755, validated_by=trainer)
    db_session.commit()
    client = _client(app, trainer)
    export = client.get(f"/trainer/cohorts/{demo_cohort['cohort'].id}/matrix.csv")
    raw = export.get_data(as_text=True)
    assert raw.startswith("\ufeffCoach;")
    header, *lines = list(csv.reader(io.StringIO(raw.lstrip("\ufeff")), delimiter=";"))
    assert len(set(header)) == len(header), header
    assert "Unité T1\u00a0: statut" in header and "Compétence KT1\u00a0: statut" in header
    zoe = dict(zip(header, next(line for line in lines if line[0] == "Zoé"), strict=True))
    assert zoe["Unité T1\u00a0: meilleur score (%)"] == "75,5"
    attempt = db_session.scalars(select(Attempt).where(Attempt.user_id == coach.id)).first()
    paris = attempt.submitted_at.astimezone(ZoneInfo("Europe/Paris"))
    assert zoe["Unité T1\u00a0: dernière activité"] == paris.strftime("%Y-%m-%d %H:%M")

    # The Excel workbook: the same columns, numbers as numbers, local times as dates.
    workbook = client.get(f"/trainer/cohorts/{demo_cohort['cohort'].id}/matrix.xlsx")
    assert workbook.status_code == 200 and workbook.mimetype == XLSX_MIMETYPE
    assert workbook.headers["Content-Disposition"].endswith('-matrix.xlsx"')
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    xlsx_header, *xlsx_lines = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert xlsx_header == header
    assert len(xlsx_lines) == len(lines)
    zoe_xlsx = dict(zip(header, next(line for line in xlsx_lines if line[0] == "Zoé"), strict=True))
    assert zoe_xlsx["Unité T1\u00a0: meilleur score (%)"] == 75.5
    last = zoe_xlsx["Unité T1\u00a0: dernière activité"]
    assert last.strftime("%Y-%m-%d %H:%M") == paris.strftime("%Y-%m-%d %H:%M")
    assert zoe_xlsx["Unité T1\u00a0: statut"] == zoe["Unité T1\u00a0: statut"]


def test_the_chart_counts_every_coach_while_the_page_shows_a_hundred(
    app, db_session, demo_cohort, units
):
    """The database counts the chart (a competence from its units) as the rows say it, and the
    page builds only its own rows: 130 coaches make two pages of 100 and 30."""
    trainer = demo_cohort["trainer"]
    trainer.language = "en"
    cohort = demo_cohort["cohort"]
    extra = trainer_data.populate(db_session, cohort, units, 128, trainer)
    first = demo_cohort["coaches"][0]
    trainer_data.add_progress(db_session, first, units["T2"], score=0.9)
    refused = Decision(
        coach_id=extra[1].id, unit_code="T2", modality="observation", decision="not_validated",
        decided_by_id=trainer.id, decided_at=utcnow(), statement_id=uuid.uuid4(),
    )  # fmt: skip
    revoked = Decision(
        coach_id=extra[2].id, unit_code="T2", modality="observation", decision="validated",
        decided_by_id=trainer.id, decided_at=utcnow(), statement_id=uuid.uuid4(),
        revoked_at=utcnow(), revoked_by_id=trainer.id, void_statement_id=uuid.uuid4(),
    )  # fmt: skip
    db_session.add_all([refused, revoked])
    db_session.commit()

    matrix = queries.cohort_matrix(db_session, cohort.id)
    expected = {c.code: dict.fromkeys(queries.STATUSES, 0) for c in matrix.competences}
    for row in matrix.rows:
        for code, status in row.competences.items():
            expected[code][status] += 1
    assert len({s for counts in expected.values() for s, n in counts.items() if n}) >= 4
    page = queries.cohort_page(db_session, cohort.id, queries.MatrixFilter(), page=2, page_size=100)
    assert page.distribution == expected
    assert (page.shown, page.total, page.pages, len(page.rows)) == (130, 130, 2, 30)
    assert [r.coach_id for r in page.rows] == [r.coach_id for r in matrix.rows[100:]]

    def marks(rows):  # what the page shows of each cell (the CSV adds statement times)
        return [
            [(c.status, c.best_score, c.attempts, c.passed) for c in row.cells.values()]
            + [row.competences, row.last_activity]
            for row in rows
        ]

    assert marks(page.rows) == marks(matrix.rows[100:])

    html = _client(app, trainer).get(f"/trainer/cohorts/{cohort.id}?page=2").get_data(as_text=True)
    assert (
        "Coaches shown: 130 of 130." in html and html.count('<th scope="row" class="name">') == 30
    )
