"""The coach's self-paced pages through the test client: modules, lessons, quiz, progress."""

import html
import json
import re
from datetime import timedelta
from functools import cache

import pytest
from sqlalchemy import event, func, select

from lms.catalog.models import Quiz
from lms.catalog.service import load_content
from lms.catalog.validation import validate_tree
from lms.config import DEFAULT_CONTENT_ROOT
from lms.delivery.models import LessonProgress, ModuleVisit
from lms.quiz import service as quiz_service
from lms.quiz.models import Answer, Attempt, AttemptSlot
from lms.quiz.types import QUESTION_TYPES
from lms.timeutil import utcnow
from lms.xapi import vocabulary as v
from lms.xapi.models import Statement
from lms.xapi.statements import XapiConfig
from tests.support import factories
from tests.support.sql import statements_run
from tests.support.web import csrf_token

XAPI = XapiConfig(base_iri="https://lms.example.org/xapi")


@cache
def content_report():
    report = validate_tree(DEFAULT_CONTENT_ROOT, question_types=QUESTION_TYPES)
    assert report.ok, report.errors
    return report


@pytest.fixture
def content(db_session):
    """The seven modules of the repository, loaded as `flask content load` does."""
    load_content(db_session, content_report())
    db_session.commit()


def text_of(response) -> str:
    """The visible text of a page, whitespace collapsed."""
    html = response.get_data(as_text=True)
    html = re.sub(r"<(script|style)[^>]*>.*?</\1>", " ", html, flags=re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)).strip()


def statements(session, verb: str) -> list[Statement]:
    return list(session.scalars(select(Statement).where(Statement.verb == verb)))


def post(client, path: str, data: dict | None = None, **kwargs):
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client, "/"))
    return client.post(path, data=data, **kwargs)


# --- catalogue, module, lesson ----------------------------------------------------------------


def test_home_groups_the_seven_modules_by_competence(coach_client, content):
    page = coach_client.get("/").get_data(as_text=True)
    modules = re.findall(r'href="/modules/([^/"]+)/"', page)
    assert modules == ["C1.1", "C1.2", "C2", "C3", "C4.1", "C4.2", "C5"]
    competences = re.findall(r'<h2 id="competence-(C\d)"', page)
    assert competences == ["C1", "C2", "C3", "C4", "C5"]
    assert page.count("<progress") >= 7


def test_module_page_launches_the_module_once(coach_client, content, db_session):
    first = coach_client.get("/modules/C1.1/")
    assert first.status_code == 200
    coach_client.get("/modules/C1.1/")
    assert len(statements(db_session, v.VERB_LAUNCHED)) == 1
    page = text_of(first)
    assert "C1.1-S1" in page  # objectives show the skills they build
    assert page.count("/modules/C1.1/lessons/") == 0  # links are in attributes, not text
    assert len(re.findall(r'href="/modules/C1.1/lessons/', first.get_data(as_text=True))) >= 4


def test_trainer_previews_a_module_without_emitting(trainer_client, content, db_session):
    assert trainer_client.get("/modules/C2/").status_code == 200
    assert statements(db_session, v.VERB_LAUNCHED) == []


def test_lesson_navigation_and_mark_as_done(coach_client, content, db_session, demo_cohort):
    page = coach_client.get("/modules/C1.1/lessons/erasmus-routes")
    html = page.get_data(as_text=True)
    assert 'rel="next" href="/modules/C1.1/lessons/objectives-and-outcomes"' in html
    assert 'rel="prev"' not in html
    assert "<h2" in html  # the rendered Markdown

    done = post(coach_client, "/modules/C1.1/lessons/erasmus-routes/done")
    assert done.status_code == 302
    assert done.headers["Location"].endswith("/modules/C1.1/lessons/objectives-and-outcomes")
    post(coach_client, "/modules/C1.1/lessons/erasmus-routes/done")  # twice: still once
    assert len(statements(db_session, v.VERB_EXPERIENCED)) == 1
    rows = db_session.scalars(select(LessonProgress)).all()
    assert [(r.user_id, r.lesson_slug) for r in rows] == [
        (demo_cohort["coaches"][0].id, "erasmus-routes")
    ]
    # "Continue where I left off" goes to the lesson last opened and not yet done.
    coach_client.get("/modules/C1.1/lessons/host-partnership")
    home = coach_client.get("/").get_data(as_text=True)
    assert 'href="/modules/C1.1/lessons/host-partnership"' in home
    visit = db_session.scalar(select(ModuleVisit))
    db_session.refresh(visit)
    assert visit.last_lesson_slug == "host-partnership"


