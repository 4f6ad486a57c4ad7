"""The erasure of a person (GDPR article 17), where the law allows it.

The account row stays as a tombstone, so that the decisions on units and the attempt scores —
the records a certification audit needs (article 17(3)(b)) — keep their keys under a name that
designates nobody. Everything else about the person is deleted: the rows of every table whose
owner column names them (found through the schema, so a table added later is erased too),
unless listed in ``KEPT_TABLES``; their answers, essays, evidence files and the free text of
their decisions; the throttling rows and audit details naming their address or name.

Local statements name an opaque account (``users.xapi_account``) that erasure clears. Older
statements carry the e-mail address and name: their agents for this person are rewritten to an
account with a fresh random name stored nowhere (the one case a stored statement changes).
What external LRSs hold cannot be erased from here: the :class:`Erasure` says, per endpoint,
which agent that LRS holds and how many statements, for the centre to ask for their deletion."""

import json
import re
import secrets
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

from sqlalchemy import Text, cast, delete, func, insert, or_, select, text, update
from sqlalchemy.orm import Session

from lms.auth import audit
from lms.auth.models import ERASED_DOMAIN, AuditEvent, LinkRequest, LoginFailure, Role, User
from lms.competence import evidence
from lms.competence.models import Decision
from lms.credentials.models import Credential
from lms.errors import UserError
from lms.extensions import Base
from lms.i18n import N_
from lms.quiz.models import Answer, Attempt, AttemptSlot, Grade
from lms.xapi import identity, queries
from lms.xapi.models import Delivery, Endpoint, Statement
from lms.xapi.statements import to_json

ERASED_NAME = "Erased person"
# No password hash has this form: no password ever matches it.
UNUSABLE_PASSWORD = "!erased"  # noqa: S105 - not a secret: matches no password
# Owned tables whose rows stay under the tombstone: what a certification audit needs
# (decisions, attempts and their scores, registrations, the codes of the records issued) and
# the credentials, which stay revoked in the status list with their documents removed.
KEPT_TABLES = {
    "competence_validations",
    "attempts",
    "registrations",
    "record_codes",
    "credentials",
}
FALLBACK_HOME_PAGE = f"https://{ERASED_DOMAIN}"
# What the counts of an Erasure are about, as the administrator reads them.
LABELS = {
    "answers": N_("Answers and essays (grade comments cleared)"),
    "evidence files": N_("Evidence files (their hash stays)"),
    "credentials": N_("Credentials: revoked, their signed documents deleted"),
    "login_sessions": N_("Signed-in browsers"),
    "api_tokens": N_("API tokens"),
    "notification_opt_outs": N_("Notification choices"),
    "module_visits": N_("Modules opened"),
    "lesson_progress": N_("Lessons done"),
    "live_participants": N_("Live session participations and nicknames"),
    "login_failures": N_("Failed logins with their address"),
    "link_requests": N_("Password link requests with their address"),
    "attempts": N_("Attempts and their scores"),
    "competence_validations": N_(
        "Decisions on units: unit, status, date, modality, validator (notes cleared)"
    ),
}


class ErasureRefused(UserError):
    """An erasure the rules do not allow."""


@dataclass(frozen=True)
class LrsCopy:
    """What one external LRS received about the person: its endpoint, how it identifies
    people, and how many of their statements it was sent."""

    endpoint: str
    actor_identity: str
    statements: int


@dataclass
class Erasure:
    """What an erasure did. ``former`` (the address and name) lives in memory only: it makes
    the agents the LRSs hold, shown once to the administrator, never stored."""

    user_id: int
    former: identity.Person
    deleted: dict[str, int] = field(default_factory=dict)
    kept: dict[str, int] = field(default_factory=dict)
    statements_rewritten: int = 0
    audit_entries_scrubbed: int = 0
    lrs: list[LrsCopy] = field(default_factory=list)
    # Evidence files under the upload folder, deleted by ``delete_files`` once committed.
    evidence_files: list[str] = field(default_factory=list)

    def labelled(self, counts: dict[str, int]) -> list[tuple[str, int]]:
        """``counts`` with their labels (English msgids; a table added later: its name)."""
        return [(LABELS.get(key, key), number) for key, number in counts.items()]

    def lrs_agents(self, home_page: str, pseudonym_key: bytes) -> list[dict[str, Any]]:
        """Per endpoint, the agent that LRS holds for the person and how many statements:
        what the centre asks its operator to delete."""
        rows = []
        for copy in self.lrs:
            how = identity.Identification(
                copy.actor_identity,
                home_page if copy.actor_identity == identity.ACCOUNT else "",
                pseudonym_key if copy.actor_identity == identity.ACCOUNT else b"",
            )
            agent = identity.agent_for(self.former, how)
            agent.pop("name", None)
            rows.append(
                {
                    "endpoint": copy.endpoint,
                    "actor_identity": copy.actor_identity,
                    "agent": agent,
                    "statements": copy.statements,
                }
            )
        return rows

    def delete_files(self, upload_dir: Path) -> int:
        """Delete the person's evidence files (after the erasure committed); returns how many
        were there."""
        removed = 0
        for relative in self.evidence_files:
            try:
                evidence.resolve(upload_dir, relative).unlink()
                removed += 1
            except (FileNotFoundError, UserError):
                continue
        return removed


