"""The strict validator: for each xAPI rule, a statement that keeps it and one that breaks it."""

import copy
from datetime import UTC, datetime

import pytest

from lms.xapi.validation import (
    InvalidStatement,
    assert_valid,
    is_absolute_iri,
    is_language_tag,
    parse_timestamp,
    validate_statement,
)

NOW = datetime(2025, 3, 14, 12, 0, tzinfo=UTC)
ACTIVITY = "https://lms.example.org/xapi/questions/42"


def valid_statement() -> dict:
    return {
        "id": "0f6f7a8e-3c1d-4b5e-9a2f-1c2d3e4f5a6b",
        "timestamp": "2025-03-14T11:59:00.123Z",
        "actor": {"objectType": "Agent", "name": "Coach", "mbox": "mailto:coach@example.org"},
        "verb": {"id": "http://adlnet.gov/expapi/verbs/answered", "display": {"en-US": "answered"}},
        "object": {
            "objectType": "Activity",
            "id": ACTIVITY,
            "definition": {
                "type": "http://adlnet.gov/expapi/activities/cmi.interaction",
                "name": {"fr": "Question", "en-GB": "Question"},
                "interactionType": "choice",
                "choices": [
                    {"id": "ka1", "description": {"fr": "KA1"}},
                    {"id": "ka2", "description": {"fr": "KA2"}},
                ],
                "correctResponsesPattern": ["ka1[,]ka2"],
            },
        },
        "result": {
            "response": "ka1[,]ka2",
            "success": True,
            "completion": True,
            "duration": "PT1M2.5S",
            "score": {"scaled": 0.5, "raw": 1, "min": 0, "max": 2},
            "extensions": {"https://lms.example.org/xapi/extensions/modality": "quiz"},
        },
        "context": {
            "registration": "5d3c2b1a-9e8f-4a7b-8c6d-5e4f3a2b1c0d",
            "instructor": {"mbox": "mailto:trainer@example.org"},
            "platform": "mobility-coach-lms",
            "language": "fr-FR",
            "contextActivities": {
                "parent": [{"id": "https://lms.example.org/xapi/modules/M2"}],
                "grouping": [{"id": "https://lms.example.org/xapi/framework/C1.1"}],
                "category": [{"id": "https://lms.example.org/xapi/profile"}],
            },
            "extensions": {"https://lms.example.org/xapi/extensions/evidence": {"a": 1}},
        },
    }


def check(statement: dict, version: str = "1.0.3") -> list[str]:
    return validate_statement(statement, now=NOW, version=version)


def changed(path: str, value=None, *, delete: bool = False) -> dict:
    """The valid statement with one value at a dotted path replaced or deleted."""
    statement = valid_statement()
    *parents, last = path.split(".")
    target = statement
    for key in parents:
        target = target[int(key)] if isinstance(target, list) else target[key]
    if delete:
        del target[last]
    elif isinstance(target, list):
        target[int(last)] = value
    else:
        target[last] = copy.deepcopy(value)
    return statement


def test_the_reference_statement_is_valid():
    assert check(valid_statement()) == []
    assert_valid(valid_statement(), now=NOW)


def test_assert_valid_raises_with_every_message():
    broken = changed("id", "nope")
    broken["stored"] = "2025-03-14T12:00:00Z"
    with pytest.raises(InvalidStatement) as raised:
        assert_valid(broken, now=NOW)
    assert len(raised.value.errors) == 2
    assert "id" in str(raised.value) and "stored" in str(raised.value)


