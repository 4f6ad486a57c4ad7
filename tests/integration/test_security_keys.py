"""Finding 1: no session is signed with a key anyone can read, and record codes are stored."""

import hashlib
import hmac
import re
import stat
import uuid
from pathlib import Path
from types import SimpleNamespace

import flask_migrate
import pytest
import sqlalchemy as sa
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select

from lms import create_app
from lms.catalog.models import Competence, Unit
from lms.competence.models import RecordCode
from lms.competence.record import verify
from lms.config import ConfigError, instance_secret_key, load_config
from lms.extensions import db
from lms.timeutil import UTCDateTime, utcnow
from tests.support import factories
from tests.support.web import logged_in_client

REPOSITORY = Path(__file__).resolve().parents[2]
SCANNED = ["lms", "tests", "deploy", "docs", "benchmarks", "README.md", "compose.yaml",
           "Dockerfile", "gunicorn.conf.py", "Procfile", "pyproject.toml", "Makefile"]  # fmt: skip
KEY_LINE = re.compile(r"secret|key", re.IGNORECASE)
LITERAL = re.compile(r"""["']([^"'\s]{4,200})["']""")


def constant_keys() -> set[str]:
    """Every quoted word on a line of the repository that speaks of a secret or a key."""
    keys = set()
    for name in SCANNED:
        root = REPOSITORY / name
        files = [root] if root.is_file() else root.rglob("*")
        for path in files:
            if path.suffix not in {".py", ".md", ".yaml", ".toml", ".example", ".cfg", ""}:
                continue
            if not path.is_file() or "__pycache__" in path.parts:
                continue
            for line in path.read_text(errors="ignore").splitlines():
                if KEY_LINE.search(line):
                    keys.update(LITERAL.findall(line))
    return keys


def forged_cookie(app, key: str, user_id: int) -> str:
    serializer = SecureCookieSessionInterface().get_signing_serializer(app)
    serializer.secret_keys = [key]  # itsdangerous ≥ 2: the keys it signs with
    return serializer.dumps({"_user_id": str(user_id), "_fresh": True})


def app_as_make_run_builds_it(database_url, instance, monkeypatch):
    """No LMS_SECRET_KEY, outside production: what `make run` and a bare gunicorn do."""
    monkeypatch.delenv("LMS_SECRET_KEY", raising=False)
    monkeypatch.delenv("LMS_ENV", raising=False)
    config = {"TESTING": True, "SQLALCHEMY_DATABASE_URI": database_url, "LRS_URL": ""}
    config.update(SQLALCHEMY_ENGINE_OPTIONS={}, INSTANCE_PATH=instance)
    return create_app(config)


def test_a_cookie_signed_with_any_key_of_the_repository_opens_nothing(
    app, db_session, database_url, tmp_path, monkeypatch
):
    admin = factories.make_user(db_session, role="admin")
    db_session.commit()
    served = app_as_make_run_builds_it(database_url, tmp_path / "instance", monkeypatch)
    keys = constant_keys()
    assert "test-secret" in keys  # the scan sees the keys the tests themselves use
    client = served.test_client()
    opened = []
    for key in sorted(keys):
        client.set_cookie("session", forged_cookie(served, key, admin.id))
        if client.get("/admin/").status_code != 302:
            opened.append(key)
    assert opened == []
    with served.app_context():
        db.engine.dispose()


def test_the_generated_key_is_private_kept_and_reused(tmp_path):
    instance = tmp_path / "instance"
    key = instance_secret_key(instance)
    assert len(key) == 64
    assert stat.S_IMODE((instance / "secret_key").stat().st_mode) == 0o600
    assert instance_secret_key(instance) == key
    assert instance_secret_key(tmp_path / "other") != key
    (instance / "secret_key").write_text("short\n")
    with pytest.raises(ConfigError, match="shorter than 32"):
        instance_secret_key(instance)
    assert load_config({"LMS_INSTANCE_PATH": str(instance)})["SECRET_KEY"] == ""


