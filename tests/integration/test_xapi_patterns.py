"""The statements of a simulated cohort follow the primary patterns of our xAPI Profile:
each registration (a coach in a module) holds a self-paced path, a live path per session it
took part in, and a validation path; each, in timestamp order, follows its pattern."""

import json
from collections import defaultdict

from sqlalchemy import select

from lms.xapi import profile
from lms.xapi.models import Statement
from tests.support.profile_check import follows_pattern, template_of

VALIDATION = {"unit-validated", "unit-refused", "competence-satisfied", "decision-revoked"}


def _paths(rows: list[Statement], document: dict) -> dict[tuple, list[dict]]:
    """(registration, path) -> its statements in timestamp order (the outbox order when
    timestamps are equal). Statements without a registration join the one of the statement
    they reference (a voided decision, the decision that satisfied a competence)."""
    by_id = {row.id: json.loads(row.text) for row in rows}
    order = {row.id: (row.timestamp, row.seq) for row in rows}

    def registration(statement: dict) -> str:
        context = statement["context"]
        if "registration" in context:
            return context["registration"]
        voided = statement["object"].get("objectType") == "StatementRef"
        return registration(by_id[(statement["object"] if voided else context["statement"])["id"]])

    paths: dict[tuple, list[dict]] = defaultdict(list)
    for statement_id in sorted(by_id, key=order.__getitem__):
        statement = by_id[statement_id]
        kind = template_of(statement, document).rsplit("/", 1)[1]
        activities = statement["context"]["contextActivities"].get("grouping", [])
        sessions = [a["id"] for a in [statement["object"], *activities] if "/sessions/" in a["id"]]
        if kind in VALIDATION:
            path = ("validation",)
        elif sessions:
            path = ("live", sessions[0])
        else:
            path = ("self-paced",)
        paths[(registration(statement), *path)].append(statement)
    return paths


def test_every_registration_follows_the_profiles_patterns(app, runner, db_session):
    assert runner.invoke(args=["setup", "--demo"]).exit_code == 0
    simulated = runner.invoke(args=["demo", "simulate", "--coaches", "8", "--seed", "11"])
    assert simulated.exit_code == 0, simulated.output
    document = profile.document(app.config["BASE_IRI"])
    pattern = {name: f"{document['id']}/v2/patterns/{name}" for name in ("self-paced", "live")}
    pattern["validation"] = f"{document['id']}/v2/patterns/validation"
    paths = _paths(list(db_session.scalars(select(Statement))), document)
    seen = defaultdict(int)
    broken = []
    for (registration, name, *_), statements in paths.items():
        seen[name] += 1
        if not follows_pattern(statements, document, pattern[name]):
            kinds = [template_of(s, document).rsplit("/", 1)[1] for s in statements]
            broken.append((registration, name, kinds))
    assert broken == []
    assert seen["self-paced"] >= 8 and seen["live"] > 0 and seen["validation"] > 0


def test_a_sequence_out_of_order_does_not_follow_the_pattern(app):
    from tests.unit.test_xapi_profile import BASE, CONFIG, one_of_each_kind

    document = profile.document(BASE)
    built = one_of_each_kind(CONFIG)
    attempt = [built[k] for k in ("quiz-attempted", "question-answered", "quiz-completed")]
    self_paced = f"{BASE}/profile/v2/patterns/self-paced"
    launched, passed, scored = built["module-launched"], built["quiz-passed"], built["quiz-scored"]
    assert follows_pattern([launched, *attempt, passed, scored], document, self_paced)
    assert follows_pattern([launched, built["lesson-experienced"], *attempt], document, self_paced)
    assert not follows_pattern([launched, *attempt, scored, passed], document, self_paced)
    assert not follows_pattern([*attempt, launched], document, self_paced)
    assert not follows_pattern([launched, attempt[1], *attempt], document, self_paced)
