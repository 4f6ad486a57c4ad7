"""Valid xAPI statements for tests: a config, a trainer, and one builder per kind of event."""

import uuid
from datetime import UTC, datetime

from lms.xapi.statements import (
    Actor,
    AttemptRef,
    ModuleRef,
    Score,
    XapiConfig,
    competence_decided,
    module_launched,
    quiz_finished,
)

CONFIG = XapiConfig("https://lms.example.org/xapi")
TRAINER = Actor("trainer@example.org", "Thomas Formateur")


def unique_module() -> ModuleRef:
    """A module no other test uses: Ralph's store outlives each test."""
    return ModuleRef(f"M-{uuid.uuid4().hex[:8]}", {"en": "Mobility basics"}, ("C1.1",))


def launched(
    email: str, module: ModuleRef | None = None, *, at: datetime | None = None, **extra
) -> dict:
    """A valid ``launched`` statement by the coach with this e-mail address."""
    return module_launched(
        CONFIG,
        statement_id=uuid.uuid4(),
        timestamp=at or datetime.now(UTC),
        actor=Actor(email, "A coach"),
        module=module or unique_module(),
        registration=extra.get("registration", uuid.uuid4()),
    )


def finished(email: str, *, passed: bool = True, at: datetime | None = None) -> tuple[dict, dict]:
    """The ``completed`` and ``passed``/``failed`` statements of one quiz."""
    return quiz_finished(
        CONFIG,
        completed_statement_id=uuid.uuid4(),
        outcome_statement_id=uuid.uuid4(),
        timestamp=at or datetime.now(UTC),
        actor=Actor(email, "A coach"),
        registration=uuid.uuid4(),
        module=unique_module(),
        quiz_title={"en": "Check"},
        attempt=AttemptRef(uuid.uuid4()),
        score=Score.points(8 if passed else 3, 10),
        passed=passed,
        duration_seconds=300,
    )


def mastered(email: str) -> dict:
    return competence_decided(
        CONFIG,
        statement_id=uuid.uuid4(),
        timestamp=datetime.now(UTC),
        actor=Actor(email, "A coach"),
        trainer=TRAINER,
        unit_id="C1.1",
        unit_title={"en": "Develop a project"},
        validated=True,
        modality="jury",
        evidence={"note": "Project presented to the jury"},
        competence_id="C1",
    )
