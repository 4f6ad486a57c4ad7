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

from lms.auth.models import LANGUAGES, ROLES, Cohort, LoginFailure, User
from lms.timeutil import utcnow

MIN_PASSWORD_LENGTH = 10
_hasher = PasswordHasher()
# Verified against when the account does not exist, so both paths cost one argon2 check.
_DUMMY_HASH = _hasher.hash("not-a-real-password")


class AccountError(ValueError):
    """A user-fixable problem with account data; ``field`` names the offending input."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
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
        raise AccountError(f"invalid email address: {email.strip()!r}", "email") from error


def check_password_strength(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(
            f"the password must have at least {MIN_PASSWORD_LENGTH} characters", "password"
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
    session.add(LoginFailure(email=email[:254], ip=ip[:45], at=now))
    session.flush()
    return None


def prune_login_failures(session: Session, older_than: datetime) -> int:
    result = session.execute(delete(LoginFailure).where(LoginFailure.at < older_than))
    return result.rowcount


def create_user(
    session: Session,
    *,
    email: str,
    display_name: str,
    role: str = "coach",
    language: str = "fr",
    password: str | None = None,
    active: bool = True,
) -> User:
    email = normalise_email(email)
    display_name = display_name.strip()
    if not display_name:
        raise AccountError("the name is empty", "display_name")
    if role not in ROLES:
        raise AccountError(f"unknown role {role!r} (expected one of {', '.join(ROLES)})", "role")
    if language not in LANGUAGES:
        raise AccountError(f"unknown language {language!r} (expected fr or en)", "language")
    if session.scalar(select(User.id).where(User.email == email)) is not None:
        raise AccountError(f"an account already exists for {email}", "email")
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
        raise AccountError("the current password is wrong", "current_password")
    set_password(user, new_password)


def set_active(user: User, active: bool) -> None:
    user.active = active


def create_cohort(session: Session, name: str) -> Cohort:
    name = name.strip()
    if not name:
        raise AccountError("the cohort name is empty", "name")
    if session.scalar(select(Cohort.id).where(func.lower(Cohort.name) == name.lower())):
        raise AccountError(f"a cohort named {name!r} already exists", "name")
    cohort = Cohort(name=name)
    session.add(cohort)
    session.flush()
    return cohort


def enrol_coach(cohort: Cohort, user: User) -> None:
    if user.role != "coach":
        raise AccountError(f"{user.email} is not a coach", "user")
    if user not in cohort.coaches:
        cohort.coaches.append(user)


def unenrol_coach(cohort: Cohort, user: User) -> None:
    if user in cohort.coaches:
        cohort.coaches.remove(user)


def assign_trainer(cohort: Cohort, user: User) -> None:
    if user.role not in ("trainer", "admin"):
        raise AccountError(f"{user.email} is not a trainer", "user")
    if user not in cohort.trainers:
        cohort.trainers.append(user)


@dataclass
class ImportReport:
    created: list[str] = field(default_factory=list)
    enrolled: list[str] = field(default_factory=list)
    errors: list[tuple[int, str, str]] = field(default_factory=list)  # (line, field, message)

    @property
    def ok(self) -> bool:
        return not self.errors


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
        report.errors.append((1, "header", f"missing column(s): {', '.join(missing)}"))
        return report
    reader.fieldnames = header
    cohorts = {c.name.lower(): c for c in session.scalars(select(Cohort))}
    rows: list[tuple[int, str, str, str, Cohort]] = []
    seen: dict[str, int] = {}
    for row in reader:
        line = reader.line_num
        if None in row:
            report.errors.append((line, "row", "too many fields"))
            continue
        values = {key: (row.get(key) or "").strip() for key in CSV_COLUMNS}
        if not any(values.values()):
            continue
        try:
            email = normalise_email(values["email"])
        except AccountError as error:
            report.errors.append((line, "email", str(error)))
            continue
        if email in seen:
            report.errors.append((line, "email", f"{email} already on line {seen[email]}"))
            continue
        seen[email] = line
        if not values["name"]:
            report.errors.append((line, "name", "the name is empty"))
        language = values["language"].lower()
        if language not in LANGUAGES:
            report.errors.append((line, "language", f"unknown language {language!r} (fr or en)"))
        cohort = cohorts.get(values["cohort"].lower())
        if cohort is None:
            report.errors.append((line, "cohort", f"no cohort named {values['cohort']!r}"))
        existing = session.scalar(select(User).where(User.email == email))
        if existing is not None and existing.role != "coach":
            report.errors.append((line, "email", f"{email} exists and is a {existing.role}"))
        if not report.errors or report.errors[-1][0] != line:
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
