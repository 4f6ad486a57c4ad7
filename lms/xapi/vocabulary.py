"""xAPI vocabulary: ADL verb and activity-type IRIs, and the IRIs we mint under our base IRI."""

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
# Not in ADL's published activity-type list (its nearest is "objective"), but the IRI that
# competency-aware LRSs and dashboards look for in practice.
ACTIVITY_COMPETENCY = ADL_ACTIVITIES + "competency"

EXT_MODALITY = "modality"
EXT_EVIDENCE = "evidence"
EXT_JOINED_AT = "joined-at"
EXT_LEFT_AT = "left-at"
ROLE_TRAINER = "trainer"


def _segment(value: str) -> str:
    """Percent-encode one path segment so any code or slug yields a valid IRI."""
    if not value:
        raise ValueError("an activity id segment must not be empty")
    return quote(str(value), safe="-._~")


def _base(base_iri: str) -> str:
    return base_iri.rstrip("/")


def profile_iri(base_iri: str) -> str:
    """Our profile IRI, used as contextActivities.category on every statement."""
    return f"{_base(base_iri)}/profile"


def extension_iri(base_iri: str, name: str) -> str:
    """IRI of one of our extensions (modality, evidence, joined-at, left-at)."""
    return f"{_base(base_iri)}/extensions/{_segment(name)}"


def role_iri(base_iri: str, role: str) -> str:
    """IRI of a role a context agent plays (xAPI 2.0 contextAgents.relevantTypes)."""
    return f"{_base(base_iri)}/roles/{_segment(role)}"


def framework_activity_id(base_iri: str, skill_or_unit_id: str) -> str:
    """Activity id of a framework competence, unit or skill, e.g. ``<base>/framework/C1.1``."""
    return f"{_base(base_iri)}/framework/{_segment(skill_or_unit_id)}"


def module_activity_id(base_iri: str, code: str) -> str:
    """Activity id of a training module."""
    return f"{_base(base_iri)}/modules/{_segment(code)}"


def lesson_activity_id(base_iri: str, module_code: str, slug: str) -> str:
    """Activity id of a lesson inside a module."""
    return f"{module_activity_id(base_iri, module_code)}/lessons/{_segment(slug)}"


def quiz_activity_id(base_iri: str, quiz_id: str | int) -> str:
    """Activity id of a quiz (assessment)."""
    return f"{_base(base_iri)}/quizzes/{_segment(str(quiz_id))}"


def question_activity_id(base_iri: str, question_id: str | int) -> str:
    """Activity id of a question (cmi.interaction)."""
    return f"{_base(base_iri)}/questions/{_segment(str(question_id))}"


def session_activity_id(base_iri: str, session_id: str | int) -> str:
    """Activity id of a live (synchronous) training session."""
    return f"{_base(base_iri)}/sessions/{_segment(str(session_id))}"
