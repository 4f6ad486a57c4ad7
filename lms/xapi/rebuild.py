"""Rebuild every coach's validation record from statements alone, as an external LRS sees them.

The rebuilder reads nothing of our database: the decisions on units (``mastered`` / ``failed``
on a unit activity), their revocations (``voided``), and the competences ``satisfied``. What it
yields for each coach is what :func:`lms.competence.records.evidence_records` yields from the
database, so the two can be compared field by field (``flask xapi rebuild-records``)."""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any

from lms.xapi import vocabulary as v

DECISION_VERBS = {v.VERB_MASTERED: "validated", v.VERB_FAILED: "not_validated"}


@dataclass(frozen=True, order=True)
class UnitRecord:
    """One decision on one unit of one coach: when, by whom, how, with which score, resting
    on which attempt and which evidence file."""

    unit: str
    decided_at: str  # xAPI timestamp text (UTC, milliseconds)
    status: str  # validated | not_validated | revoked
    modality: str
    validator: str  # the trainer's name; empty when the quiz rule decided
    score: float | None  # the decision's own score, scaled
    attempt: str | None  # the attempt's UUID
    evidence_sha256: str | None
    revoke_reason: str | None = None


@dataclass
class CoachRecord:
    """Everything decided about one coach (by e-mail): unit decisions and competences held."""

    units: list[UnitRecord] = field(default_factory=list)
    competences: set[str] = field(default_factory=set)

    def normalised(self) -> tuple[list[UnitRecord], list[str]]:
        return sorted(self.units), sorted(self.competences)


def _email(actor: Mapping[str, Any]) -> str | None:
    mbox = actor.get("mbox")
    return mbox.removeprefix("mailto:") if isinstance(mbox, str) else None


def _ext(container: Mapping[str, Any] | None, base_iri: str, name: str) -> Any:
    return (container or {}).get("extensions", {}).get(v.extension_iri(base_iri, name))


def _code_after(iri: str, prefix: str) -> str | None:
    return iri[len(prefix) :] if iri.startswith(prefix) else None


def rebuild(statements: Iterable[Mapping[str, Any]], base_iri: str) -> dict[str, CoachRecord]:
    """Coach e-mail -> record, from statements: voided ones included (an LRS returns them
    only when asked by id), each voiding statement naming its target."""
    base = base_iri.rstrip("/")
    units_prefix = f"{base}/units/"
    competences_prefix = f"{base}/competences/"
    unit_type = v.activity_type_iri(base, v.TYPE_UNIT)
    by_id = {str(statement["id"]).lower(): statement for statement in statements}
    revoked: dict[str, str | None] = {}
    for statement in by_id.values():
        if statement["verb"]["id"] == v.VERB_VOIDED:
            target = str(statement["object"]["id"]).lower()
            revoked[target] = _ext(statement.get("context"), base, v.EXT_REASON)
    records: dict[str, CoachRecord] = {}
    for statement_id, statement in by_id.items():
        verb, obj = statement["verb"]["id"], statement["object"]
        email = _email(statement["actor"])
        if email is None or obj.get("objectType", "Activity") != "Activity":
            continue
        if verb == v.VERB_SATISFIED:
            code = _code_after(obj["id"], competences_prefix)
            if code and statement_id not in revoked:
                records.setdefault(email, CoachRecord()).competences.add(code)
            continue
        unit = _code_after(obj["id"], units_prefix)
        if verb not in DECISION_VERBS or unit is None:
            continue
        if obj.get("definition", {}).get("type") != unit_type:
            continue
        result, context = statement.get("result", {}), statement.get("context", {})
        attachments = statement.get("attachments") or []
        records.setdefault(email, CoachRecord()).units.append(
            UnitRecord(
                unit=unit,
                decided_at=statement["timestamp"],
                status="revoked" if statement_id in revoked else DECISION_VERBS[verb],
                modality=_ext(result, base, v.EXT_MODALITY),
                validator=(context.get("instructor") or {}).get("name", ""),
                score=(result.get("score") or {}).get("scaled"),
                attempt=_ext(context, base, v.EXT_ATTEMPT),
                evidence_sha256=attachments[0]["sha2"] if attachments else None,
                revoke_reason=revoked.get(statement_id),
            )
        )
    return records


def compare(expected: Mapping[str, CoachRecord], rebuilt: Mapping[str, CoachRecord]) -> list[str]:
    """The differences, one line each, between two sets of records (empty: equal)."""
    lines = []
    for email in sorted(set(expected) | set(rebuilt)):
        mine = expected.get(email, CoachRecord()).normalised()
        theirs = rebuilt.get(email, CoachRecord()).normalised()
        if mine[0] != theirs[0]:
            lost = sorted(set(mine[0]) - set(theirs[0]))
            extra = sorted(set(theirs[0]) - set(mine[0]))
            lines.append(f"{email}: only in the database {lost}; only rebuilt {extra}")
        if mine[1] != theirs[1]:
            lines.append(f"{email}: competences {mine[1]} in the database, {theirs[1]} rebuilt")
    return lines
