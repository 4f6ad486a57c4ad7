"""GET /xapi/statements, the cohort records download and the LRS administration page."""

import json
import uuid
from datetime import UTC, datetime, timedelta
from urllib.parse import quote

import pytest
from sqlalchemy import select

from lms.auth.actors import actor_of
from lms.xapi import outbox
from lms.xapi import vocabulary as v
from lms.xapi.models import Delivery, Endpoint
from lms.xapi.statements import Actor, to_json
from tests.support import factories
from tests.support.statements import CONFIG, TRAINER, finished, launched, mastered


@pytest.fixture
def world(db_session, demo_cohort):
    """Statements of the cohort's two coaches, of a coach outside it, and one voided."""
    first, second = demo_cohort["coaches"]
    outsider = factories.make_user(db_session)
    other_trainer = factories.make_user(db_session, role="trainer")
    factories.make_cohort(db_session, trainers=[other_trainer], coaches=[outsider])
    rows = {
        "first": [record(db_session, launched(first.email), first) for _ in range(3)],
        "second": [record(db_session, launched(second.email), second)],
        "outsider": [record(db_session, launched(outsider.email), outsider)],
    }
    revoked = record(db_session, mastered(first.email), first)
    rows["voiding"] = [outbox.void(db_session, CONFIG, revoked.id, TRAINER)]
    rows["revoked"] = [revoked]
    db_session.commit()
    return {"rows": rows, "outsider": outsider, "other_trainer": other_trainer, **demo_cohort}


def record(session, statement: dict, user):
    return outbox.record(session, statement, user_id=user.id)


def ids(rows) -> set[str]:
    return {row.id for row in rows}


def fetch(client, query: str = ""):
    response = client.get(f"/xapi/statements{query}")
    assert response.headers.get("X-Experience-API-Version") == "1.0.3"
    return response