def test_a_session_made_under_the_generated_key_survives_a_restart(
    app, db_session, database_url, tmp_path, monkeypatch
):
    coach = factories.make_user(db_session)
    db_session.commit()
    instance = tmp_path / "instance"
    first = app_as_make_run_builds_it(database_url, instance, monkeypatch)
    client = logged_in_client(first, coach.email)
    second = app_as_make_run_builds_it(database_url, instance, monkeypatch)
    assert first.secret_key == second.secret_key
    restarted = second.test_client()
    restarted.set_cookie("session", client.get_cookie("session").value)
    assert restarted.get("/progress").status_code == 200
    for served in (first, second):
        with served.app_context():
            db.engine.dispose()


def _validated_unit(session, coach):
    competence = Competence(code="K1", title={"fr": "K", "en": "K"}, position=1)
    unit = Unit(code="K1.1", competence=competence, title={"fr": "U", "en": "U"}, activities=[],
                position=1)  # fmt: skip
    session.add_all([competence, unit])
    session.flush()
    # Inserted with the columns of the oldest schema a test downgrades to (the model has more).
    decisions = sa.table(
        "competence_validations",
        *(sa.column(name) for name in ("coach_id", "unit_code", "modality", "decision")),
        *(sa.column(name) for name in ("automatic", "note")),
        sa.column("decided_at", UTCDateTime()),
        sa.column("statement_id", sa.Uuid()),
    )
    decision = SimpleNamespace(statement_id=uuid.uuid4())
    session.execute(
        decisions.insert().values(
            coach_id=coach.id, unit_code="K1.1", modality="quiz", decision="validated",
            automatic=True, note="", decided_at=utcnow(), statement_id=decision.statement_id,
        )
    )  # fmt: skip
    session.commit()
    return decision


def test_a_printed_code_stays_valid_when_the_secret_key_changes(app, db_session, database_url):
    coach = factories.make_user(db_session)
    trainer = factories.make_user(db_session, role="trainer")
    factories.make_cohort(db_session, trainers=[trainer], coaches=[coach])
    _validated_unit(db_session, coach)
    page = logged_in_client(app, trainer.email).get(f"/trainer/coaches/{coach.id}/record")
    code = re.search(r'<strong class="code">([^<]+)</strong>', page.get_data(as_text=True))[1]
    rekeyed = create_app(
        {
            "TESTING": True,
            "SQLALCHEMY_DATABASE_URI": database_url,
            "LRS_URL": "",
            "SQLALCHEMY_ENGINE_OPTIONS": {},
            "SECRET_KEY": uuid.uuid4().hex,
        }  # fmt: skip
    )
    checked = rekeyed.test_client().get(
        f"/trainer/verify?code={code}", headers={"Accept-Language": "en"}
    )
    assert "matches the current record" in checked.get_data(as_text=True)
    with rekeyed.app_context():
        db.engine.dispose()


def test_the_migration_stores_the_codes_already_printed(app, db_session, monkeypatch):
    coach = factories.make_user(db_session)
    db_session.commit()
    with app.app_context():
        flask_migrate.downgrade(revision="0012_security-1")
    try:
        decision = _validated_unit(db_session, coach)
        key = "the-key-the-server-had"
        message = f"{coach.id}:{decision.statement_id}"
        digest = hmac.new(key.encode(), message.encode(), hashlib.sha256).hexdigest().upper()
        printed = f"{coach.id}-" + "-".join(digest[i : i + 4] for i in range(0, 16, 4))
        monkeypatch.setenv("LMS_SECRET_KEY", key)
    finally:
        with app.app_context():
            flask_migrate.upgrade()
    assert db_session.scalars(select(RecordCode.code)).all() == [printed]
    assert verify(db_session, printed.lower()).coach_id == coach.id
