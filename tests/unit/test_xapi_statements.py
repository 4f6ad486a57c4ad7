"""Statement builders: the IRIs, context and results each learning event produces."""

import json
import uuid
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest

from lms.xapi import statements
from lms.xapi import vocabulary as v
from lms.xapi.statements import (
    Actor,
    AttemptRef,
    ModuleRef,
    Score,
    SessionRef,
    XapiConfig,
    competence_decided,
    format_duration,
    format_timestamp,
    lesson_experienced,
    module_launched,
    question_answered,
    quiz_attempted,
    quiz_finished,
    session_attended,
    statement_voided,
    to_json,
)
from lms.xapi.validation import InvalidStatement, validate_statement

BASE = "https://lms.example.org/xapi"
CONFIG = XapiConfig(BASE, platform="mobility-coach-lms", language="fr")
COACH = Actor("coach@example.org", "Camille Coach")
TRAINER = Actor("trainer@example.org", "Tom Trainer")
MODULE = ModuleRef("M2", {"fr": "Monter un projet", "en": "Building a project"}, ("C1.1", "C1.2"))
WHEN = datetime(2025, 3, 14, 9, 26, 53, 589793, tzinfo=UTC)
STATEMENT_ID = uuid.UUID("0f6f7a8e-3c1d-4b5e-9a2f-1c2d3e4f5a6b")
REGISTRATION = uuid.UUID("5d3c2b1a-9e8f-4a7b-8c6d-5e4f3a2b1c0d")
SESSION_UUID = uuid.UUID("7a1b2c3d-4e5f-4a6b-8c7d-9e0f1a2b3c4d")
CHOICE = {
    "interactionType": "choice",
    "choices": [
        {"id": "ka1", "description": {"fr": "Mobilité KA1"}},
        {"id": "ka2", "description": {"fr": "Partenariat KA2"}},
    ],
    "correctResponsesPattern": ["ka1"],
}


ATTEMPT = AttemptRef(uuid.UUID("3c2b1a0f-9e8d-4c7b-a6f5-e4d3c2b1a0f9"))


def common(**overrides):
    values = {"statement_id": STATEMENT_ID, "timestamp": WHEN, "actor": COACH}
    values.update(overrides)
    return values


def ids(activities):
    return [activity["id"] for activity in activities]


def test_activity_ids_live_under_the_base_iri():
    assert v.competence_activity_id(BASE, "C2") == f"{BASE}/competences/C2"
    assert v.unit_activity_id(BASE, "C2") == f"{BASE}/units/C2"
    assert v.skill_activity_id(BASE, "C2-S1") == f"{BASE}/skills/C2-S1"
    assert v.module_activity_id(BASE + "/", "M2") == f"{BASE}/modules/M2"
    assert v.lesson_activity_id(BASE, "M2", "budget") == f"{BASE}/modules/M2/lessons/budget"
    assert v.quiz_activity_id(BASE, "M2") == f"{BASE}/modules/M2/quiz"
    assert v.question_activity_id(BASE, "M2-Q01", CHOICE) == (
        f"{BASE}/questions/M2-Q01/{v.definition_hash(CHOICE)}"
    )
    assert v.session_activity_id(BASE, "s-1") == f"{BASE}/sessions/s-1"
    assert v.profile_iri(BASE) == f"{BASE}/profile"
    assert v.profile_version_iri(BASE) == f"{BASE}/profile/v2"
    assert v.extension_iri(BASE, "modality") == f"{BASE}/profile/extensions/modality"
    assert v.activity_type_iri(BASE, "unit") == f"{BASE}/profile/activity-types/unit"


def test_odd_codes_are_percent_encoded_into_valid_iris():
    assert v.module_activity_id(BASE, "M 2/é") == f"{BASE}/modules/M%202%2F%C3%A9"
    with pytest.raises(ValueError):
        v.module_activity_id(BASE, "")


def test_verbs_are_the_adl_ones():
    assert v.VERB_MASTERED == "http://adlnet.gov/expapi/verbs/mastered"
    assert v.VERB_VOIDED == "http://adlnet.gov/expapi/verbs/voided"
    assert set(v.VERBS) == {
        "launched",
        "experienced",
        "attempted",
        "answered",
        "completed",
        "passed",
        "failed",
        "attended",
        "mastered",
        "voided",
        "scored",
        "satisfied",
    }
    assert v.ACTIVITY_INTERACTION == "http://adlnet.gov/expapi/activities/cmi.interaction"


