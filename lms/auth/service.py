"""Account operations: passwords, authentication with rate limiting, users, cohorts, imports."""

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, or_, select, update
from sqlalchemy.orm import Session

from lms.auth.models import LANGUAGES, ROLES, Cohort, LoginFailure, LoginSession, Role, User
from lms.auth.policy import REVIEWERS
from lms.errors import UserError
from lms.i18n import N_
from lms.timeutil import utcnow

MIN_PASSWORD_LENGTH = 10
COMMON_PASSWORDS = Path(__file__).resolve().parent / "common_passwords.txt"
_hasher = PasswordHasher()
# Verified against when the account does not exist, so both paths cost one argon2 check.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AccountError(UserError):
    """A problem with account data; ``field`` names the offending input."""

    def __init__(self, msgid: str, field: str | None = None, **params):
        super().__init__(msgid, **params)
        self.field = field


class LoginThrottled(Exception):
    """Too many recent failures from this address (for this account, or for any): the next
    try must wait ``retry_after`` seconds."""

    def __init__(self, retry_after: int):
        super().__init__(retry_after)
        self.retry_after = retry_after


@dataclass(frozen=True)
class LoginLimits:
    """Failures allowed in ``window`` before each further try must wait, the wait doubling
    with every failure up to ``window``: per account from one address, and per address."""

    per_account_and_address: int = 10
    per_address: int = 50
    window: timedelta = timedelta(minutes=15)


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    try:
        return _hasher.verify(password_hash or _DUMMY_HASH, password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def normalise_email(email: str) -> str:
    try:
        return validate_email(email.strip(), check_deliverability=False).normalized.lower()
    except EmailNotValidError as error:
        raise AccountError(
            N_("Invalid email address: “%(email)s”."), "email", email=email.strip()
        ) from error


@cache
def _common_passwords() -> frozenset[str]:
    lines = COMMON_PASSWORDS.read_text(encoding="utf-8").splitlines()
    return frozenset(line for line in lines if line and not line.startswith("#"))


def check_password_strength(password: str) -> None:
    """Length and the list of common breached passwords; no composition rule (NIST 800-63B)."""
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            N_("The password must have at least %(count)d characters."),
            "password",
            count=MIN_PASSWORD_LENGTH,
        )
    if password.strip().lower() in _common_passwords():
        raise AccountError(
            N_("This password is among the most common ones found in breaches: choose another."),
            "password",
        )


def _wait(failures: int, allowed: int, last: datetime | None, window: timedelta, now: datetime):
    if failures < allowed or last is None:
        return timedelta(0)
    delay = min(timedelta(seconds=2 ** min(failures - allowed + 1, 20)), window)
    return max(last + delay - now, timedelta(0))


def check_throttle(
    session: Session, email: str, ip: str, limits: LoginLimits, *, now: datetime | None = None
) -> None:
    """Raise LoginThrottled while this address must slow down, for this account or for all.

    The account is never locked: from another address its owner logs in as usual."""
    now = now or utcnow()
    since = now - limits.window
    recent = (LoginFailure.ip == ip[:45], LoginFailure.at > since)
    by_pair, last_pair = session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(
            LoginFailure.email == email.strip().lower()[:254], *recent
        )
    ).one()
    by_ip, last_ip = session.execute(
        select(func.count(), func.max(LoginFailure.at)).where(*recent)
    ).one()
    wait = max(
        _wait(by_pair, limits.per_account_and_address, last_pair, limits.window, now),
        _wait(by_ip, limits.per_address, last_ip, limits.window, now),
    )
    if wait > timedelta(0):
        raise LoginThrottled(max(1, int(wait.total_seconds() + 0.999)))


