"""What each IRI we mint under the base IRI stands for: the profile, its concepts, and the
activities of our statements (competences, units, skills, modules, lessons, quizzes, question
definitions, live sessions), described from content ids and UUIDs only; and the ids of
version 1, which statements recorded before version 2 keep (docs/xapi.md)."""

import uuid
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.catalog.models import Competence, Lesson, Module, Question, Quiz, Skill, Unit
from lms.live.models import LiveSession
from lms.quiz import types
from lms.xapi import profile
from lms.xapi import vocabulary as v
from lms.xapi.statements import XapiConfig, question_activity

ACTIVITY_CONTEXT = "https://w3id.org/xapi/profiles/activity-context"
# What version 1 minted outside the activities version 2 still uses (modules, lessons).
V1_CONCEPTS = {"extensions": {"modality", "evidence", "joined-at", "left-at"}, "roles": {"trainer"}}


def describe(session: Session, config: XapiConfig, path: str) -> dict[str, Any] | None:
    """The JSON-LD description of ``<base>/<path>``, or None when we never minted it."""
    base = config.base_iri
    iri = f"{base}/{path}"
    parts = path.split("/")
    if parts[0] == "profile":
        if len(parts) == 1 or (len(parts) == 2 and parts[1] in _profile_versions(base)):
            return profile.document(base)
        return profile.concept(base, iri)
    if parts[0] in V1_CONCEPTS:
        return _version_1_concept(base, parts)
    found = _activity(session, config, parts) or _version_1_activity(session, config, parts)
    if found is None:
        return None
    activity_type, name, description = found
    text = {"@context": ACTIVITY_CONTEXT, "id": iri, "type": activity_type, "name": name}
    if description:
        text["description"] = description
    return text


def _replaced_by(current: str) -> dict[str, str]:
    return {
        "en": "Version 1 identifier, kept by the statements recorded before version 2 of our "
        f"xAPI Profile; statements since then use {current}.",
        "fr": "Identifiant de la version 1, que gardent les déclarations enregistrées avant la "
        f"version 2 de notre profil xAPI ; les suivantes utilisent {current}.",
    }


def _version_1_concept(base: str, parts: list[str]) -> dict[str, Any] | None:
    """``<base>/extensions/<name>`` and ``<base>/roles/<name>``: now under the profile."""
    if len(parts) != 2 or parts[1] not in V1_CONCEPTS[parts[0]]:
        return None
    current = (v.extension_iri if parts[0] == "extensions" else v.role_iri)(base, parts[1])
    concept = profile.concept(base, current)
    if concept is None:
        return None
    described = {key: value for key, value in concept.items() if key != "inScheme"}
    return {**described, "id": f"{base}/{'/'.join(parts)}", "definition": _replaced_by(current)}


def _version_1_activity(session: Session, config: XapiConfig, parts: list[str]):
    """(activity type, name, description) of a version 1 activity id: ``framework/<code>``
    (a unit, competence or skill), ``quizzes/<n>``, ``questions/<code>``, ``sessions/<n>``
    (the numbers are this installation's)."""
    if len(parts) != 2:
        return None
    kind, key, base = parts[0], parts[1], config.base_iri
    if kind == "framework":
        for model, current, activity_type in (
            (Unit, v.unit_activity_id, v.TYPE_UNIT),
            (Competence, v.competence_activity_id, v.TYPE_COMPETENCE),
            (Skill, v.skill_activity_id, v.TYPE_SKILL),
        ):
            item = session.scalar(select(model).where(model.code == key))
            if item is not None:
                name = item.label if model is Skill else item.title
                return _type(config, activity_type), name, _replaced_by(current(base, key))
    elif kind == "quizzes" and key.isdigit():
        quiz = session.get(Quiz, int(key))
        if quiz is not None:
            current = v.quiz_activity_id(base, quiz.module_code)
            return v.ACTIVITY_ASSESSMENT, quiz.title, _replaced_by(current)
    elif kind == "questions":
        question = session.scalar(select(Question).where(Question.code == key))
        if question is not None:
            current = f"{base}/questions/{key}/<hash>"
            name = question.current.definition["text"]
            return v.ACTIVITY_INTERACTION, name, _replaced_by(current)
    elif kind == "sessions" and key.isdigit():
        live = session.get(LiveSession, int(key))
        if live is not None:
            current = v.session_activity_id(base, str(live.public_id))
            return v.ACTIVITY_MEETING, {"fr": live.title, "en": live.title}, _replaced_by(current)
    return None


def _profile_versions(base: str) -> set[str]:
    return {item["id"].rsplit("/", 1)[1] for item in profile.document(base)["versions"]}


def _activity(session: Session, config: XapiConfig, parts: list[str]):
    """(activity type, name, description) of the activity these path segments name."""
    kind, rest = parts[0], parts[1:]
    if kind == "competences" and len(rest) == 1:
        competence = session.scalar(select(Competence).where(Competence.code == rest[0]))
        if competence is not None:
            return _type(config, v.TYPE_COMPETENCE), competence.title, None
    elif kind == "units" and len(rest) == 1:
        unit = session.scalar(select(Unit).where(Unit.code == rest[0]))
        if unit is not None:
            return _type(config, v.TYPE_UNIT), unit.title, None
    elif kind == "skills" and len(rest) == 1:
        skill = session.scalar(select(Skill).where(Skill.code == rest[0]))
        if skill is not None:
            return _type(config, v.TYPE_SKILL), skill.label, skill.description
    elif kind == "modules" and rest:
        return _module_part(session, rest)
    elif kind == "questions" and len(rest) == 2:
        return _question(session, config, *rest)
    elif kind == "sessions" and len(rest) == 1:
        return _live_session(session, rest[0])
    return None


def _type(config: XapiConfig, name: str) -> str:
    return v.activity_type_iri(config.base_iri, name)


def _module_part(session: Session, rest: list[str]):
    module = session.scalar(select(Module).where(Module.code == rest[0]))
    if module is None:
        return None
    if len(rest) == 1:
        return v.ACTIVITY_MODULE, module.title, module.summary
    if rest[1:] == ["quiz"]:
        quiz = session.scalar(select(Quiz).where(Quiz.module_code == module.code))
        return (v.ACTIVITY_ASSESSMENT, quiz.title, None) if quiz is not None else None
    if len(rest) == 3 and rest[1] == "lessons":
        lesson = session.scalar(
            select(Lesson).where(Lesson.module_id == module.id, Lesson.slug == rest[2])
        )
        if lesson is not None:
            return v.ACTIVITY_LESSON, lesson.current.title, None
    return None


def _question(session: Session, config: XapiConfig, code: str, digest: str):
    """A question definition, if one of the question's versions hashes to ``digest``."""
    question = session.scalar(select(Question).where(Question.code == code))
    for version in question.versions if question is not None else []:
        definition = version.definition
        activity = question_activity(
            config, code, types.xapi_interaction(definition, config.language), definition["text"]
        )
        if activity["id"].endswith("/" + digest):
            described = activity["definition"]
            return described["type"], described.get("name", {}), described.get("description")
    return None


def _live_session(session: Session, text: str):
    try:
        public_id = uuid.UUID(text)
    except ValueError:
        return None
    live = session.scalar(select(LiveSession).where(LiveSession.public_id == public_id))
    if live is None:
        return None
    return v.ACTIVITY_MEETING, {"fr": live.title, "en": live.title}, None
