"""Read-only account queries."""

from sqlalchemy import func, or_, select
from sqlalchemy.orm import Session

from lms.auth.models import User


def get_user_by_email(session: Session, email: str) -> User | None:
    return session.scalar(select(User).where(User.email == email.strip().lower()))


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


def users_by_email(session: Session, emails: list[str]) -> list[User]:
    if not emails:
        return []
    return list(session.scalars(select(User).where(User.email.in_(emails)).order_by(User.email)))
