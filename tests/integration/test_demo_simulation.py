"""`flask demo simulate` drives the real services; its cohort reaches the real Ralph LRS intact."""

import json
from collections import Counter

import pytest
from sqlalchemy import func, select

from lms.auth.models import User
from lms.competence.models import Decision
from lms.quiz.models import Attempt
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


def test_simulation_uses_the_real_services(simulated, runner, db_session):
    assert simulated.startswith("6 coaches, ")
    attempts = db_session.scalars(select(Attempt)).all()
    assert attempts and all(a.state != "open" for a in attempts)
    assert any(a.skill_scores for a in attempts)
    verbs = {row.verb.rsplit("/", 1)[-1] for row in db_session.scalars(select(Statement))}
    assert {"launched", "experienced", "attempted", "answered", "completed"} <= verbs
    reported = int(simulated.rsplit(", ", 1)[1].split()[0])  # "…, N trainer validations"
    by_trainer = select(func.count()).where(Decision.decided_by_id == _trainer_id(db_session))
    assert db_session.scalar(by_trainer) == reported
    again = runner.invoke(args=["demo", "simulate", "--coaches", "6", "--seed", "3"])
    assert again.output.startswith("0 coaches, ")  # same seed, same cohort: nothing added


@pytest.mark.lrs
def test_a_simulated_cohort_reaches_ralph_once_and_identical(simulated, ralph, runner, db_session):
    add_endpoint(db_session, ralph.url, ralph)
    local = {row.id: json.loads(row.text) for row in db_session.scalars(select(Statement))}
    result = runner.invoke(args=["xapi", "forward", "--once"])
    assert result.exit_code == 0, result.output
    assert result.output == f"sent {len(local)}, pending 0, dead 0\n"
    in_ralph = [s for s in ralph.statements() if s["id"] in local]
    assert Counter(s["id"] for s in in_ralph) == Counter(dict.fromkeys(local, 1))
    for stored in in_ralph:
        sent = local[stored["id"]]
        assert {key: stored.get(key) for key in sent} == sent
