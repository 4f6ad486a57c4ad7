"""Retention periods applied: plan() at its boundaries, apply(), `flask privacy retention`."""

import copy
import hashlib
import json
import re
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.auth import audit
from lms.auth.models import ApiToken, LoginSession, User
from lms.competence import record
from lms.competence.models import Decision
from lms.delivery.models import LessonProgress, ModuleVisit
from lms.extensions import db
from lms.live.models import LiveParticipant, LiveScore, LiveSession
from lms.privacy import retention
from lms.quiz.models import NEEDS_GRADING, Attempt
from lms.xapi.models import Statement
from tests.support import factories, trainer_data
from tests.support.web import logged_in_client

NOW = datetime(2031, 6, 30, 8, 0, tzinfo=UTC)
PERIODS = {
    "trail": 365,
    "answers": 730,
    "evidence": 1095,
    "records": 1825,
    "inactive_accounts": 1095,
}
# The boundaries of the other kinds, with every account active.
ACTIVE = {**PERIODS, "inactive_accounts": 100_000}
SECOND = timedelta(seconds=1)


def _days(n: int) -> datetime:
    return NOW - timedelta(days=n)


def _decision(session, coach, trainer, unit: str, at: datetime, path: str | None) -> Decision:
    decision = Decision(
        coach_id=coach.id,
        unit_code=unit,
        modality="observation",
        decision="not_validated",
        decided_by_id=trainer.id,
        decided_at=at,
        statement_id=uuid.uuid4(),
        attachment_path=path,
        attachment_name="report.pdf" if path else None,
        attachment_type="pdf" if path else None,
        attachment_size=15 if path else None,
        attachment_sha256="0" * 64 if path else None,
    )
    session.add(decision)
    session.flush()
    return decision


@pytest.fixture
def boundaries(db_session, demo_cohort):
    """Each kind twice: exactly at the end of its period, and one second short of it."""
    session, coach, trainer = db_session, demo_cohort["coaches"][0], demo_cohort["trainer"]
    rows = {}
    visits = [
        ModuleVisit(user_id=coach.id, module_code=code, launched_at=at, last_visited_at=at)
        for code, at in (("T1", _days(365)), ("T2", _days(365) + SECOND))
    ]
    lessons = [
        LessonProgress(user_id=coach.id, module_code="T1", lesson_slug=slug, completed_at=at)
        for slug, at in (("one", _days(365)), ("two", _days(365) + SECOND))
    ]
    session.add_all(visits + lessons)
    quizzes = trainer_data.make_units(session, codes=("T1", "T2", "T3", "T4"))
    for quiz in quizzes.values():
        trainer_data.add_progress(session, coach, quiz)
    live = LiveSession(
        cohort_id=demo_cohort["cohort"].id,
        trainer_id=trainer.id,
        module_code="T1",
        quiz_id=quizzes["T1"].id,
        title="Live",
        scheduled_at=_days(400),
    )
    session.add(live)
    session.flush()
    present = [
        LiveParticipant(live_session_id=live.id, user_id=user.id, joined_at=at, last_seen_at=at)
        for user, at in zip(demo_cohort["coaches"], (_days(365), _days(365) + SECOND), strict=True)
    ]
    session.add_all(present)
    session.flush()
    session.add_all(
        LiveScore(
            live_session_id=live.id, participant_id=one.id, position=1, state="correct",
            fraction=1.0, points=1000,
        )
        for one in present
    )  # fmt: skip
    attempts = session.scalars(select(Attempt).order_by(Attempt.id)).all()
    attempts[0].submitted_at = _days(730)
    attempts[1].submitted_at = _days(730) + SECOND
    attempts[2].submitted_at, attempts[2].state = _days(2000), NEEDS_GRADING  # not graded yet
    attempts[3].submitted_at, attempts[3].answers_deleted_at = _days(2000), _days(1000)
    ended = _decision(session, coach, trainer, "T1", _days(1095), "evidence/ended.pdf")
    kept = _decision(session, coach, trainer, "T1", _days(1095) + SECOND, "evidence/kept.pdf")
    # One file, two decisions (a live session's participants): it stays while one keeps it.
    shared_old = _decision(session, coach, trainer, "T2", _days(2000), "evidence/shared.pdf")
    _decision(session, demo_cohort["coaches"][1], trainer, "T2", _days(10), "evidence/shared.pdf")
    gone = _decision(session, coach, trainer, "T2", _days(2000), "evidence/gone.pdf")
    gone.attachment_deleted_at = _days(900)
    _decision(session, coach, trainer, "T1", _days(2000), None)
    session.commit()
    rows.update(visits=visits, lessons=lessons, attempts=attempts, present=present)
    rows.update(ended=ended, kept=kept, shared_old=shared_old)
    return rows


