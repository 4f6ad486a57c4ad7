"""Operator commands: users create, demo seed, db-check."""

from sqlalchemy import func, select

from lms.auth.models import Cohort, User
from lms.config import ConfigError, load_config
from lms.demo import DEMO_ACCOUNTS
from lms.xapi import forwarder
from tests.support import factories


def test_users_create_with_and_without_password(runner, db_session):
    result = runner.invoke(
        args=[
            "users",
            "create",
            "--email",
            "T@Example.org",
            "--name",
            "Tess",
            "--role",
            "trainer",
            "--password",
            "long-enough-pass",
        ]
    )
    assert result.exit_code == 0, result.output
    assert "created trainer t@example.org" in result.output
    generated = runner.invoke(args=["users", "create", "--email", "c@example.org", "--name", "C"])
    assert generated.exit_code == 0 and "password: " in generated.output
    assert db_session.scalar(select(func.count()).select_from(User)) == 2


def test_users_create_refuses_bad_input(runner):
    bad_role = runner.invoke(
        args=["users", "create", "--email", "x@example.org", "--name", "X", "--role", "boss"]
    )
    assert bad_role.exit_code == 2 and "boss" in bad_role.output
    bad_email = runner.invoke(args=["users", "create", "--email", "nope", "--name", "X"])
    assert bad_email.exit_code == 1 and "email: Invalid email address: “nope”." in bad_email.output
    short = runner.invoke(
        args=["users", "create", "--email", "y@example.org", "--name", "Y", "--password", "short"]
    )
    assert short.exit_code == 1 and "at least 10 characters" in short.output


def test_demo_seed_is_idempotent(runner, db_session):
    for _ in range(2):
        result = runner.invoke(args=["demo", "seed"])
        assert result.exit_code == 0, result.output
        assert "mobility-demo" in result.output and "WARNING" in result.output
    assert db_session.scalar(select(func.count()).select_from(User)) == len(DEMO_ACCOUNTS)
    cohort = db_session.scalar(select(Cohort).where(Cohort.name == "Promotion de démonstration"))
    assert sorted(u.email for u in cohort.coaches) == ["coach2@example.org", "coach@example.org"]
    assert [u.email for u in cohort.trainers] == ["trainer@example.org"]


def test_the_demo_cohort_of_an_earlier_seed_takes_its_french_name(runner, db_session):
    factories.make_cohort(db_session, name="Demo cohort")
    db_session.commit()
    assert runner.invoke(args=["demo", "seed"]).exit_code == 0
    names = db_session.scalars(select(Cohort.name)).all()
    assert names == ["Promotion de démonstration"]


def test_demo_accounts_can_log_in(runner, auth):
    runner.invoke(args=["demo", "seed"])
    assert auth.login("coach@example.org", "mobility-demo").status_code == 302


def test_db_check(runner):
    result = runner.invoke(args=["db-check"])
    assert result.exit_code == 0 and "database reachable" in result.output


def test_db_check_unreachable_is_one_clear_line():
    from lms import create_app

    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": "postgresql+psycopg://lms:pw@127.0.0.1:1/lms",
            "SQLALCHEMY_ENGINE_OPTIONS": {"connect_args": {"connect_timeout": 2}},
        }
    )
    result = app.test_cli_runner().invoke(args=["db-check"])
    assert result.exit_code == 1
    assert "cannot reach the database postgresql+psycopg://lms:***@127.0.0.1:1/lms" in result.output
    assert "Traceback" not in result.output


def test_production_refuses_to_start_without_secret_key():
    try:
        load_config({"LMS_ENV": "production"})
    except ConfigError as error:
        assert "LMS_SECRET_KEY is not set" in str(error)
    else:
        raise AssertionError("production config without a secret key was accepted")
    config = load_config(
        {
            "LMS_ENV": "production",
            "LMS_SECRET_KEY": "x" * 64,
            "LMS_BASE_URL": "https://lms.example.org",
        }
    )
    assert config["SESSION_COOKIE_SECURE"] is True


def test_postgres_urls_use_psycopg3():
    config = load_config({"LMS_DATABASE_URL": "postgresql://u:p@h/db"})
    assert config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u:p@h/db"


def test_setup_prepares_everything_once_and_is_idempotent(runner, db_session):
    from lms.catalog.models import Module

    first = runner.invoke(args=["setup", "--demo"])
    assert first.exit_code == 0, first.output
    assert "content loaded" in first.output and "mobility-demo" in first.output
    second = runner.invoke(args=["setup", "--demo"])
    assert second.exit_code == 0 and "content unchanged" in second.output
    assert db_session.scalar(select(func.count()).select_from(Module)) == 7
    assert db_session.scalar(select(func.count()).select_from(User)) == len(DEMO_ACCOUNTS)


def test_xapi_forward_sends_batches_of_the_configured_size(app, runner, monkeypatch):
    sizes = []

    class Recorder:
        def __init__(self, engine, targets, settings):
            sizes.append(settings.batch_size)

        def run_once(self):
            return forwarder.ForwardReport()

    monkeypatch.setattr(forwarder, "Forwarder", Recorder)
    monkeypatch.setitem(app.config, "XAPI_FORWARD_BATCH", 7)
    assert runner.invoke(args=["xapi", "forward", "--once"]).exit_code == 0
    assert runner.invoke(args=["xapi", "forward", "--once", "--batch", "3"]).exit_code == 0
    assert sizes == [7, 3]
