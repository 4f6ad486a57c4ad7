"""Identifiers that stand as evidence: one id per question definition, ids from content ids
and UUIDs, and every IRI we mint answers a GET (a page, or JSON-LD)."""

import json
import random
import shutil
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from lms.catalog import queries
from lms.catalog.service import load_content
from lms.catalog.validation import validate_tree
from lms.live import service as live_service
from lms.quiz import service
from lms.quiz.types import QUESTION_TYPES
from lms.xapi import vocabulary as v
from lms.xapi.models import Statement
from lms.xapi.outbox import config_from
from tests.support import factories

FIXTURE = Path(__file__).parents[1] / "unit" / "catalog_fixtures" / "valid"
QUIZ = "quizzes/C1.1.yaml"


@pytest.fixture
def tree(tmp_path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "tree")
    return tmp_path / "tree"


def load(session, root: Path) -> None:
    load_content(session, validate_tree(root, question_types=QUESTION_TYPES))
    session.commit()


def attempt_all_correct(session, xapi, coach) -> None:
    quiz = queries.quiz_for_module(session, "C1.1")
    attempt = service.start(session, user=coach, quiz=quiz, xapi=xapi, rng=random.Random(1))
    for slot in attempt.slots:
        if slot.question_version.definition["id"] == "C1.1-Q01":
            service.save_answer(session, attempt, slot.position, "a")
    service.submit(session, attempt, xapi=xapi)
    session.commit()


def recorded(session) -> list[dict]:
    return [json.loads(row.text) for row in session.scalars(select(Statement))]


def test_an_edited_answer_key_gets_a_new_question_id(app, db_session, tree):
    xapi = config_from(app.config)
    load(db_session, tree)
    attempt_all_correct(db_session, xapi, factories.make_user(db_session))

    # The key of C1.1-Q01 moves from option a to option b; nothing else changes.
    quiz_file = tree / QUIZ
    lines = quiz_file.read_text(encoding="utf-8").splitlines(keepends=True)
    first = next(n for n, line in enumerate(lines) if "C1.1-Q01" in line)
    a, b = (next(n for n in range(first, len(lines)) if f"{{id: {k}," in lines[n]) for k in "ab")
    assert lines[a].endswith("fraction: 1}\n") and lines[b].endswith("fraction: 0}\n")
    lines[a] = lines[a].replace("fraction: 1}", "fraction: 0}")
    lines[b] = lines[b].replace("fraction: 0}", "fraction: 1}")
    quiz_file.write_text("".join(lines), encoding="utf-8")
    load(db_session, tree)
    attempt_all_correct(db_session, xapi, factories.make_user(db_session))

    definitions: dict[str, set[str]] = {}
    for statement in recorded(db_session):
        activity = statement["object"]
        if activity.get("objectType") == "Activity" and "definition" in activity:
            text = json.dumps(activity["definition"], sort_keys=True)
            definitions.setdefault(activity["id"], set()).add(text)
    assert {iri: len(texts) for iri, texts in definitions.items() if len(texts) > 1} == {}
    q01 = sorted(iri for iri in definitions if "/questions/C1.1-Q01/" in iri)
    assert len(q01) == 2, "the edited key must mint a second id"
    patterns = {
        iri: json.loads(next(iter(definitions[iri])))["correctResponsesPattern"] for iri in q01
    }
    assert sorted(patterns.values()) == [["a"], ["b"]]


def test_ids_come_from_content_ids_and_uuids_not_database_integers(app, db_session, tree):
    xapi = config_from(app.config)
    load(db_session, tree)
    attempt_all_correct(db_session, xapi, factories.make_user(db_session))
    objects = {statement["object"]["id"] for statement in recorded(db_session)}
    assert f"{xapi.base_iri}/modules/C1.1/quiz" in objects
    assert not any("/quizzes/" in iri for iri in objects)


def every_iri(statements: list[dict], base: str) -> set[str]:
    """Every IRI under ``base`` that the statements carry (ids, types, extension keys)."""
    found: set[str] = set()

    def walk(value):
        if isinstance(value, dict):
            for key, item in value.items():
                if key.startswith(base):
                    found.add(key)
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
        elif isinstance(value, str) and value.startswith(base + "/"):
            found.add(value)

    walk(statements)
    return found


