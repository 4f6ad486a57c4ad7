"""Account operations: passwords, authentication with rate limiting, users, cohorts, imports."""

import re
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from email_validator import EmailNotValidError, validate_email
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session

from lms.auth.models import LANGUAGES, ROLES, Cohort, LoginFailure, Role, User
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
    """Too many failures for this account or address in the window."""


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


def authenticate(
    session: Session,
    email: str,
    password: str,
    ip: str,
    *,
    max_failures: int = 10,
    window: timedelta = timedelta(minutes=15),
    now: datetime | None = None,
) -> User | None:
    """Return the user for valid credentials, None otherwise; raise LoginThrottled when limited.

    Failures are counted per submitted email (existing or not) and per address, so the answer
    never reveals whether an account exists.
    """
    now = now or utcnow()
    email = email.strip().lower()
    since = now - window
    by_email = session.scalar(
        select(func.count()).where(LoginFailure.email == email, LoginFailure.at > since)
    )
    by_ip = session.scalar(
        select(func.count()).where(LoginFailure.ip == ip, LoginFailure.at > since)
    )
    if by_email >= max_failures or by_ip >= max_failures:
        raise LoginThrottled
    user = session.scalar(select(User).where(User.email == email))
    valid = verify_password(user.password_hash if user else None, password)
    if user is not None and valid and user.active:
        if _hasher.check_needs_rehash(user.password_hash):
            user.password_hash = hash_password(password)
        session.execute(delete(LoginFailure).where(LoginFailure.email == email))
        return user
    # Failures older than the window no longer count: drop them so the log stays small.
    session.execute(delete(LoginFailure).where(LoginFailure.at <= since))
    session.add(LoginFailure(email=email[:254], ip=ip[:45], at=now))
    session.flush()
    return None


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