VALID_VARIANTS = {
    "uuid upper case": ("id", "0F6F7A8E-3C1D-4B5E-9A2F-1C2D3E4F5A6B"),
    "actor by sha1": ("actor", {"mbox_sha1sum": "a" * 40}),
    "actor by openid": ("actor", {"openid": "https://id.example.org/coach"}),
    "actor by account": (
        "actor",
        {"account": {"homePage": "https://lms.example.org", "name": "u-17"}},
    ),
    "identified group": (
        "actor",
        {"objectType": "Group", "mbox": "mailto:team@example.org", "member": []},
    ),
    "anonymous group": (
        "actor",
        {"objectType": "Group", "member": [{"mbox": "mailto:a@example.org"}]},
    ),
    "verb without display": ("verb", {"id": "http://adlnet.gov/expapi/verbs/answered"}),
    "object StatementRef": (
        "object",
        {"objectType": "StatementRef", "id": "0f6f7a8e-3c1d-4b5e-9a2f-1c2d3e4f5a6b"},
    ),
    "object Agent": ("object", {"objectType": "Agent", "mbox": "mailto:peer@example.org"}),
    "object urn": ("object", {"id": "urn:uuid:0f6f7a8e-3c1d-4b5e-9a2f-1c2d3e4f5a6b"}),
    "language tag with script": ("context.language", "zh-Hant-TW"),
    "language tag 3 letters": ("context.language", "gsw"),
    "timestamp with offset": ("timestamp", "2025-03-14T13:59:00.123456789+02:00"),
    "timestamp within skew": ("timestamp", "2025-03-14T12:04:59Z"),
    "duration in days": ("result.duration", "P1DT2H"),
    "duration weeks": ("result.duration", "P2W"),
    "negative scaled": ("result.score", {"scaled": -1}),
    "raw at max": ("result.score", {"raw": 2, "min": 0, "max": 2}),
    "version 1.0.0": ("version", "1.0.0"),
    "version 1.0.3": ("version", "1.0.3"),
    "single context activity object": (
        "context.contextActivities.parent",
        {"id": "https://lms.example.org/xapi/modules/M2"},
    ),
    "extension with urn key": ("result.extensions", {"urn:x-lms:modality": "quiz"}),
}


@pytest.mark.parametrize("variant", VALID_VARIANTS, ids=list(VALID_VARIANTS))
def test_valid_variants_pass(variant):
    path, value = VALID_VARIANTS[variant]
    statement = changed(path, value)
    if statement["object"].get("objectType", "Activity") != "Activity":
        # context.platform is only allowed with an Activity object (see the invalid cases).
        del statement["context"]["platform"]
    assert check(statement) == []


