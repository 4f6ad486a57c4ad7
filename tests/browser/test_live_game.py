"""A live session played as a game in real Chromiums: the trainer picks two questions in their
own order and starts at once, a projector view follows the room, three coaches on phones score
points (one of them errs), see a verdict after each reveal, and the session ends on a final
ranking. Every wait is on a condition (the machine may be loaded); screenshots of the projector
and of a coach's verdict go to tests/artifacts."""

import re

import pytest
from playwright.sync_api import expect
from sqlalchemy import select

from lms.catalog import queries as catalog
from lms.live.models import LiveScore, LiveSession
from lms.quiz.models import Attempt
from tests.support.browser import ARTIFACTS, answer, check_accessible, in_app, log_in

pytestmark = pytest.mark.browser

COACHES = ["coach3@example.org", "coach4@example.org", "coach5@example.org"]
PICKED = ["C1.1-Q05", "C1.1-Q02"]  # ticked in this order, asked in this order


def _definitions(session) -> dict[str, dict]:
    versions = catalog.current_question_versions(session, "C1.1")
    return {version.question.code: version.definition for version in versions}


def _facts(session, live_id: int) -> dict:
    live = session.get(LiveSession, live_id)
    scores = session.scalars(select(LiveScore).where(LiveScore.live_session_id == live_id)).all()
    attempts = session.scalars(select(Attempt).where(Attempt.live_session_id == live_id)).all()
    return {
        "questions": [q.question_version.question.code for q in live.questions],
        "states": sorted(score.state for score in scores),
        "practice": [attempt.practice for attempt in attempts],
    }


def shoot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)


def test_a_live_game_with_a_projector_three_coaches_points_and_a_ranking(content_server, new_page):
    server = content_server
    definitions = in_app(server, _definitions)

    trainer = new_page("fr-FR")
    log_in(trainer, server, "trainer@example.org")
    trainer.goto(f"{server.url}/live/new?module=C1.1")
    trainer.get_by_label("Titre", exact=True).fill("Quiz en direct C1.1")
    for code in PICKED:  # ticking numbers the questions in turn
        trainer.get_by_label(re.compile(rf"^{re.escape(code)} ")).check()
    expect(trainer.get_by_label(f"Ordre de {PICKED[1]}")).to_have_value("2")
    check_accessible(trainer, "live-game-new")
    trainer.get_by_role("button", name="Démarrer maintenant").click()
    expect(trainer.get_by_text("Session en direct ouverte")).to_be_visible()
    code = trainer.locator(".join-code").inner_text().strip()
    live_id = int(re.search(r"/live/(\d+)/", trainer.url).group(1))

    projector = trainer.context.new_page()
    projector.set_viewport_size({"width": 1280, "height": 720})
    # The projector follows the push alone: its fallback polls are made impossible.
    projector.route(re.compile(r"/projector/screen"), lambda route: route.abort())
    projector.goto(f"{server.url}/live/{live_id}/projector")
    expect(projector.locator(".join-code")).to_have_text(code)
    check_accessible(projector, "live-projector-lobby")

    coaches = []
    for number, email in enumerate(COACHES, start=1):
        coach = new_page("fr-FR")
        coach.set_viewport_size({"width": 390, "height": 844})
        log_in(coach, server, email)
        coach.goto(f"{server.url}/live/join?code={code}")
        expect(coach.get_by_text("Vous êtes dans la salle d'attente.")).to_be_visible()
        coach.get_by_label("Votre nom au classement").fill(f"Équipe {number}")
        coach.get_by_role("button", name="Enregistrer le nom").click()
        expect(coach.get_by_text("Votre nom au classement est enregistré.")).to_be_visible()
        coaches.append(coach)
    expect(projector.get_by_text("3 coachs ont rejoint la session")).to_be_visible()

    for number, question_code in enumerate(PICKED, start=1):
        definition = definitions[question_code]
        label = "Démarrer : afficher la première question" if number == 1 else "Question suivante"
        trainer.get_by_role("button", name=label).click()
        expect(projector.get_by_text("0 sur 3 ont répondu")).to_be_visible()
        for index, coach in enumerate(coaches):
            expect(coach.locator(f"#question-{number} legend")).to_have_text(
                f"Question {number} sur 2"
            )
            answer(coach, number, definition, correct=index != 2)  # the third coach errs
            coach.get_by_role("button", name="Envoyer ma réponse").click()
            expect(coach.locator("#live-answer-status")).to_contain_text("Réponse enregistrée")
        expect(projector.get_by_text("3 sur 3 ont répondu")).to_be_visible()
        # Nothing on the room's screen or the trainer's says which answer is right yet.
        expect(projector.get_by_role("heading", name="Bonne réponse")).to_have_count(0)
        expect(trainer.locator("table.chart tr.key")).to_have_count(0)
        if number == 1:
            check_accessible(projector, "live-projector-question")
        trainer.get_by_role("button", name="Dévoiler les réponses").click()
        expect(projector.get_by_role("heading", name="Bonne réponse")).to_be_visible()
        expect(projector.locator("table.chart tr.key")).not_to_have_count(0)
        expect(projector.locator("table.leaderboard tbody tr")).to_have_count(3)
        for index, coach in enumerate(coaches):
            verdict = coach.locator(".verdict-line")
            expect(verdict).to_contain_text("Incorrect" if index == 2 else "Correct")
        expect(coaches[2].locator(".verdict-line")).to_contain_text("0 point")
        if number == 1:
            shoot(projector, "live-projector-revealed")
            shoot(coaches[0], "live-coach-verdict")
            check_accessible(projector, "live-projector-revealed")
            check_accessible(coaches[0], "live-coach-verdict")

    trainer.get_by_role("button", name="Terminer la session").click()
    expect(trainer.get_by_role("heading", name="Classement")).to_be_visible()
    final = projector.locator("table.leaderboard")
    expect(final.locator("caption")).to_have_text("Classement final")
    expect(final.locator("tbody tr")).to_have_count(3)
    expect(final.locator("tbody tr").last).to_contain_text("Équipe 3")
    shoot(projector, "live-projector-final")
    check_accessible(projector, "live-projector-final")
    for coach in coaches:
        expect(coach.get_by_role("heading", name="Votre score")).to_be_visible()
        expect(coach.locator(".final-total")).to_contain_text("sur 3")
    expect(coaches[2].locator(".final-total")).to_contain_text("0 point · rang 3 sur 3")
    # The page the coach kept open says the session has ended and leads to the results;
    # nothing offers to change the name or to leave any more.
    ended = coaches[0]
    expect(ended.get_by_text("La session est terminée.")).to_be_visible()
    expect(ended.get_by_role("link", name="Mon résultat")).to_be_visible()
    expect(ended.get_by_label("Votre nom au classement")).to_have_count(0)
    expect(ended.get_by_role("button", name="Enregistrer le nom")).to_have_count(0)
    expect(ended.get_by_role("button", name="Quitter la session")).to_have_count(0)
    shoot(coaches[0], "live-coach-final")
    check_accessible(coaches[0], "live-coach-final")

    facts = in_app(server, lambda session: _facts(session, live_id))
    assert facts["questions"] == PICKED
    assert facts["states"] == ["correct"] * 4 + ["incorrect"] * 2
    assert facts["practice"] == [True] * 3
