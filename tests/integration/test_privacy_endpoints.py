"""An administrator chooses, per LRS endpoint, how people are identified in what it receives."""

import pytest
from sqlalchemy import select

from lms.xapi.models import Endpoint


def _form(**values) -> dict:
    form = {
        "name": "regional-lrs",
        "url": "https://lrs.example.org/xAPI",
        "scope": "all",
        "actor_identity": "account",
        "active": "y",
    }
    return {**form, **values}


def test_an_admin_makes_an_endpoint_pseudonymous(admin_client, db_session):
    assert admin_client.auth.post("/admin/xapi/endpoints", _form()).status_code == 302
    endpoint = db_session.scalars(select(Endpoint)).one()
    assert endpoint.actor_identity == "account"
    page = admin_client.get("/admin/xapi").get_data(as_text=True)
    assert "<code>account</code>" in page


@pytest.mark.parametrize("value", ["email", ""])
def test_an_unknown_identity_is_refused_on_its_field(admin_client, db_session, value):
    response = admin_client.auth.post("/admin/xapi/endpoints", _form(actor_identity=value))
    assert response.status_code == 400
    assert 'id="actor_identity-error"' in response.get_data(as_text=True)
    assert db_session.scalars(select(Endpoint)).all() == []


def test_the_configured_endpoint_takes_its_identity_from_the_settings(app, runner, db_session):
    app.config.update(LRS_URL="http://127.0.0.1:9/xAPI", LRS_ACTOR="mbox_sha1sum")
    result = runner.invoke(args=["xapi", "actor-map", "--endpoint", "env"])
    assert result.exit_code == 0, result.output
    assert '"actor_identity": "mbox_sha1sum"' in result.output
    assert db_session.scalars(select(Endpoint)).one().actor_identity == "mbox_sha1sum"