def record_failure(
    session: Session, email: str, ip: str, limits: LoginLimits, *, now: datetime | None = None
) -> None:
    """Count a wrong password (at login or when changing it); the caller commits even though
    the request fails."""
    now = now or utcnow()
    # Failures older than the window no longer count: drop them so the log stays small.
    session.execute(delete(LoginFailure).where(LoginFailure.at <= now - limits.window))
    session.add(LoginFailure(email=email.strip().lower()[:254], ip=ip[:45], at=now))
    session.flush()


def authenticate(
    session: Session,
    email: str,
    password: str,
    ip: str,
    limits: LoginLimits = LoginLimits(),  # noqa: B008 (frozen)
    *,
    now: datetime | None = None,
) -> User | None:
    """Return the user for valid credentials, None otherwise; raise LoginThrottled when this
    address must slow down. The answer never reveals whether an account exists."""
    now = now or utcnow()
    email = email.strip().lower()
    check_throttle(session, email, ip, limits, now=now)
    user = session.scalar(select(User).where(User.email == email))
    valid = verify_password(user.password_hash if user else None, password)
    if user is not None and valid and user.active:
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        # Only this address's failures: the owner's success elsewhere frees no attacker.
        session.execute(
            delete(LoginFailure).where(LoginFailure.email == email, LoginFailure.ip == ip[:45])
        )
        return user
    record_failure(session, email, ip, limits, now=now)
    return None


@dataclass(frozen=True)
class SessionLifetime:
    """How long a signed-in browser stays signed in: ``idle`` without a request, ``absolute``
    since the login; activity is recorded at most every ``touch_every``."""

    idle: timedelta = timedelta(hours=2)
    absolute: timedelta = timedelta(hours=12)
    touch_every: timedelta = timedelta(minutes=1)


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def open_session(
    session: Session, user: User, lifetime: SessionLifetime, *, now: datetime | None = None
) -> str:
    """Record a new signed-in browser of ``user``; returns the token its cookie carries.
    Sessions that expired (anyone's) are dropped on the way, so the table stays small."""
    now = now or utcnow()
    session.execute(
        delete(LoginSession).where(
            or_(
                LoginSession.last_seen_at <= now - lifetime.idle,
                LoginSession.created_at <= now - lifetime.absolute,
            )
        )
    )
    token = secrets.token_urlsafe(32)
    session.add(
        LoginSession(
            user_id=user.id, token_hash=_token_hash(token), created_at=now, last_seen_at=now
        )
    )
    session.flush()
    return token


def session_user(
    session: Session,
    user_id: int,
    token: str,
    lifetime: SessionLifetime,
    *,
    now: datetime | None = None,
) -> tuple[User, LoginSession] | None:
    """The user of a live session (one query), or None when it ended or expired."""
    now = now or utcnow()
    found = session.execute(
        select(User, LoginSession)
        .join(LoginSession, LoginSession.user_id == User.id)
        .where(
            User.id == user_id,
            LoginSession.token_hash == _token_hash(token),
            LoginSession.last_seen_at > now - lifetime.idle,
            LoginSession.created_at > now - lifetime.absolute,
        )
    ).first()
    return (found[0], found[1]) if found else None


def touch_session(
    session: Session,
    login_session: LoginSession,
    lifetime: SessionLifetime,
    *,
    now: datetime | None = None,
) -> bool:
    """Record activity, at most every ``touch_every``; whether it was written (for the caller
    to commit). A session ended meanwhile (logged out elsewhere) stays ended."""
    now = now or utcnow()
    if now - login_session.last_seen_at < lifetime.touch_every:
        return False
    session.execute(
        update(LoginSession).where(LoginSession.id == login_session.id).values(last_seen_at=now)
    )
    return True


def end_session(session: Session, token: str | None) -> None:
    """Log one browser out: its cookie opens nothing any more."""
    if token:
        session.execute(delete(LoginSession).where(LoginSession.token_hash == _token_hash(token)))


