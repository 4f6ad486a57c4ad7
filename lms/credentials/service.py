"""Credentials of coaches: recorded with the decisions that earn them, signed when first
delivered, revoked with the decision; the issuer's published documents; verification.

Services flush and never commit. Nothing here reads Flask's globals: the caller passes the
:class:`Settings` (``settings_from(app.config)``)."""

import json
import secrets
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from lms.auth.models import User
from lms.catalog.case import case_identifier
from lms.catalog.models import Competence, Module, Unit
from lms.credentials import documents, keys, proofs, statuslist
from lms.credentials.models import COMPETENCE, UNIT, Credential, IssuerProfile
from lms.credentials.verification import Verification, verify
from lms.timeutil import utcnow
from lms.vocabulary import modality_label

DEFAULT_ISSUER_NAME = "Mobility coach training centre"


@dataclass(frozen=True)
class Settings:
    base_url: str
    base_iri: str
    key_dir: Path


def settings_from(config) -> Settings:
    return Settings(config["BASE_URL"], config["BASE_IRI"], Path(config["CREDENTIAL_KEY_DIR"]))


def issuer_profile(session: Session) -> IssuerProfile:
    """The stored profile, or an unsaved default one named after the application."""
    return session.scalar(select(IssuerProfile).order_by(IssuerProfile.id)) or IssuerProfile(
        name=DEFAULT_ISSUER_NAME, url="", email="", description="", image_url=""
    )


def issuer(session: Session, settings: Settings) -> documents.Issuer:
    profile = issuer_profile(session)
    return documents.Issuer(
        base_url=settings.base_url,
        base_iri=settings.base_iri,
        name=profile.name,
        url=profile.url,
        email=profile.email,
        description=profile.description,
        image=profile.image_url,
    )


def save_issuer_profile(session: Session, **fields) -> IssuerProfile:
    """Change the profile; credentials signed before keep the profile they were signed with."""
    profile = issuer_profile(session)
    for name, value in fields.items():
        setattr(profile, name, (value or "").strip())
    profile.updated_at = utcnow()
    session.add(profile)
    session.flush()
    return profile


# Recording and revoking, called by the decision service.


def standing(session: Session, coach_id: int, kind: str, code: str) -> Credential | None:
    return session.scalar(
        select(Credential).where(
            Credential.coach_id == coach_id,
            Credential.kind == kind,
            Credential.code == code,
            Credential.revoked_at.is_(None),
        )
    )


def record(
    session: Session,
    *,
    kind: str,
    code: str,
    coach_id: int,
    decision_id: int,
    issued_at: datetime,
    evidence: list[dict],
) -> Credential:
    """The coach's credential for this unit or competence (the standing one if it exists)."""
    found = standing(session, coach_id, kind, code)
    if found is not None:
        return found
    credential = Credential(
        kind=kind,
        code=code,
        coach_id=coach_id,
        decision_id=decision_id,
        issued_at=issued_at,
        evidence=evidence,
        salt=secrets.token_hex(8),
    )
    session.add(credential)
    session.flush()
    return credential


def revoke(
    session: Session, *, coach_id: int, unit_code: str, competence_code: str, now: datetime
) -> list[Credential]:
    """Revoke the coach's credentials for the unit and for its competence: their status bits
    are set in the published list."""
    revoked = []
    for kind, code in ((UNIT, unit_code), (COMPETENCE, competence_code)):
        credential = standing(session, coach_id, kind, code)
        if credential is not None:
            credential.revoked_at = now
            revoked.append(credential)
    session.flush()
    return revoked


# Signed documents.


def _unit_facts(session: Session, settings: Settings, code: str) -> documents.AchievementFacts:
    unit = session.scalar(select(Unit).where(Unit.code == code))
    module = session.scalar(select(Module).where(Module.code == code))
    rule = (module.validation or {}).get("description") if module else None
    return documents.AchievementFacts(
        id=f"{settings.base_iri}/units/{code}",
        name=unit.title,
        description=(module.summary if module else None) or unit.title,
        criteria=rule or {"fr": "Unité validée.", "en": "Unit validated."},
        alignment=_alignment(settings, "unit", code, unit.title),
        kind=UNIT,
    )


def _competence_facts(
    session: Session, settings: Settings, code: str
) -> documents.AchievementFacts:
    competence = session.scalar(select(Competence).where(Competence.code == code))
    units = [unit for unit in competence.units if unit.active]
    listing = {
        language: "; ".join(f"{u.code} {u.title.get(language, '')}" for u in units)
        for language in ("fr", "en")
    }
    return documents.AchievementFacts(
        id=f"{settings.base_iri}/competences/{code}",
        name=competence.title,
        description={
            "fr": f"Compétence du référentiel, faite des unités : {listing['fr']}.",
            "en": f"Competence of the framework, made of the units: {listing['en']}.",
        },
        criteria={
            "fr": f"Chacune de ses unités est validée : {listing['fr']}.",
            "en": f"Each of its units is validated: {listing['en']}.",
        },
        alignment=_alignment(settings, "competence", code, competence.title),
        kind=COMPETENCE,
    )


