"""Account operations: passwords, authentication with rate limiting, users, cohorts, CSV import."""

import csv
import io
from dataclasses import dataclass, field
from datetime import datetime, timedelta

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


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            N_("The password must have at least %(count)d characters."),
            "password",
            count=MIN_PASSWORD_LENGTH,
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


CSV_COLUMNS = ("email", "name", "language", "cohort")


def import_coaches_csv(session: Session, text: str) -> ImportReport:
    """Create coaches and enrol them in existing cohorts from CSV; all lines or none.

    Existing coaches are enrolled, not duplicated. On any error the caller must roll back:
    nothing is flushed until every line has been checked.
    """
    report = ImportReport()
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [name.strip().lower() for name in (reader.fieldnames or [])]
    missing = [column for column in CSV_COLUMNS if column not in header]
    if missing:
        report.add(1, "header", N_("Missing column(s): %(columns)s."), columns=", ".join(missing))
        return report
    reader.fieldnames = header
    cohorts = {c.name.lower(): c for c in session.scalars(select(Cohort))}
    rows: list[tuple[int, str, str, str, Cohort]] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            report.add(line, "row", N_("Too many fields."))
            continue
        values = {key: (row.get(key) or "").strip() for key in CSV_COLUMNS}
        if not any(values.values()):
            continue
        try:
            email = normalise_email(values["email"])
        except AccountError as error:
            report.add(line, "email", error.msgid, **error.params)
            continue
        if email in seen:
            report.add(
                line,
                "email",
                N_("%(email)s is already on line %(other)d."),
                email=email,
                other=seen[email],
            )
            continue
        seen[email] = line
        if not values["name"]:
            report.add(line, "name", N_("The name is empty."))
        language = values["language"].lower()
        if language not in LANGUAGES:
            report.add(
                line,
                "language",
                N_("Unknown language “%(language)s” (fr or en)."),
                language=language,
            )
        cohort = cohorts.get(values["cohort"].lower())
        if cohort is None:
            report.add(line, "cohort", N_("No cohort named “%(name)s”."), name=values["cohort"])
        existing = session.scalar(select(User).where(User.email == email))
        if existing is not None and existing.role != Role.COACH:
            report.add(
                line,
                "email",
                N_("%(email)s already has an account that is not a coach."),
                email=email,
            )
        if not report.errors or report.errors[-1].line != line:
            rows.append((line, email, values["name"], language, cohort))
    if report.errors:
        return report
    for _line, email, name, language, cohort in rows:
        user = session.scalar(select(User).where(User.email == email))
        if user is None:
            user = create_user(session, email=email, display_name=name, language=language)
            report.created.append(email)
        if user not in cohort.coaches:
            cohort.coaches.append(user)
            report.enrolled.append(email)
    session.flush()
    return report
