"""How a person is identified in the statements an LRS receives: the e-mail address and name
(``mbox``), the address's SHA-1 (``mbox_sha1sum``), or an ``account`` on the centre's home page
whose name is a keyed hash of the user id. Our statements name people by an opaque account
(``users.xapi_account``, lms.auth.actors); the forwarder rewrites every agent of a statement per
endpoint; the centre's mapping file turns pseudonyms back into people when it rebuilds from such
an LRS."""

import copy
import hashlib
import hmac
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import column, func, select, table
from sqlalchemy.orm import Session

MBOX, MBOX_SHA1SUM, ACCOUNT = "mbox", "mbox_sha1sum", "account"
ACTOR_IDENTITIES = (MBOX, MBOX_SHA1SUM, ACCOUNT)

# The accounts table, read by name: lms.xapi sits below lms.auth and imports none of it.
_users = table(
    "users", column("id"), column("email"), column("display_name"), column("xapi_account")
)


@dataclass(frozen=True)
class Person:
    """One of our accounts as an agent: its id, e-mail address and name."""

    user_id: int
    email: str
    name: str


@dataclass(frozen=True)
class Identification:
    """How one endpoint identifies people: the identity kind, the centre's home page (the
    account's ``homePage``) and the key of the pseudonyms."""

    kind: str = MBOX
    home_page: str = ""
    key: bytes = b""

    def __post_init__(self) -> None:
        if self.kind not in ACTOR_IDENTITIES:
            raise ValueError(f"actor identity must be one of {', '.join(ACTOR_IDENTITIES)}")
        if self.kind == ACCOUNT and not (self.home_page and self.key):
            raise ValueError("an account identity needs the centre's home page and a key")


def pseudonym_key(config: Mapping[str, Any]) -> bytes:
    """The key of the pseudonyms: LMS_PSEUDONYM_KEY, else derived from the secret key."""
    explicit = config.get("PSEUDONYM_KEY") or ""
    if explicit:
        return explicit.encode()
    secret = str(config.get("SECRET_KEY") or "").encode()
    return hmac.new(secret, b"xapi-pseudonyms", hashlib.sha256).digest()


def pseudonym(key: bytes, user_id: int) -> str:
    """The stable, opaque account name of ``user_id`` under ``key``."""
    return hmac.new(key, f"user:{user_id}".encode(), hashlib.sha256).hexdigest()[:32]


def sha1_of(email: str) -> str:
    return hashlib.sha1(f"mailto:{email}".encode()).hexdigest()  # noqa: S324 - the xAPI IFI


def email_of(agent: Mapping[str, Any]) -> str | None:
    mbox = agent.get("mbox")
    return mbox.removeprefix("mailto:").lower() if isinstance(mbox, str) else None


def agent_for(person: Person, how: Identification) -> dict[str, Any]:
    """The Agent ``person`` is sent as: the name only with the e-mail address."""
    if how.kind == MBOX:
        return {"objectType": "Agent", "name": person.name, "mbox": f"mailto:{person.email}"}
    if how.kind == MBOX_SHA1SUM:
        return {"objectType": "Agent", "mbox_sha1sum": sha1_of(person.email)}
    name = pseudonym(how.key, person.user_id)
    return {"objectType": "Agent", "account": {"homePage": how.home_page, "name": name}}


def _anonymous(agent: Mapping[str, Any], how: Identification) -> dict[str, Any]:
    """An agent with an e-mail address that is none of our accounts: never sent in clear."""
    email = email_of(agent) or ""
    if how.kind == MBOX_SHA1SUM:
        return {"objectType": "Agent", "mbox_sha1sum": sha1_of(email)}
    digest = hmac.new(how.key, f"mbox:{email}".encode(), hashlib.sha256).hexdigest()[:32]
    return {"objectType": "Agent", "account": {"homePage": how.home_page, "name": digest}}


def map_agents(
    statement: Mapping[str, Any], change: Callable[[Mapping[str, Any]], dict | None]
) -> dict[str, Any]:
    """A copy of ``statement`` whose every agent (actor, object, instructor, team and group
    members, context agents and groups, authority, sub-statement) is ``change(agent)``, or
    kept when that is None."""
    result = copy.deepcopy(dict(statement))
    _map_in(result, change)
    return result


def _map_agent(agent: Any, change) -> Any:
    if not isinstance(agent, dict):
        return agent
    if agent.get("objectType") == "Group":
        if isinstance(agent.get("member"), list):
            agent["member"] = [_map_agent(member, change) for member in agent["member"]]
        return agent
    return change(agent) or agent


def _map_in(statement: dict, change) -> None:
    for key in ("actor", "authority"):
        if key in statement:
            statement[key] = _map_agent(statement[key], change)
    obj = statement.get("object")
    if isinstance(obj, dict) and obj.get("objectType") in ("Agent", "Group"):
        statement["object"] = _map_agent(obj, change)
    elif isinstance(obj, dict) and obj.get("objectType") == "SubStatement":
        _map_in(obj, change)
    context = statement.get("context")
    if not isinstance(context, dict):
        return
    for key in ("instructor", "team"):
        if key in context:
            context[key] = _map_agent(context[key], change)
    for entry in context.get("contextAgents") or []:
        if isinstance(entry, dict) and "agent" in entry:
            entry["agent"] = _map_agent(entry["agent"], change)
    for entry in context.get("contextGroups") or []:
        if isinstance(entry, dict) and "group" in entry:
            entry["group"] = _map_agent(entry["group"], change)


