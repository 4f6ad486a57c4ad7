"""Pseudonymous LRS endpoints against the real Ralph: no e-mail address or name leaves the
centre, and the records rebuilt from that LRS match the database through the mapping file."""

import json
import uuid

import pytest
from sqlalchemy import select

from lms.auth.models import User
from lms.xapi.models import Statement
from tests.support.ralph import add_endpoint

pytestmark = pytest.mark.lrs


def test_an_account_endpoint_receives_no_email_and_rebuilds_with_the_mapping(
    app, ralph, runner, db_session, tmp_path
):
    app.config["BASE_IRI"] = f"https://pseudo-{uuid.uuid4().hex[:8]}.example.org/xapi"
    assert runner.invoke(args=["setup", "--demo"]).exit_code == 0
    simulated = runner.invoke(args=["demo", "simulate", "--coaches", "6", "--seed", "11"])
    assert simulated.exit_code == 0, simulated.output
    local = {row.id for row in db_session.scalars(select(Statement))}
    add_endpoint(db_session, ralph.url, ralph, name="pseudonymous", actor_identity="account")

    forwarded = runner.invoke(args=["xapi", "forward", "--once"])
    assert forwarded.output == f"sent {len(local)}, pending 0, dead 0\n"
    received = [s for s in ralph.statements() if s["id"] in local]
    assert {s["id"] for s in received} == local
    people = db_session.execute(select(User.email, User.display_name)).all()
    # Ralph adds its own authority (its account's mbox): everything else is ours.
    text = json.dumps([{k: v for k, v in s.items() if k != "authority"} for s in received])
    leaks = [word for word in ("mailto:", "mbox") if word in text]
    leaks += [value for person in people for value in person if value in text]
    assert leaks == []
    assert {s["actor"]["account"]["homePage"] for s in received} == {app.config["BASE_URL"]}

    mapping = tmp_path / "mapping.json"
    exported = runner.invoke(
        args=["xapi", "actor-map", "--endpoint", "pseudonymous", "--out", str(mapping)]
    )
    assert exported.exit_code == 0, exported.output
    rebuild = ["xapi", "rebuild-records", "--from-lrs", "--endpoint", "pseudonymous", "--compare"]
    with_mapping = runner.invoke(args=[*rebuild, "--mapping", str(mapping)])
    assert with_mapping.exit_code == 0, with_mapping.output
    assert with_mapping.output.rstrip().endswith(": equal")
    # Without the centre's mapping, the LRS alone names nobody.
    without = runner.invoke(args=rebuild)
    assert without.exit_code == 1
    assert "0 coaches, 0 unit decisions" in without.output


def test_a_mapping_file_that_is_not_one_is_refused(app, runner, tmp_path):
    wrong = tmp_path / "wrong.json"
    wrong.write_text('{"people": [{"email": "a@example.org"}]}', encoding="utf-8")
    result = runner.invoke(
        args=["xapi", "rebuild-records", "--from-lrs", "--mapping", str(wrong)],
        env={"LMS_LRS_URL": ""},
    )
    assert result.exit_code == 2
    assert "wrong.json: not a mapping file of flask xapi actor-map" in result.output