def test_every_verb_of_the_vocabulary_is_emitted_by_a_builder():
    builders = Path(statements.__file__).read_text(encoding="utf-8")
    never_emitted = [word for word in v.VERBS if f"v.VERB_{word.upper()}" not in builders]
    assert never_emitted == []


def test_timestamps_are_utc_milliseconds_with_z():
    paris = timezone(timedelta(hours=1))
    assert format_timestamp(datetime(2025, 3, 14, 10, 26, 53, 589793, tzinfo=paris)) == (
        "2025-03-14T09:26:53.589Z"
    )
    with pytest.raises(ValueError, match="timezone-aware"):
        format_timestamp(datetime(2025, 3, 14, 9, 26, 53))


@pytest.mark.parametrize(
    ("seconds", "expected"),
    [
        (0, "PT0S"),
        (3723.45, "PT1H2M3.45S"),
        (12.345, "PT12.35S"),
        (60, "PT1M"),
        (59.999, "PT1M"),
        (0.5, "PT0.5S"),
        (90000, "PT25H"),
    ],
)
def test_durations_have_at_most_two_decimals(seconds, expected):
    assert format_duration(seconds) == expected


@pytest.mark.parametrize("seconds", [-1, float("nan"), float("inf")])
def test_impossible_durations_are_refused(seconds):
    with pytest.raises(ValueError):
        format_duration(seconds)


def test_actor_by_email_or_by_account_but_not_both():
    assert COACH.to_xapi() == {
        "objectType": "Agent",
        "name": "Camille Coach",
        "mbox": "mailto:coach@example.org",
    }
    private = Actor(account_home_page="https://lms.example.org", account_name="u-17")
    assert private.to_xapi() == {
        "objectType": "Agent",
        "account": {"homePage": "https://lms.example.org", "name": "u-17"},
    }
    with pytest.raises(ValueError):
        Actor("a@example.org", account_home_page="https://x.example", account_name="1")
    with pytest.raises(ValueError):
        Actor(name="Nobody")
    with pytest.raises(ValueError):
        Actor(account_home_page="https://x.example")


def test_module_launched_carries_ids_context_and_no_version_by_default():
    statement = module_launched(CONFIG, **common(registration=REGISTRATION), module=MODULE)

    assert statement["id"] == str(STATEMENT_ID)
    assert statement["timestamp"] == "2025-03-14T09:26:53.589Z"
    assert statement["verb"] == {"id": v.VERB_LAUNCHED, "display": {"en-US": "launched"}}
    assert statement["object"]["id"] == f"{BASE}/modules/M2"
    assert statement["object"]["definition"]["type"] == v.ACTIVITY_MODULE
    context = statement["context"]
    assert context["registration"] == str(REGISTRATION)
    assert context["platform"] == "mobility-coach-lms"
    assert context["language"] == "fr"
    assert ids(context["contextActivities"]["grouping"]) == [
        f"{BASE}/units/C1.1",
        f"{BASE}/units/C1.2",
    ]
    assert ids(context["contextActivities"]["category"]) == [f"{BASE}/profile/v2"]
    assert "version" not in statement
    assert "stored" not in statement and "authority" not in statement


def test_lesson_experienced_has_the_module_as_parent_and_a_duration():
    statement = lesson_experienced(
        CONFIG,
        **common(),
        module=MODULE,
        lesson_slug="budget",
        lesson_title={"fr": "Le budget"},
        duration_seconds=125.5,
    )
    assert statement["object"]["id"] == f"{BASE}/modules/M2/lessons/budget"
    assert statement["object"]["definition"]["type"] == v.ACTIVITY_LESSON
    assert ids(statement["context"]["contextActivities"]["parent"]) == [f"{BASE}/modules/M2"]
    assert statement["result"] == {"duration": "PT2M5.5S"}
    assert "registration" not in statement["context"]


def test_quiz_attempted_targets_the_assessment():
    statement = quiz_attempted(
        CONFIG, **common(), module=MODULE, quiz_title={"fr": "Quiz"}, attempt=ATTEMPT
    )
    assert statement["verb"]["id"] == v.VERB_ATTEMPTED
    assert statement["object"]["id"] == f"{BASE}/modules/M2/quiz"
    assert statement["object"]["definition"]["type"] == v.ACTIVITY_ASSESSMENT
    assert "result" not in statement


