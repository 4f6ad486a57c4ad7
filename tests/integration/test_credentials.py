"""Open Badges 3.0 credentials end to end: earned by decisions, published, verified by our
verifier (the command and the public endpoint) and by the independent Node verifier, which
downloads the issuer's documents from the application; revoked, tampered with, rotated."""

import io
import json
import zipfile
from importlib import resources

import pytest
from jsonschema import Draft201909Validator
from sqlalchemy import select

from lms.competence import service
from lms.competence.models import Decision, RecordCode
from lms.credentials.models import COMPETENCE, UNIT, Credential
from tests.support.node_verifier import node_verify
from tests.support.trainer_data import XAPI, add_progress, make_units
from tests.support.web import logged_in_client


@pytest.fixture
def validated(db_session, demo_cohort):
    """Unit T1 (the only unit of competence KT1) validated for the first coach, committed."""
    make_units(db_session, ("T1",))
    decision = service.decide(
        db_session,
        coach=demo_cohort["coaches"][0],
        unit_code="T1",
        modality="observation",
        validated=True,
        decided_by=demo_cohort["trainer"],
        xapi=XAPI,
    )
    db_session.commit()
    return decision


def credentials_of(db_session, coach) -> dict[str, Credential]:
    rows = db_session.scalars(select(Credential).where(Credential.coach_id == coach.id))
    return {row.kind: row for row in rows}


def download(client, credential: Credential) -> dict:
    response = client.get(f"/credentials/{credential.public_id}.json")
    assert response.status_code == 200
    assert response.headers["Content-Disposition"].startswith("attachment;")
    return response.get_json(force=True)


def published(app, client, document: dict) -> dict:
    """What a verifier downloads, fetched from the application's own routes."""
    base = app.config["BASE_URL"]
    did = document["issuer"]["id"]
    status_url = document["credentialStatus"]["statusListCredential"]
    return {
        did: client.get("/.well-known/did.json").get_json(force=True),
        status_url: client.get(status_url.removeprefix(base)).get_json(force=True),
    }


def our_verdict(runner, tmp_path, document: dict):
    path = tmp_path / "credential.json"
    path.write_text(json.dumps(document), "utf-8")
    return runner.invoke(args=["credentials", "verify", str(path)])


def schema_errors(document: dict) -> list[str]:
    """Checked with jsonschema directly against the vendored 1EdTech schema."""
    text = resources.files("lms.credentials").joinpath(
        "schema", "ob_v3p0_achievementcredential_schema.json"
    )
    validator = Draft201909Validator(json.loads(text.read_text("utf-8")))
    return [error.message for error in validator.iter_errors(document)]


def test_a_validated_unit_earns_a_unit_and_a_competence_credential(
    app, client, runner, tmp_path, db_session, demo_cohort, validated
):
    coach = demo_cohort["coaches"][0]
    earned = credentials_of(db_session, coach)
    assert set(earned) == {UNIT, COMPETENCE}
    assert (earned[UNIT].code, earned[COMPETENCE].code) == ("T1", "KT1")
    for credential in earned.values():
        document = download(client, credential)
        assert schema_errors(document) == []
        assert "OpenBadgeCredential" in document["type"]
        assert coach.email not in json.dumps(document)
        assert document["proof"][0]["cryptosuite"] == "eddsa-rdfc-2022"
        result = our_verdict(runner, tmp_path, document)
        assert result.exit_code == 0, result.output
        assert "valid (schema, signature, dates, status checked)" in result.output
        theirs = node_verify(document, published(app, client, document))
        assert theirs == {"verified": True, "revoked": False, "errors": []}
    unit = download(client, earned[UNIT])
    achievement = unit["credentialSubject"]["achievement"]
    assert achievement["id"] == f"{app.config['BASE_IRI']}/units/T1"
    assert achievement["criteria"]["narrative"] == "Règle\n\nRule"
    assert achievement["alignment"][0]["targetType"] == "CFItem"
    evidence = unit["evidence"][0]
    assert evidence["genre"] == "observation"
    assert demo_cohort["trainer"].display_name in evidence["description"]


