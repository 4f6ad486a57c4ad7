"""Live sessions as a game: scheduling (start now, the trainer's order, whole question texts),
a control page that spoils nothing before the reveal, points per question, verdicts, the
leaderboard, and practice or assessed sessions as the attempts record them."""

import re

import pytest
from sqlalchemy import select

from lms.live.models import LiveScore, LiveSession
from lms.quiz.models import Attempt
from tests.integration.test_live import act, post, version_ids
from tests.support import factories
from tests.support.web import Auth

LONG_TEXT = (
    "Une coordinatrice prépare la première mobilité de son centre de formation et se demande "
    "quels documents demander aux apprentis avant le départ, puis lesquels garder au retour."
)


@pytest.fixture
def quiz(db_session):
    quiz = factories.make_quiz(
        db_session,
        questions=[
            factories.question(
                "T1-Q01", skills=["T1-S1"], text={"fr": LONG_TEXT, "en": "A long question."}
            ),
            factories.question("T1-Q02", "true_false", skills=["T1-S2"]),
            factories.question("T1-Q03", "numerical", skills=["T1-S1"]),
        ],
    )
    db_session.commit()
    return quiz


def schedule_form(demo_cohort, ids, **fields) -> dict:
    form = {
        "title": "Webinar T1",
        "cohort": str(demo_cohort["cohort"].id),
        "scheduled_at": "2030-01-15T10:00",
        "question_seconds": "0",
        "questions": [str(i) for i in ids],
    }
    form.update(fields)
    return {key: value for key, value in form.items() if value is not None}