def end_sessions(session: Session, user: User, *, keep_token: str | None = None) -> None:
    """End every session of ``user`` but the one holding ``keep_token`` (the browser that
    changed the password); all of them when None (a reset, a deactivation)."""
    query = delete(LoginSession).where(LoginSession.user_id == user.id)
    if keep_token:
        query = query.where(LoginSession.token_hash != _token_hash(keep_token))
    session.execute(query)


def create_user(
    session: Session,
    *,
    email: str,
    display_name: str,
    role: str = Role.COACH,
    language: str = "fr",
    password: str | None = None,
    active: bool = True,
) -> User:
    email = normalise_email(email)
    display_name = display_name.strip()
    if not display_name:
        raise AccountError(N_("The name is empty."), "display_name")
    if role not in ROLES:
        raise AccountError(N_("Unknown role “%(role)s”."), "role", role=role)
    if language not in LANGUAGES:
        raise AccountError(
            N_("Unknown language “%(language)s” (fr or en)."), "language", language=language
        )
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(N_("An account already exists for %(email)s."), "email", email=email)
    user = User(email=email, display_name=display_name, role=role, language=language, active=active)
    if password is not None:
        check_password_strength(password)
        user.password_hash = hash_password(password)
        user.password_changed_at = utcnow()
    session.add(user)
    session.flush()
    return user


def set_password(user: User, new_password: str) -> None:
    check_password_strength(new_password)
    user.password_hash = hash_password(new_password)
    user.password_changed_at = utcnow()


def change_password(user: User, current_password: str, new_password: str) -> None:
    if not verify_password(user.password_hash, current_password):
        raise AccountError(N_("The current password is wrong."), "current_password")
    set_password(user, new_password)


def set_active(user: User, active: bool) -> None:
    user.active = active


def create_cohort(session: Session, name: str) -> Cohort:
    name = name.strip()
    if not name:
        raise AccountError(N_("The cohort name is empty."), "name")
    if session.scalar(select(Cohort.id).where(func.lower(Cohort.name) == name.lower())):
        raise AccountError(N_("A cohort named “%(name)s” already exists."), "name", name=name)
    cohort = Cohort(name=name)
    session.add(cohort)
    session.flush()
    return cohort


def enrol_coach(cohort: Cohort, user: User) -> None:
    if user.role != Role.COACH:
        raise AccountError(N_("%(email)s is not a coach."), "user", email=user.email)
    if user not in cohort.coaches:
        cohort.coaches.append(user)


def assign_trainer(cohort: Cohort, user: User) -> None:
    if user.role not in REVIEWERS:
        raise AccountError(N_("%(email)s is not a trainer."), "user", email=user.email)
    if user not in cohort.trainers:
        cohort.trainers.append(user)


# An address in pasted text: "lea@example.org", "Léa Martin <lea@example.org>; tom@example.org".
_PASTED_EMAIL = re.compile(r"[^\s<>,;\"'()]+@[^\s<>,;\"'()]+")


def add_members(
    session: Session, cohort: Cohort, pasted: str, role: str = Role.COACH
) -> tuple[list[User], list[AccountError]]:
    """Add every account whose address is in ``pasted`` to the cohort as coach or trainer.

    Returns the accounts added and the problems, one per address; with any problem the caller
    rolls back, so the list is added whole or not at all.
    """
    added, problems = [], []
    for typed in dict.fromkeys(_PASTED_EMAIL.findall(pasted)):
        try:
            email = normalise_email(typed)
            user = session.scalar(select(User).where(User.email == email))
            if user is None:
                raise AccountError(N_("No account for %(email)s."), "emails", email=email)
            if role == Role.TRAINER:
                assign_trainer(cohort, user)
            else:
                enrol_coach(cohort, user)
        except AccountError as error:
            problems.append(error)
        else:
            added.append(user)
    if not added and not problems:
        problems.append(AccountError(N_("No email address found."), "emails"))
    return added, problems


