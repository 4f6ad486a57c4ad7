"""The retention periods applied: what has reached the end of its period, and its deletion.

:func:`plan` lists exactly what has reached its end on a given day (ids of rows and paths of
files, per kind of data); :func:`apply` does exactly that and nothing else. Neither commits:
the caller does, and evidence files are removed from the disk only once it has (a rolled-back
run, such as a dry run, touches no file).

Nothing a decision, a completion record or a competence rests on changes: the learning trail
is read by the coach's progress pages only, an attempt keeps its score, its per-skill results
and its grades' points, and a decision keeps the name, size and hash of its evidence file.
An inactive account is erased as an administrator would (:mod:`lms.privacy.erasure`): its
decisions stay, under the tombstone's pseudonym.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import delete, event, exists, func, or_, select, update
from sqlalchemy.orm import Session

from lms.auth.models import ApiToken, AuditEvent, LoginSession, Role, User
from lms.competence import evidence
from lms.competence.models import Decision
from lms.delivery.models import LessonProgress, ModuleVisit
from lms.live.models import LiveParticipant, LiveScore
from lms.privacy import erasure
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
    # inactive accounts: the people pseudonymised (lms.privacy.erasure), and the evidence files
    # of the decisions about them that go with them
    accounts: tuple[int, ...] = ()
    account_files: tuple[str, ...] = ()

    def counts(self) -> dict[str, int]:
        trail = (self.module_visits, self.lesson_progress, self.live_participants)
        return {
            "trail": sum(map(len, trail)),
            "answers": len(self.attempts),
            "evidence": len(self.decisions),
            "accounts": len(self.accounts),
        }

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
            "accounts": {
                "count": counts["accounts"],
                "users": ids["accounts"],
                "files": ids["account_files"],
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
    accounts = _inactive_accounts(
        session, inactive=ended("inactive_accounts"), records=ended("records")
    )
    with_file = (Decision.attachment_path.is_not(None), Decision.attachment_deleted_at.is_(None))
    ended_evidence = session.execute(
        select(Decision.id, Decision.attachment_path)
        .where(*with_file, Decision.decided_at <= ended("evidence"))
        .order_by(Decision.id)
    ).all()
    of_accounts = session.execute(
        select(Decision.id, Decision.attachment_path).where(
            *with_file, Decision.coach_id.in_(accounts)
        )
    ).all()
    # A file two decisions share (one decision for a live session's participants) stays while
    # a decision outside the plan keeps it.
    planned = {id_ for id_, _ in ended_evidence + of_accounts}
    candidates = {path for _, path in ended_evidence + of_accounts}
    kept = set(
        session.scalars(
            select(Decision.attachment_path).where(
                *with_file, Decision.attachment_path.in_(candidates), Decision.id.not_in(planned)
            )
        )
    )
    files = {path for _, path in ended_evidence} - kept
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
        decisions=tuple(id_ for id_, _ in ended_evidence),
        files=tuple(sorted(files)),
        accounts=accounts,
        account_files=tuple(sorted({path for _, path in of_accounts} - kept - files)),
    )


def _inactive_accounts(session: Session, *, inactive: datetime, records: datetime) -> tuple:
    """The accounts without a sign of life since ``inactive`` (a login, a signed-in browser, an
    API token used, a password set, else their creation) whose latest decision as the coach is
    older than ``records``; never the last active administrator, never one already erased."""
    signs_of_life = or_(
        func.coalesce(User.password_changed_at, User.created_at) > inactive,
        User.created_at > inactive,
        exists().where(
            AuditEvent.actor_id == User.id,
            AuditEvent.action == "login.succeeded",
            AuditEvent.at > inactive,
        ),
        exists().where(LoginSession.user_id == User.id, LoginSession.last_seen_at > inactive),
        exists().where(ApiToken.user_id == User.id, ApiToken.last_used_at > inactive),
        exists().where(
            Decision.coach_id == User.id,
            or_(Decision.decided_at > records, Decision.revoked_at > records),
        ),
    )
    rows = session.execute(
        select(User.id, User.role, User.active)
        .where(~signs_of_life, ~User.email.endswith(f"@{erasure.ERASED_DOMAIN}"))
        .order_by(User.id)
    ).all()
    ids = [id_ for id_, _, _ in rows]
    administrators = [id_ for id_, role, active in rows if role == Role.ADMIN and active]
    others = select(User.id).where(
        User.role == Role.ADMIN.value, User.active.is_(True), User.id.not_in(ids)
    )
    if administrators and session.scalar(select(exists(others))) is False:
        ids.remove(administrators[0])  # the first of them stays
    return tuple(ids)


def apply(session: Session, plan: RetentionPlan, *, upload_dir: Path) -> None:
    """Delete, mark and pseudonymise exactly what ``plan`` lists (the caller commits; the
    files go then)."""
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
    files = [*plan.files, *plan.account_files]
    people = session.scalars(select(User).where(User.id.in_(plan.accounts)).order_by(User.id))
    for user in people.all():
        erasure.erase_person(session, user, erased_by=None, now=plan.now)
    _remove_after_commit(session, [evidence.resolve(upload_dir, path) for path in files])
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
