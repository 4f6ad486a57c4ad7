"""How our statements name a person: an ``account`` on the platform whose name is the
opaque ``users.xapi_account``; no name, no e-mail address. The forwarder turns it into what each
LRS receives (lms.xapi.identity); erasure clears the column, leaving those statements naming
nobody."""

import uuid

from lms.auth.models import User
from lms.xapi.statements import Actor


def actor_of(user: User) -> Actor:
    """The Agent of ``user`` in a statement (an erased person's: a fresh name naming nobody)."""
    return Actor(account_name=user.xapi_account or uuid.uuid4().hex)
