"""Our published xAPI Profile (xAPI Profiles 1.0, JSON-LD), kept beside this module.

``profile.jsonld`` writes every IRI we mint as ``{base}/…``; :func:`document` puts the
deployment's base IRI in, so the profile served at ``<base>/profile`` names the very IRIs its
statements carry."""

import json
from functools import cache
from importlib import resources
from typing import Any

BASE_PLACEHOLDER = "{base}"


@cache
def _template_text() -> str:
    return resources.files(__package__).joinpath("profile.jsonld").read_text(encoding="utf-8")


def document(base_iri: str) -> dict[str, Any]:
    """The profile document for a deployment whose base IRI is ``base_iri``."""
    base = base_iri.rstrip("/")
    # The base is a JSON string's content: escape it as one before putting it in.
    escaped = json.dumps(base)[1:-1]
    return json.loads(_template_text().replace(BASE_PLACEHOLDER, escaped))


def concept(base_iri: str, iri: str) -> dict[str, Any] | None:
    """The concept (or template, or pattern) of the profile whose id is ``iri``, if any."""
    profile = document(base_iri)
    for key in ("concepts", "templates", "patterns"):
        for item in profile.get(key, []):
            if item["id"] == iri:
                return item
    return None
