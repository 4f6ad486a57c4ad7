"""Test data builders: ``make_<thing>(session, **overrides)``, each flushing but not committing."""

import itertools

from argon2 import PasswordHasher

from lms.auth import service
from lms.auth.models import Cohort, User

PASSWORD = "correct-horse-battery"
_counter = itertools.count(1)
# Cheap parameters keep the suite fast; the production hasher is tested in test_auth_service.
_fast_hash = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)


def make_user(session, *, role: str = "coach", **overrides) -> User:
    number = next(_counter)
    values = {
        "email": f"{role}{number}@example.org",
        "display_name": f"{role.title()} {number}",
        "role": role,
        "language": "fr",
    }
    values.update(overrides)
    user = service.create_user(session, **values)
    user.password_hash = _fast_hash
    session.flush()
    return user


def make_cohort(session, *, name: str | None = None, trainers=(), coaches=()) -> Cohort:
    cohort = service.create_cohort(session, name or f"Cohort {next(_counter)}")
    for trainer in trainers:
        service.assign_trainer(cohort, trainer)
    for coach in coaches:
        service.enrol_coach(cohort, coach)
    session.flush()
    return cohort