def test_experienced_carries_the_time_spent_on_the_lesson(
    coach_client, content, db_session, demo_cohort, clock
):
    demo_cohort["coaches"][0].language = "en"
    db_session.commit()
    coach_client.get("/modules/C1.1/lessons/erasmus-routes")
    clock.advance(timedelta(minutes=3, seconds=30))
    post(coach_client, "/modules/C1.1/lessons/erasmus-routes/done")
    [row] = statements(db_session, v.VERB_EXPERIENCED)
    statement = json.loads(row.text)
    # 3 min 30 s on the clock, plus the real time the two requests took.
    assert re.fullmatch(r"PT3M3\d(\.\d+)?S", statement["result"]["duration"])
    # The coach reads English: so says the statement, not the platform's default (fr).
    assert statement["context"]["language"] == "en"


def module_cards(page: str) -> dict[str, str]:
    """The home page's module cards by module code."""
    cards = page.split('<li class="module-card')[1:]
    return {re.search(r'href="/modules/([^/"]+)/"', card).group(1): card for card in cards}


def test_home_cards_say_validated_and_where_to_start(
    coach_client, content, db_session, demo_cohort
):
    from lms.competence import service as competence

    cards = module_cards(coach_client.get("/").get_data(as_text=True))
    assert [code for code, card in cards.items() if "Commencer ici" in card] == ["C1.1"]
    buttons = re.findall(
        r'<a class="button[^"]*" href="[^"]+">([^<]+)</a>', "".join(cards.values())
    )
    assert len(buttons) == 7 and len(set(buttons)) == 7  # one label per module
    assert "Commencer le module C1.2" in buttons
    for unit, modality in (("C1.1", "jury"), ("C1.2", "observation")):
        competence.decide(
            db_session, coach=demo_cohort["coaches"][0], unit_code=unit, modality=modality,
            validated=True, decided_by=demo_cohort["trainer"], xapi=XAPI,
        )  # fmt: skip
    db_session.commit()
    cards = module_cards(coach_client.get("/").get_data(as_text=True))
    assert "✓ Unité validée" in cards["C1.2"] and "Unité validée" not in cards["C2"]
    assert [code for code, card in cards.items() if "Commencer ici" in card] == ["C2"]


def test_home_shows_an_open_timed_attempt_and_leads_to_it(coach_client, db_session, clock):
    factories.make_quiz(db_session, time_limit_minutes=30)
    db_session.commit()
    attempt_id = start(coach_client)
    clock.advance(timedelta(minutes=10, seconds=5))
    page = coach_client.get("/").get_data(as_text=True)
    assert "Une tentative de quiz est en cours" in page
    card = module_cards(page)["T1"]
    assert re.search(r"Tentative chronométrée en cours\W+il reste 20\W+min", card)
    main_button = re.search(r'<a class="button[^"]*" href="([^"]+)"', card).group(1)
    assert main_button == f"/attempts/{attempt_id}"
    clock.advance(timedelta(minutes=21))
    assert "le temps est écoulé" in coach_client.get("/").get_data(as_text=True)


def test_unknown_module_or_lesson_is_404(coach_client, content):
    assert coach_client.get("/modules/C9/").status_code == 404
    assert coach_client.get("/modules/C1.1/lessons/nope").status_code == 404
    assert post(coach_client, "/modules/C1.1/lessons/nope/done").status_code == 404


# --- quiz -------------------------------------------------------------------------------------


def start(client, code: str = "T1") -> int:
    response = post(client, f"/modules/{code}/quiz/start")
    assert response.status_code == 302, response.get_data(as_text=True)[:500]
    return int(response.headers["Location"].rsplit("/", 1)[1])


def answers_of(session, attempt_id: int) -> dict[int, list]:
    rows = session.execute(
        select(AttemptSlot.position, Answer.raw)
        .join(Answer, Answer.slot_id == AttemptSlot.id)
        .where(AttemptSlot.attempt_id == attempt_id)
        .order_by(Answer.id)
    )
    found: dict[int, list] = {}
    for position, raw in rows:
        found.setdefault(position, []).append(raw)
    return found


