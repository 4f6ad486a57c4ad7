"""Decisions: a trainer's (or the quiz rule's) decision on a coach's unit, with its evidence and
revocation. The table keeps its first name, ``competence_validations``."""

import uuid
from datetime import datetime

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Float,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    Uuid,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.auth.models import User
from lms.extensions import Base
from lms.timeutil import UTCDateTime, utcnow
from lms.vocabulary import MODALITIES

VALIDATED, NOT_VALIDATED = "validated", "not_validated"
DECISIONS = (VALIDATED, NOT_VALIDATED)

# At most one standing "validated" decision per coach and unit: a second one must wait for a
# revocation. Enforced by the database so that a trainer and the quiz rule cannot race.
_CURRENT_VALIDATED = text("decision = 'validated' AND revoked_at IS NULL")


class Decision(Base):
    """One decision on one coach's unit; never deleted, a revocation is recorded on the row."""

    __tablename__ = "competence_validations"
    __table_args__ = (
        CheckConstraint(f"modality IN ({', '.join(map(repr, MODALITIES))})", name="modality"),
        CheckConstraint("decision IN ('validated', 'not_validated')", name="decision"),
        CheckConstraint("automatic OR decided_by_id IS NOT NULL", name="decided_by"),
        CheckConstraint(
            "(revoked_at IS NULL) = (void_statement_id IS NULL)", name="revoked_iff_voided"
        ),
        CheckConstraint("(revoked_at IS NULL) = (revoked_by_id IS NULL)", name="revoked_by"),
        CheckConstraint("attachment_size IS NULL OR attachment_size >= 0", name="attachment_size"),
        Index(
            "uq_competence_validations_current",
            "coach_id",
            "unit_code",
            unique=True,
            sqlite_where=_CURRENT_VALIDATED,
            postgresql_where=_CURRENT_VALIDATED,
        ),
        Index("ix_competence_validations_coach_unit", "coach_id", "unit_code", "decided_at"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    unit_code: Mapped[str] = mapped_column(String(10))
    modality: Mapped[str] = mapped_column(String(12))
    decision: Mapped[str] = mapped_column(String(16))
    # True when the module's rule validated on a passed quiz, without a trainer.
    automatic: Mapped[bool] = mapped_column(Boolean, default=False)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id"))
    live_session_id: Mapped[int | None] = mapped_column(Integer)
    # Evidence: criterion id -> level id of the module's evaluation grid, and its points.
    rubric: Mapped[dict | None] = mapped_column(JSON)
    rubric_points: Mapped[float | None] = mapped_column(Float)
    rubric_max: Mapped[float | None] = mapped_column(Float)
    note: Mapped[str] = mapped_column(Text, default="")
    # Stored under the upload directory, outside the web root; the path is relative to it.
    attachment_path: Mapped[str | None] = mapped_column(String(255))
    attachment_name: Mapped[str | None] = mapped_column(String(255))
    attachment_type: Mapped[str | None] = mapped_column(String(8))
    attachment_size: Mapped[int | None] = mapped_column(Integer)
    attachment_sha256: Mapped[str | None] = mapped_column(String(64))
    # When the retention period deleted the file (its name, size and hash stay).
    attachment_deleted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    decided_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    statement_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("users.id"))
    revoke_reason: Mapped[str | None] = mapped_column(Text)
    void_statement_id: Mapped[uuid.UUID | None] = mapped_column(Uuid, unique=True)

    coach: Mapped[User] = relationship(foreign_keys=[coach_id])
    decided_by: Mapped[User | None] = relationship(foreign_keys=[decided_by_id])
    revoked_by: Mapped[User | None] = relationship(foreign_keys=[revoked_by_id])

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None

    @property
    def is_standing(self) -> bool:
        """A validated decision that has not been revoked."""
        return self.decision == VALIDATED and self.revoked_at is None

    def __repr__(self) -> str:
        return f"<Decision {self.coach_id} {self.unit_code} {self.decision}>"


class RecordCode(Base):
    """The verification code printed on a completion record: random, issued the first time a
    coach's set of standing decisions is shown, and stored (never derived from a key), so
    changing the server's secret key leaves every printed code verifiable."""

    __tablename__ = "record_codes"
    __table_args__ = (UniqueConstraint("coach_id", "fingerprint"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # sha256 of the coach's standing decisions' statement ids (lms.competence.record).
    fingerprint: Mapped[str] = mapped_column(String(64))
    code: Mapped[str] = mapped_column(String(40), unique=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
