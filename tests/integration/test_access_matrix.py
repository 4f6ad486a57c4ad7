"""Route × role matrix: every registered route declares who may use it, and it is enforced."""

import pytest
from flask import url_for

from tests.conftest import Auth, csrf_token
from tests.integration.trainer_data import access_world

ANONYMOUS, COACH, TRAINER, ADMIN = "anonymous", "coach", "trainer", "admin"
EVERYONE = {ANONYMOUS, COACH, TRAINER, ADMIN}
LOGGED_IN = {COACH, TRAINER, ADMIN}

# endpoint -> who may use it. A new route without an entry here fails the suite.
EXPECTED = {
    "static": EVERYONE,
    "web.home": LOGGED_IN,
    "auth.login": EVERYONE,
    "auth.logout": LOGGED_IN,
    "auth.change_password": LOGGED_IN,
    "auth.set_language": EVERYONE,
    "admin.index": {ADMIN},
    "admin.new_user": {ADMIN},
    "admin.user_status": {ADMIN},
    "admin.new_cohort": {ADMIN},
    "admin.cohort": {ADMIN},
    "admin.import_coaches": {ADMIN},
    "xapi.statements": LOGGED_IN,
    "xapi.export_records": {TRAINER, ADMIN},
    "xapi.admin": {ADMIN},
    "xapi.save_endpoint": {ADMIN},
    "xapi.retry_dead_letters": {ADMIN},
    "trainer.index": {TRAINER, ADMIN},
    "trainer.cohort": {TRAINER, ADMIN},
    "trainer.cohort_csv": {TRAINER, ADMIN},
    "trainer.bulk_validation": {TRAINER, ADMIN},
    "trainer.coach": {TRAINER, ADMIN},
    "trainer.grading_queue": {TRAINER, ADMIN},
    "trainer.grade": {TRAINER, ADMIN},
    "trainer.validate": {TRAINER, ADMIN},
    "trainer.revoke": {TRAINER, ADMIN},
    "trainer.attachment": {TRAINER, ADMIN},
    "trainer.record_page": {TRAINER, ADMIN},
    "trainer.record_pdf": {TRAINER, ADMIN},
    "trainer.cohort_records": {TRAINER, ADMIN},
    "trainer.verify": EVERYONE,
    "trainer.quizzes": {TRAINER, ADMIN},
    "trainer.quiz_statistics": {TRAINER, ADMIN},
    "trainer.quiz_statistics_csv": {TRAINER, ADMIN},
}


def _url_values(rule, world) -> dict:
    values = {}
    for name in rule.arguments:
        if name not in world:
            pytest.fail(f"{rule.endpoint}: no test value for URL argument {name!r}")
        values[name] = world[name]
    return values


def test_every_route_has_an_expected_rule(app):
    endpoints = {rule.endpoint for rule in app.url_map.iter_rules()}
    assert endpoints - EXPECTED.keys() == set(), "routes without an access rule in EXPECTED"
    assert EXPECTED.keys() - endpoints == set(), "rules for routes that no longer exist"


def test_every_view_declares_its_roles(app):
    for endpoint, view in app.view_functions.items():
        if endpoint == "static":
            continue
        declared = getattr(view, "allowed_roles", None)
        assert declared is not None, f"{endpoint} has no access decorator"
        expected = EXPECTED[endpoint]
        assert (set(declared) or EVERYONE) == (expected - {ANONYMOUS} if declared else expected)


@pytest.mark.parametrize("role", sorted(EVERYONE))
def test_roles_are_enforced(app, demo_cohort, role, db_session, tmp_path, monkeypatch):
    monkeypatch.setitem(app.config, "UPLOAD_DIR", tmp_path)
    trainer_world = access_world(db_session, demo_cohort, tmp_path)
    client = app.test_client()
    if role != ANONYMOUS:
        user = demo_cohort["coaches"][0] if role == COACH else demo_cohort[role]
        assert Auth(client).login(user.email).status_code == 302
    world = {"user_id": demo_cohort["coaches"][1].id, "cohort_id": demo_cohort["cohort"].id,
             "filename": "css/app.css", **trainer_world}
    for rule in app.url_map.iter_rules():
        allowed = role in EXPECTED[rule.endpoint]
        with app.test_request_context():
            url = url_for(rule.endpoint, **_url_values(rule, world))
        if "GET" in rule.methods:
            response = client.get(url)
        elif allowed:
            continue  # a permitted POST would change data; its own tests cover it
        else:
            response = client.post(url, data={"csrf_token": csrf_token(client, "/login")})
        status, location = response.status_code, response.headers.get("Location", "")
        response.close()
        if allowed:
            assert status in (200, 302), f"{role} should reach {url}, got {status}"
            assert not (status == 302 and location.startswith("/login")), f"{role} sent to login"
        elif role == ANONYMOUS:
            assert status == 302 and location.startswith("/login"), f"anonymous reached {url}"
        else:
            assert status == 403, f"{role} should be refused {url}, got {status} {response.get_data(as_text=True)[:3000]}"