def test_start_page_states_the_rules(coach_client, db_session):
    factories.make_quiz(db_session, time_limit_minutes=20, attempts_allowed=2)
    db_session.commit()
    page = text_of(coach_client.get("/modules/T1/quiz"))
    assert "20" in page and "70" in page  # time limit and pass mark
    assert re.search(r"\b2\b", page)  # attempts left


def test_answers_are_saved_on_navigation_without_javascript(coach_client, db_session):
    factories.make_quiz(db_session)
    db_session.commit()
    attempt_id = start(coach_client)
    page = coach_client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert 'name="q1"' in page and 'name="q2"' not in page  # one question per page

    moved = post(
        coach_client,
        f"/attempts/{attempt_id}",
        {"shown": "1", "page": "1", "q1": "a", "flag1": "1", "goto": "2"},
    )
    assert moved.headers["Location"].endswith(f"/attempts/{attempt_id}?page=2")
    # Back and forth without a change: no new answer row.
    post(
        coach_client,
        f"/attempts/{attempt_id}",
        {"shown": "1", "page": "1", "q1": "a", "flag1": "1", "goto": "2"},
    )
    assert answers_of(db_session, attempt_id) == {1: ["a"]}
    flagged = db_session.scalar(
        select(AttemptSlot.flagged).where(
            AttemptSlot.attempt_id == attempt_id, AttemptSlot.position == 1
        )
    )
    assert flagged is True
    page = coach_client.get(f"/attempts/{attempt_id}?page=1").get_data(as_text=True)
    assert re.search(r'id="q1-a" value="a" checked', page)


def test_resuming_opens_the_first_unanswered_question(coach_client, db_session):
    factories.make_quiz(db_session)
    db_session.commit()
    attempt_id = start(coach_client)
    for position in (1, 3):
        post(coach_client, f"/attempts/{attempt_id}",
             {"shown": str(position), f"q{position}": "a", "goto": "4"})  # fmt: skip
    resumed = coach_client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert 'name="q2"' in resumed and 'name="q1"' not in resumed
    asked = coach_client.get(f"/attempts/{attempt_id}?page=1").get_data(as_text=True)
    assert 'name="q1"' in asked  # a page asked for is the page shown
    post(coach_client, f"/attempts/{attempt_id}", {"shown": "2", "q2": "a", "goto": "4"})
    resumed = coach_client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert 'name="q4"' in resumed


def test_autosave_saves_and_reports(coach_client, db_session):
    factories.make_quiz(db_session, questions=[factories.question("T1-Q01", "numerical")])
    db_session.commit()
    attempt_id = start(coach_client)
    saved = post(
        coach_client,
        f"/attempts/{attempt_id}/autosave",
        {"shown": "1", "q1": "12,5"},
        headers={"HX-Request": "true"},
    )
    assert saved.status_code == 200 and "error" not in saved.get_data(as_text=True)
    refused = post(
        coach_client,
        f"/attempts/{attempt_id}/autosave",
        {"shown": "1", "q1": "douze"},
        headers={"HX-Request": "true"},
    )
    assert 'class="error"' in refused.get_data(as_text=True)
    assert answers_of(db_session, attempt_id) == {1: ["12,5"]}


def _autosave_cost(app, client, attempt_id: int, token: str, answer: str) -> tuple[int, int]:
    """(SQL statements, answer rows loaded) of one autosave of question 1."""
    loaded = 0

    def count_answer(*_args, **_kwargs):
        nonlocal loaded
        loaded += 1

    event.listen(Answer, "load", count_answer)
    try:
        with statements_run(app) as statements:
            response = client.post(
                f"/attempts/{attempt_id}/autosave",
                data={"csrf_token": token, "shown": "1", "q1": answer},
                headers={"HX-Request": "true"},
            )
    finally:
        event.remove(Answer, "load", count_answer)
    assert response.status_code == 200 and "error" not in response.get_data(as_text=True)
    return len(statements), loaded


