"""Exports of recorded statements: JSON Lines or a JSON array, and cohort completion records."""

import json
from collections.abc import Collection, Iterable, Iterator
from datetime import UTC, date, datetime, time, timedelta
from typing import IO

from sqlalchemy import select
from sqlalchemy.orm import Session

from lms.xapi import vocabulary as v
from lms.xapi.models import COMPLETION_VERBS, Statement
from lms.xapi.validation import parse_timestamp

FORMATS = ("jsonl", "json")


def parse_bound(text: str, *, end: bool = False) -> datetime:
    """A period bound typed by a person: a date (``2026-06-30``, the whole day counts, so an
    ``end`` date means the next midnight) or an ISO 8601 timestamp with an offset."""
    text = text.strip()
    try:
        day = date.fromisoformat(text)
    except ValueError:
        moment = parse_timestamp(text)
        if moment is None:
            raise ValueError(
                f"{text!r} is neither a date (YYYY-MM-DD) nor a timestamp with an offset"
            ) from None
        return moment.astimezone(UTC)
    start = datetime.combine(day, time(), tzinfo=UTC)
    return start + timedelta(days=1) if end else start


def _period(query, since: datetime | None, until: datetime | None):
    # Event time (the statement's timestamp), since included, until excluded.
    if since is not None:
        query = query.where(Statement.timestamp >= since)
    if until is not None:
        query = query.where(Statement.timestamp < until)
    return query


def statement_texts(
    session: Session,
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    actor_ifis: Collection[str] | None = None,
    user_ids: Collection[int] | None = None,
) -> Iterator[str]:
    """The canonical texts of the recorded statements (voided ones too), in recording order."""
    query = _period(select(Statement.text), since, until).order_by(Statement.seq)
    if actor_ifis is not None:
        query = query.where(Statement.actor_ifi.in_(list(actor_ifis)))
    if user_ids is not None:
        query = query.where(Statement.user_id.in_(list(user_ids)))
    yield from session.scalars(query.execution_options(yield_per=500))


def completion_statements(
    session: Session,
    user_ids: Collection[int],
    since: datetime | None,
    until: datetime | None,
    *,
    include_voided: bool = True,
) -> list[dict]:
    """The completion-scope statements (completed, passed, failed, mastered) of these accounts
    in the period, with the ``voided`` statements revoking any of them, in recording order.
    ``include_voided=False`` keeps only the records still standing (no voided, no voiding)."""
    achieved = _period(
        select(Statement).where(
            Statement.user_id.in_(list(user_ids)),
            Statement.verb.in_([verb for verb in COMPLETION_VERBS if verb != v.VERB_VOIDED]),
        ),
        since,
        until,
    )
    if not include_voided:
        achieved = achieved.where(Statement.voided.is_(False))
    rows = list(session.scalars(achieved.order_by(Statement.seq)))
    voided_ids = [row.id for row in rows if row.voided]
    if voided_ids:
        revoking = select(Statement).where(
            Statement.verb == v.VERB_VOIDED, Statement.object_id.in_(voided_ids)
        )
        rows = sorted([*rows, *session.scalars(revoking)], key=lambda row: row.seq)
    return [json.loads(row.text) for row in rows]


def write(texts: Iterable[str], out: IO[str], fmt: str = "jsonl") -> int:
    """Write statement texts as JSON Lines (one per line) or one JSON array; returns how many.
    The texts go out verbatim, as stored and as sent to the LRS."""
    if fmt not in FORMATS:
        raise ValueError(f"format must be one of {FORMATS}")
    count = 0
    if fmt == "jsonl":
        for text in texts:
            out.write(text + "\n")
            count += 1
        return count
    out.write("[")
    for text in texts:
        out.write(("," if count else "") + "\n" + text)
        count += 1
    out.write("\n]\n" if count else "]\n")
    return count