INVALID_VARIANTS = {
    # id
    "id not a uuid": (changed("id", "0f6f7a8e3c1d4b5e9a2f1c2d3e4f5a6b"), "id: must be a UUID"),
    "id wrong variant": (changed("id", "0f6f7a8e-3c1d-4b5e-1a2f-1c2d3e4f5a6b"), "UUID"),
    "id missing": (changed("id", delete=True), "id: is required"),
    # actor
    "actor two ifis": (
        changed("actor.openid", "https://id.example.org/coach"),
        "exactly one inverse functional identifier",
    ),
    "actor no ifi": (changed("actor", {"name": "Nobody"}), "exactly one inverse functional"),
    "mbox without mailto": (changed("actor.mbox", "coach@example.org"), "mailto"),
    "sha1 wrong length": (changed("actor", {"mbox_sha1sum": "abc"}), "40 hexadecimal"),
    "openid not iri": (changed("actor", {"openid": "coach"}), "absolute IRI"),
    "account without name": (
        changed("actor", {"account": {"homePage": "https://lms.example.org"}}),
        "needs both homePage and name",
    ),
    "account homePage relative": (
        changed("actor", {"account": {"homePage": "lms.example.org", "name": "u"}}),
        "homePage: must be an absolute IRI",
    ),
    "anonymous group no members": (
        changed("actor", {"objectType": "Group"}),
        "anonymous group must list its members",
    ),
    "actor missing": (changed("actor", delete=True), "actor: is required"),
    "actor unknown key": (changed("actor.role", "coach"), "actor.role: unknown property"),
    # verb
    "verb id relative": (changed("verb.id", "answered"), "verb.id: must be an absolute IRI"),
    "verb id with space": (changed("verb.id", "http://example.org/a verb"), "absolute IRI"),
    "verb display not a map": (changed("verb.display", "answered"), "must be an object"),
    "verb display bad tag": (
        changed("verb.display", {"english": "answered"}),
        "not an RFC 5646 language tag",
    ),
    # object
    "activity id relative": (changed("object.id", "questions/42"), "object.id: must be an"),
    "http iri without host": (changed("object.id", "http:questions"), "absolute IRI"),
    "statementref not uuid": (
        changed("object", {"objectType": "StatementRef", "id": "42"}),
        "object.id: must be a UUID",
    ),
    "unknown object type": (changed("object.objectType", "Thing"), "unknown object type"),
    "definition name bad tag": (
        changed("object.definition.name", {"French": "Question"}),
        "not an RFC 5646",
    ),
    "definition type relative": (changed("object.definition.type", "question"), "absolute IRI"),
    "nested substatement": (
        changed(
            "object",
            {
                "objectType": "SubStatement",
                "actor": {"mbox": "mailto:a@example.org"},
                "verb": {"id": "http://adlnet.gov/expapi/verbs/answered"},
                "object": {"objectType": "SubStatement"},
            },
        ),
        "must not contain another SubStatement",
    ),
    "voided without statementref": (
        changed("verb.id", "http://adlnet.gov/expapi/verbs/voided"),
        "must target a StatementRef",
    ),
    # interactions
    "unknown interaction type": (
        changed("object.definition.interactionType", "essay"),
        "unknown interaction type",
    ),
    "choices on fill-in": (
        changed("object.definition.interactionType", "fill-in"),
        "choices: not allowed for interactionType 'fill-in'",
    ),
    "source on choice": (
        changed("object.definition.source", [{"id": "a"}]),
        "source: not allowed",
    ),
    "pattern not a list": (
        changed("object.definition.correctResponsesPattern", "ka1"),
        "must be a list of strings",
    ),
    "pattern unknown choice": (
        changed("object.definition.correctResponsesPattern", ["ka1[,]ka3"]),
        "'ka3' is not an id in choices",
    ),
    "duplicate component id": (
        changed("object.definition.choices", [{"id": "ka1"}, {"id": "ka1"}]),
        "duplicate component id",
    ),
    "components without interaction type": (
        changed("object.definition.interactionType", delete=True),
        "need an interactionType",
    ),
    # language maps and tags
    "context language bad": (changed("context.language", "french"), "RFC 5646"),
    "language map value not string": (
        changed("object.definition.name", {"fr": 3}),
        "name.fr: must be a string",
    ),
    # timestamp
    "timestamp without offset": (
        changed("timestamp", "2025-03-14T11:59:00.123"),
        "with an offset",
    ),
    "timestamp not iso": (changed("timestamp", "14/03/2025 11:59"), "ISO 8601"),
    "timestamp unknown local offset": (
        changed("timestamp", "2025-03-14T11:59:00-00:00"),
        "with an offset",
    ),
    "timestamp in the future": (changed("timestamp", "2025-03-14T12:05:01Z"), "in the future"),
    "timestamp impossible date": (changed("timestamp", "2025-02-30T10:00:00Z"), "ISO 8601"),
    # duration
    "duration with hours outside time": (changed("result.duration", "P1H"), "ISO 8601 duration"),
    "duration seconds only": (changed("result.duration", "90"), "ISO 8601 duration"),
    "duration empty": (changed("result.duration", "PT"), "ISO 8601 duration"),
    # score
    "scaled above 1": (changed("result.score.scaled", 1.5), "between -1 and 1"),
    "scaled below -1": (changed("result.score.scaled", -1.01), "between -1 and 1"),
    "raw above max": (changed("result.score.raw", 3), "above max"),
    "raw below min": (changed("result.score.raw", -1), "below min"),
    "min equal max": (changed("result.score", {"min": 2, "max": 2}), "must be less than max"),
    "score not number": (changed("result.score.raw", "1"), "raw: must be a number"),
    "score bool": (changed("result.score.scaled", True), "scaled: must be a number"),
    # booleans
    "success not boolean": (changed("result.success", "true"), "success: must be a boolean"),
    "completion not boolean": (changed("result.completion", 1), "completion: must be a boolean"),
    "response not string": (changed("result.response", ["ka1"]), "response: must be a string"),
    # version
    "version 1.1": (changed("version", "1.1.0"), "version: must be absent or 1.0.x"),
    "version 2 under 1.0.3": (changed("version", "2.0.0"), "1.0.x"),
    # stored / authority
    "stored set": (changed("stored", "2025-03-14T12:00:00Z"), "stored: is set by the LRS"),
    "authority set": (
        changed("authority", {"mbox": "mailto:lrs@example.org"}),
        "authority: is set by the LRS",
    ),
    # unknown properties
    "unknown top level": (changed("score", 3), "score: unknown property"),
    "unknown result key": (changed("result.grade", "A"), "result.grade: unknown property"),
    "unknown context key": (changed("context.course", "x"), "context.course: unknown property"),
    # context
    "registration not uuid": (changed("context.registration", "reg-1"), "registration"),
    "context agents in 1.0.3": (
        changed(
            "context.contextAgents",
            [{"objectType": "contextAgent", "agent": {"mbox": "mailto:t@example.org"}}],
        ),
        "only allowed in xAPI 2.0.0",
    ),
    "context groups in 1.0.3": (changed("context.contextGroups", []), "only allowed in xAPI 2.0.0"),
    "unknown context activity key": (
        changed("context.contextActivities.sibling", []),
        "unknown property",
    ),
    "context activity not iri": (
        changed("context.contextActivities.parent", [{"id": "M2"}]),
        "parent[0].id: must be an absolute IRI",
    ),
    "platform with statementref object": (
        changed(
            "object",
            {"objectType": "StatementRef", "id": "0f6f7a8e-3c1d-4b5e-9a2f-1c2d3e4f5a6b"},
        ),
        "platform: only allowed when the object is an Activity",
    ),
    "instructor without ifi": (changed("context.instructor", {"name": "T"}), "instructor"),
    # extensions
    "result extension key not iri": (
        changed("result.extensions", {"modality": "quiz"}),
        "extension key 'modality' must be an absolute IRI",
    ),
    "context extension key not iri": (
        changed("context.extensions", {"evidence": "x"}),
        "must be an absolute IRI",
    ),
    "definition extension key not iri": (
        changed("object.definition.extensions", {"level": 1}),
        "must be an absolute IRI",
    ),
}


