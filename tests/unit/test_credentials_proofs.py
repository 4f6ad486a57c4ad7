"""Open Badges 3.0 documents and their eddsa-rdfc-2022 proofs, checked by our verifier and by
the independent Node verifier (Digital Bazaar), without a database."""

import copy
from datetime import UTC, datetime, timedelta

import pytest

from lms.credentials import documents, keys, proofs, statuslist
from lms.credentials.verification import schema_problems, verify
from tests.support.node_verifier import node_verify

ISSUED = datetime(2026, 11, 23, 9, 30, tzinfo=UTC)
NOW = ISSUED + timedelta(days=1)
ISSUER = documents.Issuer(
    base_url="https://lms.example.org",
    base_iri="https://lms.example.org/xapi",
    name="Centre de formation des apprentis",
    email="mobilite@example.org",
)


def unit_credential(index: int = 7) -> dict:
    facts = documents.AchievementFacts(
        id="https://lms.example.org/xapi/units/C2",
        name={"fr": "Cadres", "en": "Frameworks"},
        description={"fr": "Les cadres juridiques.", "en": "The legal frameworks."},
        criteria={"fr": "Réussir le quiz.", "en": "Pass the quiz."},
        alignment=documents.Alignment("C2", "Frameworks", "https://lms.example.org/xapi/x"),
        kind="unit",
    )
    evidence = documents.EvidenceFacts("C2", "quiz", "Quiz result", ISSUED, None)
    return documents.credential(
        ISSUER,
        public_id="5f0c1f9e-0000-4000-8000-000000000001",
        achievement_facts=facts,
        evidence=[evidence],
        email="Camille@example.org",
        salt="3f1c9a",
        valid_from=ISSUED,
        status_list=1,
        status_index=index,
    )


@pytest.fixture
def key_dir(tmp_path):
    keys.generate(tmp_path / "keys")
    return tmp_path / "keys"


def signed(document: dict, key: keys.SigningKey) -> dict:
    method = ISSUER.key_url(key.key_id)
    return proofs.sign(document, key.private_key, verification_method=method, created=ISSUED)


def published(key_dir, revoked: set[int]) -> dict:
    """What a verifier downloads: the DID document (every key) and the signed status list."""
    every_key = [(key.key_id, key.public_key) for key in keys.load_all(key_dir)]
    status = documents.status_list_credential(
        ISSUER, number=1, encoded_list=statuslist.encode(revoked), valid_from=ISSUED
    )
    return {
        ISSUER.did: documents.did_document(ISSUER, every_key),
        ISSUER.status_list_url(1): signed(status, keys.current(key_dir)),
    }


def test_did_web_of_the_base_url():
    assert ISSUER.did == "did:web:lms.example.org"
    assert ISSUER.did_document_url == "https://lms.example.org/.well-known/did.json"
    local = documents.Issuer(base_url="http://127.0.0.1:5000/lms", base_iri="x", name="n")
    assert local.did == "did:web:127.0.0.1%3A5000:lms"
    assert local.did_document_url == "http://127.0.0.1:5000/lms/did.json"


def test_the_coach_appears_only_as_a_salted_hash():
    credential = unit_credential()
    text = repr(credential).lower()
    assert "camille" not in text
    identity = credential["credentialSubject"]["identifier"][0]
    assert identity["identityHash"] == documents.identity_hash("camille@example.org", "3f1c9a")
    assert identity["identityHash"].startswith("sha256$") and identity["hashed"] is True


def test_a_credential_matches_the_ob_3_schema(key_dir):
    document = signed(unit_credential(), keys.current(key_dir))
    assert schema_problems(document) == []
    broken = copy.deepcopy(document)
    del broken["credentialSubject"]["achievement"]["criteria"]
    assert any("criteria" in problem for problem in schema_problems(broken))


def test_status_list_bits():
    encoded = statuslist.encode({0, 9, statuslist.LIST_SIZE - 1})
    assert encoded.startswith("u")
    assert [statuslist.is_set(encoded, i) for i in (0, 1, 8, 9)] == [True, False, False, True]
    assert statuslist.is_set(encoded, statuslist.LIST_SIZE - 1)
    assert statuslist.position(statuslist.LIST_SIZE + 3) == (2, 3)


def test_both_verifiers_accept_then_see_the_revocation(key_dir):
    document = signed(unit_credential(index=7), keys.current(key_dir))
    for revoked in (set(), {7}):
        world = published(key_dir, revoked)
        ours = verify(document, world.get, now=NOW)
        theirs = node_verify(document, world)
        assert theirs["verified"] is True, theirs
        assert theirs["revoked"] is bool(revoked), theirs
        assert ours.revoked is bool(revoked), ours.problems
        assert ours.valid is not bool(revoked), ours.problems


def test_a_changed_field_fails_both_verifiers(key_dir):
    document = signed(unit_credential(), keys.current(key_dir))
    document["credentialSubject"]["achievement"]["name"] = "Something else"
    world = published(key_dir, set())
    ours = verify(document, world.get, now=NOW)
    assert not ours.valid
    assert any("signature does not match" in problem for problem in ours.problems)
    theirs = node_verify(document, world)
    assert theirs["verified"] is False and theirs["errors"], theirs


def test_a_credential_signed_before_a_rotation_still_verifies(key_dir):
    old = signed(unit_credential(), keys.current(key_dir))
    rotated = keys.generate(key_dir)
    assert keys.current(key_dir).key_id == rotated.key_id
    new = signed(unit_credential(index=8), rotated)
    world = published(key_dir, set())
    for document in (old, new):
        assert verify(document, world.get, now=NOW).valid
        assert node_verify(document, world)["verified"] is True
    # A key the issuer no longer lists is refused.
    world[ISSUER.did]["assertionMethod"].remove(old["proof"][0]["verificationMethod"])
    assert any("does not list the key" in p for p in verify(old, world.get, now=NOW).problems)


def test_key_files_are_private(key_dir):
    (path,) = key_dir.glob("key-*.pem")
    assert path.stat().st_mode & 0o777 == 0o600
