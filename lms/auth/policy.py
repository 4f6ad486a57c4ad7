"""Who may see whom: the roles, and the one rule for the coaches and cohorts a user may see.

An admin sees every coach and cohort, a trainer the cohorts they teach and their coaches, a
coach their own cohorts and themself. Every page, export and API applies these queries.
``Role`` is defined with the users table (its CHECK constraint) and imported from here.
"""

from sqlalchemy import Select, or_, select
from sqlalchemy.orm import Session

from lms.auth.models import Cohort, Role, User, cohort_coaches, cohort_trainers

__all__ = [
    "REVIEWERS",
    "Role",
    "can_see",
    "can_see_cohort",
    "visible_actors",
    "visible_coaches",
    "visible_cohort_ids",
    "visible_cohorts",
]


# Who reviews coaches: trainers, and admins, who stand in for any trainer.
REVIEWERS = (Role.TRAINER, Role.ADMIN)


def visible_cohort_ids(user: User) -> Select:
    """A sub-select of the ids of the cohorts ``user`` sees."""
    if user.role == Role.ADMIN:
        return select(Cohort.id)
    members = cohort_trainers if user.role == Role.TRAINER else cohort_coaches
    return select(members.c.cohort_id).where(members.c.user_id == user.id)


def visible_cohorts(session: Session, user: User) -> list[Cohort]:
    """The cohorts ``user`` sees, by name."""
    query = select(Cohort).where(Cohort.id.in_(visible_cohort_ids(user))).order_by(Cohort.name)
    return list(session.scalars(query))


def can_see_cohort(session: Session, user: User, cohort_id: int) -> bool:
    query = select(Cohort.id).where(Cohort.id == cohort_id, Cohort.id.in_(visible_cohort_ids(user)))
    return session.scalar(query) is not None


def visible_coaches(user: User) -> Select:
    """A sub-select of the ids of the coaches ``user`` sees: every coach for an admin, the
    coaches enrolled in the cohorts a trainer teaches, a coach themself."""
    coaches = select(User.id).where(User.role == Role.COACH)
    if user.role == Role.ADMIN:
        return coaches
    if user.role == Role.TRAINER:
        enrolled = select(cohort_coaches.c.user_id).where(
            cohort_coaches.c.cohort_id.in_(visible_cohort_ids(user))
        )
        return coaches.where(User.id.in_(enrolled))
    return coaches.where(User.id == user.id)


def can_see(session: Session, user: User, coach: User) -> bool:
    """True when ``coach`` is a coach that ``user`` sees."""
    query = select(User.id).where(User.id == coach.id, User.id.in_(visible_coaches(user)))
    return session.scalar(query) is not None


def visible_actors(user: User) -> Select | None:
    """A sub-select of the accounts whose learning records ``user`` reads: the coaches they
    see and themself (a trainer is the actor of the revocations they make); None for an admin,
    who reads every record, those of no account too."""
    if user.role == Role.ADMIN:
        return None
    return select(User.id).where(or_(User.id == user.id, User.id.in_(visible_coaches(user))))
