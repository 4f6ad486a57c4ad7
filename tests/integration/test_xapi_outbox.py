"""The outbox: statements stored with their event's transaction, validated, immutable, voidable."""

import json
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.xapi import export, outbox
from lms.xapi import vocabulary as v
from lms.xapi.models import ImmutableStatement, Statement
from lms.xapi.statements import format_timestamp, to_json
from lms.xapi.validation import InvalidStatement
from tests.support import factories
from tests.support.app import build_app
from tests.support.statements import CONFIG, TRAINER, finished, launched, mastered


def count(session: Session) -> int:
    return session.scalar(select(func.count()).select_from(Statement))


def test_record_stores_the_canonical_text_and_its_parts(db_session):
    coach = factories.make_user(db_session)
    statement = launched(coach.email, registration=uuid.uuid4())

    row = outbox.record(db_session, statement, user_id=coach.id)

    assert row.text == to_json(statement)
    assert json.loads(row.text) == statement
    assert row.id == statement["id"]
    assert row.actor_ifi == f"mailto:{coach.email}"
    assert row.user_id == coach.id
    assert row.verb == v.VERB_LAUNCHED
    assert row.object_id == statement["object"]["id"]
    assert row.registration == statement["context"]["registration"]
    assert format_timestamp(row.timestamp) == statement["timestamp"]
    assert row.stored.tzinfo is not None and row.voided is False


def test_record_flushes_but_leaves_the_commit_to_the_caller(db_session):
    coach = factories.make_user(db_session)
    outbox.record(db_session, launched(coach.email))

    with Session(db_session.get_bind()) as other:
        assert count(other) == 0
    db_session.commit()
    with Session(db_session.get_bind()) as other:
        assert count(other) == 1


def test_an_invalid_statement_raises_and_stores_nothing(db_session):
    statement = launched("coach@example.org")
    statement["result"] = {"score": {"scaled": 1.5}}

    with pytest.raises(InvalidStatement) as raised:
        outbox.record(db_session, statement)

    assert any("scaled" in error for error in raised.value.errors)
    db_session.commit()
    assert count(db_session) == 0


def test_a_rolled_back_event_leaves_no_statement(db_session):
    coach = factories.make_user(db_session)
    db_session.commit()
    # The event (here: a new account) and its statement share one transaction.
    factories.make_user(db_session, email="newcomer@example.org")
    outbox.record(db_session, launched(coach.email))
    db_session.rollback()

    assert count(db_session) == 0
    assert db_session.scalar(select(User).where(User.email == "newcomer@example.org")) is None


def test_recording_twice_is_idempotent_and_a_conflicting_id_is_refused(db_session):
    statement = launched("coach@example.org")
    first = outbox.record(db_session, statement)

    assert outbox.record(db_session, json.loads(json.dumps(statement))) is first
    conflicting = dict(statement, verb={"id": v.VERB_EXPERIENCED})
    with pytest.raises(outbox.StatementConflict):
        outbox.record(db_session, conflicting)
    assert count(db_session) == 1


def test_void_records_a_voiding_statement_and_flags_the_target(db_session):
    coach = factories.make_user(db_session)
    statement = mastered(coach.email)
    target = outbox.record(db_session, statement)

    voiding = outbox.void(db_session, CONFIG, target.id, TRAINER)
    db_session.commit()

    assert target.voided is True
    body = json.loads(voiding.text)
    assert body["verb"]["id"] == v.VERB_VOIDED
    assert body["object"] == {"objectType": "StatementRef", "id": target.id}
    assert body["actor"]["mbox"] == "mailto:trainer@example.org"
    assert voiding.object_id == target.id and voiding.voided is False
    assert target.text == to_json(statement)
    with pytest.raises(outbox.AlreadyVoided):
        outbox.void(db_session, CONFIG, target.id, TRAINER)
    with pytest.raises(InvalidStatement):
        outbox.void(db_session, CONFIG, voiding.id, TRAINER)
    with pytest.raises(LookupError):
        outbox.void(db_session, CONFIG, uuid.uuid4(), TRAINER)


def test_a_voided_statement_built_elsewhere_flags_its_target_too(db_session):
    target = outbox.record(db_session, launched("coach@example.org"))
    from lms.xapi.statements import statement_voided

    outbox.record(
        db_session,
        statement_voided(
            CONFIG,
            statement_id=uuid.uuid4(),
            timestamp=datetime.now(UTC),
            actor=TRAINER,
            voided_statement_id=uuid.UUID(target.id),
        ),
    )
    assert target.voided is True


def test_only_the_voided_flag_may_change(db_session):
    row = outbox.record(db_session, launched("coach@example.org"))
    db_session.commit()

    row.text = row.text.replace("launched", "experienced")
    with pytest.raises(ImmutableStatement):
        db_session.flush()
    db_session.rollback()

    db_session.delete(row)
    with pytest.raises(ImmutableStatement):
        db_session.flush()
    db_session.rollback()

    row.voided = True
    db_session.commit()
    row.voided = False
    with pytest.raises(ImmutableStatement):
        db_session.flush()
    db_session.rollback()


