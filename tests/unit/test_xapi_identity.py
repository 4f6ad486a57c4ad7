"""How people are identified per LRS endpoint: every agent rewritten, nothing left in clear."""

import hashlib
import json

import pytest

from lms.xapi import identity
from lms.xapi.identity import Identification, Person

KEY = b"k" * 32
HOME = "https://lms.example.org"
COACH = Person(7, "camille@example.org", "Camille Coach")
TRAINER = Person(3, "dominique@example.org", "Dominique Trainer")
PEOPLE = {p.email: p for p in (COACH, TRAINER)}


def _agent(person: Person) -> dict:
    return {"objectType": "Agent", "name": person.name, "mbox": f"mailto:{person.email}"}


def _statement() -> dict:
    return {
        "id": "1d5e0000-0000-4000-8000-000000000003",
        "actor": _agent(COACH),
        "verb": {"id": "http://adlnet.gov/expapi/verbs/mastered"},
        "object": {"objectType": "Activity", "id": "https://lms.example.org/xapi/units/C2"},
        "context": {
            "instructor": _agent(TRAINER),
            "contextAgents": [{"objectType": "contextAgent", "agent": _agent(TRAINER)}],
            "contextGroups": [
                {
                    "objectType": "contextGroup",
                    "group": {
                        "objectType": "Group",
                        "member": [_agent(COACH), _agent(Person(0, "guest@example.org", "G"))],
                    },
                }
            ],
        },
    }


@pytest.mark.parametrize("kind", ["mbox_sha1sum", "account"])
def test_no_email_and_no_name_leave_a_pseudonymous_endpoint(kind):
    sent = identity.identify(_statement(), PEOPLE, Identification(kind, HOME, KEY))
    text = json.dumps(sent)
    assert 'mbox"' not in text and "mailto:" not in text and "@" not in text
    assert "Camille" not in text and "Dominique" not in text
    assert sent["context"]["instructor"] == sent["context"]["contextAgents"][0]["agent"]


def test_an_account_is_the_keyed_hash_of_the_user_id_on_the_home_page():
    how = Identification("account", HOME, KEY)
    sent = identity.identify(_statement(), PEOPLE, how)
    account = sent["actor"]["account"]
    assert account == {"homePage": HOME, "name": identity.pseudonym(KEY, 7)}
    assert identity.pseudonym(KEY, 7) != identity.pseudonym(b"other", 7)
    assert sent == identity.identify(_statement(), PEOPLE, how)  # stable: idempotent resends


def test_sha1_is_the_xapi_mbox_sha1sum():
    sent = identity.identify(_statement(), PEOPLE, Identification("mbox_sha1sum", HOME, KEY))
    expected = hashlib.sha1(b"mailto:camille@example.org").hexdigest()  # noqa: S324
    assert sent["actor"] == {"objectType": "Agent", "mbox_sha1sum": expected}


def test_the_mapping_turns_pseudonyms_back_into_people():
    how = Identification("account", HOME, KEY)
    sent = identity.identify(_statement(), PEOPLE, how)
    document = {"people": identity.mapping_entries([COACH, TRAINER], how)}
    mapping = identity.read_mapping(json.dumps(document))
    back = identity.reidentify(sent, mapping)
    assert back["actor"] == _agent(COACH)
    assert back["context"]["instructor"] == _agent(TRAINER)


def test_an_account_identity_needs_a_home_page_and_a_key():
    with pytest.raises(ValueError, match="home page and a key"):
        Identification("account", "", KEY)
    with pytest.raises(ValueError, match="actor identity must be one of"):
        Identification("email")