def lrs_instructions(done: Erasure, config: Mapping[str, Any]) -> list[dict[str, Any]]:
    """Per endpoint, the agent its LRS holds for the erased person, under the deployment's
    settings (home page, pseudonym key): shown once, never stored."""
    return done.lrs_agents(str(config.get("BASE_URL", "")), identity.pseudonym_key(config))


def _owned_tables() -> list[tuple[Any, str]]:
    """(table, owner column) of every table whose rows belong to a person."""
    found = []
    for table in Base.metadata.sorted_tables:
        for column in table.columns:
            for key in column.foreign_keys:
                if key.column.table.name == "users" and key.ondelete == "CASCADE":
                    found.append((table, column.name))
    return found


def check_allowed(session: Session, user: User, erased_by: User | None) -> None:
    """Raise ErasureRefused when this erasure is not allowed."""
    if erased_by is not None and erased_by.id == user.id:
        raise ErasureRefused(N_("You cannot erase your own account."))
    if user.role == Role.ADMIN and user.active:
        others = select(func.count()).where(
            User.role == Role.ADMIN.value, User.active.is_(True), User.id != user.id
        )
        if not session.scalar(others):
            raise ErasureRefused(N_("The last active administrator cannot be erased."))


def erase_person(session: Session, user: User, *, erased_by: User | None, now: datetime) -> Erasure:
    """Erase ``user`` (see the module's description). Flushes, never commits; the caller
    commits, then calls ``Erasure.delete_files``. Raises ErasureRefused for oneself and for the
    last active administrator."""
    if user.is_erased:
        raise ErasureRefused(N_("This person is erased already."))
    check_allowed(session, user, erased_by)
    former = identity.Person(user.id, user.email.lower(), user.display_name)
    erasure = Erasure(user_id=user.id, former=former)
    about = _statements_about(session, user)
    erasure.lrs = _lrs_copies(session, about)
    _erase_attempt_texts(session, user, erasure)
    _erase_decision_texts(session, user, erasure)
    _revoke_credentials(session, user, now, erasure)
    _delete_owned_rows(session, user, erasure)
    for model in (LoginFailure, LinkRequest):
        result = session.execute(delete(model).where(func.lower(model.email) == former.email))
        erasure.deleted[model.__tablename__] = result.rowcount
    user.cohorts = []
    user.taught_cohorts = []
    user.email = f"erased-{secrets.token_hex(8)}@{ERASED_DOMAIN}"
    user.display_name = ERASED_NAME
    user.password_hash = UNUSABLE_PASSWORD
    user.active = False
    user.xapi_account = None
    user.invited_at = None
    user.password_changed_at = None
    user.privacy_acknowledged_at = None
    session.flush()
    erasure.statements_rewritten = _rewrite_legacy_statements(session, former)
    erasure.audit_entries_scrubbed = _scrub_audit_log(session, former, user.email)
    audit.record(
        session,
        "user.erased",
        actor=erased_by,
        subject=f"user:{user.id}",
        detail={
            "statements_rewritten": erasure.statements_rewritten,
            "lrs_statements": {copy.endpoint: copy.statements for copy in erasure.lrs},
        },
        now=now,
    )
    return erasure


def _statements_about(session: Session, user: User):
    """The seqs of the statements that name the person: as their actor, by their opaque
    account, or by their e-mail address (older statements)."""
    by_email = func.lower(Statement.text).contains(
        f'"mailto:{user.email.lower()}"', autoescape=True
    )
    conditions = [Statement.user_id == user.id, by_email]
    if user.xapi_account:
        conditions.append(Statement.text.contains(f'"{user.xapi_account}"', autoescape=True))
    return select(Statement.seq).where(or_(*conditions))