@pytest.mark.parametrize(
    "sql",
    [
        "UPDATE xapi_statements SET text = '{}'",
        "UPDATE xapi_statements SET verb = 'http://example.org/verb'",
        "UPDATE xapi_statements SET voided = false",
    ],
)
def test_the_database_refuses_changes_other_than_voiding(db_session, sql):
    row = outbox.record(db_session, launched("coach@example.org"))
    row.voided = True
    db_session.commit()

    with pytest.raises(DBAPIError):
        db_session.execute(text(sql))
    db_session.rollback()
    assert db_session.scalar(select(Statement.voided)) is True


def test_postgresql_refuses_to_delete_a_statement(postgres_server):
    # PostgreSQL only: SQLite keeps no DELETE guard, since the suite empties tables with DELETE.
    from lms.extensions import db

    app = build_app(postgres_server.create_database())
    with app.app_context():
        outbox.record(db.session, launched("coach@example.org"))
        db.session.commit()
        with pytest.raises(DBAPIError):
            db.session.execute(text("DELETE FROM xapi_statements"))
        db.session.rollback()
        assert count(db.session) == 1
        db.session.remove()
        db.engine.dispose()


def test_account_actors_and_unknown_addresses_have_no_user(db_session):
    statement = launched("nobody@example.org")
    statement["actor"] = {
        "objectType": "Agent",
        "account": {"homePage": "https://lms.example.org", "name": "42"},
    }
    row = outbox.record(db_session, statement, user_id=None)
    other = outbox.record(db_session, launched("stranger@example.org"))

    assert row.actor_ifi == 'account:["https://lms.example.org", "42"]' and row.user_id is None
    assert other.user_id is None


# --- exports ---------------------------------------------------------------------------------


def test_completion_statements_of_a_cohort_with_their_revocations(db_session):
    coach, other = factories.make_user(db_session), factories.make_user(db_session)
    long_ago = datetime.now(UTC) - timedelta(days=400)
    mine = {"user_id": coach.id}
    outbox.record(db_session, launched(coach.email), **mine)
    completed, passed = (outbox.record(db_session, s, **mine) for s in finished(coach.email))
    old_completed, _ = (
        outbox.record(db_session, s, **mine) for s in finished(coach.email, at=long_ago)
    )
    revoked = outbox.record(db_session, mastered(coach.email), **mine)
    revocation = outbox.void(db_session, CONFIG, revoked.id, TRAINER)
    for statement in finished(other.email):
        outbox.record(db_session, statement, user_id=other.id)

    since = datetime.now(UTC) - timedelta(days=30)
    records = export.completion_statements(db_session, [coach.id], since, None)

    expected = [completed.id, passed.id, revoked.id, revocation.id]
    assert [r["id"] for r in records] == expected
    standing = export.completion_statements(
        db_session, [coach.id], since, None, include_voided=False
    )
    assert [r["id"] for r in standing] == [completed.id, passed.id]
    everything = export.completion_statements(db_session, [coach.id], None, None)
    assert old_completed.id in {r["id"] for r in everything}


def test_parse_bound_takes_dates_and_timestamps():
    assert export.parse_bound("2026-06-30") == datetime(2026, 6, 30, tzinfo=UTC)
    assert export.parse_bound("2026-06-30", end=True) == datetime(2026, 7, 1, tzinfo=UTC)
    assert export.parse_bound("2026-06-30T10:00:00+02:00") == datetime(2026, 6, 30, 8, tzinfo=UTC)
    with pytest.raises(ValueError):
        export.parse_bound("30/06/2026")


def test_cli_export_writes_the_stored_texts(runner, db_session, tmp_path):
    coach = factories.make_user(db_session)
    old = outbox.record(db_session, launched(coach.email, at=datetime(2025, 1, 10, tzinfo=UTC)))
    mine = outbox.record(db_session, launched(coach.email))
    theirs = outbox.record(db_session, launched("someone@example.org"))
    db_session.commit()

    lines = runner.invoke(args=["xapi", "export"])
    assert lines.exit_code == 0, lines.output
    assert lines.output.splitlines() == [old.text, mine.text, theirs.text]

    out = tmp_path / "mine.json"
    result = runner.invoke(
        args=["xapi", "export", "--user", coach.email.upper(), "--since", "2026-01-01",
              "--format", "json", "--out", str(out)]
    )  # fmt: skip
    assert result.exit_code == 0, result.output
    assert [s["id"] for s in json.loads(out.read_text(encoding="utf-8"))] == [mine.id]
    assert out.read_text(encoding="utf-8").splitlines()[1] == mine.text

    until = runner.invoke(args=["xapi", "export", "--until", "2025-01-10"])
    assert until.output.splitlines() == [old.text]
    bad = runner.invoke(args=["xapi", "export", "--since", "yesterday"])
    assert bad.exit_code == 2 and "neither a date" in bad.output
