"""xAPI vocabulary: ADL verb and activity-type IRIs, and the IRIs we mint under our base IRI.

Every IRI we mint derives from content ids (competence, unit, skill, module and question codes,
lesson slugs) or from UUIDs (live sessions), never from database integers, so two installations
with the same content and base IRI mint the same ids. Our own concepts (activity types,
extensions, roles) live under the profile, ``<base>/profile/...``; the web face answers a GET on
every one of them (docs/xapi.md).
"""

import hashlib
import json
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

ADL_VERBS = "http://adlnet.gov/expapi/verbs/"
ADL_ACTIVITIES = "http://adlnet.gov/expapi/activities/"

VERB_LAUNCHED = ADL_VERBS + "launched"
VERB_EXPERIENCED = ADL_VERBS + "experienced"
VERB_ATTEMPTED = ADL_VERBS + "attempted"
VERB_ANSWERED = ADL_VERBS + "answered"
VERB_COMPLETED = ADL_VERBS + "completed"
VERB_PASSED = ADL_VERBS + "passed"
VERB_FAILED = ADL_VERBS + "failed"
VERB_ATTENDED = ADL_VERBS + "attended"
VERB_MASTERED = ADL_VERBS + "mastered"
VERB_VOIDED = ADL_VERBS + "voided"
VERB_SCORED = ADL_VERBS + "scored"
# cmi5's verb for "the requirements are met", from the ADL vocabulary server.
VERB_SATISFIED = "https://w3id.org/xapi/adl/verbs/satisfied"

VERBS: dict[str, str] = {
    iri.rsplit("/", 1)[1]: iri
    for iri in (
        VERB_LAUNCHED,
        VERB_EXPERIENCED,
        VERB_ATTEMPTED,
        VERB_ANSWERED,
        VERB_COMPLETED,
        VERB_PASSED,
        VERB_FAILED,
        VERB_ATTENDED,
        VERB_MASTERED,
        VERB_VOIDED,
        VERB_SCORED,
        VERB_SATISFIED,
    )
}

# English display of each verb, keyed by IRI; LRS viewers show it next to the statement.
VERB_DISPLAY: dict[str, dict[str, str]] = {iri: {"en-US": word} for word, iri in VERBS.items()}

ACTIVITY_COURSE = ADL_ACTIVITIES + "course"
ACTIVITY_MODULE = ADL_ACTIVITIES + "module"
ACTIVITY_LESSON = ADL_ACTIVITIES + "lesson"
ACTIVITY_ASSESSMENT = ADL_ACTIVITIES + "assessment"
ACTIVITY_INTERACTION = ADL_ACTIVITIES + "cmi.interaction"
ACTIVITY_MEETING = ADL_ACTIVITIES + "meeting"
ACTIVITY_PROFILE = ADL_ACTIVITIES + "profile"

# Our activity types, minted under the profile: <base>/profile/activity-types/<name>.
TYPE_COMPETENCE = "competence"
TYPE_UNIT = "unit"
TYPE_SKILL = "skill"

EXT_MODALITY = "modality"
EXT_EVIDENCE = "evidence"
EXT_JOINED_AT = "joined-at"
EXT_LEFT_AT = "left-at"
EXT_ATTEMPT = "attempt"  # context: the attempt's UUID, after cmi5's sessionid
EXT_UNITS = "units"  # result of satisfied: unit code -> the statement that validated it
EXT_REASON = "reason"  # context of voided: why a decision was revoked
ATTACHMENT_EVIDENCE = "evidence"
# Relevant types of xAPI 2.0 contextAgents / contextGroups: why the agent or group matters.
ROLE_TRAINER = "trainer"  # leads the live session
ROLE_GRADER = "grader"  # graded the attempt (scored)
ROLE_VALIDATOR = "validator"  # decided on the unit
ROLE_COHORT = "cohort"  # the group the coach trains in


def _segment(value: str) -> str:
    """Percent-encode one path segment so any code or slug yields a valid IRI."""
    if not value:
        raise ValueError("an activity id segment must not be empty")
    return quote(str(value), safe="-._~")


def _base(base_iri: str) -> str:
    return base_iri.rstrip("/")


# Version 1 used <base>/framework/<code> for units and competences alike, database integers
# for quizzes and sessions, and one question id per code; version 2 mints the ids below.
PROFILE_VERSION = 2


def profile_iri(base_iri: str) -> str:
    """Our xAPI Profile's IRI."""
    return f"{_base(base_iri)}/profile"


def profile_version_iri(base_iri: str, version: int = PROFILE_VERSION) -> str:
    """IRI of one version of the profile: contextActivities.category on every statement."""
    return f"{profile_iri(base_iri)}/v{version}"


def extension_iri(base_iri: str, name: str) -> str:
    """IRI of one of our extensions (modality, evidence, joined-at, left-at…)."""
    return f"{profile_iri(base_iri)}/extensions/{_segment(name)}"


def role_iri(base_iri: str, role: str) -> str:
    """IRI of a role a context agent plays (xAPI 2.0 contextAgents.relevantTypes)."""
    return f"{profile_iri(base_iri)}/roles/{_segment(role)}"


def activity_type_iri(base_iri: str, name: str) -> str:
    """IRI of one of our activity types (competence, unit, skill)."""
    return f"{profile_iri(base_iri)}/activity-types/{_segment(name)}"


def attachment_type_iri(base_iri: str, name: str) -> str:
    """usageType IRI of one of our attachments (evidence)."""
    return f"{profile_iri(base_iri)}/attachment-types/{_segment(name)}"


def competence_activity_id(base_iri: str, code: str) -> str:
    """Activity id of a framework competence, e.g. ``<base>/competences/C2``."""
    return f"{_base(base_iri)}/competences/{_segment(code)}"


def unit_activity_id(base_iri: str, code: str) -> str:
    """Activity id of a framework unit, e.g. ``<base>/units/C2`` (never the competence's)."""
    return f"{_base(base_iri)}/units/{_segment(code)}"


def skill_activity_id(base_iri: str, code: str) -> str:
    """Activity id of a framework skill, e.g. ``<base>/skills/C1.1-S1``."""
    return f"{_base(base_iri)}/skills/{_segment(code)}"


def module_activity_id(base_iri: str, code: str) -> str:
    """Activity id of a training module."""
    return f"{_base(base_iri)}/modules/{_segment(code)}"


def lesson_activity_id(base_iri: str, module_code: str, slug: str) -> str:
    """Activity id of a lesson inside a module."""
    return f"{module_activity_id(base_iri, module_code)}/lessons/{_segment(slug)}"


def quiz_activity_id(base_iri: str, module_code: str) -> str:
    """Activity id of a module's quiz (one per module): ``<base>/modules/<code>/quiz``."""
    return f"{module_activity_id(base_iri, module_code)}/quiz"


def definition_hash(definition: Mapping[str, Any]) -> str:
    """Twelve hex digits of the SHA-256 of an activity definition's canonical JSON."""
    text = json.dumps(definition, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def question_activity_id(base_iri: str, code: str, definition: Mapping[str, Any]) -> str:
    """Activity id of one definition of a question: ``<base>/questions/<code>/<hash>``.

    The last segment hashes the whole activity definition (type, texts, choices, correct
    responses), so an edited key mints a new id and one id never carries two definitions."""
    return f"{_base(base_iri)}/questions/{_segment(code)}/{definition_hash(definition)}"


def session_activity_id(base_iri: str, session_uuid: str) -> str:
    """Activity id of a live (synchronous) training session, from its UUID."""
    return f"{_base(base_iri)}/sessions/{_segment(str(session_uuid))}"