def schedule(trainer_client, demo_cohort, ids, **fields) -> int:
    response = post(
        trainer_client, "/live/new?module=T1", schedule_form(demo_cohort, ids, **fields)
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(response.headers["Location"].strip("/").rsplit("/", 1)[1])


def fresh(db_session, live_id: int) -> LiveSession:
    live = db_session.get(LiveSession, live_id)
    db_session.refresh(live)
    return live


def join(app, email: str, live_id: int):
    client = app.test_client()
    Auth(client).login(email)
    post(client, f"/live/{live_id}/join")
    return client


# --- scheduling ---------------------------------------------------------------------------------


def test_start_now_opens_the_lobby_without_a_date(trainer_client, demo_cohort, quiz, db_session):
    ids = version_ids(db_session, quiz)
    live_id = schedule(
        trainer_client, demo_cohort, ids[:2], scheduled_at=None, start_now="Start now"
    )
    live = fresh(db_session, live_id)
    assert live.state == "open" and re.fullmatch(r"\d{6}", live.join_code)
    page = trainer_client.get(f"/live/{live_id}/").get_data(as_text=True)
    assert live.join_code in page


def test_scheduling_needs_a_date_unless_started_now(trainer_client, demo_cohort, quiz, db_session):
    form = schedule_form(demo_cohort, version_ids(db_session, quiz), scheduled_at=None)
    response = post(trainer_client, "/live/new?module=T1", form)
    assert response.status_code == 400
    assert "ou démarrez maintenant." in response.get_data(as_text=True)
    assert db_session.scalar(select(LiveSession.id)) is None


def test_questions_are_asked_in_the_order_the_trainer_gave(
    trainer_client, demo_cohort, quiz, db_session
):
    first, second, third = version_ids(db_session, quiz)
    live_id = schedule(
        trainer_client,
        demo_cohort,
        [first, second, third],
        **{f"order-{third}": "1", f"order-{first}": "2", f"order-{second}": "3"},
    )
    live = fresh(db_session, live_id)
    assert [q.question_version_id for q in live.questions] == [third, first, second]


@pytest.mark.parametrize("order", ["first", "0", "1000", "²", "١٢", str(2**70)])
def test_a_bad_order_is_a_clear_error_and_schedules_nothing(
    trainer_client, demo_cohort, quiz, db_session, order
):
    first, second, _ = version_ids(db_session, quiz)
    form = schedule_form(demo_cohort, [first, second], **{f"order-{second}": order})
    response = post(trainer_client, "/live/new?module=T1", form)
    assert response.status_code == 400
    assert "T1-Q02 doit être un nombre entier de 1 à 999." in response.get_data(as_text=True)
    assert db_session.scalar(select(LiveSession.id)) is None


def test_the_picker_shows_whole_question_texts(trainer_client, quiz):
    page = trainer_client.get("/live/new?module=T1", headers={"Accept-Language": "fr"}).get_data(
        as_text=True
    )
    assert "puis lesquels garder au retour." in page


# --- the trainer's control page --------------------------------------------------------------


def test_the_control_page_spoils_no_answer_before_the_reveal(
    app, trainer_client, demo_cohort, quiz, db_session
):
    live_id = schedule(trainer_client, demo_cohort, version_ids(db_session, quiz)[:1])
    act(trainer_client, live_id, "open")
    coach = join(app, demo_cohort["coaches"][0].email, live_id)
    lobby = trainer_client.get(f"/live/{live_id}/").get_data(as_text=True)
    assert 'class="join-box"' in lobby  # the whole join box while coaches arrive
    act(trainer_client, live_id, "next")
    post(coach, f"/live/{live_id}/answer", {"q1": "a"})
    for page in (
        trainer_client.get(f"/live/{live_id}/").get_data(as_text=True),
        trainer_client.get(f"/live/{live_id}/panel").get_data(as_text=True),
    ):
        assert "<progress" in page and 'class="key"' not in page
        assert "✓ bonne réponse" not in page
    control = trainer_client.get(f"/live/{live_id}/").get_data(as_text=True)
    # The question and its bars come first; the join code, compact, after them.
    assert control.index('id="current-title"') < control.index('id="join-title"')
    assert 'class="join-box compact"' in control
    act(trainer_client, live_id, "reveal")
    revealed = trainer_client.get(f"/live/{live_id}/panel").get_data(as_text=True)
    assert 'class="key"' in revealed and "✓ bonne réponse" in revealed


# --- practice and assessed sessions ------------------------------------------------------------


def play_to_the_end(app, trainer_client, demo_cohort, live_id: int, answers: dict) -> None:
    act(trainer_client, live_id, "open")
    coach = join(app, demo_cohort["coaches"][0].email, live_id)
    for position, raw in answers.items():
        act(trainer_client, live_id, "next")
        post(coach, f"/live/{live_id}/answer", {f"q{position}": raw})
    act(trainer_client, live_id, "end")


@pytest.mark.parametrize(
    ("kind", "chosen", "practice", "counted"),
    [
        ("practice", 2, True, False),  # covers the unit, yet practice
        ("assessed", 2, False, True),  # covers T1-S1 and T1-S2: counts
        ("assessed", 1, False, False),  # leaves T1-S2 out: shown as practice
    ],
)
def test_the_session_kind_is_stored_on_its_attempts(
    app, trainer_client, demo_cohort, quiz, db_session, kind, chosen, practice, counted
):
    ids = version_ids(db_session, quiz)[:chosen]
    live_id = schedule(trainer_client, demo_cohort, ids, kind=kind)
    control = trainer_client.get(f"/live/{live_id}/").get_data(as_text=True)
    if kind == "assessed" and not counted:
        assert "Session évaluée comptée comme entraînement" in control and "T1-S2" in control
    answers = {1: "a", 2: "true"}
    play_to_the_end(app, trainer_client, demo_cohort, live_id, dict(list(answers.items())[:chosen]))
    attempt = db_session.scalar(select(Attempt).where(Attempt.live_session_id == live_id))
    db_session.refresh(attempt)
    assert attempt.practice is practice and attempt.score == 1.0
    assert (attempt.proposed_status != "practice") is counted


def test_the_leaderboard_is_off_by_default_for_an_assessed_session(
    trainer_client, demo_cohort, quiz, db_session
):
    ids = version_ids(db_session, quiz)
    assessed = fresh(db_session, schedule(trainer_client, demo_cohort, ids, kind="assessed"))
    practice = fresh(db_session, schedule(trainer_client, demo_cohort, ids, kind="practice"))
    named = fresh(
        db_session,
        schedule(trainer_client, demo_cohort, ids, kind="assessed", leaderboard="names"),
    )
    assert (assessed.leaderboard, practice.leaderboard, named.leaderboard) == (
        "off",
        "pseudonyms",
        "names",
    )
    assert assessed.assessed and not practice.assessed


# --- points -------------------------------------------------------------------------------------


def test_points_are_fixed_when_the_answers_close(
    app, trainer_client, demo_cohort, quiz, db_session
):
    ids = version_ids(db_session, quiz)[:2]
    live_id = schedule(trainer_client, demo_cohort, ids, question_seconds="20", speed_bonus="y")
    act(trainer_client, live_id, "open")
    right, _silent = (join(app, coach.email, live_id) for coach in demo_cohort["coaches"])
    act(trainer_client, live_id, "next")
    post(right, f"/live/{live_id}/answer", {"q1": "a"})
    act(trainer_client, live_id, "close")
    scores = db_session.scalars(select(LiveScore).order_by(LiveScore.participant_id)).all()
    assert [(s.position, s.state) for s in scores] == [(1, "correct"), (1, "unanswered")]
    fast, none = scores
    # The server timed the answer from the question's opening: quick, so close to 1000.
    assert 0 <= fast.seconds < 20 and fast.points == round(1000 * (1 - fast.seconds / 40))
    assert (none.points, none.seconds) == (0, None)
    act(trainer_client, live_id, "reveal")  # revealing does not score the question again
    assert len(db_session.scalars(select(LiveScore)).all()) == 2


def test_speed_points_need_a_timer(trainer_client, demo_cohort, quiz, db_session):
    form = schedule_form(demo_cohort, version_ids(db_session, quiz), speed_bonus="y")
    response = post(trainer_client, "/live/new?module=T1", form)
    assert response.status_code == 400
    assert "Les points de rapidité demandent un temps par question." in response.get_data(
        as_text=True
    )


# --- verdicts, final summary, leaderboard -------------------------------------------------------


def coach_screen(client, live_id: int) -> str:
    return client.get(f"/live/{live_id}/state?revision=-1").get_data(as_text=True)


def test_each_coach_gets_a_verdict_after_the_reveal_and_a_final_summary(
    app, trainer_client, demo_cohort, quiz, db_session
):
    live_id = schedule(trainer_client, demo_cohort, version_ids(db_session, quiz)[:2])
    act(trainer_client, live_id, "open")
    right, wrong = (join(app, coach.email, live_id) for coach in demo_cohort["coaches"])
    assert (
        post(right, f"/live/{live_id}/pseudonym", {"pseudonym": "  Ada   L. "}).status_code == 302
    )
    act(trainer_client, live_id, "next")
    post(right, f"/live/{live_id}/answer", {"q1": "a"})
    post(wrong, f"/live/{live_id}/answer", {"q1": "b"})
    assert "verdict" not in coach_screen(right, live_id)  # nothing before the reveal
    act(trainer_client, live_id, "reveal")
    mine, theirs = coach_screen(right, live_id), coach_screen(wrong, live_id)
    # The coaches read French: "1 000 points", "rang 1 sur 2".
    assert re.search(r"✓ Correct</span>\s*· <strong>1\s000 points</strong>", mine)
    assert "rang 1 sur 2" in mine
    assert re.search(r"✗ Incorrect</span>\s*· <strong>0 point</strong>", theirs)
    assert "rang 2 sur 2" in theirs
    act(trainer_client, live_id, "next")
    post(wrong, f"/live/{live_id}/answer", {"q2": "true"})
    act(trainer_client, live_id, "end")

    final = wrong.get(f"/live/{live_id}/play").get_data(as_text=True)
    assert "Votre score" in final and re.search(r"1\s000 points · rang 1 sur 2", final)
    ranking = final[final.index('class="leaderboard"') :]
    # A practice session ranks by pseudonym: the chosen one, or "Player <join number>"; the
    # two coaches tie on 1 000 points and keep their join order.
    assert ranking.index("Ada L.") < ranking.index("Joueur·se 2")
    assert demo_cohort["coaches"][0].display_name not in ranking
    assert 'class="mine"' in ranking
    summary = trainer_client.get(f"/live/{live_id}/summary").get_data(as_text=True)
    assert "Classement" in summary and demo_cohort["coaches"][1].display_name in summary


def test_an_assessed_session_shows_no_ranking_by_default(
    app, trainer_client, demo_cohort, quiz, db_session
):
    ids = version_ids(db_session, quiz)[:1]
    live_id = schedule(trainer_client, demo_cohort, ids, kind="assessed")
    act(trainer_client, live_id, "open")
    coach = join(app, demo_cohort["coaches"][0].email, live_id)
    assert 'name="pseudonym"' not in coach.get(f"/live/{live_id}/play").get_data(as_text=True)
    act(trainer_client, live_id, "next")
    post(coach, f"/live/{live_id}/answer", {"q1": "a"})
    act(trainer_client, live_id, "reveal")
    screen = coach_screen(coach, live_id)
    assert re.search(r"1\s000 points", screen) and "rang" not in screen
    act(trainer_client, live_id, "end")
    final = coach.get(f"/live/{live_id}/play").get_data(as_text=True)
    assert "Votre score" in final and 'class="leaderboard"' not in final


@pytest.mark.parametrize(
    ("pseudonym", "message"),
    [("   ", "Saisissez un nom pour le classement."), ("x" * 41, "au plus 40 caractères")],
)
def test_a_bad_pseudonym_is_a_clear_400(
    app, trainer_client, demo_cohort, quiz, db_session, pseudonym, message
):
    live_id = schedule(trainer_client, demo_cohort, version_ids(db_session, quiz)[:1])
    act(trainer_client, live_id, "open")
    coach = join(app, demo_cohort["coaches"][0].email, live_id)
    response = post(coach, f"/live/{live_id}/pseudonym", {"pseudonym": pseudonym})
    assert response.status_code == 400 and message in response.get_data(as_text=True)


# --- the projector ----------------------------------------------------------------------------


def test_the_projector_shows_the_question_then_the_answers_on_reveal(
    app, trainer_client, demo_cohort, quiz, db_session
):
    ids = version_ids(db_session, quiz)
    live_id = schedule(trainer_client, demo_cohort, [ids[2]], kind="practice")
    act(trainer_client, live_id, "open")
    right, wrong = (join(app, coach.email, live_id) for coach in demo_cohort["coaches"])
    lobby = trainer_client.get(f"/live/{live_id}/projector").get_data(as_text=True)
    code = fresh(db_session, live_id).join_code
    assert code in lobby and "2 coachs ont rejoint la session" in lobby
    act(trainer_client, live_id, "next")
    post(right, f"/live/{live_id}/answer", {"q1": "12"})
    asking = trainer_client.get(f"/live/{live_id}/projector").get_data(as_text=True)
    assert "Question T1-Q03" in asking and "1 sur 2 ont répondu" in asking
    assert "Bonne réponse" not in asking and "<progress" not in asking
    post(wrong, f"/live/{live_id}/answer", {"q1": "7,5"})
    act(trainer_client, live_id, "reveal")
    revealed = trainer_client.get(f"/live/{live_id}/projector/screen").get_data(as_text=True)
    assert "2 sur 2 ont répondu" in revealed and "Bonne réponse" in revealed
    # The numerical question's histogram: the values given, the right one marked.
    assert re.search(r'<tr class="key">\s*<th scope="row">12 ', revealed)
    assert '<th scope="row">7,5</th>' in revealed
    assert 'class="leaderboard"' in revealed and "Joueur·se 1" in revealed


def test_the_trainers_screens_follow_by_events(
    app, trainer_client, demo_cohort, quiz, db_session, monkeypatch
):
    monkeypatch.setitem(app.config, "LIVE_STREAM_SECONDS", 0.5)
    live_id = schedule(trainer_client, demo_cohort, version_ids(db_session, quiz)[:1])
    act(trainer_client, live_id, "open")
    coach = join(app, demo_cohort["coaches"][0].email, live_id)
    act(trainer_client, live_id, "next")
    control = trainer_client.get(f"/live/{live_id}/").get_data(as_text=True)
    assert f'data-events="/live/{live_id}/panel/events"' in control
    post(coach, f"/live/{live_id}/answer", {"q1": "a"})
    revision = fresh(db_session, live_id).revision
    for path, marker in (
        ("panel/events", "1 réponse pour l"),
        ("projector/events", "1 sur 1 ont répondu"),
    ):
        response = trainer_client.get(f"/live/{live_id}/{path}")
        assert response.mimetype == "text/event-stream"
        events = [block for block in response.get_data(as_text=True).split("\n\n") if block]
        assert events[0].startswith("retry: ")
        assert events[1].startswith(f"id: {revision}\nevent: screen\n") and marker in events[1]


def test_a_full_worker_declines_the_trainers_streams_so_that_they_poll(
    app, trainer_client, demo_cohort, quiz, db_session, monkeypatch
):
    live_id = schedule(trainer_client, demo_cohort, version_ids(db_session, quiz)[:1])
    act(trainer_client, live_id, "open")
    monkeypatch.setitem(app.config, "LIVE_STREAMS", 0)
    for path in ("panel/events", "projector/events"):
        assert trainer_client.get(f"/live/{live_id}/{path}").status_code == 204
    assert trainer_client.get(f"/live/{live_id}/projector/screen").status_code == 200
