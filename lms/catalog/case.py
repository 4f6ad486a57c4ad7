"""The reference framework as a 1EdTech CASE 1.1 CFPackage (CFDocument, CFItems, CFAssociations)."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime
from typing import Any

from lms.catalog.validation import Framework

# Fixed forever: identifiers derive from it and from our stable ids, so they never change
# between exports and a CASE consumer can update the framework in place.
NAMESPACE = uuid.UUID("4f6c2a1e-8d3b-5c7a-9e2f-0b1d3c5e7a90")
ID_PREFIX = "atma-mobility-coach/"
CASE_VERSION = "1.1"
CREATOR = "ATMA working group, coordinated by the Erasmus+ France agency"
LANGUAGE = "en"

ITEM_TYPES = {"competence": "Competency", "unit": "Unit", "skill": "Skill"}


def case_identifier(stable_id: str) -> str:
    """The CASE identifier (UUIDv5) of one of our stable ids."""
    return str(uuid.uuid5(NAMESPACE, ID_PREFIX + stable_id))


def _timestamp(moment: datetime | None) -> str:
    moment = (moment or datetime.now(UTC)).astimezone(UTC).replace(microsecond=0)
    return moment.isoformat().replace("+00:00", "Z")


def framework_to_case(
    framework: Framework, *, base_uri: str, last_change: datetime | None = None
) -> dict[str, Any]:
    """A CFPackage for ``framework``; ``last_change`` (default now) is every lastChangeDateTime."""
    base = base_uri.rstrip("/")
    stamp = _timestamp(last_change)

    def node(stable_id: str, title: str) -> dict[str, str]:
        identifier = case_identifier(stable_id)
        return {"title": title, "identifier": identifier, "uri": f"{base}/{identifier}"}

    # Keyed by kind too: unit C2 and competence C2 share a code but are two items.
    links = {("document", framework.id): node(framework.id, framework.title.en)}
    document = links[("document", framework.id)]
    cf_document = {
        "identifier": document["identifier"],
        "uri": document["uri"],
        "caseVersion": CASE_VERSION,
        "creator": CREATOR,
        "title": framework.title.en,
        "lastChangeDateTime": stamp,
        "description": framework.description.en,
        "language": LANGUAGE,
        "version": framework.version,
        "adoptionStatus": "Draft",
    }
    items: list[dict[str, Any]] = []
    associations: list[dict[str, Any]] = []

    def add(kind: str, stable_id: str, statement: str, position: int, parent: tuple, **extra):
        links[(kind, stable_id)] = link = node(f"{kind}/{stable_id}", statement)
        items.append(
            {
                "identifier": link["identifier"],
                "uri": link["uri"],
                "fullStatement": statement,
                "humanCodingScheme": stable_id,
                "listEnumeration": str(position + 1),
                "CFItemType": ITEM_TYPES[kind],
                "language": LANGUAGE,
                "lastChangeDateTime": stamp,
                **extra,
            }
        )
        parent_kind, parent_id = parent
        association_id = case_identifier(f"{kind}/{stable_id}/isChildOf/{parent_kind}/{parent_id}")
        associations.append(
            {
                "identifier": association_id,
                "uri": f"{base}/{association_id}",
                "associationType": "isChildOf",
                "sequenceNumber": position + 1,
                "originNodeURI": link,
                "destinationNodeURI": links[parent],
                "lastChangeDateTime": stamp,
            }
        )

    units = {unit.id: unit for unit in framework.units}
    for competence in framework.competences:
        add(
            "competence",
            competence.id,
            competence.title.en,
            competence.position,
            ("document", framework.id),
        )
        for unit_position, unit_id in enumerate(competence.units):
            unit = units.get(unit_id)
            if unit is None:
                continue
            add("unit", unit.id, unit.title.en, unit_position, ("competence", competence.id))
            for skill in unit.skills:
                add(
                    "skill",
                    skill.id,
                    skill.label.en,
                    skill.position,
                    ("unit", unit.id),
                    notes=skill.description.en,
                    conceptKeywords=[skill.kind],
                )
    return {"CFDocument": cf_document, "CFItems": items, "CFAssociations": associations}