def test_an_autosave_costs_the_same_for_the_first_and_the_fiftieth_answer(
    app, coach_client, db_session
):
    factories.make_quiz(db_session)
    db_session.commit()
    attempt_id = start(coach_client)
    token = csrf_token(coach_client, "/")
    first = _autosave_cost(app, coach_client, attempt_id, token, "a")
    for number in range(48):
        _autosave_cost(app, coach_client, attempt_id, token, "ab"[(number + 1) % 2])
    fiftieth = _autosave_cost(app, coach_client, attempt_id, token, "b")
    assert len(answers_of(db_session, attempt_id)[1]) == 50  # every change stored
    (first_statements, _), (statements, loaded) = first, fiftieth
    assert first_statements == statements, (first, fiftieth)
    assert statements <= 4  # the coach, the attempt, its slot with latest answer and grade, insert
    assert loaded == 1  # the latest answer, not the 49 before it


def test_a_malformed_answer_is_shown_back_with_its_message(coach_client, db_session):
    factories.make_quiz(db_session, questions=[factories.question("T1-Q01", "numerical")])
    db_session.commit()
    attempt_id = start(coach_client)
    response = post(
        coach_client,
        f"/attempts/{attempt_id}",
        {"shown": "1", "page": "1", "q1": "douze", "goto": "summary"},
    )
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert 'id="qerror-1"' in html and 'value="douze"' in html
    assert answers_of(db_session, attempt_id) == {}


def test_matching_and_ordering_with_selects_only(coach_client, db_session):
    factories.make_quiz(
        db_session,
        questions=[
            factories.question("T1-Q01", "matching"),
            factories.question("T1-Q02", "ordering"),
        ],
        layout="all_on_one_page",
    )
    db_session.commit()
    attempt_id = start(coach_client)
    page = coach_client.get(f"/attempts/{attempt_id}").get_data(as_text=True)
    assert 'name="q1.p1"' in page and 'name="q2.1"' in page and 'name="q2.3"' in page
    form = {
        "shown": ["1", "2"],
        "page": "1",
        "goto": "summary",
        "q1.p1": "p1",
        "q1.p2": "p2",
        "q1.p3": "p3",
        "q2.1": "i1",
        "q2.2": "i2",
        "q2.3": "i3",
    }
    assert post(coach_client, f"/attempts/{attempt_id}", form).status_code == 302
    assert answers_of(db_session, attempt_id) == {
        1: [{"p1": "p1", "p2": "p2", "p3": "p3"}],
        2: [["i1", "i2", "i3"]],
    }
    assert post(coach_client, f"/attempts/{attempt_id}/submit").status_code == 302
    attempt = db_session.get(Attempt, attempt_id)
    db_session.refresh(attempt)
    assert attempt.score == 1.0


def test_summary_submit_result_and_review(coach_client, db_session):
    factories.make_quiz(db_session)  # Q01,Q03 → S2; Q02,Q04 → S1
    db_session.commit()
    attempt_id = start(coach_client)
    for position, raw in [(1, "a"), (2, "b"), (3, "a")]:
        post(
            coach_client,
            f"/attempts/{attempt_id}",
            {
                "shown": str(position),
                "page": str(position),
                f"q{position}": raw,
                "goto": str(position + 1),
            },
        )
    summary = coach_client.get(f"/attempts/{attempt_id}/summary")
    assert summary.status_code == 200
    assert summary.get_data(as_text=True).count("✗") == 1  # question 4 not answered
    submitted = post(coach_client, f"/attempts/{attempt_id}/submit")
    assert submitted.headers["Location"].endswith(f"/attempts/{attempt_id}/result")
    result = coach_client.get(f"/attempts/{attempt_id}/result")
    html = result.get_data(as_text=True)
    assert re.search(r"T1-S1.*?<progress[^>]*value=\"0", html, re.S)
    assert re.search(r"T1-S2.*?<progress[^>]*value=\"2", html, re.S)
    assert "50" in text_of(result)  # 2 of 4 marks, shown as text, not colour alone
    review = coach_client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert review.count('class="feedback"') >= 3
    # A submitted attempt takes no more answers and its pages lead to the result.
    again = post(coach_client, f"/attempts/{attempt_id}", {"shown": "4", "q4": "a", "goto": "4"})
    assert again.headers["Location"].endswith(f"/attempts/{attempt_id}/result")
    assert 4 not in answers_of(db_session, attempt_id)


