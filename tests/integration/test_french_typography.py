"""French pages leave with no-break spaces before : ; ? ! and inside « » (questions, feedback,
interface strings); English pages, attributes and what the coach types are left as they are."""

import re

from lms.typography import NBSP, NNBSP
from tests.support import factories
from tests.support.web import csrf_token, logged_in_client

QUESTION = {"fr": "Quel format conseiller « au début » ?", "en": "Which format suits a newcomer ?"}


def attempt_page(app, db_session, language: str) -> str:
    quiz_question = factories.question("T1-Q01", text=QUESTION)
    factories.make_quiz(db_session, questions=[quiz_question])
    coach = factories.make_user(db_session, language=language)
    factories.make_cohort(db_session, coaches=[coach])
    db_session.commit()
    client = logged_in_client(app, coach.email)
    started = client.post(
        "/modules/T1/quiz/start", data={"csrf_token": csrf_token(client, "/modules/T1/quiz")}
    )
    assert started.status_code == 302, started.get_data(as_text=True)[:500]
    return client.get(started.headers["Location"]).get_data(as_text=True)


def test_a_french_question_page_is_typeset(app, db_session):
    page = attempt_page(app, db_session, "fr")
    assert f"Quel format conseiller «{NBSP}au début{NBSP}»{NNBSP}?" in page
    # An interface string, typeset as well: "Question 1 sur 1" has none, the labels do.
    assert re.search(f"[^ ]{NBSP}:", page) or re.search(f"[^ ]{NNBSP}[?!;]", page)
    assert not re.search(r"\w [?!;](?!\w)", strip_verbatim(page))
    for attribute in re.findall(r'(?:title|aria-label|value|placeholder)="([^"]*)"', page):
        assert NNBSP not in attribute and NBSP not in attribute


def test_an_english_page_is_left_as_written(app, db_session):
    page = attempt_page(app, db_session, "en")
    assert "Which format suits a newcomer ?" in page
    assert NNBSP not in page and NBSP not in page


def strip_verbatim(html: str) -> str:
    """The page without tags, scripts, styles and text areas: the text a reader sees."""
    html = re.sub(r"<(script|style|textarea|code|pre)\b.*?</\1>", "", html, flags=re.S)
    return re.sub(r"<[^>]*>", "", html)
