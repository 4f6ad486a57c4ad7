"""Live trainer-led sessions through the test client: schedule, open, join, answer, reveal, end."""

import json
import re
import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import select

from lms.catalog import queries
from lms.extensions import db
from lms.live import notify, service
from lms.live.models import LiveParticipant, LiveSession
from lms.quiz.models import Attempt
from lms.timeutil import utcnow
from lms.xapi import vocabulary as v
from lms.xapi.models import Statement
from lms.xapi.statements import XapiConfig
from tests.support import factories
from tests.support.sql import statements_run
from tests.support.web import Auth, csrf_token


def post(client, path: str, data: dict | None = None, **kwargs):
    data = dict(data or {})
    data.setdefault("csrf_token", csrf_token(client, "/"))
    return client.post(path, data=data, **kwargs)


@pytest.fixture
def quiz(db_session):
    quiz = factories.make_quiz(
        db_session,
        questions=[
            factories.question("T1-Q01", skills=["T1-S1"]),
            factories.question("T1-Q02", "true_false", skills=["T1-S2"]),
            factories.question(
                "T1-Q03",
                "multiple_response",
                skills=["T1-S1"],
                options=[
                    {"id": "a", "text": {"fr": "A", "en": "A"}, "fraction": 0.5},
                    {"id": "b", "text": {"fr": "B", "en": "B"}, "fraction": 0.5},
                    {"id": "c", "text": {"fr": "C", "en": "C"}, "fraction": -1},
                ],
            ),
            factories.question("T1-Q04", "essay"),
        ],
    )
    db_session.commit()
    return quiz


def version_ids(db_session, quiz) -> list[int]:
    return [v.id for v in queries.current_question_versions(db_session, quiz.module_code)]


def schedule(trainer_client, demo_cohort, ids, seconds: int = 0) -> int:
    response = post(
        trainer_client,
        "/live/new?module=T1",
        {
            "title": "Webinar T1",
            "cohort": str(demo_cohort["cohort"].id),
            "scheduled_at": "2030-01-15T10:00",
            "question_seconds": str(seconds),
            "questions": [str(i) for i in ids],
        },
    )
    assert response.status_code == 302, response.get_data(as_text=True)[:3000]
    return int(response.headers["Location"].strip("/").rsplit("/", 1)[1])


def revision(client, live_id: int) -> str:
    page = client.get(f"/live/{live_id}/").get_data(as_text=True)
    return re.search(r'name="revision" value="(\d+)"', page).group(1)


def act(client, live_id: int, action: str):
    return post(
        client,
        f"/live/{live_id}/control",
        {"action": action, "revision": revision(client, live_id)},
    )


def test_essays_cannot_be_chosen_for_a_live_session(trainer_client, quiz, db_session):
    page = trainer_client.get("/live/new?module=T1").get_data(as_text=True)
    assert "T1-Q01" in page and "T1-Q04" not in page