@pytest.mark.parametrize("variant", INVALID_VARIANTS, ids=list(INVALID_VARIANTS))
def test_invalid_variants_are_reported(variant):
    statement, expected = INVALID_VARIANTS[variant]
    errors = check(statement)
    assert errors, "expected at least one error"
    assert any(expected in error for error in errors), errors


INTERACTIONS_VALID = {
    "true-false": {"interactionType": "true-false", "correctResponsesPattern": ["true"]},
    "fill-in with modifiers": {
        "interactionType": "fill-in",
        "correctResponsesPattern": ["{case_matters=false}{lang=fr}Erasmus+"],
    },
    "long-fill-in": {"interactionType": "long-fill-in"},
    "sequencing": {
        "interactionType": "sequencing",
        "choices": [{"id": "plan"}, {"id": "go"}, {"id": "report"}],
        "correctResponsesPattern": ["plan[,]go[,]report"],
    },
    "likert": {
        "interactionType": "likert",
        "scale": [{"id": "low"}, {"id": "high"}],
        "correctResponsesPattern": ["high"],
    },
    "matching": {
        "interactionType": "matching",
        "source": [{"id": "ka1"}, {"id": "ka2"}],
        "target": [{"id": "mobility"}, {"id": "partnership"}],
        "correctResponsesPattern": ["ka1[.]mobility[,]ka2[.]partnership"],
    },
    "performance": {
        "interactionType": "performance",
        "steps": [{"id": "budget"}],
        "correctResponsesPattern": ["budget[.]1000[:]2000"],
    },
    "numeric range": {"interactionType": "numeric", "correctResponsesPattern": ["4[:]6"]},
    "other": {"interactionType": "other", "correctResponsesPattern": ["anything"]},
    "choice with order modifier": {
        "interactionType": "choice",
        "choices": [{"id": "a"}, {"id": "b"}],
        "correctResponsesPattern": ["{order_matters=false}a[,]b"],
    },
}


@pytest.mark.parametrize("name", INTERACTIONS_VALID, ids=list(INTERACTIONS_VALID))
def test_every_interaction_type_validates_when_consistent(name):
    statement = changed("object.definition", INTERACTIONS_VALID[name])
    assert check(statement) == []


