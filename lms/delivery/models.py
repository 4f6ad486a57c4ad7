"""Where coaches are in a module: visits and lessons done."""

import uuid
from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint, Uuid
from sqlalchemy.orm import Mapped, mapped_column

from lms.extensions import Base
from lms.timeutil import UTCDateTime, utcnow


class ModuleVisit(Base):
    """A coach's first and latest visit of a module: 'launched' once, 'continue' from here."""

    __tablename__ = "module_visits"
    __table_args__ = (UniqueConstraint("user_id", "module_code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_code: Mapped[str] = mapped_column(String(10))
    launched_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_visited_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_lesson_slug: Mapped[str | None] = mapped_column(String(80))
    statement_id: Mapped[uuid.UUID] = mapped_column(Uuid, default=uuid.uuid4)


class LessonProgress(Base):
    """A lesson a coach marked as done (the 'experienced' statement is emitted once)."""

    __tablename__ = "lesson_progress"
    __table_args__ = (UniqueConstraint("user_id", "module_code", "lesson_slug"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    module_code: Mapped[str] = mapped_column(String(10))
    lesson_slug: Mapped[str] = mapped_column(String(80))
    completed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    statement_id: Mapped[uuid.UUID] = mapped_column(Uuid, default=uuid.uuid4)