def test_a_live_session_from_schedule_to_summary(
    app, trainer_client, coach_client, demo_cohort, quiz, db_session
):
    ids = version_ids(db_session, quiz)[:3]
    live_id = schedule(trainer_client, demo_cohort, ids)
    assert act(trainer_client, live_id, "open").status_code == 302
    control = trainer_client.get(f"/live/{live_id}/").get_data(as_text=True)
    code = re.search(r'class="join-code"[^>]*>(\d{6})<', control).group(1)
    assert 'src="data:image/svg+xml' in control  # the QR code

    joined = post(coach_client, "/live/join", {"code": code[:3] + " " + code[3:]})
    assert joined.headers["Location"].endswith(f"/live/{live_id}/play")
    lobby = coach_client.get(f"/live/{live_id}/play").get_data(as_text=True)
    assert 'hx-trigger="every 1s"' in lobby
    second = app.test_client()
    Auth(second).login(demo_cohort["coaches"][1].email)
    post(second, f"/live/{live_id}/join")
    panel = trainer_client.get(f"/live/{live_id}/panel?revision=1").get_data(as_text=True)
    assert demo_cohort["coaches"][0].display_name in panel
    assert demo_cohort["coaches"][1].display_name in panel

    answers = {1: ("a", "b"), 2: ("true", "true"), 3: (["a", "b"], ["a", "c"])}
    for position, (first, other) in answers.items():
        act(trainer_client, live_id, "next")
        state = coach_client.get(f"/live/{live_id}/state?revision=0").get_data(as_text=True)
        assert f'name="q{position}"' in state
        assert (
            post(
                coach_client,
                f"/live/{live_id}/answer",
                {f"q{position}": first},
                headers={"HX-Request": "true"},
            ).status_code
            == 200
        )
        post(second, f"/live/{live_id}/answer", {f"q{position}": other})
        act(trainer_client, live_id, "reveal")
        revealed = coach_client.get(f"/live/{live_id}/state?revision=0").get_data(as_text=True)
        assert "<progress" in revealed  # the distribution reaches the coaches
        late = post(
            coach_client,
            f"/live/{live_id}/answer",
            {f"q{position}": first},
            headers={"HX-Request": "true"},
        )
        assert late.status_code == 400  # closed: refused with a message

    panel = trainer_client.get(f"/live/{live_id}/panel?revision=0").get_data(as_text=True)
    assert re.search(r"<td>2</td>", panel)  # both chose "a" on question 3
    assert (
        act(trainer_client, live_id, "end").headers["Location"].endswith(f"/live/{live_id}/summary")
    )

    live = db_session.get(LiveSession, live_id)
    db_session.refresh(live)
    assert live.state == "ended" and live.join_code is None
    participants = db_session.scalars(select(LiveParticipant)).all()
    assert all(p.left_at is not None and p.left_at >= p.joined_at for p in participants)
    attempts = {a.user_id: a for a in db_session.scalars(select(Attempt))}
    first_attempt = attempts[demo_cohort["coaches"][0].id]
    assert first_attempt.live_session_id == live_id and first_attempt.state == "graded"
    assert first_attempt.score == 1.0
    assert attempts[demo_cohort["coaches"][1].id].score == pytest.approx(1 / 3)
    assert {s.skill_id for s in first_attempt.skill_scores} == {"T1-S1", "T1-S2"}
    verbs = [s.verb for s in db_session.scalars(select(Statement))]
    assert verbs.count(v.VERB_ATTENDED) == 2
    assert verbs.count(v.VERB_ANSWERED) == 6

    summary = trainer_client.get(f"/live/{live_id}/summary").get_data(as_text=True)
    assert demo_cohort["coaches"][1].display_name in summary and "T1-S2" in summary
    after = coach_client.get(f"/live/{live_id}/play").get_data(as_text=True)
    assert f"/attempts/{first_attempt.id}/review" in after


def test_polls_skip_unchanged_state_and_rejoin_after_refresh(
    trainer_client, coach_client, demo_cohort, quiz, db_session
):
    live_id = schedule(trainer_client, demo_cohort, version_ids(db_session, quiz)[:2])
    act(trainer_client, live_id, "open")
    post(coach_client, f"/live/{live_id}/join")
    current = db_session.get(LiveSession, live_id)
    db_session.refresh(current)
    assert coach_client.get(f"/live/{live_id}/state?revision={current.revision}").status_code == 204
    act(trainer_client, live_id, "next")
    changed = coach_client.get(f"/live/{live_id}/state?revision={current.revision}")
    assert changed.status_code == 200 and 'name="q1"' in changed.get_data(as_text=True)
    # A reloaded page (a new connection, any worker) shows the same question.
    assert 'name="q1"' in coach_client.get(f"/live/{live_id}/play").get_data(as_text=True)
    post(coach_client, f"/live/{live_id}/leave")
    participant = db_session.scalar(select(LiveParticipant))
    db_session.refresh(participant)
    assert participant.left_at is not None
    post(coach_client, f"/live/{live_id}/join")
    db_session.refresh(participant)
    assert participant.left_at is None


