"""xAPI outbox tables: statements (immutable but for the voided flag), LRS endpoints, deliveries."""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    event,
    inspect,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import Base
from lms.timeutil import UTCDateTime, utcnow
from lms.xapi import vocabulary as v

SCOPES = ("all", "completions")
DELIVERY_STATES = ("pending", "sent", "dead")
# What a ``completions`` endpoint receives: records of achievement (and their revocation),
# not the learning trail.
COMPLETION_VERBS = (
    v.VERB_COMPLETED,
    v.VERB_PASSED,
    v.VERB_FAILED,
    v.VERB_MASTERED,
    v.VERB_VOIDED,
)
# The endpoint mirrored from LMS_LRS_* settings; its credentials stay in the environment.
CONFIG_ENDPOINT_NAME = "env"


class Statement(Base):
    """One xAPI statement as recorded at its event: ``text`` is the canonical JSON, resent
    byte-identically; the other columns are copies of its parts for filtering."""

    __tablename__ = "xapi_statements"
    __table_args__ = (Index("ix_xapi_statements_actor_ifi_seq", "actor_ifi", "seq"),)

    # Insertion order: the forwarder sends in this order and the API pages on it.
    seq: Mapped[int] = mapped_column(Integer, primary_key=True)
    id: Mapped[str] = mapped_column(String(36), unique=True)
    text: Mapped[str] = mapped_column(Text)
    actor_ifi: Mapped[str | None] = mapped_column(String(1024))
    # The account the actor resolved to when recorded; how coaches and trainers are scoped.
    user_id: Mapped[int | None] = mapped_column(Integer, index=True)
    verb: Mapped[str] = mapped_column(String(512), index=True)
    object_id: Mapped[str] = mapped_column(String(2048), index=True)
    registration: Mapped[str | None] = mapped_column(String(36), index=True)
    timestamp: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    stored: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    voided: Mapped[bool] = mapped_column(Boolean, default=False)

    def __repr__(self) -> str:
        return f"<Statement {self.id} {self.verb.rsplit('/', 1)[-1]}>"


class Endpoint(Base):
    """An external LRS the forwarder feeds; each has its own delivery state per statement."""

    __tablename__ = "xapi_endpoints"
    __table_args__ = (
        CheckConstraint("scope IN ('all', 'completions')", name="scope"),
        CheckConstraint("source IN ('admin', 'config')", name="source"),
        CheckConstraint(
            "actor_identity IN ('mbox', 'mbox_sha1sum', 'account')", name="actor_identity"
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(80), unique=True)
    url: Mapped[str] = mapped_column(String(2048))
    username: Mapped[str] = mapped_column(String(255), default="")
    # Basic-auth secrets must be sent as-is, so they cannot be hashed; never shown back.
    password: Mapped[str] = mapped_column(String(255), default="")
    scope: Mapped[str] = mapped_column(String(12), default="all")
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    # How people are identified in what this LRS receives (lms.xapi.identity).
    actor_identity: Mapped[str] = mapped_column(String(16), default="mbox", server_default="mbox")
    # ``config``: mirrored from LMS_LRS_* at each forwarder start, credentials not stored.
    source: Mapped[str] = mapped_column(String(8), default="admin")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __repr__(self) -> str:
        return f"<Endpoint {self.name} {self.url}>"


class Delivery(Base):
    """The state of one statement at one endpoint: pending, sent or dead (refused by the LRS)."""

    __tablename__ = "xapi_deliveries"
    __table_args__ = (
        UniqueConstraint("endpoint_id", "statement_seq"),
        Index("ix_xapi_deliveries_endpoint_id_state", "endpoint_id", "state", "statement_seq"),
        CheckConstraint("state IN ('pending', 'sent', 'dead')", name="state"),
        CheckConstraint("(state = 'sent') = (sent_at IS NOT NULL)", name="sent_at"),
        CheckConstraint("attempts >= 0", name="attempts"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    statement_seq: Mapped[int] = mapped_column(ForeignKey("xapi_statements.seq"), index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("xapi_endpoints.id"))
    state: Mapped[str] = mapped_column(String(8), default="pending")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_status: Mapped[int | None] = mapped_column(Integer)
    last_error: Mapped[str | None] = mapped_column(Text)
    next_try_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # A forwarder owns the row until claimed_until; a crashed one's claim simply expires.
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claim_token: Mapped[str | None] = mapped_column(String(32))
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    statement: Mapped[Statement] = relationship()
    endpoint: Mapped[Endpoint] = relationship()


class ImmutableStatement(RuntimeError):
    """Someone tried to change or delete a recorded statement."""


@event.listens_for(Statement, "before_update")
def _only_the_voided_flag_changes(_mapper, _connection, target: Statement) -> None:
    # The database refuses it too (triggers); this says so before the round trip.
    state = inspect(target)
    for attribute in state.mapper.column_attrs:
        history = state.attrs[attribute.key].history
        if not history.has_changes():
            continue
        if attribute.key != "voided":
            raise ImmutableStatement(f"statement {target.id}: {attribute.key} cannot change")
        if history.deleted and history.deleted[0] and not target.voided:
            raise ImmutableStatement(f"statement {target.id}: a voided statement stays voided")


@event.listens_for(Statement, "before_delete")
def _never_deleted(_mapper, _connection, target: Statement) -> None:
    raise ImmutableStatement(f"statement {target.id}: statements are never deleted")
