"""Read-only account queries."""

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from lms.auth.models import Cohort, User


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


def visible_cohorts(session: Session, user: User) -> list[Cohort]:
    """Admins see every cohort, trainers the cohorts they teach, coaches their own."""
    if user.role == "admin":
        return list(session.scalars(select(Cohort).order_by(Cohort.name)))
    if user.role == "trainer":
        return list(user.taught_cohorts)
    return list(user.cohorts)


def search_users(session: Session, text: str = "", role: str | None = None) -> list[User]:
    query = select(User).order_by(User.role, User.display_name)
    if text:
        pattern = f"%{text.lower()}%"
        query = query.where(
            or_(func.lower(User.email).like(pattern), func.lower(User.display_name).like(pattern))
        )
    if role:
        query = query.where(User.role == role)
    return list(session.scalars(query))
