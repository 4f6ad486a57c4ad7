"""xAPI statement builders: plain values in, validated plain-dict statements out."""

import json
import math
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, NotRequired, TypedDict, Unpack

from lms.vocabulary import MODALITIES
from lms.xapi import vocabulary as v
from lms.xapi.validation import assert_valid

LanguageMap = Mapping[str, str]
SUPPORTED_VERSIONS = ("1.0.3", "2.0.0")


class Envelope(TypedDict):
    """What every builder takes about the event itself, whatever its verb."""

    statement_id: uuid.UUID
    timestamp: datetime
    actor: "Actor"
    registration: NotRequired[uuid.UUID | None]


@dataclass(frozen=True)
class CohortRef:
    """A cohort as an identified xAPI Group: an account on this platform and its name."""

    account_name: str
    name: str


@dataclass(frozen=True)
class XapiConfig:
    """Settings every statement carries: the deployment's (base IRI, platform, version) and,
    through :func:`for_person`, the coach's (language, cohorts)."""

    base_iri: str
    # The URL users type (LMS_BASE_URL): links such as an evidence file's download.
    base_url: str = ""
    platform: str = "mobility-coach-lms"
    language: str = "fr"
    xapi_version: str = "1.0.3"
    # The coach's cohorts: contextGroups in xAPI 2.0 (no 1.0.3 property fits several groups).
    cohorts: tuple[CohortRef, ...] = ()

    def __post_init__(self) -> None:
        if self.xapi_version not in SUPPORTED_VERSIONS:
            raise ValueError(f"xapi_version must be one of {SUPPORTED_VERSIONS}")
        if not self.base_iri.startswith(("http://", "https://")):
            raise ValueError("base_iri must be an absolute http(s) IRI")


@dataclass(frozen=True)
class Actor:
    """A person as an xAPI Agent: ``Actor(account_name=...)``, an account on the platform
    (its home page is the deployment's: how our statements name people), ``Actor(email,
    name)`` (someone identified by e-mail), or an account on another ``account_home_page``."""

    email: str | None = None
    name: str | None = None
    account_home_page: str | None = None
    account_name: str | None = None

    def __post_init__(self) -> None:
        has_account = self.account_home_page is not None or self.account_name is not None
        if (self.email is None) == (not has_account):
            raise ValueError("an Actor needs either an email or an account, not both")
        if has_account and not self.account_name:
            raise ValueError("an account needs an account_name")

    def to_xapi(self, home_page: str = "") -> dict[str, Any]:
        """The Agent object, with exactly one inverse functional identifier; ``home_page`` is
        the platform's, for an account that names none."""
        agent: dict[str, Any] = {"objectType": "Agent"}
        if self.name:
            agent["name"] = self.name
        if self.email is not None:
            agent["mbox"] = f"mailto:{self.email}"
            return agent
        home = self.account_home_page or home_page
        if not home:
            raise ValueError("an account needs its home page")
        agent["account"] = {"homePage": home, "name": self.account_name}
        return agent


@dataclass(frozen=True)
class ModuleRef:
    """A training module: its code, its title and the framework units it develops (its quiz is
    ``<module>/quiz``: one per module)."""

    code: str
    title: LanguageMap
    units: Sequence[str] = field(default_factory=tuple)


@dataclass(frozen=True)
class Score:
    """An xAPI score; build it with ``Score.points(raw, maximum)`` to get ``scaled`` too."""

    raw: float | None = None
    min: float | None = None
    max: float | None = None
    scaled: float | None = None

    @classmethod
    def points(cls, raw: float, maximum: float, minimum: float = 0) -> "Score":
        """Score of ``raw`` points between ``minimum`` and ``maximum``, scaled to [0, 1]."""
        if not minimum < maximum:
            raise ValueError("minimum must be less than maximum")
        # Four decimals keep the canonical JSON short and stable across platforms.
        scaled = round((raw - minimum) / (maximum - minimum), 4)
        return cls(raw=raw, min=minimum, max=maximum, scaled=scaled)

    def to_xapi(self) -> dict[str, float]:
        """The score object, leaving out the parts that are not known."""
        parts = {"scaled": self.scaled, "raw": self.raw, "min": self.min, "max": self.max}
        return {key: value for key, value in parts.items() if value is not None}


