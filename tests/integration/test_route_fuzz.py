"""Route fuzzer: hypothesis draws crafted path, query and form values for every route, as every
role. No response is a 500, and a request that fails changes no domain data (answers,
attempts, decisions, accounts…); security records such as login failures may change."""

import hashlib

import pytest
from flask import url_for
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from lms.extensions import db
from tests.support.routes import client_as, route_world, url_values
from tests.support.web import csrf_token

ROLES = ("anonymous", "coach", "trainer", "admin")
EXAMPLES_PER_ROLE = 100
# Requests that end the fuzzing client's own session or password: covered by their own tests.
SKIPPED = {"static", "auth.logout", "auth.change_password"}
# The domain data a failing request must leave as it was.
DOMAIN_TABLES = (
    "users", "cohorts", "cohort_coaches", "cohort_trainers", "attempts", "attempt_slots",
    "answers", "grades", "competence_validations", "live_sessions", "lesson_progress",
    "xapi_statements",
)  # fmt: skip
# Every argument name a page reads from its query string or form.
PARAMETERS = (
    "page", "inactive", "since", "until", "session", "cohort", "q", "status", "unit", "sort",
    "order", "edit", "goto", "shown", "check", "revision", "code", "lang", "limit", "cursor",
    "verb", "agent", "activity", "registration", "statementId", "format", "next", "email",
    "password", "display_name", "role", "language", "name", "coach", "modality", "decision",
    "note", "reason", "percent", "comment", "action", "q1", "flag1", "title", "scheduled_at",
    "question_seconds", "questions", "active", "url", "scope", "endpoint_id", "statement_id",
)  # fmt: skip

crafted_text = st.one_of(
    st.sampled_from(["²", "٣", "1e9", "-1", "0", "", " ", "\x00", "a\x00b", "\r\n", "x\r\nX: y",
                     "9999-12-31", "0001-01-01T00:00:00+14:00", "1000000", "NaN", "null",
                     "summary", "timeout", '{"mbox":"mailto:a@b.c"}', "../../etc/passwd"]),
    st.integers(min_value=-(2**70), max_value=2**70).map(str),
    st.text(max_size=20),
    st.just("a" * 100_000),
)  # fmt: skip


def _domain_fingerprint(app) -> str:
    digest = hashlib.sha256()
    with app.app_context(), db.engine.connect() as connection:
        for table in DOMAIN_TABLES:
            rows = connection.execute(text(f"SELECT * FROM {table} ORDER BY 1")).all()  # noqa: S608
            digest.update(repr(rows).encode())
    return digest.hexdigest()


@pytest.fixture
def fuzzed(app, demo_cohort, db_session, tmp_path, monkeypatch, role):
    """The world, the routes and a client of ``role``: made once, shared by every example."""
    monkeypatch.setitem(app.config, "UPLOAD_DIR", tmp_path)
    world = route_world(db_session, demo_cohort, tmp_path)
    rules = sorted(
        (rule for rule in app.url_map.iter_rules() if rule.endpoint not in SKIPPED),
        key=lambda rule: rule.rule,
    )
    return world, rules, client_as(app, demo_cohort, role)


@pytest.mark.parametrize("role", ROLES)
@settings(
    max_examples=EXAMPLES_PER_ROLE,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(data=st.data())
def test_no_route_fails_on_crafted_input(app, fuzzed, role, data):
    world, rules, client = fuzzed
    rule = data.draw(st.sampled_from(rules), label="rule")
    values = url_values(rule, world)
    for name in list(values):
        if data.draw(st.booleans(), label=f"craft {name}"):
            values[name] = data.draw(crafted_text, label=name)
    names = data.draw(st.lists(st.sampled_from(PARAMETERS), min_size=1, max_size=5, unique=True))
    arguments = {name: data.draw(crafted_text, label=name) for name in names}
    with app.test_request_context():
        try:
            url = url_for(rule.endpoint, **values)
        except Exception:  # noqa: BLE001 (a value the route cannot take is a 404 anyway)
            url = url_for(rule.endpoint, **url_values(rule, world))
    before = _domain_fingerprint(app)
    post = "POST" in rule.methods and ("GET" not in rule.methods or data.draw(st.booleans()))
    if post:
        arguments["csrf_token"] = csrf_token(client, "/login")
        response = client.post(url, data=arguments)
    else:
        response = client.get(url, query_string=arguments)
    status = response.status_code
    response.close()
    assert status < 500, f"{role} {rule.endpoint} {url} {arguments!r} -> {status}"
    if status >= 400:
        assert _domain_fingerprint(app) == before, f"{url} {arguments!r} failed but changed data"
