"""Route × role matrix: every registered route declares who may use it, and it is enforced."""

import pytest
from flask import url_for

from tests.support.routes import client_as, route_world, url_values
from tests.support.web import csrf_token

ANONYMOUS, COACH, TRAINER, ADMIN = "anonymous", "coach", "trainer", "admin"
EVERYONE = {ANONYMOUS, COACH, TRAINER, ADMIN}
LOGGED_IN = {COACH, TRAINER, ADMIN}

# endpoint -> who may use it. A new route without an entry here fails the suite.
EXPECTED = {
    "static": EVERYONE,
    "web.home": LOGGED_IN,
    "web.healthz": EVERYONE,
    "web.describe_iri": EVERYONE,
    "auth.login": EVERYONE,
    "auth.logout": LOGGED_IN,
    "auth.change_password": LOGGED_IN,
    "notify.preferences": LOGGED_IN,
    "auth.set_language": EVERYONE,
    "auth.forgot_password": EVERYONE,
    "auth.choose_password": EVERYONE,
    "auth.api_tokens": LOGGED_IN,
    "auth.revoke_api_token": LOGGED_IN,
    "api_docs.openapi_json": EVERYONE,
    "api_docs.docs": EVERYONE,
    "api_account.me": LOGGED_IN,
    "api_catalog.competences": LOGGED_IN,
    "api_catalog.modules": LOGGED_IN,
    "api_catalog.module": LOGGED_IN,
    "api_catalog.lesson": LOGGED_IN,
    "api_attempts.quizzes": {COACH},
    "api_attempts.quiz": {COACH},
    "api_attempts.attempts": {COACH},
    "api_attempts.attempt": {COACH},
    "api_progress.progress": {COACH},
    "api_progress.record": {COACH},
    "api_cohorts.cohorts": {TRAINER, ADMIN},
    "api_cohorts.cohort": {TRAINER, ADMIN},
    "api_cohorts.matrix": {TRAINER, ADMIN},
    "api_statements.statements": LOGGED_IN,
    "api_attempts.start": {COACH},
    "api_attempts.save_answer": {COACH},
    "api_attempts.submit": {COACH},
    "api_attempts.result": {COACH},
    "api_decisions.grading_queue": {TRAINER, ADMIN},
    "api_decisions.grade": {TRAINER, ADMIN},
    "api_decisions.decide": {TRAINER, ADMIN},
    "api_decisions.revoke": {TRAINER, ADMIN},
    "api_live.state": {COACH},
    "api_live.join": {COACH},
    "api_live.answer": {COACH},
    "api_admin.users": {ADMIN},
    "api_admin.new_user": {ADMIN},
    "api_admin.change_user": {ADMIN},
    "api_admin.new_cohort": {ADMIN},
    "api_admin.add_members": {ADMIN},
    "admin.index": {ADMIN},
    "admin.new_user": {ADMIN},
    "admin.user_status": {ADMIN},
    "admin.send_link": {ADMIN},
    "admin.new_cohort": {ADMIN},
    "admin.cohort": {ADMIN},
    "admin.import_coaches": {ADMIN},
    "admin.content": {ADMIN},
    "admin.load_content": {ADMIN},
    "admin.gift_import": {ADMIN},
    "admin.import_template": {ADMIN},
    "admin.xapi_endpoints": {ADMIN},
    "admin.save_endpoint": {ADMIN},
    "admin.retry_dead_letters": {ADMIN},
    "admin.audit_log": {ADMIN},
    "admin.credential_issuer": {ADMIN},
    "privacy.notice": EVERYONE,
    "privacy.acknowledge": LOGGED_IN,
    "privacy.my_data": LOGGED_IN,
    "privacy.user_data": {ADMIN},
    "privacy.erase_user": {ADMIN},
    "api.statements": LOGGED_IN,
    "api.export_records": {TRAINER, ADMIN},
    "trainer.index": {TRAINER, ADMIN},
    "trainer.cohort": {TRAINER, ADMIN},
    "trainer.cohort_csv": {TRAINER, ADMIN},
    "trainer.completions_csv": {TRAINER, ADMIN},
    "trainer.cohort_xlsx": {TRAINER, ADMIN},
    "trainer.completions_xlsx": {TRAINER, ADMIN},
    "trainer.bulk_decision": {TRAINER, ADMIN},
    "trainer.coach": {TRAINER, ADMIN},
    "trainer.grading_queue": {TRAINER, ADMIN},
    "trainer.grade": {TRAINER, ADMIN},
    "trainer.decide": {TRAINER, ADMIN},
    "trainer.revoke_decision": {TRAINER, ADMIN},
    "trainer.attachment": {TRAINER, ADMIN},
    "trainer.record_page": {TRAINER, ADMIN},
    "trainer.record_pdf": {TRAINER, ADMIN},
    "trainer.cohort_records": {TRAINER, ADMIN},
    "trainer.verify": EVERYONE,
    "trainer.quizzes": {TRAINER, ADMIN},
    "trainer.quiz_statistics": {TRAINER, ADMIN},
    "trainer.quiz_statistics_csv": {TRAINER, ADMIN},
    "delivery.catalogue": LOGGED_IN,
    "delivery.module": LOGGED_IN,
    "delivery.lesson": LOGGED_IN,
    "delivery.lesson_done": {COACH},
    "delivery.document": LOGGED_IN,
    "delivery.quiz": {COACH},
    "delivery.start_quiz": {COACH},
    "delivery.attempt": {COACH},
    "delivery.save_attempt": {COACH},
    "delivery.autosave": {COACH},
    "delivery.summary": {COACH},
    "delivery.submit": {COACH},
    "delivery.result": {COACH},
    "delivery.review": {COACH},
    "delivery.progress": {COACH},
    "delivery.progress_record": {COACH},
    "trainer_live.index": {TRAINER, ADMIN},
    "trainer_live.new": {TRAINER, ADMIN},
    "trainer_live.control": {TRAINER, ADMIN},
    "trainer_live.panel": {TRAINER, ADMIN},
    "trainer_live.panel_events": {TRAINER, ADMIN},
    "trainer_live.projector": {TRAINER, ADMIN},
    "trainer_live.projector_screen": {TRAINER, ADMIN},
    "trainer_live.projector_events": {TRAINER, ADMIN},
    "trainer_live.action": {TRAINER, ADMIN},
    "trainer_live.summary": {TRAINER, ADMIN},
    "coach_live.join": {COACH},
    "coach_live.join_session": {COACH},
    "coach_live.play": {COACH},
    "coach_live.state": {COACH},
    "coach_live.events": {COACH},
    "coach_live.answer": {COACH},
    "coach_live.leave": {COACH},
    "credentials.did_document": EVERYONE,
    "credentials.issuer_profile": EVERYONE,
    "credentials.status_list": EVERYONE,
    "credentials.credential_page": EVERYONE,
    "credentials.credential_json": EVERYONE,
    "credentials.credential_svg": EVERYONE,
    "credentials.verify": EVERYONE,
    "coach_live.pseudonym": {COACH},
}


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
    world = route_world(db_session, demo_cohort, tmp_path)
    client = client_as(app, demo_cohort, role)
    for rule in app.url_map.iter_rules():
        allowed = role in EXPECTED[rule.endpoint]
        with app.test_request_context():
            url = url_for(rule.endpoint, **url_values(rule, world))
        if "GET" in rule.methods:
            response = client.get(url)
        elif allowed:
            continue  # a permitted POST would change data; its own tests cover it
        else:
            (method,) = rule.methods - {"HEAD", "OPTIONS"}  # POST, PUT or PATCH
            form = {"csrf_token": csrf_token(client, "/login")}
            response = client.open(url, method=method, data=form)
        status, location = response.status_code, response.headers.get("Location", "")
        response.close()
        if allowed:
            assert status in (200, 204, 302), f"{role} should reach {url}, got {status}"
            assert not (status == 302 and location.startswith("/login")), f"{role} sent to login"
        elif role == ANONYMOUS and rule.rule.startswith("/api/v1/"):
            assert status == 401, f"anonymous reached {url}, got {status}"
        elif role == ANONYMOUS:
            assert status == 302 and location.startswith("/login"), f"anonymous reached {url}"
        else:
            assert status == 403, f"{role} should be refused {url}, got {status}"
