"""The Open Badges credentials a decision earns: one per validated unit, one per competence
whose every unit is validated (lms.credentials records, signs and publishes them)."""

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms import notices
from lms.catalog.models import Competence
from lms.competence.models import VALIDATED, Decision
from lms.credentials import service as credentials
from lms.credentials.models import COMPETENCE, UNIT, Credential


def evidence_entry(decision: Decision) -> dict:
    """What the credential says of a decision: no personal data beyond the assessor's name."""
    return {
        "unit": decision.unit_code,
        "modality": decision.modality,
        "decided_at": decision.decided_at.isoformat(),
        "assessor": decision.decided_by.display_name if decision.decided_by else None,
    }


def _record(
    session: Session, kind: str, code: str, decision: Decision, decisions, title, base_url: str
) -> Credential:
    """Record the credential; a new one is mailed to its coach once the decision commits
    (``base_url`` empty: nobody is told, as for the credentials of past decisions)."""
    found = credentials.standing(session, decision.coach_id, kind, code)
    if found is not None:
        return found
    credential = credentials.record(
        session,
        kind=kind,
        code=code,
        coach_id=decision.coach_id,
        decision_id=decision.id,
        issued_at=decision.decided_at,
        evidence=[evidence_entry(one) for one in decisions],
    )
    if base_url:
        url = f"{base_url}/credentials/{credential.public_id}"
        notices.credential_issued(session, user_id=decision.coach_id, title=title, url=url)
    return credential


def record_for_unit(
    session: Session, decision: Decision, *, title: dict | None = None, base_url: str = ""
) -> Credential:
    return _record(session, UNIT, decision.unit_code, decision, [decision], title, base_url)


def record_for_competence(
    session: Session,
    competence: Competence,
    decision: Decision,
    units: list[Decision],
    *,
    base_url: str = "",
) -> Credential:
    """``decision`` validated the last of ``units``, the competence's standing decisions."""
    return _record(
        session, COMPETENCE, competence.code, decision, units, competence.title, base_url
    )


def revoke_for(session: Session, decision: Decision, competence_code: str, now) -> list:
    """A revoked unit revokes its credential and its competence's."""
    return credentials.revoke(
        session,
        coach_id=decision.coach_id,
        unit_code=decision.unit_code,
        competence_code=competence_code,
        now=now,
    )


def record_missing(session: Session) -> int:
    """Credentials for the decisions taken before credentials existed; how many recorded."""
    standing = session.scalars(
        select(Decision)
        .where(Decision.decision == VALIDATED, Decision.revoked_at.is_(None))
        .order_by(Decision.decided_at, Decision.id)
    ).all()
    before = session.scalar(select(Credential.id).order_by(Credential.id.desc()).limit(1)) or 0
    by_coach: dict[int, dict[str, Decision]] = {}
    for decision in standing:
        record_for_unit(session, decision)
        by_coach.setdefault(decision.coach_id, {})[decision.unit_code] = decision
    for competence in session.scalars(select(Competence)):
        codes = [unit.code for unit in competence.units if unit.active]
        for held in by_coach.values():
            if codes and all(code in held for code in codes):
                units = sorted((held[code] for code in codes), key=lambda d: (d.decided_at, d.id))
                record_for_competence(session, competence, units[-1], units)
    return len(session.scalars(select(Credential.id).where(Credential.id > before)).all())