def test_an_essay_awaiting_grading_keeps_its_lines_and_a_drawn_icon(coach_client, db_session):
    factories.make_quiz(
        db_session,
        questions=[
            factories.question("T1-Q01", "essay"),
            factories.question("T1-Q02", skills=("T1-S2",)),
        ],
        layout="all_on_one_page",
    )
    db_session.commit()
    attempt_id = start(coach_client)
    essay = "Objectifs, deux.\r\nPartenaires, un.\r\n\r\nCalendrier en mars."
    post(coach_client, f"/attempts/{attempt_id}",
         {"shown": ["1", "2"], "q1": essay, "q2": "a", "goto": "summary"})  # fmt: skip
    post(coach_client, f"/attempts/{attempt_id}/submit")
    review = coach_client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert re.search(r"<p>Objectifs, deux\.<br>\s*Partenaires, un\.</p>", review)
    assert re.search(r"<p>Calendrier en mars\.</p>", review)
    result = coach_client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    for page in (review, result):
        assert "⧗" not in page
        assert re.search(r'<svg class="icon"[^>]* role="img" aria-label="En attente"', page)


def skill_cells(page: str) -> dict[str, str]:
    """The text of each skill's row in the skill tables of a page."""
    rows = re.findall(r'<th scope="row">(T1-S\d).*?</th>(.*?)</tr>', page, re.S)
    return {
        code: re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", cells)).strip() for code, cells in rows
    }


def test_result_and_progress_agree_while_an_essay_waits(coach_client, db_session):
    factories.make_quiz(
        db_session,
        questions=[
            factories.question("T1-Q01", "essay"),
            factories.question("T1-Q02"),
            factories.question("T1-Q03", skills=("T1-S2",)),
        ],
        layout="all_on_one_page",
    )
    db_session.commit()
    attempt_id = start(coach_client)
    post(coach_client, f"/attempts/{attempt_id}",
         {"shown": ["1", "2", "3"], "q1": "Mon plan.", "q2": "a", "q3": "b",
          "goto": "summary"})  # fmt: skip
    post(coach_client, f"/attempts/{attempt_id}/submit")
    result = coach_client.get(f"/attempts/{attempt_id}/result").get_data(as_text=True)
    progress = coach_client.get("/progress").get_data(as_text=True)
    for page in (result, progress):
        cells = skill_cells(page)
        # T1-S1: one question right, the essay not graded yet: pending, not 100 %.
        assert "En attente de la correction de 1 question" in cells["T1-S1"]
        assert "100" not in cells["T1-S1"].replace("1 / 1", "")
        assert re.search(r"0\W+%", cells["T1-S2"])
        # What to revisit: the skill under the bar, not the pending one.
        revisit = page[page.index("À revoir") :]
        assert "T1-S2" in revisit and "T1-S1" not in revisit
        assert 'href="/modules/T1/#lessons"' in revisit


def test_review_keeps_the_key_when_feedback_comes_after_close(coach_client, db_session):
    factories.make_quiz(db_session, feedback_timing="after_close")
    db_session.commit()
    attempt_id = start(coach_client)
    post(coach_client, f"/attempts/{attempt_id}/submit")
    review = coach_client.get(f"/attempts/{attempt_id}/review").get_data(as_text=True)
    assert 'class="feedback"' not in review


def test_time_limit_is_enforced_by_the_server(coach_client, db_session):
    factories.make_quiz(db_session, time_limit_minutes=10)
    db_session.commit()
    attempt_id = start(coach_client)
    post(
        coach_client, f"/attempts/{attempt_id}", {"shown": "1", "page": "1", "q1": "a", "goto": "2"}
    )
    attempt = db_session.get(Attempt, attempt_id)
    attempt.deadline = utcnow() - timedelta(seconds=5)
    db_session.commit()
    late = post(
        coach_client, f"/attempts/{attempt_id}", {"shown": "2", "page": "2", "q2": "a", "goto": "3"}
    )
    assert late.headers["Location"].endswith(f"/attempts/{attempt_id}/result")
    db_session.refresh(attempt)
    assert attempt.state != "open" and attempt.autosubmitted
    assert answers_of(db_session, attempt_id) == {1: ["a"]}


