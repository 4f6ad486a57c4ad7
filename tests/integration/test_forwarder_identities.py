"""What each endpoint receives for our opaque accounts, for older statements carrying an
e-mail address, and for an erased person; and a retried batch is the same bytes."""

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from lms.auth.actors import actor_of
from lms.extensions import db
from lms.privacy import erasure
from lms.xapi import endpoints, forwarder, identity, outbox
from lms.xapi.client import PostResult
from lms.xapi.models import Endpoint
from tests.support import statements as examples

HOME = "https://lms.example.org"


class Recorder:
    """An LRS client that keeps every batch posted; the first ``failures`` posts fail."""

    def __init__(self, failures: int = 0) -> None:
        self.posts: list[list[str]] = []
        self.failures = failures

    def __call__(self, _target, _settings):
        return self

    def __enter__(self):
        return self

    def __exit__(self, *_exc) -> None:
        return None

    def close(self) -> None:
        return None

    def post_statements(self, texts: list[str]) -> PostResult:
        self.posts.append(list(texts))
        if len(self.posts) <= self.failures:
            return PostResult("retry", status_code=503, reason="busy")
        return PostResult("ok", status_code=200)


def _forward(app, session, kind: str, recorder: Recorder) -> list[dict]:
    endpoints.save_endpoint(
        session, endpoint_id=None, name=f"lrs-{kind}", url="https://lrs.example.org/xAPI",
        username="", password="", scope="all", active=True, actor_identity=kind,
    )  # fmt: skip
    session.commit()
    [row] = session.scalars(select(Endpoint).where(Endpoint.name == f"lrs-{kind}"))
    target = endpoints.Target(row.id, row.name, row.url, "", "", actor_identity=kind)
    settings = forwarder.settings_from(
        app.config, home_page=HOME, backoff_base=0.0, backoff_cap=0.0, tries=3
    )
    with app.app_context():
        engine = db.engine
    forwarder.Forwarder(engine, [target], settings, client_factory=recorder).run_once()
    return [json.loads(text) for text in recorder.posts[-1]]


def _record(session, coach, trainer, legacy_email: str) -> None:
    opaque = examples.launched("someone@example.org")
    opaque["actor"] = actor_of(coach).to_xapi(HOME)
    outbox.record(session, opaque, user_id=coach.id)
    mastered = examples.mastered(legacy_email)  # an older release: e-mail and name
    mastered["context"]["instructor"] = actor_of(trainer).to_xapi(HOME)
    outbox.record(session, mastered, user_id=coach.id)
    session.commit()


@pytest.mark.parametrize("kind", ["mbox", "mbox_sha1sum", "account"])
def test_each_endpoint_receives_its_identification(app, demo_cohort, db_session, kind):
    coach, trainer = demo_cohort["coaches"][0], demo_cohort["trainer"]
    _record(db_session, coach, trainer, coach.email)
    opaque, legacy = _forward(app, db_session, kind, Recorder())
    key = identity.pseudonym_key(app.config)
    expected = {
        "mbox": lambda person: {
            "objectType": "Agent", "name": person.display_name, "mbox": f"mailto:{person.email}"
        },
        "mbox_sha1sum": lambda person: {
            "objectType": "Agent", "mbox_sha1sum": identity.sha1_of(person.email)
        },
        "account": lambda person: {
            "objectType": "Agent",
            "account": {"homePage": HOME, "name": identity.pseudonym(key, person.id)},
        },
    }[kind]  # fmt: skip
    assert opaque["actor"] == expected(coach)
    assert legacy["context"]["instructor"] == expected(trainer)
    if kind == "mbox":  # an older statement goes out as recorded
        assert legacy["actor"]["mbox"] == f"mailto:{coach.email}"
    else:  # the same agent as the coach's opaque statements: the LRS's data stays consistent
        assert legacy["actor"] == expected(coach)


def test_an_erased_person_is_sent_naming_nobody(app, demo_cohort, db_session):
    coach, trainer = demo_cohort["coaches"][0], demo_cohort["trainer"]
    account = coach.xapi_account
    _record(db_session, coach, trainer, coach.email)
    now = datetime(2026, 12, 3, tzinfo=UTC)
    erasure.erase_person(db_session, coach, erased_by=demo_cohort["admin"], now=now)
    db_session.commit()
    opaque, legacy = _forward(app, db_session, "mbox", Recorder())
    assert opaque["actor"] == {
        "objectType": "Agent",
        "account": {"homePage": HOME, "name": account},
    }
    assert "mbox" not in legacy["actor"] and "name" not in legacy["actor"]
    assert legacy["context"]["instructor"]["mbox"] == f"mailto:{trainer.email}"


def test_a_retried_batch_is_the_same_bytes(app, demo_cohort, db_session):
    _record(db_session, demo_cohort["coaches"][0], demo_cohort["trainer"], "guest@example.org")
    recorder = Recorder(failures=2)
    _forward(app, db_session, "mbox", recorder)
    assert len(recorder.posts) == 3 and recorder.posts[0] == recorder.posts[1] == recorder.posts[2]