def _lrs_copies(session: Session, about) -> list[LrsCopy]:
    query = (
        select(Endpoint.name, Endpoint.actor_identity, func.count())
        .join(Delivery, Delivery.endpoint_id == Endpoint.id)
        .where(Delivery.state == "sent", Delivery.statement_seq.in_(about))
        .group_by(Endpoint.name, Endpoint.actor_identity)
        .order_by(Endpoint.name)
    )
    return [LrsCopy(name, kind, count) for name, kind, count in session.execute(query)]


def _site_of(statement: dict) -> str:
    """The platform's URL the statement was minted under (from its profile category)."""
    categories = statement.get("context", {}).get("contextActivities", {}).get("category", [])
    for category in categories:
        iri = str(category.get("id", ""))
        if "/profile/v" in iri:
            return iri.split("/profile/v", 1)[0].rsplit("/", 1)[0]
    return FALLBACK_HOME_PAGE


def _rewrite_legacy_statements(session: Session, former: identity.Person) -> int:
    """Rewrite the agents naming the person by e-mail to an account with a fresh random name
    stored nowhere; returns how many statements changed."""
    wanted = f'"mailto:{former.email}"'
    rows = session.execute(
        select(Statement.seq, Statement.text).where(
            func.lower(Statement.text).contains(wanted, autoescape=True)
        )
    ).all()
    if not rows:
        return 0
    nobody = secrets.token_hex(16)
    changes = []
    for seq, recorded in rows:
        statement = json.loads(recorded)
        site = _site_of(statement)

        def to_nobody(agent, site=site):
            if identity.email_of(agent) != former.email:
                return None
            return {"objectType": "Agent", "account": {"homePage": site, "name": nobody}}

        rewritten = identity.map_agents(statement, to_nobody)
        changes.append(
            {
                "seq": seq,
                "text": to_json(rewritten),
                "actor_ifi": queries.agent_ifi(rewritten["actor"]),
            }
        )
    with _statement_guard_lifted(session):
        for change in changes:
            session.execute(
                update(Statement)
                .where(Statement.seq == change["seq"])
                .values(text=change["text"], actor_ifi=change["actor_ifi"]),
                execution_options={"synchronize_session": False},
            )
    return len(changes)


class _statement_guard_lifted:
    """The database's immutability guard of statements, lifted inside this transaction only
    (the triggers are back before it commits)."""

    def __init__(self, session: Session) -> None:
        self.session = session
        self.postgres = session.get_bind().dialect.name == "postgresql"
        self.triggers: list[str] = []

    def __enter__(self) -> None:
        if self.postgres:
            self.session.execute(
                text("ALTER TABLE xapi_statements DISABLE TRIGGER xapi_statements_guard")
            )
            return
        rows = self.session.execute(
            text(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'trigger' AND tbl_name = 'xapi_statements'"
            )
        ).all()
        self.triggers = [sql for _, sql in rows]
        if not self.session.connection().connection.dbapi_connection.in_transaction:
            self.session.execute(text("BEGIN"))  # the triggers come back if this rolls back
        for name, _ in rows:
            self.session.execute(text(f'DROP TRIGGER "{name}"'))

    def __exit__(self, *_exc) -> None:
        if self.postgres:
            self.session.execute(
                text("ALTER TABLE xapi_statements ENABLE TRIGGER xapi_statements_guard")
            )
            return
        for sql in self.triggers:
            self.session.execute(text(sql))


def _erase_attempt_texts(session: Session, user: User, erasure: Erasure) -> None:
    """Answers and essays deleted, grade comments and the feedback the answers chose cleared;
    the scores stay."""
    slots = (
        select(AttemptSlot.id)
        .join(Attempt, Attempt.id == AttemptSlot.attempt_id)
        .where(Attempt.user_id == user.id)
    )
    session.execute(
        update(Grade)
        .where(Grade.slot_id.in_(slots))
        .values(answer_id=None, comment=None, feedback=[]),
        execution_options={"synchronize_session": False},
    )
    result = session.execute(
        delete(Answer).where(Answer.slot_id.in_(slots)),
        execution_options={"synchronize_session": False},
    )
    erasure.deleted["answers"] = result.rowcount
    erasure.kept["attempts"] = session.scalar(
        select(func.count()).where(Attempt.user_id == user.id)
    )