def test_revoking_the_decision_revokes_both_credentials_for_both_verifiers(
    app, client, runner, tmp_path, db_session, demo_cohort, validated
):
    earned = credentials_of(db_session, demo_cohort["coaches"][0])
    documents = {kind: download(client, credential) for kind, credential in earned.items()}
    service.revoke_decision(
        db_session, validated, revoked_by=demo_cohort["trainer"], xapi=XAPI, reason="error"
    )
    db_session.commit()
    for document in documents.values():
        result = our_verdict(runner, tmp_path, document)
        assert result.exit_code == 1
        assert "revoked" in result.output
        theirs = node_verify(document, published(app, client, document))
        assert theirs["revoked"] is True, theirs
    page = client.get(f"/credentials/{earned[UNIT].public_id}", headers={"Accept-Language": "en"})
    assert page.status_code == 200
    assert "Revoked: the issuer has withdrawn this credential." in page.get_data(as_text=True)


def test_a_changed_field_fails_both_verifiers(
    app, client, runner, tmp_path, db_session, demo_cohort, validated
):
    earned = credentials_of(db_session, demo_cohort["coaches"][0])
    document = download(client, earned[UNIT])
    document["validFrom"] = "2020-01-01T00:00:00Z"
    result = our_verdict(runner, tmp_path, document)
    assert result.exit_code == 1
    assert "the signature does not match the credential" in result.output
    theirs = node_verify(document, published(app, client, document))
    assert theirs["verified"] is False and theirs["errors"]
    answer = client.post("/credentials/verify", json=document).get_json()
    assert answer["valid"] is False
    assert any("signature" in problem for problem in answer["problems"])


def test_credentials_signed_before_a_key_rotation_still_verify(
    app, client, runner, tmp_path, db_session, demo_cohort, validated, monkeypatch
):
    monkeypatch.setitem(app.config, "CREDENTIAL_KEY_DIR", tmp_path / "keys")
    assert runner.invoke(args=["credentials", "keygen"]).exit_code == 0
    earned = credentials_of(db_session, demo_cohort["coaches"][0])
    old = download(client, earned[UNIT])
    rotation = runner.invoke(args=["credentials", "keygen"])
    assert "1 older key(s) kept" in rotation.output
    new = download(client, earned[COMPETENCE])  # signed now, with the new key
    assert old["proof"][0]["verificationMethod"] != new["proof"][0]["verificationMethod"]
    did = client.get("/.well-known/did.json").get_json(force=True)
    assert len(did["assertionMethod"]) == 2
    for document in (old, new):
        assert our_verdict(runner, tmp_path, document).exit_code == 0
        assert node_verify(document, published(app, client, document))["verified"] is True


def test_public_verification_of_json_and_baked_badge(client, db_session, demo_cohort, validated):
    credential = credentials_of(db_session, demo_cohort["coaches"][0])[UNIT]
    document = download(client, credential)
    answer = client.post("/credentials/verify", json=document)
    assert answer.get_json() == {"valid": True, "problems": [], "revoked": False}
    image = client.get(f"/credentials/{credential.public_id}.svg")
    assert image.mimetype == "image/svg+xml"
    svg = image.get_data(as_text=True)
    assert 'xmlns:openbadges="https://purl.imsglobal.org/ob/v3p0"' in svg
    page = client.post(
        "/credentials/verify",
        data={"file": (io.BytesIO(image.get_data()), "badge.svg")},
        content_type="multipart/form-data",
        headers={"Accept-Language": "en"},
    )
    assert page.status_code == 200
    assert "Valid: the signature" in page.get_data(as_text=True)
    refused = client.post("/credentials/verify", data={"document": "not json"})
    assert refused.status_code == 400
    assert "neither a credential" in refused.get_data(as_text=True)
    huge = client.post("/credentials/verify", json={"padding": "x" * 600_000})
    assert huge.status_code == 400
    assert huge.get_json()["problems"] == ["file: larger than 512 KB, not a credential"]


def test_issue_missing_covers_past_decisions(runner, db_session, demo_cohort):
    quizzes = make_units(db_session, ("T1",))
    coach = demo_cohort["coaches"][1]
    add_progress(db_session, coach, quizzes["T1"], validated_by=demo_cohort["trainer"])
    db_session.commit()
    assert credentials_of(db_session, coach) == {}
    result = runner.invoke(args=["credentials", "issue-missing"])
    assert result.exit_code == 0, result.output
    assert "2 credential(s) recorded, 2 signed" in result.output
    earned = credentials_of(db_session, coach)
    assert set(earned) == {UNIT, COMPETENCE}
    assert all(credential.document for credential in earned.values())
    decision = db_session.scalar(select(Decision).where(Decision.coach_id == coach.id))
    assert earned[UNIT].decision_id == decision.id
    again = runner.invoke(args=["credentials", "issue-missing"])
    assert "0 credential(s) recorded, 0 signed" in again.output