def test_plan_takes_what_is_exactly_at_the_end_of_its_period_and_nothing_younger(
    db_session, boundaries
):
    found = retention.plan(db_session, periods=ACTIVE, now=NOW)
    assert found.module_visits == (boundaries["visits"][0].id,)
    assert found.lesson_progress == (boundaries["lessons"][0].id,)
    assert found.live_participants == (boundaries["present"][0].id,)
    assert found.attempts == (boundaries["attempts"][0].id,)
    assert found.decisions == (boundaries["ended"].id, boundaries["shared_old"].id)
    assert found.files == ("evidence/ended.pdf",)
    assert found.counts() == {"trail": 3, "answers": 1, "evidence": 2, "accounts": 0}
    one_second_earlier = retention.plan(db_session, periods=ACTIVE, now=NOW - SECOND)
    assert one_second_earlier.module_visits == one_second_earlier.attempts == ()
    assert one_second_earlier.decisions == (boundaries["shared_old"].id,)
    assert one_second_earlier.files == ()


def test_the_periods_are_read_per_kind(db_session, boundaries):
    longer = {kind: days + 1 for kind, days in ACTIVE.items()}
    assert retention.plan(db_session, periods=longer, now=NOW).counts() == {
        "trail": 0,
        "answers": 0,
        "evidence": 1,  # the shared file's old decision only
        "accounts": 0,
    }


def _person(session, role="coach", *, created: datetime, **values) -> User:
    person = factories.make_user(session, role=role, **values)
    person.created_at = created
    return person


def test_accounts_end_after_their_last_sign_of_life_and_their_last_decision(db_session):
    session, long_ago = db_session, _days(4000)
    trainer = _person(session, "trainer", created=_days(10))
    never = _person(session, created=_days(1095))
    young = _person(session, created=_days(1095) + SECOND)
    logged_in, logged_in_later = (
        _person(session, created=long_ago),
        _person(session, created=long_ago),
    )
    audit.record(session, "login.succeeded", actor=logged_in, now=_days(1095))
    audit.record(session, "login.succeeded", actor=logged_in_later, now=_days(1095) + SECOND)
    browsing, token_user = _person(session, created=long_ago), _person(session, created=long_ago)
    session.add(LoginSession(user_id=browsing.id, token_hash="0" * 64, last_seen_at=_days(100)))
    session.add(
        ApiToken(user_id=token_user.id, name="t", token_hash="1" * 64, last_used_at=_days(9))
    )
    new_password = _person(session, created=long_ago)
    new_password.password_changed_at = _days(100)
    decided, decided_later = _person(session, created=long_ago), _person(session, created=long_ago)
    _decision(session, decided, trainer, "T1", _days(1825), None)
    _decision(session, decided_later, trainer, "T1", _days(1825) + SECOND, None)
    erased = _person(session, created=long_ago)
    erased.email = "erased-0@erased.invalid"
    first_admin = _person(session, "admin", created=long_ago)
    second_admin = _person(session, "admin", created=long_ago)
    session.commit()

    found = retention.plan(session, periods=PERIODS, now=NOW)
    assert found.accounts == (never.id, logged_in.id, decided.id, second_admin.id)
    assert erased.id not in found.accounts and first_admin.id not in found.accounts
    assert found.counts()["accounts"] == 4
    retention.apply(session, found, upload_dir=Path("/nonexistent"))
    session.commit()
    session.expire_all()
    for person in (never, logged_in, decided, second_admin):
        assert session.get(User, person.id).email.endswith("@erased.invalid")
    for person in (young, logged_in_later, browsing, token_user, new_password, decided_later):
        assert not session.get(User, person.id).email.endswith("@erased.invalid")
    assert session.get(User, first_admin.id).active  # never the last active administrator
    assert retention.plan(session, periods=PERIODS, now=NOW).accounts == ()


