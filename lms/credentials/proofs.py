"""Data Integrity proofs with the ``eddsa-rdfc-2022`` cryptosuite (W3C Data Integrity EdDSA
Cryptosuites v1.0): RDF Dataset Canonicalization (pyld's URDNA2015, which RDFC-1.0
standardised) of the document and of the proof options, SHA-256 of each, Ed25519 signature
of the two hashes (``cryptography``), ``proofValue`` in multibase base58btc.

Pure functions: no Flask, no database, no network (the contexts are vendored)."""

import hashlib
from datetime import datetime

import base58
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pyld import jsonld as pyld

from lms.credentials.jsonld import document_loader

PROOF_TYPE = "DataIntegrityProof"
CRYPTOSUITE = "eddsa-rdfc-2022"
ASSERTION_METHOD = "assertionMethod"
# Multicodec prefix of an Ed25519 public key (0xed, varint-encoded), as Multikey requires.
ED25519_PUB_PREFIX = b"\xed\x01"


class ProofError(ValueError):
    """Why a proof does not verify, in words a person can act on."""


def multibase_public_key(public_key: Ed25519PublicKey) -> str:
    """``publicKeyMultibase`` of a Multikey: base58btc of the multicodec-prefixed key."""
    raw = public_key.public_bytes_raw()
    return "z" + base58.b58encode(ED25519_PUB_PREFIX + raw).decode()


def public_key_from_multibase(value: str) -> Ed25519PublicKey:
    if not value.startswith("z"):
        raise ProofError("the key is not base58btc multibase")
    decoded = base58.b58decode(value[1:])
    if len(decoded) != 34 or not decoded.startswith(ED25519_PUB_PREFIX):
        raise ProofError("the key is not an Ed25519 Multikey")
    return Ed25519PublicKey.from_public_bytes(decoded[2:])


def canonical(document: dict) -> str:
    """The RDFC-1.0 (URDNA2015) N-Quads of a JSON-LD document."""
    return pyld.normalize(
        document,
        {
            "algorithm": "URDNA2015",
            "format": "application/n-quads",
            "documentLoader": document_loader,
        },
    )


def _hash_data(document: dict, proof_options: dict) -> bytes:
    unsecured = {key: value for key, value in document.items() if key != "proof"}
    options = {key: value for key, value in proof_options.items() if key != "proofValue"}
    options["@context"] = unsecured["@context"]
    return (
        hashlib.sha256(canonical(options).encode()).digest()
        + hashlib.sha256(canonical(unsecured).encode()).digest()
    )


def format_datetime(moment: datetime) -> str:
    return moment.replace(microsecond=0).isoformat().replace("+00:00", "Z")


def sign(
    document: dict, private_key: Ed25519PrivateKey, *, verification_method: str, created: datetime
) -> dict:
    """``document`` with an embedded proof added (a new dict; ``document`` is unchanged)."""
    options = {
        "type": PROOF_TYPE,
        "cryptosuite": CRYPTOSUITE,
        "created": format_datetime(created),
        "verificationMethod": verification_method,
        "proofPurpose": ASSERTION_METHOD,
    }
    signature = private_key.sign(_hash_data(document, options))
    proof = {**options, "proofValue": "z" + base58.b58encode(signature).decode()}
    # A list of one: the OB 3.0 schema wants an array where VC 2.0 allows either.
    return {**{k: v for k, v in document.items() if k != "proof"}, "proof": [proof]}


def only_proof(document: dict) -> dict | None:
    """The document's single proof (an object, or a list of one), else None."""
    proof = document.get("proof")
    if isinstance(proof, list) and len(proof) == 1:
        proof = proof[0]
    return proof if isinstance(proof, dict) else None


def check_proof(document: dict, public_key: Ed25519PublicKey) -> None:
    """Raise :class:`ProofError` unless the document's proof is a valid signature by the key."""
    proof = only_proof(document)
    if proof is None:
        raise ProofError("the credential has no proof (or more than one)")
    if proof.get("type") != PROOF_TYPE or proof.get("cryptosuite") != CRYPTOSUITE:
        raise ProofError(f"the proof is not a {PROOF_TYPE} with the {CRYPTOSUITE} cryptosuite")
    if proof.get("proofPurpose") != ASSERTION_METHOD:
        raise ProofError("the proof's purpose is not assertionMethod")
    value = proof.get("proofValue")
    if not isinstance(value, str) or not value.startswith("z"):
        raise ProofError("the proof value is not base58btc multibase")
    try:
        signature = base58.b58decode(value[1:])
        public_key.verify(signature, _hash_data(document, proof))
    except (InvalidSignature, ValueError) as error:
        raise ProofError("the signature does not match the credential: it was changed") from error
