"""The JSON-LD contexts our credentials use, vendored, and a document loader that never fetches.

Each file of ``contexts/`` is the published context, copied unchanged from its source:

- ``credentials-v2.jsonld``: https://www.w3.org/ns/credentials/v2 (W3C VC Data Model 2.0,
  repository w3c/vc-data-model, ``contexts/credentials/v2``; also the one Digital Bazaar ships)
- ``ob-v3p0-context-3.0.3.json``: https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json
  (1EdTech, repository 1EdTech/openbadges-specification, ``ob_v3p0/context-3.0.3.json``)
- ``data-integrity-v2.jsonld``: https://w3id.org/security/data-integrity/v2 and
  ``multikey-v1.jsonld``: https://w3id.org/security/multikey/v1 (W3C, repository
  w3c/vc-data-integrity, ``contexts/``)
- ``did-v1.jsonld``: https://www.w3.org/ns/did/v1 (W3C DID Core 1.0)
"""

import json
from functools import cache
from importlib import resources

CREDENTIALS_V2 = "https://www.w3.org/ns/credentials/v2"
OB_V3P0 = "https://purl.imsglobal.org/spec/ob/v3p0/context-3.0.3.json"
DATA_INTEGRITY_V2 = "https://w3id.org/security/data-integrity/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"

FILES = {
    CREDENTIALS_V2: "credentials-v2.jsonld",
    OB_V3P0: "ob-v3p0-context-3.0.3.json",
    DATA_INTEGRITY_V2: "data-integrity-v2.jsonld",
    MULTIKEY_V1: "multikey-v1.jsonld",
    DID_V1: "did-v1.jsonld",
}


class UnknownContext(ValueError):
    """A document names a context we do not hold: we never fetch one."""


@cache
def _context_text(url: str) -> str:
    return resources.files("lms.credentials").joinpath("contexts", FILES[url]).read_text("utf-8")


def context(url: str) -> dict:
    if url not in FILES:
        raise UnknownContext(url)
    return json.loads(_context_text(url))


def document_loader(url: str, options: dict | None = None) -> dict:
    """pyld's loader: the vendored contexts only; anything else is an error, not a download."""
    return {"contextUrl": None, "documentUrl": url, "document": context(url)}
