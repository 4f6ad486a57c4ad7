"""Notifications waiting for a commit: any package queues one on its database session, and it is
sent only once that session commits; a rollback drops it.

This module knows no domain, so every layer may call it (a credential service below the
competences, for one). ``lms.notify`` composes and sends the messages: it registers itself with
:func:`deliver_with` when the application starts, and watches the new grades, decisions and live
sessions by itself.
"""

from collections.abc import Callable, Iterator
from contextlib import contextmanager

from sqlalchemy import event
from sqlalchemy.orm import Session, scoped_session

CREDENTIAL_ISSUED = "credential_issued"
_QUEUE = "lms.notices.queue"
_SILENT = "lms.notices.silent"
_deliver: Callable[[Session, list], None] | None = None


def later(session: Session | scoped_session, kind: str, **payload) -> None:
    """Send the ``kind`` notification once ``session`` commits (``payload``: plain values)."""
    if isinstance(session, scoped_session):
        session = session()
    if session.info.get(_SILENT):
        return
    if not session.in_transaction():
        session.begin()  # so that its commit or rollback decides
    session.info.setdefault(_QUEUE, []).append((kind, payload))


def credential_issued(session: Session, *, user_id: int, title: dict | str, url: str) -> None:
    """Tell a coach a credential was issued to them, once the caller's transaction commits.

    ``title`` is a language map (``{"fr": …, "en": …}``) or one text; ``url`` is where the
    coach sees or downloads the credential. The coach may switch this notification off."""
    later(session, CREDENTIAL_ISSUED, user_id=user_id, title=title, url=url)


@contextmanager
def silenced(session: Session | scoped_session) -> Iterator[None]:
    """Nothing queued inside (the demo's simulated cohort notifies nobody)."""
    info = session.info
    info[_SILENT] = True
    try:
        yield
    finally:
        info.pop(_SILENT, None)


def is_silenced(session: Session) -> bool:
    return bool(session.info.get(_SILENT))


def deliver_with(deliver: Callable[[Session, list], None]) -> None:
    """``deliver(session, queued)`` is called after each commit that queued something."""
    global _deliver
    _deliver = deliver


@event.listens_for(Session, "after_commit")
def _after_commit(session: Session) -> None:
    queued = session.info.pop(_QUEUE, None)
    if queued and _deliver is not None:
        _deliver(session, queued)


@event.listens_for(Session, "after_transaction_end")
def _drop(session: Session, transaction) -> None:
    if transaction.parent is None:  # the outermost transaction ended without a commit
        session.info.pop(_QUEUE, None)