def listed(client, query: str = "") -> set[str]:
    response = fetch(client, query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return {s["id"] for s in response.get_json()["statements"]}


def test_each_role_sees_its_own_scope(world, coach_client, trainer_client, admin_client):
    rows = world["rows"]
    assert listed(coach_client) == ids(rows["first"])
    # The trainer's own voiding statement is theirs; the outsider is another trainer's coach.
    demo_trainer_rows = ids(rows["first"] + rows["second"])
    assert listed(trainer_client) == demo_trainer_rows
    everyone = ids(rows["first"] + rows["second"] + rows["outsider"] + rows["voiding"])
    assert listed(admin_client) == everyone


def test_a_trainer_sees_the_statements_they_authored(world, db_session, trainer_client):
    trainer = world["trainer"]
    target = world["rows"]["second"][0]

    voiding = outbox.void(
        db_session, CONFIG, target.id, Actor(trainer.email, "Trainer"), user_id=trainer.id
    )
    db_session.commit()

    assert voiding.id in listed(trainer_client)
    assert target.id not in listed(trainer_client)


def test_the_statement_result_carries_the_stored_statements(world, coach_client):
    payload = fetch(coach_client).get_json()

    assert set(payload) == {"statements", "more"} and payload["more"] == ""
    newest_first = [row.id for row in reversed(world["rows"]["first"])]
    assert [s["id"] for s in payload["statements"]] == newest_first
    row = world["rows"]["first"][0]
    returned = payload["statements"][-1]
    assert {key: value for key, value in returned.items() if key != "stored"} == json.loads(
        row.text
    )
    assert returned["stored"].endswith("Z")


def test_filters(world, db_session, admin_client):
    rows = world["rows"]
    first = world["coaches"][0]
    completed, passed = finished(first.email)
    for statement in (completed, passed):
        outbox.record(db_session, statement)
    db_session.commit()
    sample = rows["first"][0]
    body = json.loads(sample.text)

    agent = quote(json.dumps({"mbox": f"mailto:{first.email}"}))
    assert listed(admin_client, f"?agent={agent}") == ids(rows["first"]) | {
        completed["id"],
        passed["id"],
    }
    assert listed(admin_client, f"?mbox={first.email}") == listed(admin_client, f"?agent={agent}")
    assert listed(admin_client, f"?verb={quote(v.VERB_PASSED)}") == {passed["id"]}
    activity = quote(body["object"]["id"])
    assert listed(admin_client, f"?activity={activity}") == {sample.id}
    registration = body["context"]["registration"]
    assert listed(admin_client, f"?registration={registration}") == {sample.id}
    assert listed(admin_client, f"?verb={quote(v.VERB_VOIDED)}") == ids(rows["voiding"])

    later = (sample.stored + timedelta(hours=1)).isoformat()
    earlier = (sample.stored - timedelta(hours=1)).isoformat()
    assert listed(admin_client, f"?since={quote(later)}") == set()
    assert sample.id in listed(admin_client, f"?since={quote(earlier)}")
    assert listed(admin_client, f"?until={quote(earlier)}") == set()
    assert listed(admin_client, f"?until={quote(later)}&agent={agent}") >= ids(rows["first"])


def test_the_address_of_one_of_our_accounts_finds_their_opaque_statements_too(
    app, world, db_session, admin_client
):
    first = world["coaches"][0]
    opaque = launched("someone@example.org")
    opaque["actor"] = actor_of(first).to_xapi(app.config["BASE_URL"])
    record(db_session, opaque, first)
    db_session.commit()
    by_address = quote(json.dumps({"mbox": f"mailto:{first.email.upper()}"}))
    expected = ids(world["rows"]["first"]) | {opaque["id"]}
    assert listed(admin_client, f"?agent={by_address}") == expected
    assert listed(admin_client, f"?mbox={first.email}") == listed(
        admin_client, f"?agent={by_address}"
    )
    by_account = quote(json.dumps(opaque["actor"]))
    assert listed(admin_client, f"?agent={by_account}") == {opaque["id"]}
    exported = app.test_cli_runner().invoke(args=["xapi", "export", "--user", first.email])
    assert exported.exit_code == 0, exported.output
    lines = [json.loads(line) for line in exported.output.splitlines()]
    assert {statement["id"] for statement in lines} >= expected


def test_filters_never_widen_a_coachs_scope(world, coach_client):
    outsider = world["outsider"]
    assert listed(coach_client, f"?mbox={outsider.email}") == set()


def test_more_links_page_through_everything_once(world, db_session, admin_client):
    coach = world["coaches"][1]
    extra = [outbox.record(db_session, launched(coach.email)) for _ in range(9)]
    db_session.commit()
    expected = ids(extra + world["rows"]["second"])

    seen, pages, url = [], 0, f"/xapi/statements?mbox={coach.email}&limit=3"
    while url:
        payload = admin_client.get(url).get_json()
        seen.extend(s["id"] for s in payload["statements"])
        url, pages = payload["more"], pages + 1
    assert pages == 4 and len(seen) == len(set(seen)) == 10 and set(seen) == expected

    ascending = admin_client.get(
        f"/xapi/statements?mbox={coach.email}&limit=4&ascending=true"
    ).get_json()
    assert [s["id"] for s in ascending["statements"]] == [
        row.id for row in (world["rows"]["second"] + extra)[:4]
    ]
    assert "ascending=true" in ascending["more"]


def test_limit_is_capped_and_zero_means_the_maximum(world, admin_client):
    assert len(fetch(admin_client, "?limit=0").get_json()["statements"]) == 6
    assert fetch(admin_client, "?limit=100000").status_code == 200


def test_one_statement_by_id(world, coach_client, trainer_client):
    mine = world["rows"]["first"][0]
    theirs = world["rows"]["outsider"][0]

    found = fetch(coach_client, f"?statementId={mine.id.upper()}")
    assert found.status_code == 200 and found.get_json()["id"] == mine.id
    assert fetch(coach_client, f"?statementId={theirs.id}").status_code == 404
    assert fetch(trainer_client, f"?statementId={theirs.id}").status_code == 404
    assert fetch(coach_client, f"?statementId={uuid.uuid4()}").status_code == 404


def test_a_voided_statement_is_only_found_as_voided(world, coach_client):
    revoked = world["rows"]["revoked"][0]

    assert revoked.id not in listed(coach_client)
    assert fetch(coach_client, f"?statementId={revoked.id}").status_code == 404
    found = fetch(coach_client, f"?voidedStatementId={revoked.id}")
    assert found.status_code == 200 and found.get_json()["id"] == revoked.id


@pytest.mark.parametrize(
    "query",
    [
        "?agent=not-json",
        "?agent=%7B%22name%22%3A%22x%22%7D",
        "?since=yesterday",
        "?until=2026-13-45T00:00:00Z",
        "?registration=nope",
        "?limit=-1",
        "?limit=ten",
        "?cursor=abc",
        "?statementId=nope",
        f"?statementId={uuid.uuid4()}&verb=x",
    ],
)
def test_bad_queries_get_a_400_with_the_reason(coach_client, query):
    response = fetch(coach_client, query)
    assert response.status_code == 400
    assert response.get_json()["error"]


def test_anonymous_users_are_sent_to_the_login_page(client):
    response = client.get("/xapi/statements")
    assert response.status_code == 302 and response.headers["Location"].startswith("/login")


# --- completion records download ---------------------------------------------------------------


def test_a_trainer_downloads_the_completion_records_of_their_cohort(
    world, db_session, trainer_client
):
    first = world["coaches"][0]
    completed, passed = finished(first.email)
    old, _ = finished(first.email, at=datetime.now(UTC) - timedelta(days=200))
    for statement in (completed, passed, old):
        record(db_session, statement, first)
    outsider_records = finished(world["outsider"].email)
    record(db_session, outsider_records[0], world["outsider"])
    db_session.commit()
    cohort_id = world["cohort"].id
    today = datetime.now(UTC).date()
    period = f"since={today - timedelta(days=30)}&until={today}"

    response = trainer_client.get(f"/xapi/export?cohort={cohort_id}&{period}")

    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    returned = [s["id"] for s in response.get_json()]
    revoked, voiding = world["rows"]["revoked"][0], world["rows"]["voiding"][0]
    assert returned == [revoked.id, voiding.id, completed["id"], passed["id"]]
    whole = trainer_client.get(f"/xapi/export?cohort={cohort_id}").get_json()
    assert old["id"] in {s["id"] for s in whole}


def test_export_access_and_errors(world, trainer_client, admin_client, coach_client):
    other_cohort = world["outsider"].cohorts[0].id
    assert trainer_client.get(f"/xapi/export?cohort={other_cohort}").status_code == 403
    assert admin_client.get(f"/xapi/export?cohort={other_cohort}").status_code == 200
    assert admin_client.get("/xapi/export?cohort=999999").status_code == 404
    assert admin_client.get("/xapi/export?cohort=x").status_code == 400
    bad_period = f"/xapi/export?cohort={other_cohort}&since=someday"
    assert admin_client.get(bad_period).status_code == 400
    assert coach_client.get(f"/xapi/export?cohort={other_cohort}").status_code == 403


def test_the_export_form_lists_the_cohorts_one_may_export(world, trainer_client, admin_client):
    mine = trainer_client.get("/xapi/export").get_data(as_text=True)
    assert world["cohort"].name in mine
    assert world["outsider"].cohorts[0].name not in mine
    every = admin_client.get("/xapi/export").get_data(as_text=True)
    assert world["outsider"].cohorts[0].name in every


# --- administration --------------------------------------------------------------------------


def endpoint_form(**values) -> dict:
    form = {
        "name": "regional-lrs",
        "url": "https://lrs.example.org/xAPI/",
        "username": "lms",
        "password": "s3cret-password",
        "scope": "completions",
        "active": "y",
    }
    form.update(values)
    return form


def test_an_admin_adds_and_edits_an_endpoint(admin_client, db_session):
    created = admin_client.auth.post("/admin/xapi/endpoints", endpoint_form())
    assert created.status_code == 302

    endpoint = db_session.scalars(select(Endpoint)).one()
    assert (endpoint.name, endpoint.url, endpoint.scope, endpoint.password) == (
        "regional-lrs",
        "https://lrs.example.org/xAPI",
        "completions",
        "s3cret-password",
    )
    page = admin_client.get(f"/admin/xapi?edit={endpoint.id}").get_data(as_text=True)
    assert "regional-lrs" in page and "s3cret-password" not in page

    edited = admin_client.auth.post(
        "/admin/xapi/endpoints",
        endpoint_form(endpoint_id=str(endpoint.id), password="", scope="all", active=""),
    )
    assert edited.status_code == 302
    db_session.expire_all()
    endpoint = db_session.get(Endpoint, endpoint.id)
    assert (endpoint.scope, endpoint.active, endpoint.password) == ("all", False, "s3cret-password")


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": "env"}, "name"),
        ({"url": "ftp://lrs.example.org"}, "url"),
        ({"name": ""}, "name"),
        ({"scope": "everything"}, "scope"),
    ],
)
def test_endpoint_form_errors_are_shown_on_their_field(admin_client, db_session, values, field):
    response = admin_client.auth.post("/admin/xapi/endpoints", endpoint_form(**values))

    assert response.status_code == 400
    assert f'id="{field}-error"' in response.get_data(as_text=True)
    assert db_session.scalars(select(Endpoint)).all() == []