def test_stale_control_does_not_advance_twice(trainer_client, demo_cohort, quiz, db_session):
    live_id = schedule(trainer_client, demo_cohort, version_ids(db_session, quiz)[:3])
    act(trainer_client, live_id, "open")
    stale = revision(trainer_client, live_id)
    post(trainer_client, f"/live/{live_id}/control", {"action": "next", "revision": stale})
    post(trainer_client, f"/live/{live_id}/control", {"action": "next", "revision": stale})
    live = db_session.get(LiveSession, live_id)
    db_session.refresh(live)
    assert live.current_position == 1


def test_question_timer_closes_answers(trainer_client, coach_client, demo_cohort, quiz, db_session):
    live_id = schedule(trainer_client, demo_cohort, version_ids(db_session, quiz)[:2], seconds=20)
    act(trainer_client, live_id, "open")
    post(coach_client, f"/live/{live_id}/join")
    act(trainer_client, live_id, "next")
    live = db_session.get(LiveSession, live_id)
    db_session.refresh(live)
    assert live.question_deadline is not None
    live.question_deadline = utcnow() - timedelta(seconds=1)
    db_session.commit()
    refused = post(
        coach_client, f"/live/{live_id}/answer", {"q1": "a"}, headers={"HX-Request": "true"}
    )
    assert refused.status_code == 400
    coach_client.get(f"/live/{live_id}/state?revision=0")  # the first poll closes it for all
    db_session.expire_all()
    assert live.phase == "closed" and live.question_at(1).closed_at is not None


def test_only_the_cohort_joins_and_only_its_trainers_run(
    app, trainer_client, demo_cohort, quiz, db_session
):
    live_id = schedule(trainer_client, demo_cohort, version_ids(db_session, quiz)[:1])
    act(trainer_client, live_id, "open")
    outsider = factories.make_user(db_session)
    other_trainer = factories.make_user(db_session, role="trainer")
    db_session.commit()
    client = app.test_client()
    Auth(client).login(outsider.email)
    assert client.get(f"/live/{live_id}/play").status_code == 403
    live = db_session.get(LiveSession, live_id)
    db_session.refresh(live)
    refused = post(client, "/live/join", {"code": live.join_code}, follow_redirects=True)
    assert db_session.scalars(select(LiveParticipant)).all() == []
    assert refused.status_code == 200
    trainer = app.test_client()
    Auth(trainer).login(other_trainer.email)
    assert trainer.get(f"/live/{live_id}/").status_code == 403
    assert post(trainer, f"/live/{live_id}/control", {"action": "next"}).status_code == 403


def test_wrong_code_is_a_clear_400(coach_client):
    response = post(coach_client, "/live/join", {"code": "000000"})
    assert response.status_code == 400
    assert 'class="error"' in response.get_data(as_text=True)


def test_attendance_uses_the_last_sign_of_life(db_session, demo_cohort, quiz):
    xapi = XapiConfig(base_iri="https://lms.example.org/xapi")
    versions = queries.current_question_versions(db_session, quiz.module_code)[:1]
    live = service.schedule(
        db_session,
        trainer=demo_cohort["trainer"],
        cohort=demo_cohort["cohort"],
        quiz=quiz,
        module=quiz.module,
        scheduled_at=utcnow(),
        versions=versions,
    )
    service.open_session(db_session, live)
    start = utcnow() - timedelta(minutes=30)
    participant = service.join(
        db_session,
        live,
        user=demo_cohort["coaches"][0],
        cohort=demo_cohort["cohort"],
        quiz=quiz,
        xapi=xapi,
        now=start,
    )
    participant.last_seen_at = start + timedelta(minutes=10)  # then the phone went to sleep
    service.end(db_session, live, expected=None, xapi=xapi)
    assert participant.left_at == start + timedelta(minutes=10)
    attended = json.loads(
        db_session.scalar(select(Statement.text).where(Statement.verb == v.VERB_ATTENDED))
    )
    # The session's UUID, not its database integer, which differs between installations.
    assert attended["object"]["id"] == f"{xapi.base_iri}/sessions/{live.public_id}"


