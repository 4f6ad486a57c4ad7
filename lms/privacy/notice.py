"""What the privacy notice states, from the settings: controller, contacts, recipients, periods."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from lms.xapi.queries import endpoints

RETENTION_KINDS = ("trail", "answers", "evidence", "records", "inactive_accounts")


@dataclass(frozen=True)
class Recipient:
    """An LRS that receives statements: its name, address, what it receives and how people
    are identified there."""

    name: str
    url: str
    scope: str
    actor_identity: str


@dataclass(frozen=True)
class Notice:
    controller: str
    contact: str
    dpo: str
    recipients: list[Recipient]
    retention_days: dict[str, int]


def retention_days(config: Mapping[str, Any]) -> dict[str, int]:
    """Kind of data -> days it is kept (the ``LMS_RETENTION_*_DAYS`` settings)."""
    return {kind: int(config[f"RETENTION_{kind.upper()}_DAYS"]) for kind in RETENTION_KINDS}


def notice(session: Session, config: Mapping[str, Any]) -> Notice:
    recipients = [
        Recipient(e.name, e.url, e.scope, e.actor_identity)
        for e in endpoints(session, active_only=True)
    ]
    return Notice(
        controller=config.get("PRIVACY_CONTROLLER", ""),
        contact=config.get("PRIVACY_CONTACT", ""),
        dpo=config.get("PRIVACY_DPO", ""),
        recipients=recipients,
        retention_days=retention_days(config),
    )