def test_a_duplicate_endpoint_name_is_refused(admin_client, db_session):
    assert admin_client.auth.post("/admin/xapi/endpoints", endpoint_form()).status_code == 302
    again = admin_client.auth.post("/admin/xapi/endpoints", endpoint_form(url="https://b.example"))
    assert again.status_code == 400
    assert len(db_session.scalars(select(Endpoint)).all()) == 1


def test_dead_letters_are_shown_and_sent_again(world, db_session, admin_client):
    admin_client.auth.post("/admin/xapi/endpoints", endpoint_form(name="lrs"))
    endpoint = db_session.scalars(select(Endpoint)).one()
    refused = world["rows"]["first"]
    for row in refused:
        db_session.add(
            Delivery(
                statement_seq=row.seq,
                endpoint_id=endpoint.id,
                state="dead",
                attempts=1,
                last_status=422,
                last_error="HTTP 422: actor needs an identifier",
            )
        )
    db_session.commit()

    page = admin_client.get("/admin/xapi").get_data(as_text=True)
    assert all(row.id in page for row in refused)
    assert "actor needs an identifier" in page

    one = admin_client.auth.post("/admin/xapi/dead-letters/retry", {"statement_id": refused[0].id})
    assert one.status_code == 302
    db_session.expire_all()
    assert db_session.scalars(select(Delivery.state).order_by(Delivery.id)).all() == [
        "pending",
        "dead",
        "dead",
    ]
    every = admin_client.auth.post("/admin/xapi/dead-letters/retry", {})
    assert every.status_code == 302
    db_session.expire_all()
    assert set(db_session.scalars(select(Delivery.state))) == {"pending"}
    bad = admin_client.auth.post("/admin/xapi/dead-letters/retry", {"statement_id": "x"})
    assert bad.status_code == 400


def test_statement_text_is_returned_without_reordering(world, admin_client):
    row = world["rows"]["second"][0]
    returned = fetch(admin_client, f"?statementId={row.id}").get_json()
    returned.pop("stored")
    assert to_json(returned) == row.text
