"""Our verifier: signature, issuer key, dates, status list and schema, each failure in words.

``resolve(url)`` returns the document a verifier would download (the issuer's DID document,
a status list credential) or None; the service resolves our own addresses from the database
and the key folder, so nothing goes over the network."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from functools import cache
from importlib import resources

from jsonschema import Draft201909Validator
from pyld.jsonld import JsonLdError

from lms.credentials import statuslist
from lms.credentials.jsonld import UnknownContext
from lms.credentials.proofs import (
    ProofError,
    check_proof,
    only_proof,
    public_key_from_multibase,
)

Resolver = Callable[[str], dict | None]


@dataclass
class Verification:
    problems: list[str] = field(default_factory=list)
    revoked: bool | None = None
    checks: list[str] = field(default_factory=list)  # what passed, for the page

    @property
    def valid(self) -> bool:
        return not self.problems and self.revoked is False


@cache
def _schema_validator() -> Draft201909Validator:
    text = resources.files("lms.credentials").joinpath(
        "schema", "ob_v3p0_achievementcredential_schema.json"
    )
    return Draft201909Validator(json.loads(text.read_text("utf-8")))


def schema_problems(document: dict) -> list[str]:
    """The OB 3.0 AchievementCredential JSON Schema's complaints, each with its place."""
    problems = []
    for error in sorted(_schema_validator().iter_errors(document), key=lambda e: list(e.path)):
        where = "/".join(str(part) for part in error.absolute_path) or "(document)"
        problems.append(f"schema: {where}: {error.message[:200]}")
    return problems


def _parse_time(value) -> datetime | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00"))
    except ValueError:
        return None


def _issuer_id(document: dict) -> str | None:
    issuer = document.get("issuer")
    return issuer.get("id") if isinstance(issuer, dict) else issuer


def _check_signature(document: dict, resolve: Resolver, what: str) -> None:
    """Raise ProofError unless ``document`` is signed by a key its issuer's DID document lists."""
    proof = only_proof(document)
    method = proof.get("verificationMethod") if proof else None
    issuer = _issuer_id(document)
    if not isinstance(method, str) or not issuer or method.split("#")[0] != issuer:
        raise ProofError(f"{what}: the proof's key does not belong to the issuer")
    did_document = resolve(issuer)
    if did_document is None:
        raise ProofError(f"{what}: unknown issuer {issuer}: we verify only our own credentials")
    if method not in did_document.get("assertionMethod", []):
        raise ProofError(f"{what}: the issuer does not list the key {method}")
    key = next(m for m in did_document["verificationMethod"] if m["id"] == method)
    check_proof(document, public_key_from_multibase(key["publicKeyMultibase"]))


def verify(document: dict, resolve: Resolver, *, now: datetime) -> Verification:
    result = Verification()
    if not isinstance(document, dict):
        result.problems.append("the file is not a JSON object")
        return result
    types = document.get("type") or []
    if "VerifiableCredential" not in types or not {
        "OpenBadgeCredential",
        "AchievementCredential",
    } & set(types):
        result.problems.append("type: not an Open Badges 3.0 credential")
        return result
    result.problems.extend(schema_problems(document))
    if not result.problems:
        result.checks.append("schema")
    try:
        _check_signature(document, resolve, "credential")
        result.checks.append("signature")
    except ProofError as error:
        result.problems.append(f"proof: {error}")
    except (UnknownContext, JsonLdError) as error:
        result.problems.append(f"proof: the document cannot be canonicalised ({error})")
    valid_from, valid_until = (_parse_time(document.get(k)) for k in ("validFrom", "validUntil"))
    if valid_from is None or valid_from > now:
        result.problems.append("validFrom: missing or in the future")
    elif valid_until is not None and valid_until <= now:
        result.problems.append("validUntil: the credential has expired")
    else:
        result.checks.append("dates")
    _check_status(document, resolve, result)
    return result


def _check_status(document: dict, resolve: Resolver, result: Verification) -> None:
    status = document.get("credentialStatus")
    if not isinstance(status, dict) or status.get("type") != "BitstringStatusListEntry":
        result.problems.append("credentialStatus: no Bitstring Status List entry")
        return
    url = status.get("statusListCredential")
    status_list = resolve(url) if isinstance(url, str) else None
    if status_list is None:
        result.problems.append(f"credentialStatus: unknown status list {url}")
        return
    try:
        _check_signature(status_list, resolve, "status list")
    except ProofError as error:
        result.problems.append(f"credentialStatus: {error}")
        return
    if _issuer_id(status_list) != _issuer_id(document):
        result.problems.append("credentialStatus: the status list has another issuer")
        return
    try:
        index = int(status.get("statusListIndex"))
        result.revoked = statuslist.is_set(status_list["credentialSubject"]["encodedList"], index)
        result.checks.append("status")
    except (KeyError, TypeError, ValueError) as error:
        result.problems.append(f"credentialStatus: unreadable ({error})")
    if result.revoked:
        result.problems.append("credentialStatus: the credential has been revoked")
