"""What a load balancer asks: can this server answer? The database must be reachable and its
schema at the migrations' head; the forwarder's lag is reported but never makes it unhealthy
(an LRS outage must not take every server out of the balancer)."""

from dataclasses import asdict, dataclass, field
from functools import lru_cache
from pathlib import Path

from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import Session

from lms.timeutil import utcnow
from lms.xapi.queries import ForwardingLag, forwarding_lag


@dataclass
class Health:
    healthy: bool
    database: str
    revision: str | None = None
    head: str | None = None
    forwarder: ForwardingLag | None = None
    problems: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return asdict(self)


@lru_cache(maxsize=4)  # the files change only with a release, which restarts the server
def migrations_head(migrations_dir: Path) -> str | None:
    config = Config()
    config.set_main_option("script_location", str(migrations_dir))
    return ScriptDirectory.from_config(config).get_current_head()


def check(engine: Engine, migrations_dir: Path) -> Health:
    head = migrations_head(migrations_dir)
    try:
        with engine.connect() as connection:
            revision = MigrationContext.configure(connection).get_current_revision()
            lag = None
            if revision == head:
                with Session(bind=connection) as session:
                    lag = forwarding_lag(session, utcnow())
    except SQLAlchemyError as error:
        reason = str(getattr(error, "orig", error)).strip().splitlines()[0]
        return Health(healthy=False, database="unreachable", head=head, problems=[reason])
    if revision != head:
        problem = f"database at revision {revision}, migrations at {head}: run flask setup"
        return Health(False, "reachable", revision, head, problems=[problem])
    return Health(True, "reachable", revision, head, forwarder=lag)
