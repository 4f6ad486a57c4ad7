"""The retention periods applied: what has reached the end of its period, and its deletion.

:func:`plan` lists exactly what has reached its end on a given day (ids of rows and paths of
files, per kind of data); :func:`apply` does exactly that and nothing else. Neither commits:
the caller does, and evidence files are removed from the disk only once it has (a rolled-back
run, such as a dry run, touches no file).

Nothing a decision, a completion record or a competence rests on changes: the learning trail
is read by the coach's progress pages only, an attempt keeps its score, its per-skill results
and its grades' points, and a decision keeps the name, size and hash of its evidence file.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, event, select, update
from sqlalchemy.orm import Session

from lms.competence import evidence
from lms.competence.models import Decision
from lms.delivery.models import LessonProgress, ModuleVisit
from lms.live.models import LiveParticipant, LiveScore
from lms.quiz.models import GRADED, Answer, Attempt, AttemptSlot, Grade

_FILES = "lms.privacy.retention.files"


@dataclass(frozen=True)
class RetentionPlan:
    """What has reached the end of its retention period at ``now``, by kind."""

    now: datetime
    # learning trail: rows deleted
    module_visits: tuple[int, ...] = ()
    lesson_progress: tuple[int, ...] = ()
    live_participants: tuple[int, ...] = ()
    # answers and essays: the attempts whose answers, essays and comments are deleted
    attempts: tuple[int, ...] = ()
    # evidence files: the decisions whose file is deleted, and those files (relative paths)
    decisions: tuple[int, ...] = ()
    files: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        return {
            "trail": len(self.module_visits) + len(self.lesson_progress)
            + len(self.live_participants),
            "answers": len(self.attempts),
            "evidence": len(self.decisions),
        }  # fmt: skip

    @property
    def is_empty(self) -> bool:
        return not any(self.counts().values())

    def report(self) -> dict[str, Any]:
        """Per kind: the count and the ids (and paths) concerned, as plain JSON values."""
        ids = {f.name: list(getattr(self, f.name)) for f in fields(self) if f.name != "now"}
        counts = self.counts()
        return {
            "trail": {
                "count": counts["trail"],
                **{k: ids[k] for k in ("module_visits", "lesson_progress", "live_participants")},
            },
            "answers": {"count": counts["answers"], "attempts": ids["attempts"]},
            "evidence": {
                "count": counts["evidence"],
                "decisions": ids["decisions"],
                "files": ids["files"],
            },
        }


def _ids(session: Session, model, *conditions) -> tuple[int, ...]:
    return tuple(session.scalars(select(model.id).where(*conditions).order_by(model.id)))


def plan(session: Session, *, periods: Mapping[str, int], now: datetime) -> RetentionPlan:
    """What has reached its end at ``now``: whatever is exactly ``periods[kind]`` days old or
    older (``periods``: kind -> days, as :func:`lms.privacy.notice.retention_days` reads them)."""

    def ended(kind: str) -> datetime:
        return now - timedelta(days=periods[kind])

    trail = ended("trail")
    decisions = session.execute(
        select(Decision.id, Decision.attachment_path)
        .where(
            Decision.attachment_path.is_not(None),
            Decision.attachment_deleted_at.is_(None),
            Decision.decided_at <= ended("evidence"),
        )
        .order_by(Decision.id)
    ).all()
    paths = {path for _, path in decisions}
    # A file two decisions share (one decision for a live session's participants) stays while
    # one of them keeps it.
    still_needed = set(
        session.scalars(
            select(Decision.attachment_path).where(
                Decision.attachment_path.in_(paths),
                Decision.attachment_deleted_at.is_(None),
                Decision.id.not_in([id_ for id_, _ in decisions]),
            )
        )
    )
    return RetentionPlan(
        now=now,
        module_visits=_ids(session, ModuleVisit, ModuleVisit.last_visited_at <= trail),
        lesson_progress=_ids(session, LessonProgress, LessonProgress.completed_at <= trail),
        live_participants=_ids(session, LiveParticipant, LiveParticipant.last_seen_at <= trail),
        # An answer still waiting for a trainer's grade is kept until it is graded.
        attempts=_ids(
            session,
            Attempt,
            Attempt.state == GRADED,
            Attempt.answers_deleted_at.is_(None),
            Attempt.submitted_at <= ended("answers"),
        ),
        decisions=tuple(id_ for id_, _ in decisions),
        files=tuple(sorted(paths - still_needed)),
    )


def apply(session: Session, plan: RetentionPlan, *, upload_dir: Path) -> None:
    """Delete and mark exactly what ``plan`` lists (the caller commits; the files go then)."""
    for ids in _chunks(plan.live_participants):
        # Their points in the live game go with them (the attempts and their scores stay).
        session.execute(delete(LiveScore).where(LiveScore.participant_id.in_(ids)))
        session.execute(delete(LiveParticipant).where(LiveParticipant.id.in_(ids)))
    for ids in _chunks(plan.lesson_progress):
        session.execute(delete(LessonProgress).where(LessonProgress.id.in_(ids)))
    for ids in _chunks(plan.module_visits):
        session.execute(delete(ModuleVisit).where(ModuleVisit.id.in_(ids)))
    for ids in _chunks(plan.attempts):
        slots = select(AttemptSlot.id).where(AttemptSlot.attempt_id.in_(ids))
        session.execute(update(Answer).where(Answer.slot_id.in_(slots)).values(raw=None))
        # The feedback shown was chosen by the answer: it goes with it; the grade's fraction,
        # state and rubric (its points) stay.
        session.execute(
            update(Grade).where(Grade.slot_id.in_(slots)).values(comment=None, feedback=[])
        )
        session.execute(
            update(Attempt).where(Attempt.id.in_(ids)).values(answers_deleted_at=plan.now)
        )
    for ids in _chunks(plan.decisions):
        session.execute(
            update(Decision).where(Decision.id.in_(ids)).values(attachment_deleted_at=plan.now)
        )
    _remove_after_commit(session, [evidence.resolve(upload_dir, path) for path in plan.files])
    session.flush()
    session.expire_all()


def _chunks(ids: tuple[int, ...], size: int = 500) -> Iterable[tuple[int, ...]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size]


def _remove_after_commit(session: Session, paths: list[Path]) -> None:
    if not paths:
        return
    if not session.in_transaction():
        session.begin()
    session.info.setdefault(_FILES, []).extend(paths)


@event.listens_for(Session, "after_commit")
def _remove_files(session: Session) -> None:
    for path in session.info.pop(_FILES, ()):
        path.unlink(missing_ok=True)


@event.listens_for(Session, "after_transaction_end")
def _keep_files(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without a commit
        session.info.pop(_FILES, None)