def test_countdown_reaching_zero_submits(coach_client, db_session):
    factories.make_quiz(db_session, time_limit_minutes=10)
    db_session.commit()
    attempt_id = start(coach_client)
    early = post(
        coach_client, f"/attempts/{attempt_id}", {"shown": "1", "page": "1", "goto": "timeout"}
    )
    assert early.headers["Location"].endswith(f"/attempts/{attempt_id}?page=1")  # not yet
    attempt = db_session.get(Attempt, attempt_id)
    attempt.deadline = utcnow()
    db_session.commit()
    on_time = post(
        coach_client,
        f"/attempts/{attempt_id}",
        {"shown": "1", "page": "1", "q1": "a", "goto": "timeout"},
    )
    assert on_time.headers["Location"].endswith(f"/attempts/{attempt_id}/result")
    assert answers_of(db_session, attempt_id) == {1: ["a"]}  # saved within the grace


def test_another_coach_cannot_open_my_attempt(app, coach_client, db_session, demo_cohort):
    quiz = factories.make_quiz(db_session)
    attempt = quiz_service.start(db_session, user=demo_cohort["coaches"][1], quiz=quiz, xapi=XAPI)
    db_session.commit()
    for path in ("", "/summary", "/result", "/review"):
        assert coach_client.get(f"/attempts/{attempt.id}{path}").status_code == 403
    assert (
        post(coach_client, f"/attempts/{attempt.id}", {"shown": "1", "q1": "a"}).status_code == 403
    )


def test_used_attempts_are_refused_with_a_message(coach_client, db_session):
    factories.make_quiz(db_session, attempts_allowed=1)
    db_session.commit()
    post(coach_client, f"/attempts/{start(coach_client)}/submit")
    refused = post(coach_client, "/modules/T1/quiz/start", follow_redirects=True)
    assert refused.status_code == 200
    assert db_session.scalar(select(func.count()).select_from(Attempt)) == 1


def test_progress_page_lists_skills_and_attempts(coach_client, content, db_session, demo_cohort):
    quiz = db_session.scalar(select(Quiz).where(Quiz.module_code == "C2"))
    coach = demo_cohort["coaches"][0]
    attempt = quiz_service.start(db_session, user=coach, quiz=quiz, xapi=XAPI)
    quiz_service.submit(db_session, attempt, xapi=XAPI)
    db_session.commit()
    page = coach_client.get("/progress")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert "C2-S1" in html and f"/attempts/{attempt.id}/result" in html


def test_completion_record_once_something_is_validated(
    coach_client, trainer_client, db_session, demo_cohort, clock
):
    from lms.competence import service as competence

    factories.make_quiz(db_session)
    db_session.commit()
    assert coach_client.get("/progress/record").status_code == 302  # nothing validated yet
    competence.decide(
        db_session, coach=demo_cohort["coaches"][0], unit_code="T1", modality="quiz",
        validated=True, decided_by=demo_cohort["trainer"], xapi=XAPI,
    )  # fmt: skip
    db_session.commit()
    progress = coach_client.get("/progress").get_data(as_text=True)
    assert "/progress/record" in progress
    assert "Unités validées" in progress and "Compétences validées" not in progress
    response = coach_client.get("/progress/record")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf" and response.data.startswith(b"%PDF-")
    coach = demo_cohort["coaches"][0]
    assert re.search(
        rf'^attachment; filename="completion-record-{coach.id}-[a-z0-9-]+\.pdf"$',
        response.headers["Content-Disposition"],
    )
    # The designed document the trainer downloads, not a page of its own.
    trainer_copy = trainer_client.get(f"/trainer/coaches/{coach.id}/record.pdf?lang=fr")
    assert response.data == trainer_copy.data


def test_passing_a_quiz_that_suffices_validates_the_unit(coach_client, db_session):
    from lms.competence.models import Decision

    label = {"fr": "Par le quiz", "en": "By the quiz"}
    factories.make_quiz(db_session, validation={
        "modalities": ["quiz"], "auto_validate_by_quiz": True, "description": label,
        "evaluation_grid": {}})  # fmt: skip
    db_session.commit()
    attempt_id = start(coach_client)
    for position in range(1, 5):
        post(coach_client, f"/attempts/{attempt_id}",
             {"shown": str(position), f"q{position}": "a", "goto": "summary"})  # fmt: skip
    result = post(coach_client, f"/attempts/{attempt_id}/submit", follow_redirects=True)
    assert "T1" in text_of(result)
    decision = db_session.scalar(select(Decision))
    assert (decision.unit_code, decision.automatic, decision.attempt_id) == (
        "T1", True, attempt_id)  # fmt: skip