@dataclass(frozen=True)
class ImportProblem:
    line: int
    field: str
    msgid: str
    params: dict

    @property
    def message(self) -> str:
        return self.msgid % self.params if self.params else self.msgid


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    enrolled: list[str] = field(default_factory=list)
    errors: list[ImportProblem] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.errors

    def add(self, line: int, field_name: str, msgid: str, **params) -> None:
        self.errors.append(ImportProblem(line, field_name, msgid, params))


IMPORT_COLUMNS = ("email", "name", "language", "cohort")
# Header names accepted for each column, compared without case: the English and French words.
COLUMN_NAMES = {
    "email": {"email", "e-mail", "mail", "courriel", "adresse e-mail", "adresse email"},
    "name": {"name", "nom", "nom complet", "full name"},
    "language": {"language", "langue"},
    "cohort": {"cohort", "cohorte", "groupe", "promotion"},
}


def _columns(header: list[str], report: ImportReport) -> dict[str, int] | None:
    """Where each column is, from the header; None (and the missing ones reported) otherwise."""
    found = {}
    for index, title in enumerate(header):
        for column, names in COLUMN_NAMES.items():
            if title.strip().lower() in names and column not in found:
                found[column] = index
    for column in IMPORT_COLUMNS:
        if column not in found:
            report.add(
                1,
                column,
                N_("Missing column “%(column)s” (columns found: %(found)s)."),
                column=column,
                found=" | ".join(header) or "–",
            )
    return None if report.errors else found


def import_coaches(session: Session, header: list[str], rows: list[tuple[int, list[str]]]):
    """Create coaches and enrol them in existing cohorts from a table; all lines or none.

    ``rows`` are (line number, cells). Every problem of every line is reported. Existing coaches
    are enrolled, not duplicated. On any error the caller must roll back: nothing is flushed
    until every line has been checked.
    """
    report = ImportReport()
    columns = _columns(header, report)
    if columns is None:
        return report
    cohorts = {c.name.lower(): c for c in session.scalars(select(Cohort))}
    accepted: list[tuple[str, str, str, Cohort]] = []
    seen: dict[str, int] = {}
    for line, cells in rows:
        if len(cells) > len(header) and any(cell.strip() for cell in cells[len(header) :]):
            report.add(line, "row", N_("Too many fields."))
            continue
        values = {
            key: (cells[index] if index < len(cells) else "").strip()
            for key, index in columns.items()
        }
        if not any(values.values()):
            continue
        problems = len(report.errors)
        email = _imported_email(session, values["email"], line, seen, report)
        if not values["name"]:
            report.add(line, "name", N_("The name is empty."))
        language = values["language"].lower()
        if language not in LANGUAGES:
            report.add(
                line,
                "language",
                N_("Unknown language “%(language)s” (fr or en)."),
                language=values["language"],
            )
        cohort = cohorts.get(values["cohort"].lower())
        if cohort is None:
            report.add(line, "cohort", N_("No cohort named “%(name)s”."), name=values["cohort"])
        if len(report.errors) == problems:
            accepted.append((email, values["name"], language, cohort))
    if report.errors:
        return report
    for email, name, language, cohort in accepted:
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(session, email=email, display_name=name, language=language)
            report.created.append(email)
        if user not in cohort.coaches:
            cohort.coaches.append(user)
            report.enrolled.append(email)
    session.flush()
    return report


def _imported_email(
    session: Session, typed: str, line: int, seen: dict[str, int], report: ImportReport
) -> str:
    try:
        email = normalise_email(typed)
    except AccountError as error:
        report.add(line, "email", error.msgid, **error.params)
        return typed
    if email in seen:
        report.add(
            line,
            "email",
            N_("%(email)s is already on line %(other)d."),
            email=email,
            other=seen[email],
        )
        return email
    seen[email] = line
    existing = session.scalar(select(User.role).where(User.email == email))
    if existing is not None and existing != Role.COACH:
        report.add(
            line, "email", N_("%(email)s already has an account that is not a coach."), email=email
        )
    return email
