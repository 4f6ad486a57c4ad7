"""Our statements and LRS client against a real Ralph LRS, and proof its FS backend is fixed."""

import json
import uuid
from datetime import UTC, datetime

import pytest

from lms.xapi import vocabulary as v
from lms.xapi.client import LrsClient
from lms.xapi.statements import (
    Actor,
    AttemptRef,
    ModuleRef,
    Score,
    XapiConfig,
    module_launched,
    question_answered,
    quiz_finished,
    to_json,
)
from lms.xapi.validation import validate_statement

pytestmark = pytest.mark.lrs

CONFIG = XapiConfig("https://lms.example.org/xapi")
COACH = Actor("coach@example.org", "Camille Coach")
ATTEMPT = AttemptRef(uuid.uuid4())
CHOICE = {
    "interactionType": "choice",
    "choices": [
        {"id": "ka1", "description": {"en": "KA1 mobility", "fr": "Mobilité KA1"}},
        {"id": "ka2", "description": {"en": "KA2 partnership", "fr": "Partenariat KA2"}},
    ],
    "correctResponsesPattern": ["ka1"],
}


def unique_module() -> ModuleRef:
    """A module no other test uses, so session-wide data cannot blur a test's filters."""
    return ModuleRef(f"M-{uuid.uuid4().hex[:8]}", {"en": "Mobility basics"}, ("C1.1",))


def launched(module: ModuleRef) -> dict:
    return module_launched(
        CONFIG,
        statement_id=uuid.uuid4(),
        timestamp=datetime.now(UTC),
        actor=COACH,
        module=module,
        registration=uuid.uuid4(),
    )


def assert_stored_as_sent(stored: dict | None, sent: dict) -> None:
    assert stored is not None, f"statement {sent['id']} not found"
    assert {key: stored.get(key) for key in sent} == sent
    assert "stored" in stored and "authority" in stored


@pytest.fixture
def lrs(ralph):
    with LrsClient(ralph.url, ralph.username, ralph.password) as client:
        yield client


def test_put_then_get_by_id_returns_the_same_statement(ralph):
    sent = question_answered(
        CONFIG,
        statement_id=uuid.uuid4(),
        timestamp=datetime.now(UTC),
        actor=COACH,
        module=unique_module(),
        question_code="M-Q345",
        attempt=ATTEMPT,
        interaction=CHOICE,
        response="ka1",
        success=True,
        score=Score.points(1, 1),
        question_title={"en": "Which action funds a learner mobility?"},
        duration_seconds=14.25,
        registration=uuid.uuid4(),
    )
    assert validate_statement(sent) == []

    with ralph.http() as client:
        response = client.put(
            f"{ralph.url}/statements",
            params={"statementId": sent["id"]},
            content=to_json(sent).encode(),
            headers={"Content-Type": "application/json"},
        )
    assert response.status_code == 204, response.text

    assert_stored_as_sent(ralph.statement(sent["id"]), sent)


def test_post_a_batch_of_three_and_get_each_back(ralph, lrs):
    module = unique_module()
    batch = [launched(module) for _ in range(3)]

    result = lrs.post_statements([to_json(s) for s in batch])

    assert result.outcome == "ok", result.reason
    assert result.statement_ids == [s["id"] for s in batch]
    for sent in batch:
        assert_stored_as_sent(ralph.statement(sent["id"]), sent)


def test_resending_identical_bytes_is_ok_and_a_conflicting_id_is_rejected(ralph, lrs):
    sent = launched(unique_module())
    texts = [to_json(sent)]
    assert lrs.post_statements(texts).ok

    assert lrs.post_statements(texts).ok

    conflicting = json.loads(texts[0])
    conflicting["verb"] = {"id": v.VERB_EXPERIENCED, "display": {"en-US": "experienced"}}
    rejected = lrs.post_statements([to_json(conflicting)])
    assert (rejected.outcome, rejected.status_code) == ("rejected", 409)
    assert [s["id"] for s in ralph.statements(activity=sent["object"]["id"])] == [sent["id"]]


def test_two_separate_posts_are_both_kept(ralph, lrs):
    module = unique_module()
    first, second = launched(module), launched(module)

    assert lrs.post_statements([to_json(first)]).ok
    assert lrs.post_statements([to_json(second)]).ok

    stored_ids = {s["id"] for s in ralph.statements()}
    assert {first["id"], second["id"]} <= stored_ids


def test_filters_by_verb_and_by_activity_return_the_right_statements(ralph, lrs):
    module = unique_module()
    completed, passed = quiz_finished(
        CONFIG,
        completed_statement_id=uuid.uuid4(),
        outcome_statement_id=uuid.uuid4(),
        timestamp=datetime.now(UTC),
        actor=COACH,
        module=module,
        quiz_title={"en": "Mobility basics: check"},
        attempt=ATTEMPT,
        score=Score.points(8, 10),
        passed=True,
        duration_seconds=600,
    )
    opened = launched(module)
    assert lrs.post_statements([to_json(s) for s in (opened, completed, passed)]).ok

    by_verb = ralph.statements(verb=v.VERB_PASSED)
    assert passed["id"] in {s["id"] for s in by_verb}
    assert {s["verb"]["id"] for s in by_verb} == {v.VERB_PASSED}

    by_quiz = ralph.statements(activity=v.quiz_activity_id(CONFIG.base_iri, module.code))
    assert {s["id"] for s in by_quiz} == {completed["id"], passed["id"]}

    by_module = ralph.statements(activity=v.module_activity_id(CONFIG.base_iri, module.code))
    assert [s["id"] for s in by_module] == [opened["id"]]


def test_statements_follows_more_links_across_pages(ralph, lrs):
    module = unique_module()
    assert lrs.post_statements([to_json(launched(module)) for _ in range(5)]).ok
    activity = v.module_activity_id(CONFIG.base_iri, module.code)

    paged = ralph.statements(activity=activity, limit=2)

    assert len(paged) == 5
    assert {s["id"] for s in paged} == {s["id"] for s in ralph.statements(activity=activity)}


def test_stop_and_start_keep_the_port_and_the_data(ralph, lrs):
    kept = launched(unique_module())
    assert lrs.post_statements([to_json(kept)]).ok
    url = ralph.url

    ralph.stop()
    try:
        down = lrs.post_statements([to_json(launched(unique_module()))])
        assert (down.outcome, down.status_code) == ("retry", None)
    finally:
        ralph.start()

    assert ralph.url == url
    assert_stored_as_sent(ralph.statement(kept["id"]), kept)
    assert lrs.post_statements([to_json(launched(unique_module()))]).ok