def test_question_answered_carries_interaction_response_and_score():
    statement = question_answered(
        CONFIG,
        **common(),
        module=MODULE,
        question_code="M2-Q01",
        interaction=CHOICE,
        response="ka1",
        attempt=ATTEMPT,
        success=True,
        score=Score.points(1, 1),
        question_title={"fr": "Quelle action finance une mobilité ?"},
    )
    definition = statement["object"]["definition"]
    assert statement["object"]["id"] == (f"{BASE}/questions/M2-Q01/{v.definition_hash(definition)}")
    assert definition["type"] == v.ACTIVITY_INTERACTION
    assert definition["interactionType"] == "choice"
    assert definition["correctResponsesPattern"] == ["ka1"]
    assert statement["result"] == {
        "response": "ka1",
        "success": True,
        "score": {"scaled": 1.0, "raw": 1, "min": 0, "max": 1},
    }
    # One parent, the quiz (xAPI Data 2.4.6.2); the module belongs in grouping.
    activities = statement["context"]["contextActivities"]
    assert ids(activities["parent"]) == [f"{BASE}/modules/M2/quiz"]
    assert ids(activities["grouping"]) == [
        f"{BASE}/modules/M2",
        f"{BASE}/units/C1.1",
        f"{BASE}/units/C1.2",
    ]
    assert statement["context"]["extensions"] == {
        f"{BASE}/profile/extensions/attempt": str(ATTEMPT.uuid)
    }


def test_question_answered_refuses_an_inconsistent_interaction():
    broken = {**CHOICE, "correctResponsesPattern": ["ka9"]}
    with pytest.raises(InvalidStatement, match="ka9"):
        question_answered(
            CONFIG,
            **common(),
            module=MODULE,
            question_code="M2-Q01",
            interaction=broken,
            response="ka1",
            attempt=ATTEMPT,
        )


@pytest.mark.parametrize(("passed", "verb"), [(True, v.VERB_PASSED), (False, v.VERB_FAILED)])
def test_quiz_finished_gives_completed_then_passed_or_failed(passed, verb):
    outcome_id = uuid.uuid4()
    completed, outcome = quiz_finished(
        CONFIG,
        completed_statement_id=STATEMENT_ID,
        outcome_statement_id=outcome_id,
        timestamp=WHEN,
        actor=COACH,
        module=MODULE,
        quiz_title={"fr": "Quiz"},
        attempt=ATTEMPT,
        score=Score.points(6, 8),
        passed=passed,
        duration_seconds=3723.45,
        registration=REGISTRATION,
    )
    assert completed["verb"]["id"] == v.VERB_COMPLETED
    assert outcome["verb"]["id"] == verb
    assert (completed["id"], outcome["id"]) == (str(STATEMENT_ID), str(outcome_id))
    # completed says the attempt is finished; success is the result statement's to say.
    assert outcome["result"] == {
        "score": {"scaled": 0.75, "raw": 6, "min": 0, "max": 8},
        "success": passed,
        "completion": True,
        "duration": "PT1H2M3.45S",
    }
    assert completed["result"] == {
        key: value for key, value in outcome["result"].items() if key != "success"
    }


def test_session_attended_records_join_and_leave_times():
    joined = datetime(2025, 3, 14, 14, 0, tzinfo=UTC)
    statement = session_attended(
        CONFIG,
        **common(),
        session=SessionRef(SESSION_UUID, {"fr": "Webinaire"}),
        joined_at=joined,
        left_at=joined + timedelta(minutes=95, seconds=30),
        module=MODULE,
        trainer=TRAINER,
    )
    assert statement["object"]["id"] == f"{BASE}/sessions/{SESSION_UUID}"
    assert statement["object"]["definition"]["type"] == v.ACTIVITY_MEETING
    assert statement["result"]["duration"] == "PT1H35M30S"
    assert statement["result"]["extensions"] == {
        f"{BASE}/profile/extensions/joined-at": "2025-03-14T14:00:00.000Z",
        f"{BASE}/profile/extensions/left-at": "2025-03-14T15:35:30.000Z",
    }
    assert statement["context"]["instructor"]["mbox"] == "mailto:trainer@example.org"
    with pytest.raises(ValueError):
        session_attended(
            CONFIG,
            **common(),
            session=SessionRef(SESSION_UUID, {"fr": "Webinaire"}),
            joined_at=joined,
            left_at=joined - timedelta(seconds=1),
        )


