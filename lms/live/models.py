"""Live trainer-led sessions, their questions in order, and their participants."""

import uuid
from datetime import datetime

from sqlalchemy import (
    CheckConstraint,
    Float,
    ForeignKey,
    Integer,
    String,
    UniqueConstraint,
    Uuid,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from lms.extensions import Base
from lms.i18n import N_
from lms.timeutil import UTCDateTime, utcnow

# Live session life cycle: scheduled → open (lobby, coaches join) → running ⇄ paused → ended.
SCHEDULED, OPEN, RUNNING, PAUSED, ENDED = "scheduled", "open", "running", "paused", "ended"
LIVE_STATES = (SCHEDULED, OPEN, RUNNING, PAUSED, ENDED)
# The current question of a running session: answers accepted, closed, answer revealed.
ASKING, CLOSED, REVEALED = "asking", "closed", "revealed"
QUESTION_PHASES = (ASKING, CLOSED, REVEALED)
STATE_LABELS = {
    SCHEDULED: N_("Scheduled"),
    OPEN: N_("Lobby open"),
    RUNNING: N_("Running"),
    PAUSED: N_("Paused"),
    ENDED: N_("Ended"),
}
# Who the leaderboard names: nobody (no leaderboard), the coaches, or the pseudonyms they chose.
BOARD_OFF, BOARD_NAMES, BOARD_PSEUDONYMS = "off", "names", "pseudonyms"
LEADERBOARDS = (BOARD_OFF, BOARD_NAMES, BOARD_PSEUDONYMS)
# Points for a fully right answer; with the speed bonus, an answer given as the time runs out
# keeps half of them.
FULL_POINTS = 1000
PHASE_LABELS = {
    ASKING: N_("answers open"),
    CLOSED: N_("answers closed"),
    REVEALED: N_("answer revealed"),
}


class LiveSession(Base):
    """A trainer-led session of a module's quiz for one cohort; all its state lives here, so
    any web worker can answer any coach (no sticky sessions, no in-process state)."""

    __tablename__ = "live_sessions"
    __table_args__ = (
        CheckConstraint(
            "state IN ('scheduled', 'open', 'running', 'paused', 'ended')", name="state"
        ),
        CheckConstraint("phase IS NULL OR phase IN ('asking', 'closed', 'revealed')", name="phase"),
        CheckConstraint("(state = 'ended') = (ended_at IS NOT NULL)", name="ended_iff_ended_at"),
        CheckConstraint("question_seconds >= 0", name="question_seconds"),
        CheckConstraint("leaderboard IN ('off', 'names', 'pseudonyms')", name="leaderboard"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The session's identity outside this database (its xAPI activity id).
    public_id: Mapped[uuid.UUID] = mapped_column(Uuid, default=uuid.uuid4, unique=True)
    cohort_id: Mapped[int] = mapped_column(ForeignKey("cohorts.id", ondelete="CASCADE"), index=True)
    trainer_id: Mapped[int] = mapped_column(ForeignKey("users.id"), index=True)
    module_code: Mapped[str] = mapped_column(String(10), index=True)
    quiz_id: Mapped[int] = mapped_column(ForeignKey("quizzes.id"))
    title: Mapped[str] = mapped_column(String(200))
    scheduled_at: Mapped[datetime] = mapped_column(UTCDateTime)
    webinar_url: Mapped[str | None] = mapped_column(String(500))
    question_seconds: Mapped[int] = mapped_column(Integer, default=0)  # 0 = no timer
    # Assessed: the attempts may count for the unit (when the questions cover every skill);
    # practice: they never do. The mark is copied onto each attempt the session creates.
    assessed: Mapped[bool] = mapped_column(default=False)
    speed_bonus: Mapped[bool] = mapped_column(default=False)
    leaderboard: Mapped[str] = mapped_column(String(10), default=BOARD_OFF)
    join_code: Mapped[str | None] = mapped_column(String(6), unique=True)
    state: Mapped[str] = mapped_column(String(10), default=SCHEDULED)
    current_position: Mapped[int | None] = mapped_column(Integer)
    phase: Mapped[str | None] = mapped_column(String(10))
    question_deadline: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Bumped on every change a coach's screen must follow; polls compare it to skip the swap.
    revision: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    questions: Mapped[list["LiveQuestionState"]] = relationship(
        back_populates="live_session",
        order_by="LiveQuestionState.position",
        cascade="all, delete-orphan",
    )
    participants: Mapped[list["LiveParticipant"]] = relationship(
        back_populates="live_session",
        order_by="LiveParticipant.joined_at",
        cascade="all, delete-orphan",
    )

    def question_at(self, position: int | None) -> "LiveQuestionState | None":
        for question in self.questions:
            if question.position == position:
                return question
        return None


class LiveQuestionState(Base):
    """One question of a live session, in the order the trainer chose, and when it was shown."""

    __tablename__ = "live_questions"
    __table_args__ = (UniqueConstraint("live_session_id", "position"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    live_session_id: Mapped[int] = mapped_column(
        ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True
    )
    position: Mapped[int] = mapped_column(Integer)
    question_version_id: Mapped[int] = mapped_column(ForeignKey("question_versions.id"))
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revealed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    live_session: Mapped[LiveSession] = relationship(back_populates="questions")
    question_version = relationship("QuestionVersion")


class LiveParticipant(Base):
    """A coach's presence in a live session: first join, last leave, and their attempt."""

    __tablename__ = "live_participants"
    __table_args__ = (UniqueConstraint("live_session_id", "user_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    live_session_id: Mapped[int] = mapped_column(
        ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    attempt_id: Mapped[int | None] = mapped_column(ForeignKey("attempts.id"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_seen_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    attended_statement_id: Mapped[uuid.UUID | None] = mapped_column(Uuid)

    # The name the leaderboard shows when the session uses pseudonyms.
    pseudonym: Mapped[str | None] = mapped_column(String(40))

    live_session: Mapped[LiveSession] = relationship(back_populates="participants")
    user = relationship("User")
    attempt = relationship("Attempt")


class LiveScore(Base):
    """A participant's points for one question, fixed when its answers closed: the game's
    tally. The competence package never reads it (it reads the attempt)."""

    __tablename__ = "live_scores"
    __table_args__ = (
        UniqueConstraint("participant_id", "position"),
        CheckConstraint("points >= 0", name="points"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    live_session_id: Mapped[int] = mapped_column(
        ForeignKey("live_sessions.id", ondelete="CASCADE"), index=True
    )
    participant_id: Mapped[int] = mapped_column(
        ForeignKey("live_participants.id", ondelete="CASCADE")
    )
    position: Mapped[int] = mapped_column(Integer)
    state: Mapped[str] = mapped_column(String(16))  # correct, partial, incorrect, unanswered
    fraction: Mapped[float] = mapped_column(Float)
    points: Mapped[int] = mapped_column(Integer)
    # Seconds from the question's opening to the answer, both by the server's clock.
    seconds: Mapped[float | None] = mapped_column(Float)
