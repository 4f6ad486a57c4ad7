"""Read-only outbox queries: statements by filters and by the actors the caller may see,
endpoints, dead letters."""

import json
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import Session, joinedload

from lms.xapi import identity
from lms.xapi.models import COMPLETION_VERBS, Delivery, Endpoint, Statement


def agent_ifi(agent: Mapping[str, Any]) -> str | None:
    """One string naming an Agent or identified Group by its inverse functional identifier:
    the ``mailto:`` IRI itself, or ``sha1:…``, ``openid:…``, ``account:["home","name"]``;
    None for an anonymous group."""
    if "mbox" in agent:
        return str(agent["mbox"])
    if "mbox_sha1sum" in agent:
        return "sha1:" + str(agent["mbox_sha1sum"]).lower()
    if "openid" in agent:
        return "openid:" + str(agent["openid"])
    account = agent.get("account")
    if isinstance(account, Mapping):
        name = json.dumps([account.get("homePage"), account.get("name")], ensure_ascii=False)
        return "account:" + name
    return None


def object_key(obj: Mapping[str, Any]) -> str:
    """What the ``activity`` filter and exports match a statement's object on."""
    kind = obj.get("objectType", "Activity")
    if kind in ("Agent", "Group"):
        return agent_ifi(obj) or kind
    if kind == "SubStatement":
        return kind
    return str(obj["id"]).lower() if kind == "StatementRef" else str(obj["id"])


def actor_ifis(session: Session, ifi: str, home_page: str) -> tuple[str, ...]:
    """The identifiers an actor may carry in our statements for the agent ``ifi``: an
    e-mail address of one of our accounts also names their opaque account on ``home_page``."""
    if not ifi.startswith("mailto:"):
        return (ifi,)
    ifi = ifi.lower()  # our addresses are stored in lower case
    account = identity.account_of_email(session, ifi.removeprefix("mailto:"))
    if account is None:
        return (ifi,)
    ours = agent_ifi({"account": {"homePage": home_page, "name": account}})
    return (ifi, ours) if ours else (ifi,)


@dataclass(frozen=True)
class StatementFilter:
    """The xAPI GET /statements filters we support; None means no constraint."""

    # The actor's identifiers (lms.xapi.queries.actor_ifis): any of them.
    agent_ifis: tuple[str, ...] | None = None
    verb: str | None = None
    activity: str | None = None
    registration: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    ascending: bool = False


def find_statements(
    session: Session,
    filters: StatementFilter,
    *,
    visible_actors: Select | None,
    limit: int,
    after_seq: int | None = None,
) -> tuple[list[Statement], int | None]:
    """A page of unvoided statements, newest stored first (oldest with ``ascending``), and the
    cursor of the next page (None on the last). ``visible_actors`` is a sub-select of the
    accounts whose statements the reader sees; None means every statement."""
    query = select(Statement).where(Statement.voided.is_(False))
    if visible_actors is not None:
        query = query.where(Statement.user_id.in_(visible_actors))
    if filters.agent_ifis is not None:
        query = query.where(Statement.actor_ifi.in_(filters.agent_ifis))
    if filters.verb is not None:
        query = query.where(Statement.verb == filters.verb)
    if filters.activity is not None:
        query = query.where(Statement.object_id == filters.activity)
    if filters.registration is not None:
        query = query.where(Statement.registration == filters.registration)
    if filters.since is not None:
        query = query.where(Statement.stored > filters.since)
    if filters.until is not None:
        query = query.where(Statement.stored <= filters.until)
    # seq follows stored (both set at recording) and, unlike stored, never ties.
    if filters.ascending:
        if after_seq is not None:
            query = query.where(Statement.seq > after_seq)
        query = query.order_by(Statement.seq)
    else:
        if after_seq is not None:
            query = query.where(Statement.seq < after_seq)
        query = query.order_by(Statement.seq.desc())
    rows = list(session.scalars(query.limit(limit + 1)))
    if len(rows) > limit:
        return rows[:limit], rows[limit - 1].seq
    return rows, None


def get_statement(
    session: Session, statement_id: str, *, visible_actors: Select | None
) -> Statement | None:
    """One statement by id, or None when it does not exist or is not visible."""
    query = select(Statement).where(Statement.id == statement_id)
    if visible_actors is not None:
        query = query.where(Statement.user_id.in_(visible_actors))
    return session.scalar(query)


def endpoints(session: Session, *, active_only: bool = False) -> list[Endpoint]:
    """Every configured LRS endpoint, by name."""
    query = select(Endpoint).order_by(Endpoint.name)
    if active_only:
        query = query.where(Endpoint.active.is_(True))
    return list(session.scalars(query))


def delivery_counts(session: Session) -> dict[int, dict[str, int]]:
    """{endpoint id: {state: number of deliveries}}."""
    counts: dict[int, dict[str, int]] = {}
    query = select(Delivery.endpoint_id, Delivery.state, func.count()).group_by(
        Delivery.endpoint_id, Delivery.state
    )
    for endpoint_id, state, number in session.execute(query):
        counts.setdefault(endpoint_id, {})[state] = number
    return counts


def dead_letters(session: Session, limit: int = 200) -> list[Delivery]:
    """Statements an LRS refused, oldest first, with their endpoint and the LRS's reason."""
    query = (
        select(Delivery)
        .where(Delivery.state == "dead")
        .options(joinedload(Delivery.statement), joinedload(Delivery.endpoint))
        .order_by(Delivery.statement_seq, Delivery.endpoint_id)
        .limit(limit)
    )
    return list(session.scalars(query))


@dataclass(frozen=True)
class ForwardingLag:
    """How far the forwarder is behind: statements not yet accepted by an active endpoint."""

    pending: int
    oldest_pending_seconds: float | None
    dead: int


def forwarding_lag(session: Session, now: datetime) -> ForwardingLag:
    """Summed over the active endpoints; a statement counts as pending until the endpoint has
    accepted or refused it (with or without a delivery row yet)."""
    pending, oldest = 0, None
    for endpoint in endpoints(session, active_only=True):
        settled = (
            select(Delivery.id)
            .where(
                Delivery.statement_seq == Statement.seq,
                Delivery.endpoint_id == endpoint.id,
                Delivery.state.in_(("sent", "dead")),
            )
            .exists()
        )
        query = select(func.count(), func.min(Statement.stored)).where(~settled)
        if endpoint.scope == "completions":
            query = query.where(Statement.verb.in_(COMPLETION_VERBS))
        count, stored = session.execute(query).one()
        pending += count
        if stored is not None and (oldest is None or stored < oldest):
            oldest = stored
    dead = session.scalar(select(func.count()).where(Delivery.state == "dead"))
    age = None if oldest is None else round((now - oldest).total_seconds(), 3)
    return ForwardingLag(pending=pending, oldest_pending_seconds=age, dead=dead)