@pytest.mark.parametrize("validated", [True, False])
def test_competence_decided_is_mastered_with_trainer_modality_and_evidence(validated):
    statement = competence_decided(
        CONFIG,
        **common(),
        trainer=TRAINER,
        unit_id="C1.1",
        unit_title={"fr": "Élaborer un projet", "en": "Develop a project"},
        validated=validated,
        modality="jury",
        evidence={"summary": "Projet présenté au jury", "attempt": 12},
        competence_id="C1",
    )
    # A refusal is never "mastered": the verb carries the meaning (xAPI Data 2.4.3).
    assert statement["verb"]["id"] == (v.VERB_MASTERED if validated else v.VERB_FAILED)
    assert statement["object"]["id"] == f"{BASE}/units/C1.1"
    assert statement["object"]["definition"]["type"] == f"{BASE}/profile/activity-types/unit"
    assert statement["context"]["instructor"] == TRAINER.to_xapi()
    assert ids(statement["context"]["contextActivities"]["grouping"]) == [f"{BASE}/competences/C1"]
    assert statement["result"] == {
        "success": validated,
        "extensions": {
            f"{BASE}/profile/extensions/modality": "jury",
            f"{BASE}/profile/extensions/evidence": {
                "summary": "Projet présenté au jury",
                "attempt": 12,
            },
        },
    }
    assert "contextAgents" not in statement["context"]


def test_competence_decided_refuses_an_unknown_modality():
    with pytest.raises(ValueError, match="modality"):
        competence_decided(
            CONFIG,
            **common(),
            trainer=TRAINER,
            unit_id="C2",
            unit_title={"fr": "Cadres réglementaires"},
            validated=True,
            modality="guess",
            evidence="",
        )


def test_xapi_2_emits_version_and_context_agents():
    config = XapiConfig(BASE, xapi_version="2.0.0")
    statement = competence_decided(
        config,
        **common(),
        trainer=TRAINER,
        unit_id="C2",
        unit_title={"fr": "Cadres réglementaires"},
        validated=True,
        modality="observation",
        evidence="Observed during the mobility",
    )
    assert statement["version"] == "2.0.0"
    assert statement["context"]["contextAgents"] == [
        {
            "objectType": "contextAgent",
            "agent": TRAINER.to_xapi(),
            "relevantTypes": [f"{BASE}/profile/roles/validator"],
        }
    ]
    assert validate_statement(statement, version="2.0.0") == []
    assert validate_statement(statement) != []


def test_statement_voided_references_the_revoked_statement():
    revoked = uuid.uuid4()
    statement = statement_voided(CONFIG, **common(actor=TRAINER), voided_statement_id=revoked)
    assert statement["verb"]["id"] == v.VERB_VOIDED
    assert statement["object"] == {"objectType": "StatementRef", "id": str(revoked)}
    # The spec allows context.platform only when the object is an Activity.
    assert "platform" not in statement["context"]


def test_builders_refuse_naive_timestamps_and_non_uuid_ids():
    with pytest.raises(ValueError, match="timezone-aware"):
        module_launched(CONFIG, **common(timestamp=datetime(2025, 1, 1)), module=MODULE)
    with pytest.raises(TypeError):
        module_launched(CONFIG, **common(statement_id=str(STATEMENT_ID)), module=MODULE)


def test_builders_refuse_a_timestamp_far_in_the_future():
    with pytest.raises(InvalidStatement, match="future"):
        module_launched(
            CONFIG, **common(timestamp=datetime.now(UTC) + timedelta(hours=1)), module=MODULE
        )


def test_to_json_is_canonical_and_stable():
    statement = module_launched(CONFIG, **common(), module=MODULE)
    text = to_json(statement)

    assert text == to_json(json.loads(text))
    assert ", " not in text and ": " not in text
    assert "Building a project" in text
    assert list(json.loads(text)) == sorted(json.loads(text))
    assert to_json({"b": "é", "a": 1}) == '{"a":1,"b":"é"}'
    with pytest.raises(ValueError):
        to_json({"scaled": float("nan")})


def test_score_points_scales_between_min_and_max():
    assert Score.points(2, 3) == Score(raw=2, min=0, max=3, scaled=0.6667)
    assert Score.points(5, 10, minimum=5).to_xapi() == {
        "scaled": 0.0,
        "raw": 5,
        "min": 5,
        "max": 10,
    }
    with pytest.raises(ValueError):
        Score.points(1, 0)


def test_config_rejects_unknown_versions_and_relative_base():
    with pytest.raises(ValueError):
        XapiConfig(BASE, xapi_version="1.0.0")
    with pytest.raises(ValueError):
        XapiConfig("lms.example.org/xapi")


