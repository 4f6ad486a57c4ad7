"""`flask backup` and `flask restore`: a restored empty database serves the same records."""

import os

import pytest
from sqlalchemy import select

from lms import create_app
from lms.extensions import db
from lms.xapi import outbox
from tests.support import postgres
from tests.support.statements import launched, unique_module
from tests.support.web import Auth


@pytest.fixture
def client_programs(database_url, monkeypatch):
    """pg_dump and pg_restore of the throw-away cluster's version, first on PATH."""
    if database_url.startswith("postgresql"):
        bin_dir = postgres._binaries()
        if bin_dir is None or not (bin_dir / "pg_dump").exists():
            postgres.unavailable("pg_dump and pg_restore not found")
        monkeypatch.setenv("PATH", f"{bin_dir}{os.pathsep}{os.environ['PATH']}")


@pytest.fixture
def empty_database_url(database_url, tmp_path, request):
    if database_url.startswith("sqlite"):
        return f"sqlite:///{tmp_path / 'restored' / 'lms.sqlite3'}"
    return request.getfixturevalue("postgres_server").create_database("lms_restored")


def every_row(app) -> dict[str, list[tuple]]:
    with app.app_context(), db.engine.connect() as connection:
        return {
            table.name: connection.execute(select(table).order_by(*table.primary_key.columns)).all()
            for table in db.metadata.sorted_tables
        }


def test_a_backup_restored_into_an_empty_database_serves_the_same_records(
    app, runner, demo_cohort, db_session, client_programs, empty_database_url, tmp_path
):
    outbox.record(db_session, launched(demo_cohort["coaches"][0].email, unique_module()))
    db_session.commit()
    backup_file = tmp_path / "backups" / "lms.backup"
    result = runner.invoke(args=["backup", "--out", str(backup_file)])
    assert result.exit_code == 0, result.output
    assert backup_file.stat().st_size > 0

    restored = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    result = restored.test_cli_runner().invoke(args=["restore", str(backup_file)])
    assert result.exit_code == 0, result.output
    try:
        assert every_row(restored) == every_row(app)
        assert every_row(restored)["xapi_statements"]
        client = restored.test_client()
        assert client.get("/healthz").status_code == 200
        assert Auth(client).login(demo_cohort["trainer"].email).status_code == 302
        assert demo_cohort["cohort"].name in client.get("/trainer/").get_data(as_text=True)

        again = restored.test_cli_runner().invoke(args=["restore", str(backup_file)])
        assert again.exit_code != 0 and "not empty" in again.output
    finally:
        with restored.app_context():
            db.engine.dispose()


def test_backup_names_a_file_in_the_instance_folder_by_default(
    app, runner, client_programs, tmp_path, monkeypatch
):
    monkeypatch.setitem(app.config, "INSTANCE_PATH", tmp_path)
    result = runner.invoke(args=["backup"])
    assert result.exit_code == 0, result.output
    (written,) = (tmp_path / "backups").iterdir()
    assert written.name.startswith("lms-") and str(written) in result.output


def test_a_missing_backup_file_is_a_clear_error(app, empty_database_url, tmp_path):
    restored = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": empty_database_url})
    result = restored.test_cli_runner().invoke(args=["restore", str(tmp_path / "none.dump")])
    assert result.exit_code != 0 and "no such file" in result.output
    with restored.app_context():
        db.engine.dispose()
