"""The outbox: statements recorded in the caller's transaction, voided, never changed."""

import json
import uuid
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.timeutil import utcnow
from lms.xapi import queries
from lms.xapi import vocabulary as v
from lms.xapi.models import Statement
from lms.xapi.statements import Actor, XapiConfig, statement_voided, to_json
from lms.xapi.validation import InvalidStatement, assert_valid, parse_timestamp

__all__ = [
    "AlreadyVoided",
    "InvalidStatement",
    "StatementConflict",
    "config_from",
    "record",
    "void",
]


class StatementConflict(ValueError):
    """A statement with this id was already recorded with different content."""


class AlreadyVoided(ValueError):
    """The statement to void is voided already."""


def config_from(settings: Mapping[str, Any]) -> XapiConfig:
    """The statement settings of a deployment, from the application config mapping."""
    return XapiConfig(
        base_iri=settings["BASE_IRI"],
        base_url=settings.get("BASE_URL", ""),
        xapi_version=settings.get("XAPI_VERSION", "1.0.3"),
    )


def normalise_uuid(value: str | uuid.UUID) -> str:
    """The lower-case hyphenated form we store and look ids up by; ValueError when not a UUID."""
    return str(value if isinstance(value, uuid.UUID) else uuid.UUID(str(value)))


def _now_ms() -> datetime:
    # Millisecond precision, as every timestamp we show in a statement.
    now = utcnow()
    return now.replace(microsecond=now.microsecond // 1000 * 1000)


def _version_of(statement: Mapping[str, Any]) -> str:
    version = statement.get("version")
    return "2.0.0" if isinstance(version, str) and version.startswith("2.") else "1.0.3"


def record(session: Session, statement: dict, *, user_id: int | None = None) -> Statement:
    """Validate ``statement`` strictly and add it to the outbox in the caller's transaction.

    Flushes, never commits: the statement exists exactly when the event's transaction commits.
    ``user_id`` is the account of the actor, None when the actor is none of our accounts.
    Recording the same statement twice returns the first row; the same id with other content
    raises StatementConflict. A ``voided`` statement flags its target as voided."""
    assert_valid(statement, version=_version_of(statement))
    text = to_json(statement)
    statement_id = normalise_uuid(statement["id"])
    existing = session.scalar(select(Statement).where(Statement.id == statement_id))
    if existing is not None:
        if existing.text == text:
            return existing
        raise StatementConflict(f"statement {statement_id} was recorded with other content")

    stored = _now_ms()
    obj = statement["object"]
    verb = statement["verb"]["id"]
    if verb == v.VERB_VOIDED:
        _flag_voided_target(session, normalise_uuid(obj["id"]))
    actor_ifi = queries.agent_ifi(statement["actor"])
    registration = statement.get("context", {}).get("registration")
    timestamp = parse_timestamp(statement["timestamp"]) if "timestamp" in statement else stored
    row = Statement(
        id=statement_id,
        text=text,
        actor_ifi=actor_ifi,
        user_id=user_id,
        verb=verb,
        object_id=queries.object_key(obj),
        registration=normalise_uuid(registration) if registration else None,
        timestamp=timestamp,
        stored=stored,
        voided=False,
    )
    session.add(row)
    session.flush()
    return row


def _flag_voided_target(session: Session, target_id: str) -> None:
    target = session.scalar(select(Statement).where(Statement.id == target_id))
    if target is None:
        # It may live only in an LRS we fed earlier; the voiding statement still goes out.
        return
    if target.verb == v.VERB_VOIDED:
        raise InvalidStatement(
            [f"object.id: {target_id} is a voiding statement, it cannot be voided"]
        )
    target.voided = True


def is_recorded(session: Session, statement_id: str | uuid.UUID) -> bool:
    """Whether the outbox holds a statement with this id."""
    wanted = normalise_uuid(statement_id)
    return session.scalar(select(Statement.seq).where(Statement.id == wanted)) is not None


def latest_of_attempt(
    session: Session, config: XapiConfig, *, registration: uuid.UUID, attempt: uuid.UUID, verb: str
) -> uuid.UUID | None:
    """The id of the latest statement (by timestamp, then recording order) with this verb
    among those of the attempt (named by its attempt extension), if any."""
    key = v.extension_iri(config.base_iri, v.EXT_ATTEMPT)
    rows = session.scalars(
        select(Statement)
        .where(Statement.registration == normalise_uuid(registration), Statement.verb == verb)
        .order_by(Statement.timestamp.desc(), Statement.seq.desc())
    )
    for row in rows:
        extensions = json.loads(row.text).get("context", {}).get("extensions", {})
        if extensions.get(key) == str(attempt):
            return uuid.UUID(row.id)
    return None


def standing(session: Session, *, user_id: int, verb: str, object_id: str) -> list[Statement]:
    """The statements about ``user_id`` with this verb and object that are not voided."""
    query = select(Statement).where(
        Statement.user_id == user_id,
        Statement.verb == verb,
        Statement.object_id == object_id,
        Statement.voided.is_(False),
    )
    return list(session.scalars(query.order_by(Statement.seq)))


def void(
    session: Session,
    config: XapiConfig,
    statement_id: str | uuid.UUID,
    actor: Actor,
    *,
    timestamp: datetime | None = None,
    voiding_id: uuid.UUID | None = None,
    user_id: int | None = None,
    reason: str = "",
) -> Statement:
    """Revoke a recorded statement: record a ``voided`` statement by ``actor`` (a trainer or
    admin, whose account is ``user_id``) referencing it, and flag it voided. Nothing is
    deleted. Flushes, never commits."""
    target_id = normalise_uuid(statement_id)
    target = session.scalar(select(Statement).where(Statement.id == target_id))
    if target is None:
        raise LookupError(f"no statement {target_id}")
    if target.voided:
        raise AlreadyVoided(f"statement {target_id} is already voided")
    voiding = statement_voided(
        config,
        statement_id=voiding_id or uuid.uuid4(),
        timestamp=timestamp or utcnow(),
        actor=actor,
        voided_statement_id=uuid.UUID(target_id),
        reason=reason,
    )
    return record(session, voiding, user_id=user_id)
