"""Translated names of statuses and decisions, and the symbols that go with them."""

from flask_babel import lazy_gettext as _l

from lms.competence.assessment import PRACTICE
from lms.competence.models import NOT_VALIDATED, VALIDATED
from lms.competence.queries import EVIDENCE_SUFFICIENT, IN_PROGRESS, NOT_STARTED

STATUS_LABELS = {
    NOT_STARTED: _l("Not started"),
    IN_PROGRESS: _l("In progress"),
    EVIDENCE_SUFFICIENT: _l("Quiz passed / evidence sufficient"),
    NOT_VALIDATED: _l("Not validated"),
    VALIDATED: _l("Validated"),
}
# A shape per status, so that the matrix and the chart read without colour.
STATUS_SYMBOLS = {
    NOT_STARTED: "○",
    IN_PROGRESS: "◔",
    EVIDENCE_SUFFICIENT: "◑",
    NOT_VALIDATED: "✗",
    VALIDATED: "✓",
}
DECISION_LABELS = {VALIDATED: _l("Validated"), NOT_VALIDATED: _l("Not validated")}
PROPOSED_LABELS = {
    "not_started": _l("Not started"),
    "in_progress": _l("In progress"),
    "evidence_sufficient": _l("Evidence sufficient"),
    "not_yet_sufficient": _l("Not yet sufficient"),
    PRACTICE: _l("Practice (does not cover every skill of the unit)"),
}
VERB_LABELS = {
    "launched": _l("opened the module"),
    "experienced": _l("read"),
    "attempted": _l("started"),
    "answered": _l("answered a question"),
    "completed": _l("completed"),
    "passed": _l("passed"),
    "failed": _l("failed"),
    "attended": _l("attended a live session"),
    "mastered": _l("unit validated"),
    "voided": _l("cancelled"),
}
# What each level of the framework's scale means, shown under the level in the evaluation grid
# when the content gives no descriptor of its own.
LEVEL_DESCRIPTORS = {
    "insufficient": _l("The expected elements are missing or wrong."),
    "partial": _l("Some expected elements are there, with gaps or errors."),
    "mastered": _l("The expected elements are there and correct."),
    "expert": _l("Correct and complete, adapted to the case without help."),
}


def level_descriptor(level_id: str) -> str:
    return str(LEVEL_DESCRIPTORS[level_id]) if level_id in LEVEL_DESCRIPTORS else ""