def test_an_answer_is_a_sign_of_life_and_the_session_is_named(db_session, demo_cohort, quiz):
    xapi = XapiConfig(base_iri="https://lms.example.org/xapi")
    versions = queries.current_question_versions(db_session, quiz.module_code)[:1]
    start = utcnow() - timedelta(minutes=30)
    live = service.schedule(
        db_session,
        trainer=demo_cohort["trainer"],
        cohort=demo_cohort["cohort"],
        quiz=quiz,
        module=quiz.module,
        scheduled_at=start,
        versions=versions,
    )
    service.open_session(db_session, live, now=start)
    coach = demo_cohort["coaches"][0]
    participant = service.join(
        db_session, live, user=coach, cohort=demo_cohort["cohort"], quiz=quiz, xapi=xapi, now=start
    )
    answered_at = start + timedelta(minutes=20)
    service.control(db_session, live, "next", expected=None, xapi=xapi, now=answered_at)
    service.answer(db_session, live, participant, "a", now=answered_at)
    service.end(db_session, live, expected=None, xapi=xapi)
    [attended] = [
        json.loads(text)
        for text in db_session.scalars(
            select(Statement.text).where(Statement.verb == v.VERB_ATTENDED)
        )
    ]
    # Joined at the start, last seen answering 20 minutes later: not PT0S.
    assert attended["result"]["duration"] == "PT20M"
    session_iri = f"{xapi.base_iri}/sessions/{live.public_id}"
    for verb in (v.VERB_ANSWERED, v.VERB_COMPLETED):
        for text in db_session.scalars(select(Statement.text).where(Statement.verb == verb)):
            grouping = json.loads(text)["context"]["contextActivities"]["grouping"]
            assert session_iri in [activity["id"] for activity in grouping]


def _revealed_room(db_session, quiz, trainer, coaches: int):
    """An open session of ``coaches`` coaches who all answered question 1, now revealed;
    returns the session and one of its coaches."""
    xapi = XapiConfig(base_iri="https://lms.example.org/xapi")
    members = [factories.make_user(db_session) for _ in range(coaches)]
    cohort = factories.make_cohort(db_session, trainers=[trainer], coaches=members)
    live = service.schedule(
        db_session,
        trainer=trainer,
        cohort=cohort,
        quiz=quiz,
        module=quiz.module,
        scheduled_at=utcnow(),
        versions=queries.current_question_versions(db_session, quiz.module_code)[:1],
    )
    service.open_session(db_session, live)
    participants = [
        service.join(db_session, live, user=coach, cohort=cohort, quiz=quiz, xapi=xapi)
        for coach in members
    ]
    service.control(db_session, live, "next", expected=None, xapi=xapi)
    for number, participant in enumerate(participants):
        service.answer(db_session, live, participant, "ab"[number % 2])
    service.control(db_session, live, "reveal", expected=None, xapi=xapi)
    db_session.commit()
    return live, members[0]


