"""The documents we publish, built from plain values: the issuer's DID document and Open
Badges Profile, an ``OpenBadgeCredential`` (OB 3.0 on the VC Data Model 2.0), and the signed
Bitstring Status List credential. No Flask, no database."""

import hashlib
from dataclasses import dataclass
from datetime import datetime
from urllib.parse import quote, urlsplit

from lms.credentials.jsonld import CREDENTIALS_V2, DID_V1, MULTIKEY_V1, OB_V3P0
from lms.credentials.proofs import format_datetime, multibase_public_key

CREDENTIAL_TYPES = ["VerifiableCredential", "OpenBadgeCredential"]


@dataclass(frozen=True)
class Issuer:
    """The training centre that signs: its addresses derive from ``LMS_BASE_URL``."""

    base_url: str
    base_iri: str
    name: str
    url: str = ""
    email: str = ""
    description: str = ""
    image: str = ""

    @property
    def did(self) -> str:
        """``did:web`` of the base URL (a port's colon percent-encoded, path segments after)."""
        parts = urlsplit(self.base_url)
        segments = [quote(part, safe="") for part in parts.path.split("/") if part]
        return ":".join(["did:web", quote(parts.netloc, safe=""), *segments])

    @property
    def did_document_url(self) -> str:
        has_path = bool(urlsplit(self.base_url).path.strip("/"))
        return f"{self.base_url}/did.json" if has_path else f"{self.base_url}/.well-known/did.json"

    @property
    def profile_url(self) -> str:
        return f"{self.base_url}/credentials/issuer"

    def status_list_url(self, number: int) -> str:
        return f"{self.base_url}/credentials/status/{number}"

    def credential_url(self, public_id: str) -> str:
        return f"{self.base_url}/credentials/{public_id}"

    def key_url(self, key_id: str) -> str:
        return f"{self.did}#{key_id}"

    def profile(self) -> dict:
        """The OB 3.0 ``Profile`` of the issuer, embedded in every credential."""
        profile = {"id": self.did, "type": ["Profile"], "name": self.name}
        for field, value in (
            ("url", self.url or self.base_url),
            ("email", self.email),
            ("description", self.description),
        ):
            if value:
                profile[field] = value
        if self.image:
            profile["image"] = {"id": self.image, "type": "Image"}
        return profile


def did_document(issuer: Issuer, public_keys: list[tuple[str, object]]) -> dict:
    """The DID document: every key, old and new, as a Multikey allowed to assert."""
    methods = [
        {
            "id": issuer.key_url(key_id),
            "type": "Multikey",
            "controller": issuer.did,
            "publicKeyMultibase": multibase_public_key(public_key),
        }
        for key_id, public_key in public_keys
    ]
    return {
        "@context": [DID_V1, MULTIKEY_V1],
        "id": issuer.did,
        "verificationMethod": methods,
        "assertionMethod": [method["id"] for method in methods],
    }


def profile_document(issuer: Issuer) -> dict:
    return {"@context": [CREDENTIALS_V2, OB_V3P0], **issuer.profile()}


def identity_hash(email: str, salt: str) -> str:
    """OB 3.0's salted e-mail hash: ``sha256$`` + hex of sha256(address + salt)."""
    return "sha256$" + hashlib.sha256((email.strip().lower() + salt).encode()).hexdigest()


def both_languages(text: dict, separator: str = " / ") -> str:
    """French first (the centre's language), then English when it differs."""
    french, english = (text or {}).get("fr", ""), (text or {}).get("en", "")
    if not english or english == french:
        return french or english
    if not french:
        return english
    return f"{french}{separator}{english}"


@dataclass(frozen=True)
class Alignment:
    """A CASE framework item the achievement stands for (lms.catalog.case)."""

    code: str
    name: str
    url: str


@dataclass(frozen=True)
class AchievementFacts:
    id: str
    name: dict
    description: dict
    criteria: dict
    alignment: Alignment
    kind: str  # unit | competence


@dataclass(frozen=True)
class EvidenceFacts:
    unit_code: str
    modality: str  # a vocabulary.MODALITIES value
    modality_name: str
    decided_at: datetime
    assessor: str | None  # the trainer's name; None when the quiz rule decided


def _evidence(facts: EvidenceFacts) -> dict:
    by = facts.assessor or "the quiz rule (automatic decision)"
    return {
        "type": ["Evidence"],
        "name": f"{facts.unit_code}: {facts.modality_name}",
        "description": f"Decided on {format_datetime(facts.decided_at)} by {by}.",
        "genre": facts.modality,
    }


def achievement(facts: AchievementFacts, issuer: Issuer) -> dict:
    return {
        "id": facts.id,
        "type": ["Achievement"],
        "achievementType": "Competency",
        "name": both_languages(facts.name),
        "description": both_languages(facts.description, "\n\n"),
        "criteria": {"narrative": both_languages(facts.criteria, "\n\n")},
        "alignment": [
            {
                "type": ["Alignment"],
                "targetCode": facts.alignment.code,
                "targetName": facts.alignment.name,
                "targetUrl": facts.alignment.url,
                "targetType": "CFItem",
            }
        ],
        "humanCode": facts.alignment.code,
        "inLanguage": "fr",
        "creator": issuer.profile(),
    }


def credential(
    issuer: Issuer,
    *,
    public_id: str,
    achievement_facts: AchievementFacts,
    evidence: list[EvidenceFacts],
    email: str,
    salt: str,
    valid_from: datetime,
    status_list: int,
    status_index: int,
) -> dict:
    """An unsigned ``OpenBadgeCredential``: the coach appears only as a salted hash."""
    list_url = issuer.status_list_url(status_list)
    return {
        "@context": [CREDENTIALS_V2, OB_V3P0],
        "id": issuer.credential_url(public_id),
        "type": CREDENTIAL_TYPES,
        "name": both_languages(achievement_facts.name),
        "issuer": issuer.profile(),
        "validFrom": format_datetime(valid_from),
        "credentialSubject": {
            "type": ["AchievementSubject"],
            "identifier": [
                {
                    "type": "IdentityObject",
                    "identityHash": identity_hash(email, salt),
                    "identityType": "emailAddress",
                    "hashed": True,
                    "salt": salt,
                }
            ],
            "achievement": achievement(achievement_facts, issuer),
        },
        "evidence": [_evidence(facts) for facts in evidence],
        "credentialStatus": {
            "id": f"{list_url}#{status_index}",
            "type": "BitstringStatusListEntry",
            "statusPurpose": "revocation",
            "statusListIndex": str(status_index),
            "statusListCredential": list_url,
        },
    }


def status_list_credential(
    issuer: Issuer, *, number: int, encoded_list: str, valid_from: datetime
) -> dict:
    url = issuer.status_list_url(number)
    return {
        "@context": [CREDENTIALS_V2],
        "id": url,
        "type": ["VerifiableCredential", "BitstringStatusListCredential"],
        "issuer": issuer.did,
        "validFrom": format_datetime(valid_from),
        "credentialSubject": {
            "id": f"{url}#list",
            "type": "BitstringStatusList",
            "statusPurpose": "revocation",
            "encodedList": encoded_list,
        },
    }
