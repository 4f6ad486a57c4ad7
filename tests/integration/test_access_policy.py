"""The access policy: which coaches and cohorts each role sees."""

import pytest

from lms.auth import policy
from lms.auth.policy import Role
from tests.support import factories


@pytest.fixture
def world(db_session):
    """Two cohorts with a trainer each, a coach in no cohort, an admin."""
    teacher, other_teacher = (factories.make_user(db_session, role=Role.TRAINER) for _ in "ab")
    first, second, third, loner = (factories.make_user(db_session) for _ in "abcd")
    taught = factories.make_cohort(db_session, trainers=[teacher], coaches=[first, second])
    other = factories.make_cohort(db_session, trainers=[other_teacher], coaches=[third])
    admin = factories.make_user(db_session, role=Role.ADMIN)
    db_session.commit()
    return {
        "teacher": teacher,
        "other_teacher": other_teacher,
        "first": first,
        "second": second,
        "third": third,
        "loner": loner,
        "admin": admin,
        "taught": taught,
        "other": other,
    }


def _coaches(session, user) -> set[int]:
    return set(session.scalars(policy.visible_coaches(user)))


def test_role_is_a_string_as_stored(world):
    assert Role.COACH == "coach" and world["teacher"].role == Role.TRAINER
    assert f"home_{Role.ADMIN}.html" == "home_admin.html"


def test_a_trainer_sees_only_the_coaches_of_the_cohorts_they_teach(db_session, world):
    teacher = world["teacher"]
    assert _coaches(db_session, teacher) == {world["first"].id, world["second"].id}
    assert policy.can_see(db_session, teacher, world["first"])
    assert not policy.can_see(db_session, teacher, world["third"])
    assert not policy.can_see(db_session, teacher, world["loner"])
    assert policy.visible_cohorts(db_session, teacher) == [world["taught"]]
    assert policy.can_see_cohort(db_session, teacher, world["taught"].id)
    assert not policy.can_see_cohort(db_session, teacher, world["other"].id)


def test_an_admin_sees_every_coach_and_cohort(db_session, world):
    admin = world["admin"]
    coaches = {world[name].id for name in ("first", "second", "third", "loner")}
    assert _coaches(db_session, admin) == coaches
    assert policy.can_see(db_session, admin, world["loner"])
    assert not policy.can_see(db_session, admin, world["teacher"])  # not a coach
    assert {c.id for c in policy.visible_cohorts(db_session, admin)} == {
        world["taught"].id,
        world["other"].id,
    }
    assert policy.visible_actors(admin) is None


def test_a_coach_sees_only_themself_and_their_cohorts(db_session, world):
    first = world["first"]
    assert _coaches(db_session, first) == {first.id}
    assert policy.can_see(db_session, first, first)
    assert not policy.can_see(db_session, first, world["second"])
    assert policy.visible_cohorts(db_session, first) == [world["taught"]]
    assert not policy.can_see_cohort(db_session, first, world["other"].id)


def test_a_trainer_reads_the_records_of_their_coaches_and_their_own(db_session, world):
    teacher = world["teacher"]
    actors = set(db_session.scalars(policy.visible_actors(teacher)))
    assert actors == {world["first"].id, world["second"].id, teacher.id}
    assert set(db_session.scalars(policy.visible_actors(world["loner"]))) == {world["loner"].id}