def format_timestamp(moment: datetime) -> str:
    """UTC, millisecond precision, ``Z`` offset; naive datetimes are refused."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("timestamps must be timezone-aware")
    text = moment.astimezone(UTC).isoformat(timespec="milliseconds")
    return text.replace("+00:00", "Z")


def format_duration(seconds: float) -> str:
    """ISO 8601 duration with at most two decimals of seconds, e.g. ``PT1H2M3.45S``."""
    if isinstance(seconds, bool) or not math.isfinite(seconds) or seconds < 0:
        raise ValueError(f"a duration must be finite, non-negative seconds: {seconds!r}")
    # Decimal rounding of the printed value, so 12.345 s reads PT12.35S as a person expects.
    hundredths = int((Decimal(repr(seconds)) * 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))
    hours, rest = divmod(hundredths, 360_000)
    minutes, rest = divmod(rest, 6_000)
    whole, fraction = divmod(rest, 100)
    text = "PT"
    if hours:
        text += f"{hours}H"
    if minutes:
        text += f"{minutes}M"
    if whole or fraction or text == "PT":
        text += f"{whole}.{fraction:02d}".rstrip("0").rstrip(".") + "S"
    return text


def to_json(statement: Mapping[str, Any]) -> str:
    """Canonical text of a statement: the outbox stores it and resends it byte-identically."""
    return json.dumps(
        statement, sort_keys=True, separators=(",", ":"), ensure_ascii=False, allow_nan=False
    )


# --- internal helpers ------------------------------------------------------------------------


def _activity(
    activity_id: str,
    activity_type: str,
    name: LanguageMap | None = None,
    extra: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    definition: dict[str, Any] = {"type": activity_type}
    if name:
        definition["name"] = dict(name)
    if extra:
        definition.update(extra)
    return {"objectType": "Activity", "id": activity_id, "definition": definition}


def _module_activity(config: XapiConfig, module: ModuleRef) -> dict[str, Any]:
    return _activity(
        v.module_activity_id(config.base_iri, module.code), v.ACTIVITY_MODULE, module.title
    )


def _unit_activity(
    config: XapiConfig, unit_code: str, title: LanguageMap | None = None
) -> dict[str, Any]:
    return _activity(
        v.unit_activity_id(config.base_iri, unit_code),
        v.activity_type_iri(config.base_iri, v.TYPE_UNIT),
        title,
    )


def _competence_activity(
    config: XapiConfig, competence_code: str, title: LanguageMap | None = None
) -> dict[str, Any]:
    return _activity(
        v.competence_activity_id(config.base_iri, competence_code),
        v.activity_type_iri(config.base_iri, v.TYPE_COMPETENCE),
        title,
    )


def _verb(verb_iri: str) -> dict[str, Any]:
    return {"id": verb_iri, "display": dict(v.VERB_DISPLAY[verb_iri])}


def _uuid_text(value: uuid.UUID, what: str) -> str:
    if not isinstance(value, uuid.UUID):
        raise TypeError(f"{what} must be a uuid.UUID, got {type(value).__name__}")
    return str(value)


def _json_value(value: Any) -> Any:
    """A deep, JSON-native copy, so what we validate is what to_json will write."""
    return json.loads(json.dumps(value, allow_nan=False))


@dataclass(frozen=True)
class SessionRef:
    """A live session a statement happened in: its UUID and its title."""

    uuid: uuid.UUID
    title: LanguageMap | None = None


@dataclass(frozen=True)
class AttemptRef:
    """The attempt every statement of an attempt names: its UUID (the id of its ``attempted``
    statement) and, for a live attempt, its session."""

    uuid: uuid.UUID
    session: SessionRef | None = None


@dataclass(frozen=True)
class Attachment:
    """Metadata of an evidence file (xAPI attachment); the bytes stay with us, behind
    ``file_url`` (an authenticated download): no LRS receives them."""

    display: str
    content_type: str
    length: int
    sha2: str
    file_url: str

    def to_xapi(self, config: XapiConfig) -> dict[str, Any]:
        return {
            "usageType": v.attachment_type_iri(config.base_iri, v.ATTACHMENT_EVIDENCE),
            "display": {"und": self.display},
            "contentType": self.content_type,
            "length": self.length,
            "sha2": self.sha2,
            "fileUrl": self.file_url,
        }


def for_language(config: XapiConfig, language: str | None) -> XapiConfig:
    """The config for a statement about a person who reads ``language`` (context.language)."""
    return replace(config, language=language) if language else config


def for_person(
    config: XapiConfig, language: str | None, cohorts: Sequence[CohortRef] = ()
) -> XapiConfig:
    """The config for statements about a coach: their language and, in xAPI 2.0, their
    cohorts (contextGroups)."""
    return replace(for_language(config, language), cohorts=tuple(cohorts))


def _site(config: XapiConfig) -> str:
    """The platform's public URL: the home page of the accounts we name."""
    return (config.base_url or config.base_iri.rsplit("/", 1)[0]).rstrip("/")