def test_the_coach_downloads_json_and_badge_from_my_progress(
    coach_client, db_session, demo_cohort, validated
):
    page = coach_client.get("/progress").get_data(as_text=True)
    earned = credentials_of(db_session, demo_cohort["coaches"][0])
    for credential in earned.values():
        for suffix in (".json", ".svg", ""):
            link = f"/credentials/{credential.public_id}{suffix}"
            assert f'href="{link}"' in page
            assert coach_client.get(link).status_code == 200
    baked = coach_client.get(f"/credentials/{earned[UNIT].public_id}.svg").get_data(as_text=True)
    assert "<openbadges:credential><![CDATA[" in baked
    assert '"OpenBadgeCredential"' in baked


def test_the_cohort_records_zip_holds_the_credentials(app, db_session, demo_cohort, validated):
    trainer = logged_in_client(app, demo_cohort["trainer"].email)
    response = trainer.get(f"/trainer/cohorts/{demo_cohort['cohort'].id}/records.zip")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.get_data())) as archive:
        names = [name for name in archive.namelist() if name.startswith("credentials/")]
        assert sorted(name.rsplit("/", 1)[1] for name in names) == [
            "competence-KT1.json",
            "unit-T1.json",
        ]
        stored = {json.loads(archive.read(name))["id"] for name in names}
    earned = credentials_of(db_session, demo_cohort["coaches"][0])
    assert stored == {
        f"{app.config['BASE_URL']}/credentials/{credential.public_id}"
        for credential in earned.values()
    }


def test_the_record_verification_code_leads_to_the_credential_pages(
    coach_client, client, db_session, demo_cohort, validated
):
    coach_client.get("/progress")  # issues the record's verification code
    code = db_session.scalar(select(RecordCode.code))
    page = client.get(f"/trainer/verify?code={code}").get_data(as_text=True)
    unit = credentials_of(db_session, demo_cohort["coaches"][0])[UNIT]
    assert f'href="/credentials/{unit.public_id}"' in page


def test_the_administrator_names_the_issuer(app, client, db_session, demo_cohort, validated):
    admin = logged_in_client(app, demo_cohort["admin"].email)
    refused = admin.auth.post("/admin/credentials", {"name": "", "url": "ftp://x"})
    assert refused.status_code == 400
    saved = admin.auth.post(
        "/admin/credentials",
        {"name": "CFA Exemple", "url": "https://cfa.example.org", "email": "badges@example.org"},
    )
    assert saved.status_code == 302
    profile = client.get("/credentials/issuer").get_json(force=True)
    assert (profile["name"], profile["url"], profile["email"]) == (
        "CFA Exemple",
        "https://cfa.example.org",
        "badges@example.org",
    )
    assert profile["type"] == ["Profile"] and profile["id"].startswith("did:web:")
    earned = credentials_of(db_session, demo_cohort["coaches"][0])
    assert download(client, earned[UNIT])["issuer"]["name"] == "CFA Exemple"


def test_the_coach_is_mailed_each_new_credential(app, db_session, demo_cohort, mailbox):
    make_units(db_session, ("T1",))
    coach = demo_cohort["coaches"][0]
    coach.language = "en"
    db_session.commit()
    decision = service.decide(
        db_session,
        coach=coach,
        unit_code="T1",
        modality="observation",
        validated=True,
        decided_by=demo_cohort["trainer"],
        xapi=XAPI,
    )
    assert mailbox.for_(coach.email) == []  # nothing before the decision commits
    with app.app_context():  # mails leave from the application, as after a request
        db_session.commit()
    earned = credentials_of(db_session, coach)
    issued = [
        message
        for message in mailbox.for_(coach.email)
        if mailbox.subject(message) == "A credential was issued to you"
    ]
    links = sorted(
        next(line for line in mailbox.text(message).splitlines() if "/credentials/" in line)
        for message in issued
    )
    assert links == sorted(
        f"{XAPI.base_iri.rsplit('/', 1)[0]}/credentials/{credential.public_id}"
        for credential in earned.values()
    )
    assert decision.is_standing