def emails_in(statements: Iterable[Mapping[str, Any]]) -> set[str]:
    """Every e-mail address an agent of these statements carries."""
    found: set[str] = set()

    def collect(agent: Mapping[str, Any]) -> None:
        email = email_of(agent)
        if email:
            found.add(email)

    for statement in statements:
        map_agents(statement, collect)
    return found


def accounts_in(statements: Iterable[Mapping[str, Any]], home_page: str) -> set[str]:
    """The names of the accounts on ``home_page`` (ours) that agents of these statements
    carry."""
    found: set[str] = set()

    def collect(agent: Mapping[str, Any]) -> None:
        account = agent.get("account")
        if isinstance(account, Mapping) and account.get("homePage") == home_page:
            found.add(str(account.get("name")))

    for statement in statements:
        map_agents(statement, collect)
    return found


def people_by_account(session: Session, names: Iterable[str]) -> dict[str, Person]:
    """Our accounts with these opaque xAPI account names (an erased person has none)."""
    wanted = sorted(set(names))
    if not wanted:
        return {}
    query = select(_users.c.id, _users.c.email, _users.c.display_name, _users.c.xapi_account).where(
        _users.c.xapi_account.in_(wanted)
    )
    return {
        row.xapi_account: Person(row.id, row.email, row.display_name)
        for row in session.execute(query)
    }


def account_of_email(session: Session, email: str) -> str | None:
    """The opaque xAPI account name of our account with this e-mail address, if any."""
    query = select(_users.c.xapi_account).where(func.lower(_users.c.email) == email.strip().lower())
    return session.scalar(query)


def people_by_email(session: Session, emails: Iterable[str]) -> dict[str, Person]:
    """Our accounts with these e-mail addresses."""
    wanted = sorted(set(emails))
    if not wanted:
        return {}
    query = select(_users.c.id, _users.c.email, _users.c.display_name).where(
        _users.c.email.in_(wanted)
    )
    return {
        row.email: Person(row.id, row.email, row.display_name) for row in session.execute(query)
    }


def everyone(session: Session) -> list[Person]:
    """Every account, by id: the people of a mapping file."""
    query = select(_users.c.id, _users.c.email, _users.c.display_name).order_by(_users.c.id)
    return [Person(row.id, row.email, row.display_name) for row in session.execute(query)]


def identify(
    statement: Mapping[str, Any],
    people: Mapping[str, Person],
    how: Identification,
    *,
    accounts: Mapping[str, Person] | None = None,
    home_page: str = "",
) -> dict[str, Any]:
    """``statement`` with every person identified as ``how`` says: our accounts (on
    ``home_page``, looked up in ``accounts``) and e-mail addresses (older statements, looked up
    in ``people``; kept as recorded for ``mbox``). An account nobody holds any more (erased)
    is kept: it names nobody."""
    accounts = accounts or {}

    def change(agent: Mapping[str, Any]) -> dict | None:
        account = agent.get("account")
        if isinstance(account, Mapping):
            person = accounts.get(str(account.get("name")))
            if account.get("homePage") != home_page or person is None:
                return None
            return agent_for(person, how)
        email = email_of(agent)
        if email is None or how.kind == MBOX:
            return None
        person = people.get(email)
        return agent_for(person, how) if person is not None else _anonymous(agent, how)

    return map_agents(statement, change)


def agent_key(agent: Mapping[str, Any]) -> str | None:
    """The key of an agent in a mapping file: ``sha1:…`` or ``account:[home, name]``."""
    if "mbox_sha1sum" in agent:
        return "sha1:" + str(agent["mbox_sha1sum"]).lower()
    account = agent.get("account")
    if isinstance(account, Mapping):
        return "account:" + json.dumps([account.get("homePage"), account.get("name")])
    return None


def mapping_entries(people: Iterable[Person], how: Identification) -> list[dict[str, Any]]:
    """The lines of a mapping file: what the LRS holds for each person, and who it is."""
    entries = []
    for person in people:
        agent = agent_for(person, how)
        entries.append(
            {"agent": agent, "key": agent_key(agent), "email": person.email, "name": person.name}
        )
    return entries


def read_mapping(text: str) -> dict[str, dict[str, str]]:
    """Key -> e-mail and name, from a mapping file's text; ValueError naming what is wrong."""
    try:
        document = json.loads(text)
        entries = document["people"]
        return {
            str(entry["key"]): {"email": str(entry["email"]), "name": str(entry["name"])}
            for entry in entries
        }
    except (ValueError, KeyError, TypeError, AttributeError) as error:
        raise ValueError(
            f"not a mapping file of flask xapi actor-map ({type(error).__name__}: {error})"
        ) from None


def reidentify(
    statement: Mapping[str, Any], mapping: Mapping[str, Mapping[str, str]]
) -> dict[str, Any]:
    """``statement`` as read from a pseudonymous LRS, its agents back to ``mbox`` and name
    through the centre's mapping (key -> e-mail and name); unknown agents are kept."""

    def change(agent: Mapping[str, Any]) -> dict | None:
        known = mapping.get(agent_key(agent) or "")
        if known is None:
            return None
        return {"objectType": "Agent", "name": known["name"], "mbox": f"mailto:{known['email']}"}

    return map_agents(statement, change)
