"""A trainer grades essays one after the other with "save and grade the next answer", from the
dashboard's count, in a real Chromium; the time for ten essays is printed (run with -s)."""

import time

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.auth.models import Cohort
from lms.demo import DEMO_COHORT
from lms.quiz import service as quiz_service
from tests.support import factories, trainer_data
from tests.support.browser import check_accessible, in_app, log_in
from tests.support.trainer_data import XAPI

pytestmark = pytest.mark.browser
ESSAYS = 10


def _submitted_essays(session) -> None:
    quiz = trainer_data.make_units(session, codes=("T1",))["T1"]
    cohort = session.scalar(select(Cohort).where(Cohort.name == DEMO_COHORT))
    for number in range(ESSAYS):
        coach = factories.make_user(
            session, email=f"grading{number}@example.org", display_name=f"Coach {number:02d}"
        )
        cohort.coaches.append(coach)
        attempt = quiz_service.start(session, user=coach, quiz=quiz, xapi=XAPI)
        for position, raw in enumerate(("a", "a", "a", f"Plan {number}"), start=1):
            quiz_service.save_answer(session, attempt, position, raw)
        quiz_service.submit(session, attempt, xapi=XAPI)


def test_a_trainer_grades_ten_essays_with_save_and_next(live_server, page):
    in_app(live_server, _submitted_essays)
    log_in(page, live_server, "trainer@example.org")
    page.goto(f"{live_server.url}/trainer/")
    page.get_by_role("link", name=f"{ESSAYS} réponses à corriger").click()
    page.get_by_role("link", name="Commencer la correction").click()
    check_accessible(page, "grading")

    started = time.monotonic()
    for number in range(ESSAYS):
        expect(page.locator("blockquote.answer")).to_have_text(f"Plan {number}")
        page.locator("label[for='level-accuracy-mastered']").click()  # the whole card
        page.locator("label[for='level-support-partial']").click()
        page.get_by_role("button", name="Enregistrer et corriger la suivante").click()
    elapsed = time.monotonic() - started

    expect(page.get_by_text("Rien à corriger")).to_be_visible()
    print(f"\n{ESSAYS} essays graded with save-and-next in {elapsed:.1f} s")
    page.goto(f"{live_server.url}/trainer/")
    expect(page.get_by_role("link", name="0 réponse à corriger")).to_be_visible()