def _erase_decision_texts(session: Session, user: User, erasure: Erasure) -> None:
    """Decisions keep unit, status, date, modality and validator; their notes and evidence
    files go (the file's hash stays)."""
    decisions = session.scalars(select(Decision).where(Decision.coach_id == user.id)).all()
    files = [decision.attachment_path for decision in decisions if decision.attachment_path]
    for decision in decisions:
        decision.note = ""
        if decision.revoke_reason:
            decision.revoke_reason = ""
        decision.attachment_path = None
        decision.attachment_name = None
    session.flush()
    # A file shared with another coach's decision (one report for a live session's
    # participants) stays: that decision rests on it.
    shared = set(
        session.scalars(select(Decision.attachment_path).where(Decision.attachment_path.in_(files)))
    )
    erasure.evidence_files = [path for path in dict.fromkeys(files) if path not in shared]
    erasure.deleted["evidence files"] = len(erasure.evidence_files)
    erasure.kept["competence_validations"] = len(decisions)


def _revoke_credentials(session: Session, user: User, now: datetime, erasure: Erasure) -> None:
    """Credentials revoked (their status bit set) and their signed documents deleted; the row
    stays as the status list's entry."""
    credentials = session.scalars(select(Credential).where(Credential.coach_id == user.id)).all()
    for credential in credentials:
        if credential.revoked_at is None:
            credential.revoked_at = now
        credential.document = None
        credential.evidence = []
    erasure.deleted["credentials"] = len(credentials)


def _delete_owned_rows(session: Session, user: User, erasure: Erasure) -> None:
    session.flush()
    for table, column in reversed(_owned_tables()):
        if table.name in KEPT_TABLES or table.name.startswith("cohort_"):
            continue
        result = session.execute(delete(table).where(table.c[column] == user.id))
        erasure.deleted[table.name] = erasure.deleted.get(table.name, 0) + result.rowcount


def _mentions(value: Any, needles: Iterable[str]) -> bool:
    text = json.dumps(value, ensure_ascii=False).lower()
    return any(needle in text for needle in needles)


def _scrubbed(value: Any, needles: tuple[str, ...]) -> Any:
    if isinstance(value, dict):
        return {key: _scrubbed(item, needles) for key, item in value.items()}
    if isinstance(value, list):
        return [_scrubbed(item, needles) for item in value]
    if isinstance(value, str) and any(needle in value.lower() for needle in needles):
        return "[erased]"
    return value


def _replaced(text: str, former: identity.Person, tombstone_email: str) -> str:
    """``text`` with the person's address and name replaced by the tombstone's."""
    text = re.sub(re.escape(former.email), tombstone_email, text, flags=re.IGNORECASE)
    if former.name:
        text = re.sub(re.escape(former.name), ERASED_NAME, text, flags=re.IGNORECASE)
    return text


def _scrub_audit_log(session: Session, former: identity.Person, tombstone_email: str) -> int:
    """Audit entries keep their place, time and action; the person's address becomes the
    tombstone's and details naming them are blanked. The log refuses updates, so each entry
    is replaced by its scrubbed copy under the same id."""
    needles = tuple(n for n in {former.email, former.name.lower()} if n)
    escaped = [json.dumps(needle)[1:-1] for needle in needles]
    detail_text = func.lower(cast(AuditEvent.detail, Text))
    candidates = session.scalars(
        select(AuditEvent).where(
            or_(
                AuditEvent.actor_id == former.user_id,
                func.lower(AuditEvent.actor_email) == former.email,
                *[func.lower(AuditEvent.subject).contains(n, autoescape=True) for n in needles],
                *[detail_text.contains(needle, autoescape=True) for needle in {*needles, *escaped}],
            )
        )
    ).all()
    scrubbed = 0
    for event in candidates:
        actor_email = event.actor_email
        if actor_email.lower() == former.email:
            actor_email = tombstone_email
        subject = _replaced(event.subject, former, tombstone_email)
        detail = _scrubbed(event.detail, needles) if _mentions(event.detail, needles) else None
        if detail is None and (actor_email, subject) == (event.actor_email, event.subject):
            continue
        row = {
            "id": event.id,
            "at": event.at,
            "action": event.action,
            "actor_id": event.actor_id,
            "actor_email": actor_email,
            "subject": subject,
            "ip": event.ip,
            "detail": detail if detail is not None else event.detail,
        }
        session.expunge(event)
        session.execute(delete(AuditEvent).where(AuditEvent.id == row["id"]))
        session.execute(insert(AuditEvent).values(**row))
        scrubbed += 1
    return scrubbed