INTERACTIONS_INVALID = {
    "true-false yes": (
        {"interactionType": "true-false", "correctResponsesPattern": ["yes"]},
        "'true' or 'false'",
    ),
    "likert unknown": (
        {"interactionType": "likert", "scale": [{"id": "low"}], "correctResponsesPattern": ["hi"]},
        "'hi' is not an id in scale",
    ),
    "matching unknown target": (
        {
            "interactionType": "matching",
            "source": [{"id": "ka1"}],
            "target": [{"id": "mobility"}],
            "correctResponsesPattern": ["ka1[.]school"],
        },
        "'school' is not an id in target",
    ),
    "matching without pair": (
        {
            "interactionType": "matching",
            "source": [{"id": "ka1"}],
            "target": [{"id": "mobility"}],
            "correctResponsesPattern": ["ka1"],
        },
        "needs source[.]target",
    ),
    "choice without choices": (
        {"interactionType": "choice", "correctResponsesPattern": ["a"]},
        "the definition lists none",
    ),
    "performance unknown step": (
        {
            "interactionType": "performance",
            "steps": [{"id": "budget"}],
            "correctResponsesPattern": ["visa[.]ok"],
        },
        "'visa' is not an id in steps",
    ),
    "numeric not a number": (
        {"interactionType": "numeric", "correctResponsesPattern": ["four"]},
        "not a number",
    ),
    "scale on choice": (
        {"interactionType": "choice", "choices": [{"id": "a"}], "scale": [{"id": "x"}]},
        "scale: not allowed",
    ),
    "steps on likert": (
        {"interactionType": "likert", "scale": [{"id": "x"}], "steps": [{"id": "s"}]},
        "steps: not allowed",
    ),
    "component without id": (
        {"interactionType": "choice", "choices": [{"description": {"fr": "A"}}]},
        "must be a non-empty string",
    ),
}


@pytest.mark.parametrize("name", INTERACTIONS_INVALID, ids=list(INTERACTIONS_INVALID))
def test_inconsistent_interactions_are_reported(name):
    definition, expected = INTERACTIONS_INVALID[name]
    errors = check(changed("object.definition", definition))
    assert any(expected in error for error in errors), errors


def test_version_2_allows_context_agents_and_groups():
    statement = valid_statement()
    statement["version"] = "2.0.0"
    statement["context"]["contextAgents"] = [
        {
            "objectType": "contextAgent",
            "agent": {"mbox": "mailto:trainer@example.org"},
            "relevantTypes": ["https://lms.example.org/xapi/roles/trainer"],
        }
    ]
    statement["context"]["contextGroups"] = [
        {
            "objectType": "contextGroup",
            "group": {"objectType": "Group", "member": [{"mbox": "mailto:a@example.org"}]},
        }
    ]
    assert check(statement, version="2.0.0") == []
    assert check(statement) != []


def test_version_2_checks_context_agents_and_its_version():
    statement = valid_statement()
    statement["version"] = "1.0.3"
    statement["context"]["contextAgents"] = [
        {"objectType": "agent", "agent": {"name": "T"}, "relevantTypes": ["trainer"]}
    ]
    errors = check(statement, version="2.0.0")
    for expected in ("must be absent or 2.0.x", "'contextAgent'", "exactly one", "relevantTypes"):
        assert any(expected in error for error in errors), (expected, errors)


def test_not_a_dict_is_reported_not_raised():
    assert check([]) == ["statement: must be an object"]


def test_unsupported_version_and_naive_now_are_programming_errors():
    with pytest.raises(ValueError):
        validate_statement(valid_statement(), version="0.9")
    with pytest.raises(ValueError):
        validate_statement(valid_statement(), now=datetime(2025, 1, 1))


@pytest.mark.parametrize(
    ("text", "expected"),
    [("https://a.example/x", True), ("urn:isbn:123", True), ("/x", False), ("http://", False)],
)
def test_is_absolute_iri(text, expected):
    assert is_absolute_iri(text) is expected


@pytest.mark.parametrize(
    ("tag", "expected"),
    [
        ("fr", True),
        ("en-US", True),
        ("es-419", True),
        ("sl-rozaj-biske", True),
        ("x-private", True),
        ("en_US", False),
        ("", False),
        ("e", False),
    ],
)
def test_is_language_tag(tag, expected):
    assert is_language_tag(tag) is expected


def test_parse_timestamp_keeps_the_instant():
    assert parse_timestamp("2025-03-14T13:59:00.5+0200") == datetime(
        2025, 3, 14, 11, 59, 0, 500000, tzinfo=UTC
    )
    assert parse_timestamp("2025-03-14") is None