def test_files_are_removed_once_the_run_commits_and_never_on_a_rollback(
    app, db_session, boundaries
):
    upload_dir = Path(app.config["UPLOAD_DIR"])
    for name in ("ended", "kept", "shared"):
        (upload_dir / "evidence").mkdir(parents=True, exist_ok=True)
        (upload_dir / "evidence" / f"{name}.pdf").write_bytes(b"%PDF-1.7\n%%EOF\n")
    found = retention.plan(db_session, periods=ACTIVE, now=NOW)
    retention.apply(db_session, found, upload_dir=upload_dir)
    db_session.rollback()
    assert (upload_dir / "evidence" / "ended.pdf").exists()
    db_session.commit()  # the rolled-back run left nothing waiting for a commit
    assert (upload_dir / "evidence" / "ended.pdf").exists()
    retention.apply(db_session, found, upload_dir=upload_dir)
    assert (upload_dir / "evidence" / "ended.pdf").exists()
    db_session.commit()
    assert not (upload_dir / "evidence" / "ended.pdf").exists()
    assert (upload_dir / "evidence" / "kept.pdf").exists()
    assert (upload_dir / "evidence" / "shared.pdf").exists()
    remaining = db_session.scalars(select(LiveScore.participant_id)).all()
    assert remaining == [boundaries["present"][1].id]  # the points went with the presence
    assert retention.plan(db_session, periods=ACTIVE, now=NOW).is_empty


def test_now_is_read_in_utc_unless_it_names_an_offset(runner):
    for given, read in (
        ("2027-06-30", "2027-06-30T00:00:00+00:00"),
        ("2027-06-30T08:00:00+02:00", "2027-06-30T06:00:00+00:00"),
        ("2027-06-30T08:00:00Z", "2027-06-30T08:00:00+00:00"),
    ):
        result = runner.invoke(args=["privacy", "retention", "--dry-run", "--json", "--now", given])
        assert result.exit_code == 0, result.output
        assert json.loads(result.output)["now"] == read


def test_a_bad_now_is_a_clear_error(runner):
    result = runner.invoke(args=["privacy", "retention", "--now", "next tuesday"])
    assert result.exit_code == 2
    assert "'next tuesday' is not an ISO 8601 date or time" in result.output


# -- the command, on a simulated centre of several ages -----------------------------------------

TODAY = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0)
LATER = TODAY + timedelta(days=30)  # the day the command is run for


def _snapshot(app) -> tuple[dict, dict]:
    """Every row of every table (through the metadata), and every uploaded file's digest."""
    tables = {}
    with app.app_context(), db.engine.connect() as connection:
        for table in db.metadata.sorted_tables:
            keys = [column.name for column in table.primary_key.columns]
            tables[table.name] = {
                tuple(row[key] for key in keys): dict(row)
                for row in connection.execute(select(table)).mappings()
            }
    root = Path(app.config["UPLOAD_DIR"])
    files = {
        path.relative_to(root).as_posix(): hashlib.sha256(path.read_bytes()).hexdigest()
        for path in root.rglob("*")
        if path.is_file()
    }
    return tables, files


def _records(app) -> dict[int, tuple]:
    """What certifications rest on, per coach: their completion record (unit, date, modality,
    validator and statement of each decision; competences complete) and their units as the LRS
    rebuild reads them."""
    with app.app_context():
        coaches = db.session.scalars(select(User).where(User.role == "coach").order_by(User.id))
        moment = datetime(2030, 1, 1, tzinfo=UTC)
        records = {
            coach.id: record.completion_record(db.session, coach, now=moment) for coach in coaches
        }
        db.session.commit()  # a record shown for the first time stores its verification code
        rebuilt = record.evidence_records(db.session)
        names = {coach.id: coach.email for coach in db.session.scalars(select(User))}
        return {
            coach_id: (
                found.entries,
                found.competences_complete,
                found.verification_code,
                sorted(rebuilt[names[coach_id]].units, key=lambda unit: unit.decided_at)
                if names[coach_id] in rebuilt
                else [],
            )
            for coach_id, found in records.items()
        }


