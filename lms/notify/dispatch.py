"""Compose and send the queued notifications once their transaction has committed.

The flush listener queues new grades by a trainer, new decisions and new live sessions whichever
service or command made them. What each message says is read after the commit, in a session of
its own, from the committed rows.
"""

from contextlib import nullcontext

from flask import current_app, has_app_context, has_request_context
from sqlalchemy import event
from sqlalchemy.orm import Session

from lms import mailer, notices
from lms.competence.models import Decision
from lms.live.models import LiveSession
from lms.notify import messages, preferences
from lms.quiz.models import Grade


@event.listens_for(Session, "after_flush")
def _watch(session: Session, _context) -> None:
    if notices.is_silenced(session):
        return
    for instance in session.new:
        if isinstance(instance, Grade) and instance.grader_id is not None:
            notices.later(session, preferences.ESSAY_GRADED, grade_id=instance.id)
        elif isinstance(instance, Decision):
            notices.later(session, preferences.UNIT_DECIDED, decision_id=instance.id)
        elif isinstance(instance, LiveSession):
            notices.later(session, preferences.SESSION_SCHEDULED, live_id=instance.id)


def deliver(session: Session, queued: list) -> None:
    """Send what ``session`` queued, now that it has committed."""
    if not has_app_context():
        return
    unique = list({repr(entry): entry for entry in queued}.values())
    # Links are built on LMS_BASE_URL; a command (the sweep, the weekly run) has no request.
    context = nullcontext() if has_request_context() else current_app.test_request_context()
    try:
        with context, Session(session.get_bind()) as reader:
            outgoing = [
                message
                for kind, payload in unique
                for message in messages.COMPOSERS[kind](reader, **payload)
            ]
            mailer.send_all(outgoing)
    except Exception:  # what is committed stays so: a notification is never worth a 500
        current_app.logger.exception("notifications not sent: %s", unique)


notices.deliver_with(deliver)
