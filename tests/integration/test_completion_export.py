"""Completion records of a cohort as CSV: one line per decision, revoked ones included."""

import csv
import io
from zoneinfo import ZoneInfo

from openpyxl import load_workbook

from lms.competence import service as competence
from lms.quiz import service as quiz_service
from lms.spreadsheets import XLSX_MIMETYPE
from lms.xapi.statements import XapiConfig
from tests.support import factories
from tests.support.web import Auth

XAPI = XapiConfig(base_iri="https://lms.example.org/xapi")
VALIDATION = {
    "modalities": ["quiz", "observation"],
    "auto_validate_by_quiz": False,
    "description": {"fr": "Observation", "en": "Observation"},
    "evaluation_grid": {},
}


def _rows(response) -> list[list[str]]:
    """The rows of a CSV for a French trainer: semicolons, as French Excel reads them."""
    text = response.get_data(as_text=True).lstrip("\ufeff")
    return list(csv.reader(io.StringIO(text), delimiter=";"))


def test_completion_records_csv(trainer_client, db_session, demo_cohort):
    factories.make_quiz(db_session, validation=VALIDATION)
    trainer = demo_cohort["trainer"]
    first, second = demo_cohort["coaches"]
    kept = competence.decide(
        db_session,
        coach=first,
        unit_code="T1",
        modality="observation",
        validated=True,
        decided_by=trainer,
        xapi=XAPI,
    )
    revoked = competence.decide(
        db_session,
        coach=second,
        unit_code="T1",
        modality="observation",
        validated=True,
        decided_by=trainer,
        xapi=XAPI,
    )
    competence.revoke_decision(db_session, revoked, revoked_by=trainer, xapi=XAPI, reason="Erreur")
    db_session.commit()
    cohort_id = demo_cohort["cohort"].id

    response = trainer_client.get(f"/trainer/cohorts/{cohort_id}/completions.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    header, *lines = _rows(response)  # in the trainer's language, French
    assert header == [
        "Coach",
        "Compétence",
        "Unité",
        "Statut",
        "Date",
        "Modalité",
        "Validé par",
        "Score (%)",
    ]
    by_name = {line[0]: line for line in lines}
    assert len(lines) == 2
    assert by_name[first.display_name][1:4] == ["KT1", "T1", "Validé"]
    assert by_name[first.display_name][5:7] == [
        "Observation en situation réelle",
        trainer.display_name,
    ]
    assert by_name[second.display_name][3] == "Révoquée"
    local = kept.decided_at.astimezone(ZoneInfo("Europe/Paris"))
    assert by_name[first.display_name][4] == local.strftime("%Y-%m-%d %H:%M")
    assert not any("@" in cell for line in lines for cell in line)

    # The same columns as an Excel workbook: dates are dates, in the centre's local time.
    workbook = trainer_client.get(f"/trainer/cohorts/{cohort_id}/completions.xlsx")
    assert workbook.status_code == 200 and workbook.mimetype == XLSX_MIMETYPE
    assert 'filename="cohort-' in workbook.headers["Content-Disposition"]
    assert workbook.headers["Content-Disposition"].endswith('completion-records.xlsx"')
    assert workbook.headers["Cache-Control"] == "no-store"
    sheet = load_workbook(io.BytesIO(workbook.data)).active
    xlsx_header, *xlsx_lines = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert xlsx_header == header
    xlsx_first = next(line for line in xlsx_lines if line[0] == first.display_name)
    assert xlsx_first[1:4] == ["KT1", "T1", "Validé"]
    assert xlsx_first[4].strftime("%Y-%m-%d %H:%M") == local.strftime("%Y-%m-%d %H:%M")


def test_completion_records_period_and_bad_dates(trainer_client, demo_cohort):
    url = f"/trainer/cohorts/{demo_cohort['cohort'].id}/completions.csv"
    empty = trainer_client.get(url + "?since=2000-01-01&until=2000-01-31")
    assert empty.status_code == 200 and len(_rows(empty)) == 1  # the header only
    assert trainer_client.get(url + "?since=31/01/2000").status_code == 400


def test_another_trainers_cohort_is_refused(app, db_session, demo_cohort):
    outsider = factories.make_user(db_session, role="trainer")
    db_session.commit()
    client = app.test_client()
    Auth(client).login(outsider.email)
    url = f"/trainer/cohorts/{demo_cohort['cohort'].id}/completions.csv"
    assert client.get(url).status_code == 403


def test_the_score_column_is_the_decisions_own_score(trainer_client, db_session, demo_cohort):
    """The score a decision's statement carries: its grid's points; the quiz's score only for
    a decision by quiz; none for a decision with neither (a jury does not borrow the quiz's)."""
    grid = {
        "criteria": [{"id": "accuracy", "label": {"fr": "Exactitude", "en": "Accuracy"}}],
        "levels": [
            {"id": "partial", "points": 1, "label": {"fr": "Partiel", "en": "Partial"}},
            {"id": "expert", "points": 4, "label": {"fr": "Expert", "en": "Expert"}},
        ],
    }
    quiz = factories.make_quiz(
        db_session,
        validation={
            **VALIDATION,
            "modalities": ["quiz", "observation", "jury"],
            "evaluation_grid": grid,
        },
    )
    trainer, cohort = demo_cohort["trainer"], demo_cohort["cohort"]
    third = factories.make_user(db_session)
    cohort.coaches.append(third)
    decided = {}
    for coach, modality, rubric in (
        (demo_cohort["coaches"][0], "observation", {"accuracy": "partial"}),
        (demo_cohort["coaches"][1], "jury", None),
        (third, "quiz", None),
    ):
        attempt = quiz_service.start(db_session, user=coach, quiz=quiz, xapi=XAPI)
        for position, raw in enumerate(("a", "a", "a", "b"), start=1):
            quiz_service.save_answer(db_session, attempt, position, raw)
        quiz_service.submit(db_session, attempt, xapi=XAPI)
        competence.decide(
            db_session,
            coach=coach,
            unit_code="T1",
            modality=modality,
            validated=True,
            decided_by=trainer,
            xapi=XAPI,
            attempt=attempt,
            rubric=rubric,
        )
        decided[coach.email] = modality
    db_session.commit()

    response = trainer_client.get(f"/trainer/cohorts/{cohort.id}/completions.csv")
    scores = {line[0]: line[7] for line in _rows(response)[1:]}
    assert scores == {
        demo_cohort["coaches"][0].display_name: "25",  # the grid: 1 point of 4
        demo_cohort["coaches"][1].display_name: "",  # a jury without a grid has no score
        third.display_name: "75",  # the quiz: 3 marks of 4
    }
    assert set(decided.values()) == {"observation", "jury", "quiz"}
