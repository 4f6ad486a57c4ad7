"""Query-count guards: which SQL statements a request runs."""

import contextlib

from sqlalchemy import event

from lms.extensions import db


@contextlib.contextmanager
def statements_run(app):
    """Yields the list of the SQL statements run inside the block, filled as they run."""
    with app.app_context():
        engine = db.engine
    seen: list[str] = []

    def record(_connection, _cursor, statement, *_args):
        seen.append(statement)

    event.listen(engine, "before_cursor_execute", record)
    try:
        yield seen
    finally:
        event.remove(engine, "before_cursor_execute", record)
