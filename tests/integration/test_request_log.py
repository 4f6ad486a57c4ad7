"""LMS_LOG_FORMAT=json: one JSON line per request on stderr, with what a log collector needs."""

import json

import pytest

from lms.config import ConfigError, load_config
from lms.extensions import db
from tests.support import factories
from tests.support.app import build_app, clear_tables
from tests.support.web import Auth


@pytest.fixture
def json_app(database_url):
    app = build_app(database_url, LOG_FORMAT="json")
    yield app
    clear_tables(app)
    with app.app_context():
        db.engine.dispose()


def request_lines(text: str) -> list[dict]:
    return [json.loads(line) for line in text.splitlines() if line.startswith('{"method"')]


def test_each_request_logs_one_json_line(json_app, capsys):
    with json_app.app_context():
        user = factories.make_user(db.session)
        db.session.commit()
        user_id, email = user.id, user.email
    client = json_app.test_client()
    capsys.readouterr()

    Auth(client).login(email)
    capsys.readouterr()
    home = client.get("/")
    missing = client.get("/no-such-page")

    lines = request_lines(capsys.readouterr().err)
    assert [(line["method"], line["path"], line["status"]) for line in lines] == [
        ("GET", "/", 200),
        ("GET", "/no-such-page", 404),
    ]
    assert all(line["user_id"] == user_id for line in lines)
    assert all(isinstance(line["duration_ms"], float) for line in lines)
    assert [line["request_id"] for line in lines] == [
        home.headers["X-Request-ID"],
        missing.headers["X-Request-ID"],
    ]
    assert lines[0]["request_id"] != lines[1]["request_id"]


def test_the_proxys_request_id_is_kept_and_anonymous_has_no_user(json_app, capsys):
    client = json_app.test_client()
    capsys.readouterr()
    client.get("/healthz", headers={"X-Request-ID": "lb-check-1"})
    client.get("/login", headers={"X-Request-ID": "not an id {}"})
    first, second = request_lines(capsys.readouterr().err)
    assert first == {**first, "path": "/healthz", "request_id": "lb-check-1", "user_id": None}
    assert second["request_id"] != "not an id {}" and len(second["request_id"]) == 32


def test_text_is_the_default_and_nothing_else_is_accepted(app, client, capsys):
    capsys.readouterr()
    response = client.get("/healthz")
    assert "X-Request-ID" not in response.headers
    assert request_lines(capsys.readouterr().err) == []
    assert load_config({})["LOG_FORMAT"] == "text"
    assert load_config({"LMS_LOG_FORMAT": "json"})["LOG_FORMAT"] == "json"
    with pytest.raises(ConfigError, match="LMS_LOG_FORMAT"):
        load_config({"LMS_LOG_FORMAT": "xml"})
