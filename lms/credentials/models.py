"""Issued credentials and the issuer's profile."""

import uuid
from datetime import datetime

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, Text, Uuid, text
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import Base
from lms.timeutil import UTCDateTime, utcnow

UNIT, COMPETENCE = "unit", "competence"

_STANDING = text("revoked_at IS NULL")


class Credential(Base):
    """One Open Badges credential of one coach for one unit or competence.

    Recorded with the decision that earns it, in the same transaction; its signed document is
    made with the issuer's current key the first time it is delivered, then kept unchanged.
    The row id is its place in the Bitstring Status List (``statuslist.position``)."""

    __tablename__ = "credentials"
    __table_args__ = (
        CheckConstraint("kind IN ('unit', 'competence')", name="kind"),
        # One standing credential per coach and achievement; a revoked one stays revoked.
        Index(
            "uq_credentials_standing",
            "coach_id",
            "kind",
            "code",
            unique=True,
            sqlite_where=_STANDING,
            postgresql_where=_STANDING,
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, unique=True, default=uuid.uuid4)
    kind: Mapped[str] = mapped_column(String(12))
    code: Mapped[str] = mapped_column(String(10))  # the unit's or the competence's code
    coach_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    # The decision that earned it (for a competence: the one validating its last unit).
    decision_id: Mapped[int] = mapped_column(ForeignKey("competence_validations.id"), index=True)
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # What the credential's evidence says: per unit, the modality, date and assessor.
    evidence: Mapped[list] = mapped_column(JSON)
    salt: Mapped[str] = mapped_column(String(32))
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    document: Mapped[str | None] = mapped_column(Text)  # the signed JSON, once made
    key_id: Mapped[str | None] = mapped_column(String(64))

    @property
    def is_revoked(self) -> bool:
        return self.revoked_at is not None


class IssuerProfile(Base):
    """The training centre as the credentials name it (one row, edited by an administrator)."""

    __tablename__ = "credential_issuer"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    url: Mapped[str] = mapped_column(String(500), default="")
    email: Mapped[str] = mapped_column(String(254), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    image_url: Mapped[str] = mapped_column(String(500), default="")
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