def test_immediate_feedback_check_button(coach_client, db_session):
    factories.make_quiz(db_session, feedback_timing="immediate")
    db_session.commit()
    attempt_id = start(coach_client)
    page = text_of(coach_client.get(f"/attempts/{attempt_id}?page=1"))
    assert "Vérifier ma réponse" in page
    checked = post(
        coach_client,
        f"/attempts/{attempt_id}",
        {"page": "1", "shown": "1", "q1": "a", "check": "1"},
    )
    assert checked.status_code == 302
    html = coach_client.get(f"/attempts/{attempt_id}?page=1").get_data(as_text=True)
    assert "Correct" in html and "Parce que." in html  # the outcome and the feedback
    assert re.search(r'<fieldset class="question" id="question-1"[^>]* disabled', html)
    post(coach_client, f"/attempts/{attempt_id}", {"page": "1", "shown": "1", "q1": "b"})
    assert answers_of(db_session, attempt_id) == {1: ["a"]}  # a checked answer is final


@pytest.mark.parametrize("code", ["C1.1", "C2", "C4.1", "C5"])
def test_module_page_shows_every_criterion_and_level_of_its_grid(coach_client, content, code):
    """The validation text refers to the jury's grid: the page shows it."""
    module = next(m for m in content_report().content.modules if m.code == code)
    grid = module.validation.evaluation_grid
    page = html.unescape(text_of(coach_client.get(f"/modules/{code}/")))
    assert "Grille d'évaluation" in page
    for criterion in grid.criteria:
        assert criterion.label.fr in page
        assert all(skill in page for skill in criterion.skills)
    scale = re.search(r"sur cette échelle :(.*?)Critère", page).group(1)
    for level in grid.levels:
        assert f"{level.label.fr} ({level.points} point" in scale


def test_documents_download_as_markdown_and_pdf_with_the_case_filled_in(coach_client, content):
    """The model convention of C2, in both formats and both languages, offline."""
    page = coach_client.get("/modules/C2/")
    assert 'href="/modules/C2/documents/model-convention.pdf?lang=fr"' in page.get_data(
        as_text=True
    )
    markdown = coach_client.get("/modules/C2/documents/model-convention.md?lang=fr")
    assert markdown.status_code == 200
    assert markdown.headers["Content-Type"].startswith("text/markdown")
    assert 'filename="C2-model-convention-fr.md"' in markdown.headers["Content-Disposition"]
    text = markdown.get_data(as_text=True)
    assert text.startswith("# Modèle de convention") and "Jonas" in text and "{{" not in text
    english = coach_client.get("/modules/C2/documents/model-convention.md?lang=en")
    assert "# Pedagogical annex" in english.get_data(as_text=True)
    pdf = coach_client.get("/modules/C2/documents/model-convention.pdf?lang=en")
    assert pdf.status_code == 200 and pdf.headers["Content-Type"] == "application/pdf"
    assert pdf.data.startswith(b"%PDF") and len(pdf.data) > 5000


def test_a_lesson_links_the_documents_it_walks_through(coach_client, content):
    page = coach_client.get("/modules/C5/lessons/testimonials-and-events").get_data(as_text=True)
    assert "Documents de cette leçon" in page
    assert "/modules/C5/documents/image-consent-form.pdf?lang=fr" in page
    other = coach_client.get("/modules/C5/lessons/valuing-partners-and-impact")
    assert "Documents de cette leçon" not in other.get_data(as_text=True)


@pytest.mark.parametrize(
    ("url", "status"),
    [
        ("/modules/C2/documents/nothing.pdf", 404),
        ("/modules/C2/documents/model-convention.docx", 404),
        ("/modules/C5/documents/model-convention.md", 404),
        ("/modules/C2/documents/model-convention.md?lang=de", 400),
    ],
)
def test_unknown_documents_formats_and_languages_are_refused(coach_client, content, url, status):
    assert coach_client.get(url).status_code == status