def _simulate(runner, clock, seed: int, at: datetime) -> None:
    clock.reset()
    clock.advance(at - datetime.now(UTC))
    result = runner.invoke(args=["demo", "simulate", "--coaches", "3", "--seed", str(seed)])
    assert result.exit_code == 0, result.output
    clock.reset()


def _expected(before: dict, report: dict, moment: datetime) -> dict:
    """The tables as the report announces them after the run."""
    expected = copy.deepcopy(before)
    trail = report["trail"]
    for table in ("module_visits", "lesson_progress", "live_participants"):
        for row_id in trail[table]:
            del expected[table][(row_id,)]
    for key, row in list(expected["live_scores"].items()):
        if row["participant_id"] in trail["live_participants"]:
            del expected["live_scores"][key]
    attempts = set(report["answers"]["attempts"])
    slots = {row["id"] for row in before["attempt_slots"].values() if row["attempt_id"] in attempts}
    for row_id in attempts:
        expected["attempts"][(row_id,)]["answers_deleted_at"] = moment
    for row in expected["answers"].values():
        if row["slot_id"] in slots:
            row["raw"] = None
    for row in expected["grades"].values():
        if row["slot_id"] in slots:
            row.update(comment=None, feedback=[])
    for row_id in report["evidence"]["decisions"]:
        expected["competence_validations"][(row_id,)]["attachment_deleted_at"] = moment
    return expected


def _about(tables: dict, people: set[int], emails: set[str]) -> dict[str, set]:
    """Per table, the keys of the rows about ``people``: an account column naming one of
    them, or belonging to such a row (an attempt's slots, their answers and grades, a
    participant's points), or naming their address (statements, throttling, audit log)."""
    about: dict[str, set] = {}
    owned: dict[str, set] = {"users": set(people)}
    for table in db.metadata.sorted_tables:
        rows = tables[table.name]
        links = [
            (column.name, key.column.table.name)
            for column in table.columns
            for key in column.foreign_keys
            if key.column.table.name in owned
        ]
        keys = {
            key
            for key, row in rows.items()
            if (table.name == "users" and row["id"] in people)
            or any(row[name] in owned[target] for name, target in links)
            or any(email in json.dumps(row, default=str).lower() for email in emails)
        }
        about[table.name] = keys
        if table.name != "users" and "id" in table.c:
            owned[table.name] = {rows[key]["id"] for key in keys}
    return about


