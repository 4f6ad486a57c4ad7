"""Our xAPI Profile: a valid Profiles 1.0 document, one template per kind of statement, and
every builder's statement follows exactly one template (tests/support/profile_check.py)."""

import json
import uuid
from datetime import UTC, datetime, timedelta

from lms.xapi import profile
from lms.xapi import statements as xs
from lms.xapi import vocabulary as v
from tests.support.profile_check import evaluate, profile_errors, template_errors
from tests.support.tincan_check import round_trip_errors

BASE = "https://lms.example.org/xapi"
CONFIG = xs.XapiConfig(BASE)
COACH = xs.Actor("coach@example.org", "Camille Coach")
TRAINER = xs.Actor("trainer@example.org", "Tom Trainer")
MODULE = xs.ModuleRef("C2", {"fr": "Cadres", "en": "Frameworks"}, ("C2",))
WHEN = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
CHOICE = {
    "interactionType": "choice",
    "choices": [{"id": "a", "description": {"en": "A"}}, {"id": "b", "description": {"en": "B"}}],
    "correctResponsesPattern": ["a"],
}


def envelope(**extra):
    return {
        "statement_id": uuid.uuid4(),
        "timestamp": WHEN,
        "actor": COACH,
        "registration": uuid.uuid4(),
        **extra,
    }


def one_of_each_kind(config: xs.XapiConfig) -> dict[str, dict]:
    attempt = xs.AttemptRef(uuid.uuid4(), xs.SessionRef(uuid.uuid4()))
    quiz = {"module": MODULE, "quiz_title": {"en": "Quiz"}, "attempt": attempt}
    score = xs.Score.points(7, 10)
    decision = {
        "trainer": TRAINER,
        "unit_id": "C2",
        "unit_title": {"en": "Frameworks"},
        "modality": "jury",
        "evidence": {"decision": "validated", "automatic": False},
        "competence_id": "C2",
        "module": MODULE,
    }
    return {
        "module-launched": xs.module_launched(config, **envelope(), module=MODULE),
        "lesson-experienced": xs.lesson_experienced(
            config,
            **envelope(),
            module=MODULE,
            lesson_slug="intro",
            lesson_title={"en": "Intro"},
            duration_seconds=412.5,
        ),
        "quiz-attempted": xs.quiz_attempted(config, **envelope(), **quiz),
        "question-answered": xs.question_answered(
            config,
            **envelope(),
            module=MODULE,
            question_code="C2-Q01",
            interaction=CHOICE,
            response="a",
            attempt=attempt,
            success=True,
            score=xs.Score.points(1, 1),
        ),
        "quiz-completed": xs.quiz_completed(config, **envelope(), duration_seconds=600, **quiz),
        "quiz-passed": xs.quiz_outcome(
            config, **envelope(), score=score, passed=True, duration_seconds=600, **quiz
        ),
        "quiz-failed": xs.quiz_outcome(
            config, **envelope(), score=score, passed=False, duration_seconds=600, **quiz
        ),
        "quiz-scored": xs.quiz_scored(
            config, **envelope(), grader=TRAINER, score=score, passed=True, **quiz
        ),
        "session-attended": xs.session_attended(
            config,
            **envelope(),
            session=attempt.session,
            joined_at=WHEN - timedelta(hours=1),
            left_at=WHEN,
            module=MODULE,
            trainer=TRAINER,
        ),
        "unit-validated": xs.competence_decided(
            config, **envelope(), validated=True, rests_on=uuid.uuid4(), **decision
        ),
        "unit-refused": xs.competence_decided(config, **envelope(), validated=False, **decision),
        "competence-satisfied": xs.competence_satisfied(
            config,
            **envelope(),
            competence_id="C2",
            competence_title={"en": "Frameworks"},
            units={"C2": uuid.uuid4()},
            rests_on=uuid.uuid4(),
        ),
        "decision-revoked": xs.statement_voided(
            config, **envelope(actor=TRAINER), voided_statement_id=uuid.uuid4(), reason="Wrong"
        ),
    }


def test_the_profile_keeps_the_profiles_specification_rules():
    document = profile.document(BASE)
    assert profile_errors(document) == []
    assert document["id"] == v.profile_iri(BASE)
    assert document["versions"][0]["id"] == v.profile_version_iri(BASE)
    assert document["versions"][0]["wasRevisionOf"] == [f"{BASE}/profile/v1"]
    assert sum(1 for pattern in document["patterns"] if pattern.get("primary")) == 3


def test_the_checker_catches_a_broken_profile():
    document = profile.document(BASE)
    document["concepts"][0]["inScheme"] = f"{BASE}/profile/v1"
    document["templates"][0]["rules"].append({"location": "$.result"})
    document["patterns"][0]["sequence"] = [document["patterns"][0]["id"]]
    errors = "\n".join(profile_errors(document))
    assert "inScheme" in errors and "presence, any, all or none" in errors
    assert "exactly one of" in errors