def test_polls_the_panel_and_the_projector_cost_the_same_for_3_and_12_coaches(
    app, db_session, quiz
):
    trainer = factories.make_user(db_session, role="trainer")
    rooms = [_revealed_room(db_session, quiz, trainer, size) for size in (3, 12)]
    trainer_client = app.test_client()
    assert Auth(trainer_client).login(trainer.email).status_code == 302
    unchanged, revealed, panels, projectors = [], [], [], []
    for live, coach in rooms:
        coach_client = app.test_client()
        assert Auth(coach_client).login(coach.email).status_code == 302
        with statements_run(app) as statements:
            shown = coach_client.get(f"/live/{live.id}/state?revision={live.revision - 1}")
        assert shown.status_code == 200 and "2" in shown.get_data(as_text=True)
        revealed.append(len(statements))
        with statements_run(app) as statements:
            same = coach_client.get(f"/live/{live.id}/state?revision={live.revision}")
        assert same.status_code == 204
        assert not [s for s in statements if s.lstrip().upper().startswith(("UPDATE", "INSERT"))]
        unchanged.append(len(statements))
        with statements_run(app) as statements:
            panel = trainer_client.get(f"/live/{live.id}/panel?revision={live.revision}")
        assert panel.status_code == 200
        panels.append(len(statements))
        with statements_run(app) as statements:
            projector = trainer_client.get(f"/live/{live.id}/projector/screen")
        # The verdicts, the answers and the leaderboard of the whole room, in a few queries.
        assert projector.status_code == 200 and 'class="leaderboard"' in projector.text
        projectors.append(len(statements))
    # The user, then the session's revision with the coach's membership and presence.
    assert unchanged[0] == unchanged[1] <= 2, unchanged
    # User, session, membership, participant, the questions, the coach's points, rank and
    # the room's count, their slot of the question, the answers' aggregate; nothing read
    # again after a commit.
    assert revealed[0] == revealed[1] <= 10, revealed
    # User, session, membership, questions, present names, answers' aggregate, count.
    assert panels[0] == panels[1] <= 7, panels
    # User, session, membership, questions, answers' aggregate, count, leaderboard.
    assert projectors[0] == projectors[1] <= 7, projectors


def _events(response) -> list[str]:
    """The server-sent events of a stream until it ends, one text block each."""
    text = b"".join(response.response).decode()
    response.close()
    return [block for block in text.split("\n\n") if block]


def _joined_stream(app, trainer_client, client, demo_cohort, quiz, db_session, monkeypatch):
    """A session with its lobby open, the coach joined; the notification is the only way a
    stream can hear of a change (the timed re-reads are pushed past the test)."""
    monkeypatch.setattr(notify, "SQLITE_INTERVAL", 60.0)
    monkeypatch.setattr(notify, "SAFETY_INTERVAL", 60.0)
    live_id = schedule(trainer_client, demo_cohort, version_ids(db_session, quiz)[:2])
    act(trainer_client, live_id, "open")
    post(client, f"/live/{live_id}/join")
    return live_id, db_session.get(LiveSession, live_id).revision


def _act_once_watched(app, trainer_client, live_id: int, action: str) -> threading.Thread:
    """The trainer acts as soon as a stream waits for the session (from another thread)."""
    with app.app_context():
        watcher = notify.watcher_for(db.engine)

    def move_on():
        for _ in range(3000):
            if watcher.watching(live_id):
                break
            time.sleep(0.01)
        act(trainer_client, live_id, action)

    thread = threading.Thread(target=move_on)
    thread.start()
    return thread


def test_a_stream_sends_the_question_the_trainer_shows(
    app, trainer_client, coach_client, demo_cohort, quiz, db_session, monkeypatch
):
    live_id, shown = _joined_stream(
        app, trainer_client, coach_client, demo_cohort, quiz, db_session, monkeypatch
    )
    response = coach_client.get(f"/live/{live_id}/events?revision={shown}", buffered=False)
    assert response.status_code == 200 and response.mimetype == "text/event-stream"
    chunks = iter(response.response)
    assert next(chunks).startswith(b"retry: ")
    trainer = _act_once_watched(app, trainer_client, live_id, "next")
    event = next(chunks).decode()
    trainer.join()
    response.close()
    assert f"id: {shown + 1}\nevent: state\n" in event
    assert 'data: <div id="live-state"' in event and 'name="q1"' in event
    # A question nobody answered is the same for every coach: no token of this coach in it.
    assert 'name="csrf_token"' not in event


def test_a_coach_who_answered_gets_their_own_screen_on_reconnecting(
    app, trainer_client, coach_client, demo_cohort, quiz, db_session, monkeypatch
):
    live_id, shown = _joined_stream(
        app, trainer_client, coach_client, demo_cohort, quiz, db_session, monkeypatch
    )
    act(trainer_client, live_id, "next")
    monkeypatch.setitem(app.config, "LIVE_STREAM_SECONDS", 0.5)
    first = _events(coach_client.get(f"/live/{live_id}/events?revision={shown}"))
    assert 'name="csrf_token"' not in first[-1] and "Réponse enregistrée" not in first[-1]
    post(coach_client, f"/live/{live_id}/answer", {"q1": "a"})
    # A reconnecting browser says which revision it shows (Last-Event-ID).
    again = coach_client.get(f"/live/{live_id}/events", headers={"Last-Event-ID": str(shown)})
    own = _events(again)[-1]
    assert "Réponse enregistrée" in own and 'name="csrf_token"' in own