def _context_agents(
    config: XapiConfig, instructor: Actor | None, role: str
) -> dict[str, list[dict[str, Any]]]:
    """xAPI 2.0 contextAgents and contextGroups: the instructor in its role (the quiz rule is
    no agent: no instructor, no entry) and the coach's cohorts."""
    found: dict[str, list[dict[str, Any]]] = {}
    if config.xapi_version != "2.0.0":
        return found
    if instructor is not None:
        found["contextAgents"] = [
            {
                "objectType": "contextAgent",
                "agent": instructor.to_xapi(_site(config)),
                "relevantTypes": [v.role_iri(config.base_iri, role)],
            }
        ]
    if config.cohorts:
        found["contextGroups"] = [
            {
                "objectType": "contextGroup",
                "group": {
                    "objectType": "Group",
                    "name": cohort.name,
                    "account": {"homePage": _site(config), "name": cohort.account_name},
                },
                "relevantTypes": [v.role_iri(config.base_iri, v.ROLE_COHORT)],
            }
            for cohort in config.cohorts
        ]
    return found


def _build(
    config: XapiConfig,
    *,
    statement_id: uuid.UUID,
    timestamp: datetime,
    actor: Actor,
    verb: str,
    obj: dict[str, Any],
    registration: uuid.UUID | None = None,
    parents: Sequence[dict[str, Any]] = (),
    groupings: Sequence[dict[str, Any]] = (),
    result: dict[str, Any] | None = None,
    instructor: Actor | None = None,
    instructor_role: str = v.ROLE_TRAINER,
    attempt: AttemptRef | None = None,
    rests_on: uuid.UUID | None = None,
    extensions: Mapping[str, Any] | None = None,
    attachments: Sequence[Attachment] = (),
) -> dict[str, Any]:
    """Assemble the statement every builder shares, then validate it."""
    context_activities: dict[str, Any] = {
        "category": [_activity(v.profile_version_iri(config.base_iri), v.ACTIVITY_PROFILE)]
    }
    groupings = list(groupings)
    if attempt is not None and attempt.session is not None:
        groupings.append(_session_activity(config, attempt.session))
    if parents:
        context_activities["parent"] = list(parents)
    if groupings:
        context_activities["grouping"] = groupings
    context: dict[str, Any] = {"contextActivities": context_activities, "language": config.language}
    # The spec allows platform only when the object is an Activity (not for voiding).
    if obj.get("objectType") == "Activity":
        context["platform"] = config.platform
    if registration is not None:
        context["registration"] = _uuid_text(registration, "registration")
    if rests_on is not None:
        context["statement"] = {
            "objectType": "StatementRef",
            "id": _uuid_text(rests_on, "rests_on"),
        }
    context_extensions = dict(extensions or {})
    if attempt is not None:
        key = v.extension_iri(config.base_iri, v.EXT_ATTEMPT)
        context_extensions[key] = _uuid_text(attempt.uuid, "attempt")
    if context_extensions:
        context["extensions"] = context_extensions
    if instructor is not None:
        context["instructor"] = instructor.to_xapi(_site(config))
    context.update(_context_agents(config, instructor, instructor_role))
    statement: dict[str, Any] = {
        "id": _uuid_text(statement_id, "statement_id"),
        "timestamp": format_timestamp(timestamp),
        "actor": actor.to_xapi(_site(config)),
        "verb": _verb(verb),
        "object": obj,
        "context": context,
    }
    if result:
        statement["result"] = result
    if attachments:
        statement["attachments"] = [attachment.to_xapi(config) for attachment in attachments]
    if config.xapi_version == "2.0.0":
        statement["version"] = "2.0.0"
    statement = _json_value(statement)
    assert_valid(statement, version=config.xapi_version)
    return statement


