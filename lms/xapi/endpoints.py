"""LRS endpoints: the one configured by LMS_LRS_* and those an administrator manages, and the
targets (URL and credentials) the forwarder sends to."""

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.xapi.identity import ACTOR_IDENTITIES, MBOX
from lms.xapi.models import CONFIG_ENDPOINT_NAME, Endpoint


@dataclass(frozen=True)
class Target:
    """What the forwarder needs to talk to one endpoint."""

    id: int
    name: str
    url: str
    username: str
    password: str
    scope: str = "all"
    # mbox | mbox_sha1sum | account: how this LRS receives people (lms.xapi.identity).
    actor_identity: str = MBOX


def sync_config_endpoint(
    session: Session, *, url: str, username: str, scope: str, actor_identity: str = MBOX
) -> None:
    """Mirror the LMS_LRS_* endpoint into the endpoints table, where its delivery state lives.

    A new URL is a new LRS, which must receive every statement: the old row is kept (its
    history) but deactivated and renamed. Flushes, never commits."""
    rows = list(session.scalars(select(Endpoint).where(Endpoint.source == "config")))
    current = next((row for row in rows if row.url == url), None) if url else None
    for row in rows:
        if row is not current and row.active:
            row.active = False
        if row is not current and row.name == CONFIG_ENDPOINT_NAME:
            row.name = f"{CONFIG_ENDPOINT_NAME}-{row.id}"
    session.flush()
    if not url:
        return
    if current is None:
        current = Endpoint(name=CONFIG_ENDPOINT_NAME, url=url, source="config")
        session.add(current)
    current.name = CONFIG_ENDPOINT_NAME
    current.username = username
    current.scope = scope if scope in ("all", "completions") else "all"
    current.actor_identity = actor_identity if actor_identity in ACTOR_IDENTITIES else MBOX
    current.active = True
    session.flush()


def load_targets(
    session: Session, config: Mapping[str, Any], name: str | None = None
) -> list[Target]:
    """The active endpoints (or the one named), with the credentials to use for each."""
    query = select(Endpoint).where(Endpoint.active.is_(True)).order_by(Endpoint.name)
    if name is not None:
        query = query.where(Endpoint.name == name)
    targets = []
    for row in session.scalars(query):
        from_config = row.source == "config"
        targets.append(
            Target(
                id=row.id,
                name=row.name,
                url=row.url,
                username=config.get("LRS_USERNAME", "") if from_config else row.username,
                password=config.get("LRS_PASSWORD", "") if from_config else row.password,
                scope=row.scope,
                actor_identity=row.actor_identity,
            )
        )
    if name is not None and not targets:
        raise LookupError(f"no active LRS endpoint named {name!r}")
    return targets


class EndpointError(ValueError):
    """An endpoint cannot be saved as given; ``field`` names the culprit, ``code`` the rule
    (reserved, duplicate, url, scope, actor_identity, not_editable) so a view can explain it
    in any language."""

    def __init__(self, message: str, field: str, code: str) -> None:
        super().__init__(message)
        self.field = field
        self.code = code


def save_endpoint(
    session: Session,
    *,
    endpoint_id: int | None,
    name: str,
    url: str,
    username: str,
    password: str,
    scope: str,
    active: bool,
    actor_identity: str = MBOX,
) -> Endpoint:
    """Create or update an endpoint managed on the admin page; an empty ``password`` keeps
    the stored one. Flushes, never commits."""
    name, url = name.strip(), url.strip().rstrip("/")
    if name == CONFIG_ENDPOINT_NAME or name.startswith(CONFIG_ENDPOINT_NAME + "-"):
        raise EndpointError(
            f"the name {name!r} is reserved for the LMS_LRS_URL endpoint", "name", "reserved"
        )
    if not url.startswith(("http://", "https://")):
        raise EndpointError("the URL must start with http:// or https://", "url", "url")
    if scope not in ("all", "completions"):
        raise EndpointError(f"unknown scope {scope!r}", "scope", "scope")
    if actor_identity not in ACTOR_IDENTITIES:
        raise EndpointError(
            f"unknown actor identity {actor_identity!r}", "actor_identity", "actor_identity"
        )
    clash = session.scalar(select(Endpoint.id).where(Endpoint.name == name))
    if clash is not None and clash != endpoint_id:
        raise EndpointError(f"an endpoint named {name!r} already exists", "name", "duplicate")
    if endpoint_id is None:
        endpoint = Endpoint(source="admin", password="")
        session.add(endpoint)
    else:
        endpoint = session.get(Endpoint, endpoint_id)
        if endpoint is None or endpoint.source != "admin":
            raise EndpointError("this endpoint cannot be edited here", "name", "not_editable")
    endpoint.name, endpoint.url, endpoint.username = name, url, username.strip()
    endpoint.scope, endpoint.active = scope, active
    endpoint.actor_identity = actor_identity
    if password:
        endpoint.password = password
    session.flush()
    return endpoint
