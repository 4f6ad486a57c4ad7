"""`flask demo simulate` drives the real services; its cohort reaches the real Ralph LRS intact."""

import hashlib
import json
import uuid
from collections import Counter
from pathlib import Path

import pytest
from sqlalchemy import func, select

from lms.auth.models import Cohort, User
from lms.competence.models import Decision
from lms.live.models import LiveParticipant
from lms.quiz.models import Attempt
from lms.xapi import identity
from lms.xapi.models import Statement
from tests.support.ralph import add_endpoint


def _trainer_id(session) -> int:
    return session.scalar(select(User.id).where(User.email == "trainer@example.org"))


@pytest.fixture
def simulated(runner):
    setup = runner.invoke(args=["setup", "--demo"])
    assert setup.exit_code == 0, setup.output
    result = runner.invoke(args=["demo", "simulate", "--coaches", "6", "--seed", "3"])
    assert result.exit_code == 0, result.output
    return result.output


def test_the_simulated_cohort_is_sent_no_notification(mailbox, simulated, db_session):
    assert db_session.scalar(select(func.count(Decision.id)))
    assert mailbox.messages == []


def test_simulation_uses_the_real_services(simulated, runner, db_session):
    assert simulated.startswith("6 coaches, ")
    attempts = db_session.scalars(select(Attempt)).all()
    assert attempts and all(a.state != "open" for a in attempts)
    assert any(a.skill_scores for a in attempts)
    verbs = {row.verb.rsplit("/", 1)[-1] for row in db_session.scalars(select(Statement))}
    assert {"launched", "experienced", "attempted", "answered", "completed"} <= verbs
    # "…, N trainer validations, R refusals, V revocations"
    figures = {
        words.split(maxsplit=1)[1]: int(words.split()[0])
        for words in simulated.strip().split(", ")[-3:]
    }
    by_trainer = select(func.count()).where(Decision.decided_by_id == _trainer_id(db_session))
    assert db_session.scalar(by_trainer) == figures["trainer validations"] + figures["refusals"]
    revoked = select(func.count()).where(Decision.revoked_at.is_not(None))
    assert db_session.scalar(revoked) == figures["revocations"]
    again = runner.invoke(args=["demo", "simulate", "--coaches", "6", "--seed", "3"])
    assert again.output.startswith("0 coaches, ")  # same seed, same cohort: nothing added


@pytest.mark.lrs
def _as_an_mbox_lrs_receives(app, session, statement: dict) -> dict:
    """The statement with our opaque accounts turned into each person's address and name."""
    home_page = app.config["BASE_URL"]
    people = identity.people_by_account(session, identity.accounts_in([statement], home_page))
    how = identity.Identification(identity.MBOX)
    return identity.identify(statement, {}, how, accounts=people, home_page=home_page)


def test_a_simulated_cohort_reaches_ralph_once_and_identical(
    app, simulated, ralph, runner, db_session
):
    add_endpoint(db_session, ralph.url, ralph)
    local = {
        row.id: _as_an_mbox_lrs_receives(app, db_session, json.loads(row.text))
        for row in db_session.scalars(select(Statement))
    }
    assert not any(identity.accounts_in(local.values(), app.config["BASE_URL"]))
    result = runner.invoke(args=["xapi", "forward", "--once"])
    assert result.exit_code == 0, result.output
    assert result.output == f"sent {len(local)}, pending 0, dead 0\n"
    in_ralph = [s for s in ralph.statements() if s["id"] in local]
    assert Counter(s["id"] for s in in_ralph) == Counter(dict.fromkeys(local, 1))
    for stored in in_ralph:
        sent = local[stored["id"]]
        assert {key: stored.get(key) for key in sent} == sent