def _groupings(config: XapiConfig, module: ModuleRef | None) -> list[dict[str, Any]]:
    return [_unit_activity(config, unit) for unit in module.units] if module else []


def _score_result(
    *,
    score: Score | None = None,
    success: bool | None = None,
    completion: bool | None = None,
    duration_seconds: float | None = None,
    response: str | None = None,
    extensions: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    if score is not None:
        result["score"] = score.to_xapi()
    if success is not None:
        result["success"] = success
    if completion is not None:
        result["completion"] = completion
    if duration_seconds is not None:
        result["duration"] = format_duration(duration_seconds)
    if response is not None:
        result["response"] = response
    if extensions:
        result["extensions"] = dict(extensions)
    return result


def _quiz_activity(config: XapiConfig, module: ModuleRef, title: LanguageMap | None) -> dict:
    return _activity(v.quiz_activity_id(config.base_iri, module.code), v.ACTIVITY_ASSESSMENT, title)


def _session_activity(config: XapiConfig, live: SessionRef) -> dict[str, Any]:
    return _activity(
        v.session_activity_id(config.base_iri, _uuid_text(live.uuid, "session uuid")),
        v.ACTIVITY_MEETING,
        live.title,
    )


def question_activity(
    config: XapiConfig,
    question_code: str,
    interaction: Mapping[str, Any],
    question_title: LanguageMap | None = None,
) -> dict[str, Any]:
    """The Activity of one definition of a question; its id ends with the definition's hash."""
    definition = _json_value(
        _activity("", v.ACTIVITY_INTERACTION, question_title, extra=interaction)["definition"]
    )
    activity_id = v.question_activity_id(config.base_iri, question_code, definition)
    return {"objectType": "Activity", "id": activity_id, "definition": definition}


# --- builders, one per event -----------------------------------------------------------------


def module_launched(
    config: XapiConfig,
    *,
    module: ModuleRef,
    **envelope: Unpack[Envelope],
) -> dict[str, Any]:
    """A coach opened a module."""
    return _build(
        config,
        **envelope,
        verb=v.VERB_LAUNCHED,
        obj=_module_activity(config, module),
        groupings=_groupings(config, module),
    )


def lesson_experienced(
    config: XapiConfig,
    *,
    module: ModuleRef,
    lesson_slug: str,
    lesson_title: LanguageMap,
    duration_seconds: float | None = None,
    **envelope: Unpack[Envelope],
) -> dict[str, Any]:
    """A coach went through a lesson of a module, in ``duration_seconds`` when known."""
    lesson = _activity(
        v.lesson_activity_id(config.base_iri, module.code, lesson_slug),
        v.ACTIVITY_LESSON,
        lesson_title,
    )
    return _build(
        config,
        **envelope,
        verb=v.VERB_EXPERIENCED,
        obj=lesson,
        parents=[_module_activity(config, module)],
        groupings=_groupings(config, module),
        result=_score_result(duration_seconds=duration_seconds),
    )


def quiz_attempted(
    config: XapiConfig,
    *,
    module: ModuleRef,
    quiz_title: LanguageMap,
    attempt: AttemptRef,
    **envelope: Unpack[Envelope],
) -> dict[str, Any]:
    """A coach started an attempt at a module's quiz; its id is the attempt's UUID."""
    return _build(
        config,
        **envelope,
        verb=v.VERB_ATTEMPTED,
        obj=_quiz_activity(config, module, quiz_title),
        parents=[_module_activity(config, module)],
        groupings=_groupings(config, module),
        attempt=attempt,
    )


def question_answered(
    config: XapiConfig,
    *,
    module: ModuleRef,
    question_code: str,
    interaction: Mapping[str, Any],
    response: str,
    attempt: AttemptRef,
    success: bool | None = None,
    score: Score | None = None,
    question_title: LanguageMap | None = None,
    duration_seconds: float | None = None,
    **envelope: Unpack[Envelope],
) -> dict[str, Any]:
    """A coach answered one question of an attempt; ``interaction`` is the question type's
    xAPI definition (interactionType, choices…, correctResponsesPattern); the activity id
    hashes the whole definition, so an edited question gets a new id. The quiz is the one
    parent; the module and units are grouping (xAPI Data 2.4.6.2)."""
    if not str(response).strip():
        raise ValueError("a blank is no answer: record no 'answered' statement for it")
    question = question_activity(config, question_code, interaction, question_title)
    return _build(
        config,
        **envelope,
        verb=v.VERB_ANSWERED,
        obj=question,
        parents=[_quiz_activity(config, module, None)],
        groupings=[_module_activity(config, module), *_groupings(config, module)],
        result=_score_result(
            score=score, success=success, duration_seconds=duration_seconds, response=response
        ),
        attempt=attempt,
    )


def _quiz_statement(
    config: XapiConfig,
    verb: str,
    *,
    module: ModuleRef,
    quiz_title: LanguageMap,
    attempt: AttemptRef,
    result: dict[str, Any],
    instructor: Actor | None = None,
    instructor_role: str = v.ROLE_TRAINER,
    **envelope: Unpack[Envelope],
) -> dict[str, Any]:
    return _build(
        config,
        **envelope,
        verb=verb,
        obj=_quiz_activity(config, module, quiz_title),
        parents=[_module_activity(config, module)],
        groupings=_groupings(config, module),
        result=result,
        attempt=attempt,
        instructor=instructor,
        instructor_role=instructor_role,
    )


def quiz_completed(
    config: XapiConfig,
    *,
    duration_seconds: float,
    score: Score | None = None,
    **quiz: Any,
) -> dict[str, Any]:
    """A coach finished an attempt (``timestamp``: when they finished); the score only when
    every answer is graded — an essay waiting for a trainer leaves it to ``quiz_scored``."""
    result = _score_result(score=score, completion=True, duration_seconds=duration_seconds)
    return _quiz_statement(config, v.VERB_COMPLETED, result=result, **quiz)


def quiz_outcome(
    config: XapiConfig,
    *,
    score: Score,
    passed: bool,
    duration_seconds: float,
    **quiz: Any,
) -> dict[str, Any]:
    """``passed`` or ``failed``: the attempt's result statement (``timestamp``: when the coach
    finished), the one a decision on the unit rests on."""
    result = _score_result(
        score=score, success=passed, completion=True, duration_seconds=duration_seconds
    )
    verb = v.VERB_PASSED if passed else v.VERB_FAILED
    return _quiz_statement(config, verb, result=result, **quiz)


def quiz_scored(
    config: XapiConfig,
    *,
    grader: Actor,
    score: Score,
    passed: bool,
    **quiz: Any,
) -> dict[str, Any]:
    """A trainer graded what the rule could not (an essay) or regraded: the attempt's final
    result, at the grading time, with the grader as instructor."""
    result = _score_result(score=score, success=passed, completion=True)
    return _quiz_statement(
        config,
        v.VERB_SCORED,
        result=result,
        instructor=grader,
        instructor_role=v.ROLE_GRADER,
        **quiz,
    )


def quiz_finished(
    config: XapiConfig,
    *,
    completed_statement_id: uuid.UUID,
    outcome_statement_id: uuid.UUID,
    timestamp: datetime,
    actor: Actor,
    registration: uuid.UUID | None = None,
    **quiz: Any,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """Both statements of an attempt graded when it was finished: ``completed`` then
    ``passed``/``failed``; ``quiz`` holds module, quiz_title, attempt, score, passed and
    duration_seconds."""
    envelope = {"timestamp": timestamp, "actor": actor, "registration": registration}
    passed = quiz.pop("passed")
    return (
        quiz_completed(config, statement_id=completed_statement_id, **envelope, **quiz),
        quiz_outcome(config, statement_id=outcome_statement_id, passed=passed, **envelope, **quiz),
    )


def session_attended(
    config: XapiConfig,
    *,
    session: SessionRef,
    joined_at: datetime,
    left_at: datetime,
    module: ModuleRef | None = None,
    trainer: Actor | None = None,
    **envelope: Unpack[Envelope],
) -> dict[str, Any]:
    """A coach attended a live session from ``joined_at`` to ``left_at``."""
    if left_at < joined_at:
        raise ValueError("left_at must not be before joined_at")
    extensions = {
        v.extension_iri(config.base_iri, v.EXT_JOINED_AT): format_timestamp(joined_at),
        v.extension_iri(config.base_iri, v.EXT_LEFT_AT): format_timestamp(left_at),
    }
    return _build(
        config,
        **envelope,
        verb=v.VERB_ATTENDED,
        obj=_session_activity(config, session),
        parents=[_module_activity(config, module)] if module else [],
        groupings=_groupings(config, module),
        result=_score_result(
            completion=True,
            duration_seconds=(left_at - joined_at).total_seconds(),
            extensions=extensions,
        ),
        instructor=trainer,
    )


def competence_decided(
    config: XapiConfig,
    *,
    trainer: Actor | None,
    unit_id: str,
    unit_title: LanguageMap,
    validated: bool,
    modality: str,
    evidence: Mapping[str, Any],
    competence_id: str | None = None,
    module: ModuleRef | None = None,
    score: Score | None = None,
    attempt: AttemptRef | None = None,
    rests_on: uuid.UUID | None = None,
    attachments: Sequence[Attachment] = (),
    **envelope: Unpack[Envelope],
) -> dict[str, Any]:
    """A decision on a coach's framework unit: ``mastered`` when validated, ``failed`` when
    refused (never a ``mastered`` that means the opposite). ``trainer`` is the instructor
    (None: the quiz rule decided, ``evidence`` says so); ``score`` is the decision's own (the
    rubric's, or the quiz's for the quiz modality); ``rests_on`` is the attempt's result
    statement; ``competence_id`` (e.g. C1 for unit C1.1) goes in grouping."""
    if modality not in MODALITIES:
        raise ValueError(f"modality must be one of {MODALITIES}, got {modality!r}")
    extensions = {
        v.extension_iri(config.base_iri, v.EXT_MODALITY): modality,
        v.extension_iri(config.base_iri, v.EXT_EVIDENCE): _json_value(evidence),
    }
    groupings = [_competence_activity(config, competence_id)] if competence_id else []
    return _build(
        config,
        **envelope,
        verb=v.VERB_MASTERED if validated else v.VERB_FAILED,
        obj=_unit_activity(config, unit_id, unit_title),
        parents=[_module_activity(config, module)] if module else [],
        groupings=groupings,
        result=_score_result(score=score, success=validated, extensions=extensions),
        instructor=trainer,
        instructor_role=v.ROLE_VALIDATOR,
        attempt=attempt,
        rests_on=rests_on,
        attachments=attachments,
    )


def competence_satisfied(
    config: XapiConfig,
    *,
    competence_id: str,
    competence_title: LanguageMap,
    units: Mapping[str, uuid.UUID],
    rests_on: uuid.UUID,
    **envelope: Unpack[Envelope],
) -> dict[str, Any]:
    """Every unit of a competence is validated: cmi5's ``satisfied`` on the competence;
    ``units`` maps each unit code to the statement that validated it, ``rests_on`` is the
    decision that completed the set (``context.statement``)."""
    if not units:
        raise ValueError("a competence is satisfied by at least one validated unit")
    decisions = {code: _uuid_text(statement, "unit statement") for code, statement in units.items()}
    extensions = {v.extension_iri(config.base_iri, v.EXT_UNITS): decisions}
    return _build(
        config,
        **envelope,
        verb=v.VERB_SATISFIED,
        obj=_competence_activity(config, competence_id, competence_title),
        result=_score_result(success=True, completion=True, extensions=extensions),
        rests_on=rests_on,
    )


def statement_voided(
    config: XapiConfig,
    *,
    voided_statement_id: uuid.UUID,
    reason: str = "",
    **envelope: Unpack[Envelope],
) -> dict[str, Any]:
    """``actor`` (a trainer or admin) revokes an earlier statement, for ``reason``; nothing is
    deleted."""
    extensions = {v.extension_iri(config.base_iri, v.EXT_REASON): reason} if reason else None
    return _build(
        config,
        **envelope,
        verb=v.VERB_VOIDED,
        obj={
            "objectType": "StatementRef",
            "id": _uuid_text(voided_statement_id, "voided_statement_id"),
        },
        extensions=extensions,
    )