def test_the_command_deletes_exactly_what_its_report_announced(app, runner, clock):
    assert runner.invoke(args=["setup", "--demo"]).exit_code == 0
    # Days before LATER, the day of the run: across each kind's period (see PERIODS).
    ages = {1: 1900, 2: 1110, 3: 720, 4: 360, 5: 30}
    for seed, days in ages.items():
        _simulate(runner, clock, seed, LATER - timedelta(days=days))
    with app.app_context():
        old_admin = factories.make_user(db.session, role="admin")
        old_admin.created_at = LATER - timedelta(days=2000)
        db.session.commit()
        old_admin_id = old_admin.id
    records_before = _records(app)
    before, files_before = _snapshot(app)

    dry = runner.invoke(
        args=["privacy", "retention", "--dry-run", "--now", LATER.isoformat(), "--json"]
    )
    assert dry.exit_code == 0, dry.output
    report = json.loads(dry.output)
    assert report["dry_run"] is True and report["periods"]["answers"] == 730
    assert all(report[kind]["count"] > 0 for kind in ("trail", "answers", "evidence", "accounts"))
    assert report["trail"]["live_participants"] and report["trail"]["lesson_progress"]
    assert _snapshot(app) == (before, files_before)  # the dry run changed nothing

    run = runner.invoke(args=["privacy", "retention", "--now", LATER.isoformat(), "--json"])
    assert run.exit_code == 0, run.output
    assert {**json.loads(run.output), "dry_run": True} == report
    after, files_after = _snapshot(app)

    people = set(report["accounts"]["users"])
    assert old_admin_id in people
    emails = {before["users"][(person,)]["email"].lower() for person in people}
    new_events = [
        after["audit_events"][key]
        for key in set(after["audit_events"]) - set(before["audit_events"])
    ]
    counts = {kind: report[kind]["count"] for kind in ("trail", "answers", "evidence", "accounts")}
    assert sorted(
        (e["action"], e["subject"]) for e in new_events if e["action"] != "user.erased"
    ) == [("privacy.retention", f"retention:{LATER:%Y-%m-%d}")]
    assert [e["detail"] for e in new_events if e["action"] == "privacy.retention"] == [counts]
    erased_events = sorted(e["subject"] for e in new_events if e["action"] == "user.erased")
    assert erased_events == sorted(f"user:{person}" for person in people)

    # The three kinds, exactly; the accounts pseudonymised, and nothing else about anyone.
    expected = _expected(before, report, LATER)
    for table, column in (("grades", "comment"), ("answers", "raw")):
        assert any(
            row[column] and expected[table][key][column] is None
            for key, row in before[table].items()
        ), f"some {table}.{column} is deleted"
    about = {
        name: keys_before | keys_after
        for (name, keys_before), keys_after in zip(
            _about(before, people, emails).items(),
            _about(after, people, emails).values(),
            strict=True,
        )
    }
    about["audit_events"] |= {(e["id"],) for e in new_events}
    for name in before:
        unrelated_after = {k: v for k, v in after[name].items() if k not in about[name]}
        unrelated_expected = {k: v for k, v in expected[name].items() if k not in about[name]}
        assert unrelated_after == unrelated_expected, f"{name} changed beyond the report"
    everything_after = json.dumps([list(rows.values()) for rows in after.values()], default=str)
    everything_after = everything_after.lower()
    for person in people:
        tombstone = after["users"][(person,)]
        assert tombstone["email"].endswith("@erased.invalid") and not tombstone["active"]
    assert not any(email in everything_after for email in emails)
    for table in ("module_visits", "lesson_progress", "live_participants"):
        assert after[table], f"younger {table} rows stay"
    assert any(row["answers_deleted_at"] is None for row in after["attempts"].values())

    gone = set(report["evidence"]["files"]) | set(report["accounts"]["files"])
    assert report["evidence"]["files"] and gone <= set(files_before)
    assert files_after == {
        name: digest for name, digest in files_before.items() if name not in gone
    }

    # What certifications rest on: unchanged, and under a pseudonym for the erased.
    records_after = _records(app)
    assert set(records_after) == set(records_before)
    for coach_id, (entries, complete, code, units) in records_before.items():
        if coach_id in people:
            assert [
                (e.unit_code, e.decided_at, e.modality) for e in records_after[coach_id][0]
            ] == [(e.unit_code, e.decided_at, e.modality) for e in entries]
        else:
            assert records_after[coach_id] == (entries, complete, code, units)

    again = runner.invoke(args=["privacy", "retention", "--now", LATER.isoformat(), "--json"])
    assert all(json.loads(again.output)[kind]["count"] == 0 for kind in counts)
    assert _snapshot(app) == (after, files_after)


def test_a_run_today_changes_nothing_with_the_default_periods(app, runner):
    assert runner.invoke(args=["setup", "--demo"]).exit_code == 0
    simulated = runner.invoke(args=["demo", "simulate", "--coaches", "3", "--seed", "5"])
    assert simulated.exit_code == 0, simulated.output
    before = _snapshot(app)
    result = runner.invoke(args=["privacy", "retention"])
    assert result.exit_code == 0, result.output
    assert "answers and essays: attempts whose answers were deleted: 0" in result.output
    assert _snapshot(app) == before


