"""The baseline of the autosave figure: a bare Flask + SQLAlchemy endpoint inserting one row."""

import os
import sqlite3
from datetime import UTC, datetime

from flask import Flask, request
from sqlalchemy import DateTime, Integer, String, create_engine, event, func, select
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column


class Base(DeclarativeBase):
    pass


class Saved(Base):
    __tablename__ = "saved"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    client: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(200))
    saved_at: Mapped[datetime] = mapped_column(DateTime(timezone=True))


def create_tables(url: str) -> None:
    engine = create_engine(url)
    Base.metadata.create_all(engine)
    engine.dispose()


def count_rows(url: str) -> int:
    engine = create_engine(url)
    with Session(engine) as session:
        count = session.scalar(select(func.count(Saved.id)))
    engine.dispose()
    return count


def _same_sqlite_settings(dbapi_connection, _record) -> None:
    """The application's SQLite settings (lms/__init__.py), so that both commit alike."""
    if isinstance(dbapi_connection, sqlite3.Connection):
        for pragma in ("journal_mode=WAL", "synchronous=NORMAL", "busy_timeout=10000"):
            dbapi_connection.execute(f"PRAGMA {pragma}")


def create_bare_app() -> Flask:
    bare = Flask(__name__)
    engine = create_engine(os.environ.get("BENCH_DATABASE_URL", "sqlite://"))
    event.listen(engine, "connect", _same_sqlite_settings)

    @bare.post("/save")
    def save():
        with Session(engine) as session:
            session.add(
                Saved(
                    client=request.form["client"],
                    value=request.form["value"],
                    saved_at=datetime.now(UTC),
                )
            )
            session.commit()
        return "saved"

    return bare


app = create_bare_app() if "BENCH_DATABASE_URL" in os.environ else None
