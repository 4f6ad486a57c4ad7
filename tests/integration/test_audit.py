"""The audit log: security and decision actions recorded, append-only, filterable by admins."""

import re

import pytest
from sqlalchemy import select, update
from sqlalchemy.exc import DBAPIError

from lms.auth import audit
from lms.auth.models import AuditEvent
from lms.competence.models import Decision
from tests.support import factories, trainer_data
from tests.support.web import Auth, csrf_token, logged_in_client


def _actions(session) -> list[str]:
    return list(session.scalars(select(AuditEvent.action).order_by(AuditEvent.id)))


def test_logins_failures_password_changes_and_logouts_are_recorded(app, db_session):
    coach = factories.make_user(db_session)
    db_session.commit()
    client = app.test_client()
    auth = Auth(client)
    assert auth.login(coach.email, "wrong-password").status_code == 401
    assert auth.login(coach.email).status_code == 302
    new = "a-brand-new-password"
    form = {"new_password": new, "confirm": new}
    auth.post("/account/password", {**form, "current_password": "guess"})
    auth.post("/account/password", {**form, "current_password": factories.PASSWORD})
    auth.logout()
    assert _actions(db_session) == [
        "login.failed", "login.succeeded", "password.change_failed", "password.changed", "logout",
    ]  # fmt: skip
    failed = db_session.scalar(select(AuditEvent).where(AuditEvent.action == "login.failed"))
    assert (failed.actor_id, failed.actor_email, failed.ip) == (None, coach.email, "127.0.0.1")


def test_decisions_revocations_and_downloads_are_recorded(app, db_session, demo_cohort):
    trainer_data.make_units(db_session, codes=("T1",))
    db_session.commit()
    coach = demo_cohort["coaches"][0]
    client = logged_in_client(app, demo_cohort["trainer"].email)
    url = f"/trainer/coaches/{coach.id}/units/T1/decision"
    decided = client.post(url, data={"modality": "observation", "decision": "validated",
                                     "csrf_token": csrf_token(client, url)})  # fmt: skip
    assert decided.status_code == 302
    decision_id = db_session.scalar(select(Decision.id))
    client.auth.post(f"/trainer/decisions/{decision_id}/revoke", {"reason": "Mistake"})
    assert client.get(f"/trainer/cohorts/{demo_cohort['cohort'].id}/matrix.csv").status_code == 200
    recorded = db_session.scalars(
        select(AuditEvent).where(AuditEvent.action != "login.succeeded").order_by(AuditEvent.id)
    ).all()
    assert [event.action for event in recorded] == [
        "decision.recorded", "decision.revoked", "personal_data.exported",
    ]  # fmt: skip
    assert recorded[0].detail["coach"] == coach.email
    assert recorded[1].subject == f"decision:{decision_id}"
    assert recorded[2].subject.endswith("/matrix.csv")


def test_an_entry_cannot_be_changed(app, db_session):
    audit.record(db_session, "login.failed", email="someone@example.org", ip="10.0.0.1")
    db_session.commit()
    with pytest.raises(DBAPIError, match="append-only"):
        db_session.execute(update(AuditEvent).values(actor_email="other@example.org"))
        db_session.flush()
    db_session.rollback()
    with pytest.raises(ValueError, match="unknown audit action"):
        audit.record(db_session, "made.up")


def test_administrators_filter_the_log(app, db_session, demo_cohort):
    for number in range(3):
        audit.record(db_session, "login.failed", email=f"ghost{number}@example.org")
    audit.record(db_session, "user.created", actor=demo_cohort["admin"], subject="user:9")
    db_session.commit()
    client = logged_in_client(app, demo_cohort["admin"].email)
    page = client.get("/admin/audit?action=login.failed&actor=ghost1").get_data(as_text=True)
    assert "ghost1@example.org" in page and "ghost2@example.org" not in page
    assert "user:9" not in page
    everything = client.get("/admin/audit").get_data(as_text=True)
    assert "user:9" in everything and "ghost0@example.org" in everything
    assert client.get("/admin/audit?since=9999-99-99").status_code == 400
    trainer = logged_in_client(app, demo_cohort["trainer"].email)
    assert trainer.get("/admin/audit").status_code == 403


def test_the_log_pages_backwards_with_a_cursor(app, db_session, demo_cohort, monkeypatch):
    monkeypatch.setattr(audit, "PAGE_SIZE", 2)
    for number in range(5):
        audit.record(db_session, "login.failed", email=f"page{number}@example.org")
    db_session.commit()
    client = logged_in_client(app, demo_cohort["admin"].email)
    seen, url = [], "/admin/audit?action=login.failed"
    for _ in range(5):  # 3 pages expected
        if not url:
            break
        page = client.get(url).get_data(as_text=True)
        seen += sorted((n for n in range(5) if f"page{n}@example.org" in page), reverse=True)
        older = re.search(r'<a href="([^"]+)">Entrées plus anciennes</a>', page)
        url = older[1].replace("&amp;", "&") if older else ""
    assert seen == [4, 3, 2, 1, 0] and not url