def _alignment(settings: Settings, kind: str, code: str, title: dict) -> documents.Alignment:
    """The CASE item of the framework export (lms.catalog.case) for this unit or competence."""
    uri = f"{settings.base_iri}/{case_identifier(f'{kind}/{code}')}"
    return documents.Alignment(code=code, name=title.get("en") or title.get("fr", code), url=uri)


def _evidence_facts(entry: dict) -> documents.EvidenceFacts:
    modality = entry["modality"]
    return documents.EvidenceFacts(
        unit_code=entry["unit"],
        modality=modality,
        modality_name=str(modality_label(modality)),
        decided_at=datetime.fromisoformat(entry["decided_at"]),
        assessor=entry.get("assessor"),
    )


def signed_document(session: Session, credential: Credential, settings: Settings) -> dict:
    """The credential's signed JSON: made and stored the first time, the same ever after."""
    if credential.document:
        return json.loads(credential.document)
    the_issuer = issuer(session, settings)
    facts = (_unit_facts if credential.kind == UNIT else _competence_facts)(
        session, settings, credential.code
    )
    coach = session.get(User, credential.coach_id)
    number, index = statuslist.position(credential.id)
    unsigned = documents.credential(
        the_issuer,
        public_id=str(credential.public_id),
        achievement_facts=facts,
        evidence=[_evidence_facts(entry) for entry in credential.evidence],
        email=coach.email,
        salt=credential.salt,
        valid_from=credential.issued_at,
        status_list=number,
        status_index=index,
    )
    key = keys.current(settings.key_dir)
    signed = proofs.sign(
        unsigned,
        key.private_key,
        verification_method=the_issuer.key_url(key.key_id),
        created=utcnow(),
    )
    credential.document = json.dumps(signed, ensure_ascii=False, sort_keys=True)
    credential.key_id = key.key_id
    session.flush()
    return signed


def sign_pending(session: Session, settings: Settings) -> int:
    """Sign every recorded credential that has no document yet; how many were signed."""
    pending = session.scalars(select(Credential).where(Credential.document.is_(None))).all()
    for credential in pending:
        signed_document(session, credential, settings)
    return len(pending)


def did_document(settings: Settings, the_issuer: documents.Issuer) -> dict:
    every_key = [(key.key_id, key.public_key) for key in keys.load_all(settings.key_dir)]
    return documents.did_document(the_issuer, every_key)


def status_list(session: Session, settings: Settings, number: int) -> dict | None:
    """The signed status list credential ``number``, or None beyond the lists in use."""
    first, last = (number - 1) * statuslist.LIST_SIZE, number * statuslist.LIST_SIZE
    in_list = (Credential.id >= first) & (Credential.id < last)
    issued, latest_revocation = session.execute(
        select(func.min(Credential.issued_at), func.max(Credential.revoked_at)).where(in_list)
    ).one()
    if number < 1 or issued is None:
        return None
    revoked = frozenset(
        statuslist.position(credential_id)[1]
        for credential_id in session.scalars(
            select(Credential.id).where(in_list, Credential.revoked_at.is_not(None))
        )
    )
    the_issuer = issuer(session, settings)
    key = keys.current(settings.key_dir)
    valid_from = max(issued, latest_revocation) if latest_revocation else issued
    return _signed_status_list(the_issuer, number, revoked, valid_from, key)


_STATUS_LISTS: dict[tuple, dict] = {}


def _signed_status_list(the_issuer, number, revoked, valid_from, key) -> dict:
    """The same arguments give the same document (Ed25519 signs deterministically), so the
    canonicalisation and signature are made once per state of the list."""
    cache_key = (the_issuer, number, revoked, valid_from, key.key_id)
    if cache_key in _STATUS_LISTS:
        return _STATUS_LISTS[cache_key]
    if len(_STATUS_LISTS) > 64:
        _STATUS_LISTS.clear()
    unsigned = documents.status_list_credential(
        the_issuer,
        number=number,
        encoded_list=statuslist.encode(set(revoked)),
        valid_from=valid_from,
    )
    _STATUS_LISTS[cache_key] = proofs.sign(
        unsigned,
        key.private_key,
        verification_method=the_issuer.key_url(key.key_id),
        created=valid_from,
    )
    return _STATUS_LISTS[cache_key]


def resolver(session: Session, settings: Settings):
    """Our own published documents by address, read from here rather than over the network."""
    the_issuer = issuer(session, settings)
    prefix = the_issuer.status_list_url(0)[:-1]

    def resolve(url: str) -> dict | None:
        if url == the_issuer.did:
            return did_document(settings, the_issuer)
        if url.startswith(prefix) and url[len(prefix) :].isdigit():
            return status_list(session, settings, int(url[len(prefix) :]))
        return None

    return resolve


def verify_document(
    session: Session, settings: Settings, document: dict, *, now: datetime | None = None
) -> Verification:
    return verify(document, resolver(session, settings), now=now or utcnow())


def by_public_id(session: Session, public_id) -> Credential | None:
    return session.scalar(select(Credential).where(Credential.public_id == public_id))


def standing_of(session: Session, coach_ids: list[int]) -> list[Credential]:
    """The coaches' credentials that are not revoked, in the order they were earned."""
    return list(
        session.scalars(
            select(Credential)
            .where(Credential.coach_id.in_(coach_ids), Credential.revoked_at.is_(None))
            .order_by(Credential.issued_at, Credential.id)
        )
    )