def test_unit_and_competence_of_the_same_code_have_distinct_ids_and_types():
    statement = competence_decided(
        CONFIG,
        **common(),
        trainer=TRAINER,
        unit_id="C2",
        unit_title={"fr": "Cadres réglementaires"},
        validated=True,
        modality="jury",
        evidence={},
        competence_id="C2",
    )
    unit = statement["object"]
    (competence,) = statement["context"]["contextActivities"]["grouping"]
    assert unit["id"] != competence["id"]
    assert unit["definition"]["type"] != competence["definition"]["type"]
    # Our own activity types, minted under our profile: no unpublished ADL IRI.
    for activity in (unit, competence):
        assert activity["definition"]["type"].startswith(f"{BASE}/profile/activity-types/")


def test_a_changed_question_definition_gets_a_new_id_and_the_same_one_the_same():
    def answered(interaction, language="fr"):
        config = XapiConfig(BASE, language=language)
        return question_answered(
            config,
            **common(statement_id=uuid.uuid4()),
            module=MODULE,
            question_code="M2-Q01",
            interaction=interaction,
            response="ka1",
            attempt=ATTEMPT,
            question_title={"fr": "Quelle action ?", "en": "Which action?"},
        )["object"]

    first = answered(CHOICE)
    again = answered(dict(reversed(list(CHOICE.items()))), language="en")
    edited = answered({**CHOICE, "correctResponsesPattern": ["ka2"]})
    assert again == first
    assert edited["id"] != first["id"]
    assert edited["id"].startswith(f"{BASE}/questions/M2-Q01/")


def test_a_blank_is_no_answer():
    with pytest.raises(ValueError, match="blank"):
        question_answered(
            CONFIG,
            **common(),
            module=MODULE,
            question_code="M2-Q01",
            interaction=CHOICE,
            response="",
            attempt=ATTEMPT,
        )


def test_a_live_attempt_names_its_session_and_the_attempt():
    live = AttemptRef(ATTEMPT.uuid, SessionRef(SESSION_UUID))
    statement = quiz_attempted(
        CONFIG, **common(), module=MODULE, quiz_title={"fr": "Quiz"}, attempt=live
    )
    grouping = ids(statement["context"]["contextActivities"]["grouping"])
    assert f"{BASE}/sessions/{SESSION_UUID}" in grouping
    assert statement["context"]["extensions"][f"{BASE}/profile/extensions/attempt"] == str(
        ATTEMPT.uuid
    )


def test_a_decision_references_the_result_it_rests_on_and_its_evidence_file():
    result_id = uuid.uuid4()
    evidence = statements.Attachment(
        display="report.pdf",
        content_type="application/pdf",
        length=1234,
        sha2="ab" * 32,
        file_url="https://lms.example.org/trainer/decisions/3/attachment",
    )
    statement = competence_decided(
        CONFIG,
        **common(),
        trainer=TRAINER,
        unit_id="C2",
        unit_title={"fr": "Cadres"},
        validated=True,
        modality="jury",
        evidence={"decision": "validated"},
        score=Score.points(5, 6),
        attempt=ATTEMPT,
        rests_on=result_id,
        attachments=[evidence],
    )
    assert statement["context"]["statement"] == {"objectType": "StatementRef", "id": str(result_id)}
    assert statement["attachments"] == [
        {
            "usageType": f"{BASE}/profile/attachment-types/evidence",
            "display": {"und": "report.pdf"},
            "contentType": "application/pdf",
            "length": 1234,
            "sha2": "ab" * 32,
            "fileUrl": "https://lms.example.org/trainer/decisions/3/attachment",
        }
    ]
    assert statement["result"]["score"] == {"scaled": 0.8333, "raw": 5, "min": 0, "max": 6}


def test_a_whole_competence_is_satisfied_and_a_revocation_keeps_its_reason():
    unit_statements = {"C1.1": uuid.uuid4(), "C1.2": uuid.uuid4()}
    satisfied = statements.competence_satisfied(
        CONFIG,
        **common(),
        competence_id="C1",
        competence_title={"fr": "Projet"},
        units=unit_statements,
        rests_on=unit_statements["C1.2"],
    )
    assert satisfied["verb"]["id"] == "https://w3id.org/xapi/adl/verbs/satisfied"
    assert satisfied["object"]["id"] == f"{BASE}/competences/C1"
    assert satisfied["result"]["extensions"][f"{BASE}/profile/extensions/units"] == {
        code: str(value) for code, value in unit_statements.items()
    }
    voided = statement_voided(
        CONFIG, **common(actor=TRAINER), voided_statement_id=uuid.uuid4(), reason="Wrong coach"
    )
    assert voided["context"]["extensions"] == {f"{BASE}/profile/extensions/reason": "Wrong coach"}