@pytest.mark.lrs
def test_every_validation_is_rebuilt_from_the_lrs_alone(app, ralph, runner, db_session):
    """The acceptance of our statements as evidence: a simulated cohort (every modality,
    refusals, revocations, essays graded later, a live session) goes to Ralph; what a
    rebuilder reading only Ralph's GET /statements finds equals our completion records."""
    # A base IRI of its own: Ralph keeps the statements of every other test.
    app.config["BASE_IRI"] = f"https://rebuild-{uuid.uuid4().hex[:8]}.example.org/xapi"
    assert runner.invoke(args=["setup", "--demo"]).exit_code == 0
    simulated = runner.invoke(args=["demo", "simulate", "--coaches", "15", "--seed", "7"])
    assert simulated.exit_code == 0, simulated.output
    decisions = db_session.scalars(select(Decision)).all()
    assert {d.modality for d in decisions} >= {"quiz", "jury", "observation"}
    assert any(d.decision == "not_validated" for d in decisions)
    assert any(d.revoked_at is not None for d in decisions)
    assert db_session.scalar(select(func.count()).select_from(LiveParticipant)) > 0
    verbs = Counter(row.verb.rsplit("/", 1)[-1] for row in db_session.scalars(select(Statement)))
    assert verbs["scored"] > 0 and verbs["satisfied"] > 0
    # Every trainer's decision has its report as evidence file: the rebuild compares hashes.
    with_files = [d for d in decisions if d.attachment_path is not None]
    assert len(with_files) == sum(1 for d in decisions if not d.automatic) > 0
    for decision in with_files:
        stored = Path(app.config["UPLOAD_DIR"]) / decision.attachment_path
        assert hashlib.sha256(stored.read_bytes()).hexdigest() == decision.attachment_sha256
        assert stored.read_bytes().startswith(b"%PDF-1.4")
    add_endpoint(db_session, ralph.url, ralph, name="centre")
    forwarded = runner.invoke(args=["xapi", "forward", "--once"])
    assert forwarded.exit_code == 0, forwarded.output

    result = runner.invoke(
        args=["xapi", "rebuild-records", "--from-lrs", "--endpoint", "centre", "--compare"]
    )
    assert result.exit_code == 0, result.output
    coaches = len({d.coach_id for d in decisions})
    files = f"({len(with_files)} with an evidence file)"
    assert result.output.startswith(f"{coaches} coaches, {len(decisions)} unit decisions {files}")
    assert result.output.rstrip().endswith(": equal")


def test_in_xapi_2_every_statement_names_its_cohort_and_the_agents_in_their_roles(
    app, runner, db_session, monkeypatch
):
    """Defect 11: in 2.0 mode every kind of statement carries the coach's cohort
    (contextGroups) and the trainer who led, graded or decided (contextAgents, with the role
    our profile defines); the quiz rule, no person, gets no role."""
    monkeypatch.setitem(app.config, "XAPI_VERSION", "2.0.0")
    assert runner.invoke(args=["setup", "--demo"]).exit_code == 0
    simulated = runner.invoke(args=["demo", "simulate", "--coaches", "6", "--seed", "5"])
    assert simulated.exit_code == 0, simulated.output
    base = app.config["BASE_IRI"]
    cohort = db_session.scalar(select(Cohort).where(Cohort.name == "Promotion simulée 5"))
    trainer = db_session.scalar(select(User).where(User.email == "trainer@example.org"))
    statements = [json.loads(row.text) for row in db_session.scalars(select(Statement))]
    kinds = Counter()
    for statement in statements:
        assert statement["version"] == "2.0.0"
        context = statement["context"]
        verb = statement["verb"]["id"].rsplit("/", 1)[1]
        kinds[verb] += 1
        [group] = context["contextGroups"]
        assert group["group"]["name"] == cohort.name
        assert group["group"]["account"]["name"] == f"cohort-{cohort.id}"
        assert group["relevantTypes"] == [f"{base}/profile/roles/cohort"]
        role = {"scored": "grader", "attended": "trainer"}.get(verb)
        if verb in ("mastered", "failed") and "/units/" in statement["object"]["id"]:
            role = "validator" if "instructor" in context else None
        if role is None:
            assert "contextAgents" not in context, statement
        else:
            [agent] = context["contextAgents"]
            assert agent["agent"]["account"]["name"] == trainer.xapi_account
            assert agent["relevantTypes"] == [f"{base}/profile/roles/{role}"]
    assert {"scored", "attended", "mastered", "voided", "answered"} <= set(kinds)
