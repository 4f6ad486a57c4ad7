"""Everything the application holds about one person, in one zip (GDPR articles 15 and 20).

The structured data is found through the schema rather than listed by hand: every row of a
table whose owner column (a foreign key to ``users`` deleted with the account) names the
person, then every row that belongs to one of those (an attempt's answers and grades), so a
table added later is in the archive without anyone remembering it."""

import datetime as dt
import io
import json
import uuid
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Table, select
from sqlalchemy.orm import Session

from lms.auth.models import AuditEvent, User
from lms.competence import evidence
from lms.competence.models import Decision
from lms.extensions import Base
from lms.xapi.models import Statement

# Columns that never leave the server, even to their owner: secrets, not data about them.
SECRET_COLUMNS = {"password_hash", "token_hash"}
# Tables of the server's own bookkeeping, not about the person.
SKIPPED_TABLES = {"login_sessions", "xapi_deliveries"}


@dataclass(frozen=True)
class ArchiveFile:
    """One file of the archive beyond the structured data (a record PDF, a credential)."""

    name: str
    data: bytes


def _owner_columns(table: Table) -> list[str]:
    """The columns of ``table`` that say whose row it is."""
    return [
        column.name
        for column in table.columns
        for key in column.foreign_keys
        if key.column.table.name == "users" and key.ondelete == "CASCADE"
    ]


def _plain(value: Any) -> Any:
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, uuid.UUID):
        return str(value)
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


def _rows(session: Session, table: Table, condition) -> list[dict[str, Any]]:
    result = session.execute(select(table).where(condition))
    return [
        {key: _plain(value) for key, value in row._mapping.items() if key not in SECRET_COLUMNS}
        for row in result
    ]


def structured_data(session: Session, user: User) -> dict[str, list[dict[str, Any]]]:
    """Table name -> the person's rows: theirs, and those that belong to theirs."""
    data = {"users": _rows(session, User.__table__, User.id == user.id)}
    owned: dict[str, set[Any]] = {"users": {user.id}}
    tables = [t for t in Base.metadata.sorted_tables if t.name not in SKIPPED_TABLES]
    for table in tables:
        owners = _owner_columns(table)
        if table.name == "users" or not owners:
            continue
        condition = None
        for name in owners:
            clause = table.c[name] == user.id
            condition = clause if condition is None else condition | clause
        data[table.name] = _rows(session, table, condition)
        _remember(owned, table, data[table.name])
    # One level of belonging at a time, in dependency order: answers of their attempts' slots.
    for table in tables:
        if table.name in data:
            continue
        links = [
            (column, key.column)
            for column in table.columns
            for key in column.foreign_keys
            if key.column.table.name in owned and key.column.table.name != "users"
        ]
        if not links:
            continue
        condition = None
        for column, target in links:
            ids = sorted(owned[target.table.name])
            clause = column.in_(ids) if target.primary_key else None
            if clause is not None:
                condition = clause if condition is None else condition | clause
        if condition is None:
            continue
        data[table.name] = _rows(session, table, condition)
        _remember(owned, table, data[table.name])
    # What they did that the audit log recorded (its details may name others: left out).
    events = AuditEvent.__table__
    data["audit_events"] = [
        {key: value for key, value in row.items() if key != "detail"}
        for row in _rows(session, events, events.c.actor_id == user.id)
    ]
    return {name: rows for name, rows in data.items() if rows}


def _remember(owned: dict[str, set[Any]], table: Table, rows: list[dict[str, Any]]) -> None:
    keys = list(table.primary_key.columns)
    if len(keys) == 1 and rows:
        owned[table.name] = {row[keys[0].name] for row in rows}


def statements_of(session: Session, user: User) -> list[dict[str, Any]]:
    """The person's statements, as recorded (xAPI JSON), in recording order."""
    texts = session.scalars(
        select(Statement.text).where(Statement.user_id == user.id).order_by(Statement.seq)
    )
    return [json.loads(text) for text in texts]


def evidence_files(session: Session, user: User, upload_dir: Path) -> Iterable[ArchiveFile]:
    """The evidence files of the decisions about the person that are still stored."""
    query = (
        select(Decision)
        .where(Decision.coach_id == user.id, Decision.attachment_path.is_not(None))
        .order_by(Decision.id)
    )
    for decision in session.scalars(query):
        try:
            path = evidence.resolve(upload_dir, decision.attachment_path)
            data = path.read_bytes()
        except (OSError, ValueError):
            continue
        name = Path(decision.attachment_name or "evidence").name
        yield ArchiveFile(f"evidence/{decision.id}-{name}", data)


def build(
    session: Session,
    user: User,
    *,
    upload_dir: Path,
    extra: Iterable[ArchiveFile] = (),
    now: dt.datetime,
) -> bytes:
    """The zip: ``data.json`` (structured data), ``statements.json`` (xAPI), ``evidence/``, and
    the ``extra`` files the caller renders (the completion record PDF, credentials)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        document = {
            "generated_at": now.isoformat(),
            "person": {"id": user.id, "email": user.email, "name": user.display_name},
            "tables": structured_data(session, user),
        }
        archive.writestr("data.json", json.dumps(document, ensure_ascii=False, indent=1))
        statements = statements_of(session, user)
        archive.writestr("statements.json", json.dumps(statements, ensure_ascii=False, indent=1))
        for item in [*evidence_files(session, user, upload_dir), *extra]:
            archive.writestr(item.name, item.data)
    return buffer.getvalue()


def filename(user: User, now: dt.datetime) -> str:
    return f"personal-data-{user.id}-{now:%Y%m%d}.zip"