def test_pages_say_what_the_retention_period_deleted(app, db_session, demo_cohort):
    upload_dir = Path(app.config["UPLOAD_DIR"])
    world = trainer_data.access_world(db_session, demo_cohort, upload_dir)
    coach = demo_cohort["coaches"][1]
    attempt = db_session.scalars(select(Attempt).where(Attempt.user_id == coach.id)).one()
    trainer = logged_in_client(app, demo_cohort["trainer"].email)
    grade_page = f"/trainer/grading/{world['slot_id']}"
    essay = {"level-accuracy": "mastered", "level-support": "partial", "comment": "Solid"}
    assert trainer.auth.post(grade_page, essay).status_code == 302
    later = datetime.now(UTC) + timedelta(days=1200)
    found = retention.plan(db_session, periods=ACTIVE, now=later)
    assert found.attempts == (attempt.id,) and found.decisions == (world["decision_id"],)
    retention.apply(db_session, found, upload_dir=upload_dir)
    db_session.commit()

    review = logged_in_client(app, coach.email).get(f"/attempts/{attempt.id}/review")
    assert review.status_code == 200
    page = review.get_data(as_text=True)
    assert "ont été supprimées le" in page and "durée de conservation" in page  # French account
    assert "My essay" not in page and "Solid" not in page
    page = trainer.get(f"/trainer/coaches/{coach.id}").get_data(as_text=True)
    assert "fichier supprimé le" in page and "observation.pdf" in page
    assert f"/trainer/decisions/{world['decision_id']}/attachment" not in page
    assert "My essay" not in page and "Solid" not in page
    download = trainer.get(f"/trainer/decisions/{world['decision_id']}/attachment")
    assert download.status_code == 410 and "durée de conservation" in download.get_data(
        as_text=True
    )
    regrade = trainer.auth.post(grade_page, essay)
    assert regrade.status_code == 400 and "durée de conservation" in regrade.get_data(as_text=True)


def test_the_notice_says_the_platform_applies_the_periods(client):
    for language, words in (("en", "applies these periods every night"), ("fr", "chaque nuit")):
        page = client.get("/privacy", headers={"Accept-Language": language})
        assert words in page.get_data(as_text=True)


def test_the_api_says_when_the_answers_were_deleted(app, db_session, demo_cohort):
    world = trainer_data.access_world(db_session, demo_cohort, Path(app.config["UPLOAD_DIR"]))
    coach = demo_cohort["coaches"][1]
    attempt = db_session.scalars(select(Attempt).where(Attempt.user_id == coach.id)).one()
    trainer = logged_in_client(app, demo_cohort["trainer"].email)
    graded = {"level-accuracy": "mastered", "level-support": "partial"}
    assert trainer.auth.post(f"/trainer/grading/{world['slot_id']}", graded).status_code == 302
    later = datetime.now(UTC) + timedelta(days=1200)
    retention.apply(
        db_session,
        retention.plan(db_session, periods=ACTIVE, now=later),
        upload_dir=Path(app.config["UPLOAD_DIR"]),
    )
    db_session.commit()
    client = logged_in_client(app, coach.email)
    body = client.get(f"/api/v1/attempts/{attempt.id}").get_json()
    assert body["answers_deleted_at"].startswith(later.date().isoformat())
    assert body["score"] is not None
    assert all(question["answer"] is None for question in body["questions"])


def test_the_notice_says_for_statements_what_retention_does(app, runner, client):
    """The statements outlive the learning trail: the notice must not promise them its period."""
    assert runner.invoke(args=["setup", "--demo"]).exit_code == 0
    simulated = runner.invoke(args=["demo", "simulate", "--coaches", "3", "--seed", "5"])
    assert simulated.exit_code == 0, simulated.output

    def statement_texts() -> list[str]:
        with app.app_context():
            return list(db.session.scalars(select(Statement.text).order_by(Statement.seq)))

    before = statement_texts()
    past_trail_and_answers = datetime.now(UTC) + timedelta(days=800)
    run = runner.invoke(
        args=["privacy", "retention", "--now", past_trail_and_answers.isoformat(), "--json"]
    )
    assert run.exit_code == 0, run.output
    assert json.loads(run.output)["trail"]["count"] > 0
    assert before and statement_texts() == before

    for language, trail_period, kept in (
        ("en", "1 year", "never deleted"),
        ("fr", "1 an", "jamais supprimées"),
    ):
        page = client.get("/privacy", headers={"Accept-Language": language}).get_data(as_text=True)
        rows = re.findall(
            r"<tr>(?:(?!</tr>).)*?(?:statements|déclarations)(?:(?!</tr>).)*</tr>",
            page,
            re.S | re.I,
        )
        assert rows, "the notice has a row about the learning statements"
        assert all(trail_period not in row and kept in row for row in rows), rows