def test_every_iri_we_mint_resolves_to_a_page_and_to_json_ld(app, db_session, tree, client):
    xapi = config_from(app.config)
    load(db_session, tree)
    attempt_all_correct(db_session, xapi, factories.make_user(db_session))
    statements = recorded(db_session)
    iris = every_iri(statements, xapi.base_iri) | {
        v.profile_iri(xapi.base_iri),
        v.competence_activity_id(xapi.base_iri, "C1"),
        v.unit_activity_id(xapi.base_iri, "C1.1"),
        v.skill_activity_id(xapi.base_iri, "C1.1-S1"),
        v.activity_type_iri(xapi.base_iri, v.TYPE_COMPETENCE),
        v.extension_iri(xapi.base_iri, "modality"),
        v.role_iri(xapi.base_iri, "trainer"),
    }
    assert len(iris) > 10
    prefix = xapi.base_iri.split("://", 1)[1].split("/", 1)[1]
    for iri in sorted(iris):
        path = "/" + prefix + iri[len(xapi.base_iri) :]
        page = client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 200, iri
        assert page.mimetype == "text/html" and iri.encode() in page.data
        linked = client.get(path, headers={"Accept": "application/ld+json"})
        assert linked.status_code == 200, iri
        assert linked.mimetype == "application/ld+json"
        body = linked.get_json()
        # A profile version's IRI answers with the profile document that lists it.
        assert iri in [body["id"], *(version["id"] for version in body.get("versions", []))]
    assert client.get(f"/{prefix}/units/NOPE").status_code == 404
    assert client.get(f"/{prefix}/questions/C1.1-Q01/000000000000").status_code == 404


def test_version_1_ids_resolve_like_version_2(app, db_session, tree, client):
    """Statements stored before version 2 keep their ids: each answers a GET too (a page, or
    JSON-LD) and names the id version 2 uses instead; an id version 1 never minted is a 404."""
    xapi = config_from(app.config)
    load(db_session, tree)
    trainer = factories.make_user(db_session, role="trainer")
    cohort = factories.make_cohort(db_session, trainers=[trainer])
    quiz = queries.quiz_for_module(db_session, "C1.1")
    live = live_service.schedule(
        db_session,
        trainer=trainer,
        cohort=cohort,
        quiz=quiz,
        module=quiz.module,
        scheduled_at=datetime.now(UTC),
        versions=queries.current_question_versions(db_session, "C1.1")[:1],
        title="Live C1.1",
    )
    db_session.commit()
    base = xapi.base_iri
    replaced_by = {
        f"{base}/framework/C1.1": v.unit_activity_id(base, "C1.1"),
        f"{base}/framework/C1": v.competence_activity_id(base, "C1"),
        f"{base}/framework/C1.1-S1": v.skill_activity_id(base, "C1.1-S1"),
        f"{base}/quizzes/{quiz.id}": v.quiz_activity_id(base, "C1.1"),
        f"{base}/questions/C1.1-Q01": f"{base}/questions/C1.1-Q01/",
        f"{base}/sessions/{live.id}": v.session_activity_id(base, str(live.public_id)),
        f"{base}/extensions/modality": v.extension_iri(base, "modality"),
        f"{base}/roles/trainer": v.role_iri(base, "trainer"),
        f"{base}/profile/v1": f"{base}/profile",
    }
    prefix = "/" + base.split("://", 1)[1].split("/", 1)[1]
    for iri, current in replaced_by.items():
        path = prefix + iri[len(base) :]
        page = client.get(path, headers={"Accept": "text/html"})
        assert page.status_code == 200, iri
        assert iri.encode() in page.data and current.encode() in page.data, iri
        linked = client.get(path, headers={"Accept": "application/ld+json"})
        assert linked.status_code == 200 and linked.mimetype == "application/ld+json", iri
        body = linked.get_json()
        assert iri in [body["id"], *(version["id"] for version in body.get("versions", []))]
        assert current in json.dumps(body, ensure_ascii=False), iri
    for never in ("framework/NOPE", "quizzes/999", "sessions/999", "extensions/units", "roles/x"):
        assert client.get(f"{prefix}/{never}").status_code == 404, never