def test_streams_are_declined_so_that_the_screen_polls(
    app, trainer_client, coach_client, demo_cohort, quiz, db_session, monkeypatch
):
    live_id = schedule(trainer_client, demo_cohort, version_ids(db_session, quiz)[:2])
    act(trainer_client, live_id, "open")
    # Not joined: nothing to follow yet.
    assert coach_client.get(f"/live/{live_id}/events").status_code == 204
    post(coach_client, f"/live/{live_id}/join")
    monkeypatch.setitem(app.config, "LIVE_STREAMS", 1)
    monkeypatch.setitem(app.config, "LIVE_STREAM_SECONDS", 0.2)
    held = coach_client.get(f"/live/{live_id}/events", buffered=False)
    assert held.status_code == 200
    # This worker is full: the screen polls.
    assert coach_client.get(f"/live/{live_id}/events").status_code == 204
    assert coach_client.get(f"/live/{live_id}/state?revision=0").status_code == 200
    held.close()  # a stream that ended, read or not, frees its place
    assert coach_client.get(f"/live/{live_id}/events").status_code == 200


def test_the_join_link_and_qr_code_come_from_the_configured_address(
    app, trainer_client, demo_cohort, quiz, db_session
):
    live_id = schedule(trainer_client, demo_cohort, version_ids(db_session, quiz)[:1])
    assert act(trainer_client, live_id, "open").status_code == 302
    cookie = trainer_client.get_cookie("session").value
    trainer_client.set_cookie("session", cookie, domain="evil.example")
    control = trainer_client.get(f"/live/{live_id}/", base_url="http://evil.example")
    assert control.status_code == 200
    html = control.get_data(as_text=True)
    code = re.search(r'class="join-code"[^>]*>(\d{6})<', html).group(1)
    assert f"{app.config['BASE_URL']}/live/join?code={code}" in html
    assert "evil.example" not in html


def test_an_unchanged_poll_records_the_presence_every_few_seconds_and_refuses_outsiders(
    app, trainer_client, coach_client, demo_cohort, quiz, db_session, clock
):
    live_id = schedule(trainer_client, demo_cohort, version_ids(db_session, quiz)[:1])
    act(trainer_client, live_id, "open")
    post(coach_client, f"/live/{live_id}/join")
    shown = db_session.get(LiveSession, live_id).revision

    def last_seen():
        db_session.expire_all()
        return db_session.scalar(
            select(LiveParticipant.last_seen_at).where(LiveParticipant.live_session_id == live_id)
        )

    joined_at = last_seen()
    clock.advance(timedelta(seconds=3))
    assert coach_client.get(f"/live/{live_id}/state?revision={shown}").status_code == 204
    assert last_seen() == joined_at  # not yet due
    clock.advance(service.PRESENCE_WRITE_EVERY)
    assert coach_client.get(f"/live/{live_id}/state?revision={shown}").status_code == 204
    assert last_seen() >= joined_at + service.PRESENCE_WRITE_EVERY
    # The second coach of the cohort has not joined: nothing to record, the state is theirs.
    second = app.test_client()
    Auth(second).login(demo_cohort["coaches"][1].email)
    assert second.get(f"/live/{live_id}/state?revision={shown}").status_code == 204
    stranger = factories.make_user(db_session)
    db_session.commit()
    outsider = app.test_client()
    Auth(outsider).login(stranger.email)
    assert outsider.get(f"/live/{live_id}/state?revision={shown}").status_code == 403
    assert coach_client.get(f"/live/{live_id + 1000}/state?revision=0").status_code == 404