def test_every_kind_of_statement_follows_its_own_template():
    document = profile.document(BASE)
    built = one_of_each_kind(CONFIG)
    templates = {template["id"].rsplit("/", 1)[1] for template in document["templates"]}
    assert set(built) == templates, "one template per kind of statement, no more"
    for kind, statement in built.items():
        assert template_errors(statement, document) == [], kind
        [matched] = [
            t["id"]
            for t in document["templates"]
            if not template_errors(statement, {"templates": [t]})
        ]
        assert matched.endswith("/" + kind)
        assert round_trip_errors(statement) == [], kind
        category = statement["context"]["contextActivities"]["category"]
        assert [c["id"] for c in category] == [v.profile_version_iri(BASE)]


def test_a_statement_breaking_a_rule_is_reported():
    document = profile.document(BASE)
    refused = one_of_each_kind(CONFIG)["unit-refused"]
    del refused["context"]["instructor"]
    refused["result"]["extensions"][v.extension_iri(BASE, "modality")] = "guess"
    errors = "\n".join(template_errors(refused, document))
    assert "instructor must be present" in errors and "modality" in errors


def test_the_json_path_subset():
    statement = {"a": {"b": [{"c": 1}, {"c": 2}], "d": {"x.y": 3}}}
    assert evaluate(statement, "$.a.b[*].c") == [1, 2]
    assert evaluate(statement, "a.b[1].c | $.a.d['x.y']") == [2, 3]
    assert evaluate(statement, "$.a.missing") == []


def test_xapi_2_statements_follow_the_templates_too():
    document = profile.document(BASE)
    for kind, statement in one_of_each_kind(xs.XapiConfig(BASE, xapi_version="2.0.0")).items():
        assert template_errors(statement, document) == [], kind
        assert round_trip_errors(json.loads(xs.to_json(statement))) == [], kind


def test_xapi_2_names_the_agents_and_cohorts_that_matter_in_their_roles():
    cohorts = (xs.CohortRef("cohort-4", "Promotion 2026"), xs.CohortRef("cohort-9", "Lyon"))
    config = xs.for_person(xs.XapiConfig(BASE, xapi_version="2.0.0"), "en", cohorts)
    roles = {
        "session-attended": "trainer",
        "quiz-scored": "grader",
        "unit-validated": "validator",
        "unit-refused": "validator",
    }
    document = profile.document(BASE)
    for kind, statement in one_of_each_kind(config).items():
        context = statement["context"]
        # Every kind names the coach's cohorts, as identified groups of the platform.
        assert context["contextGroups"] == [
            {
                "objectType": "contextGroup",
                "group": {
                    "objectType": "Group",
                    "name": name,
                    "account": {"homePage": "https://lms.example.org", "name": account},
                },
                "relevantTypes": [v.role_iri(BASE, v.ROLE_COHORT)],
            }
            for account, name in (("cohort-4", "Promotion 2026"), ("cohort-9", "Lyon"))
        ], kind
        agents = context.get("contextAgents", [])
        if kind in roles:
            [agent] = agents
            assert agent["agent"] == TRAINER.to_xapi(), kind
            assert agent["relevantTypes"] == [v.role_iri(BASE, roles[kind])], kind
        else:
            assert agents == [], kind
        assert template_errors(statement, document) == [], kind
        assert round_trip_errors(json.loads(xs.to_json(statement))) == [], kind
        # Every relevant type we send is a concept of the profile (it resolves).
        for entry in agents + context["contextGroups"]:
            for iri in entry["relevantTypes"]:
                assert profile.concept(BASE, iri) is not None, iri


def test_the_quiz_rule_is_given_no_role():
    config = xs.XapiConfig(BASE, xapi_version="2.0.0")
    statement = xs.competence_decided(
        config,
        **envelope(),
        trainer=None,
        unit_id="C2",
        unit_title={"en": "Frameworks"},
        validated=True,
        modality="quiz",
        evidence={"decision": "validated", "automatic": True},
        score=xs.Score.points(8, 10),
        competence_id="C2",
    )
    assert "contextAgents" not in statement["context"]
    assert "instructor" not in statement["context"]
    assert template_errors(statement, profile.document(BASE)) == []


def test_a_role_the_template_does_not_give_is_reported():
    config = xs.XapiConfig(BASE, xapi_version="2.0.0")
    scored = one_of_each_kind(config)["quiz-scored"]
    scored["context"]["contextAgents"][0]["relevantTypes"] = [v.role_iri(BASE, v.ROLE_VALIDATOR)]
    completed = one_of_each_kind(config)["quiz-completed"]
    completed["context"]["contextAgents"] = scored["context"]["contextAgents"]
    document = profile.document(BASE)
    assert template_errors(scored, document) != []
    assert template_errors(completed, document) != []
