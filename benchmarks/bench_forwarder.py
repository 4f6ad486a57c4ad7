"""Forwarder throughput to a real Ralph LRS, against posting the same batches directly."""

import sys
import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

import flask_migrate
import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from lms import create_app  # noqa: E402
from lms.extensions import db  # noqa: E402
from lms.xapi import endpoints, forwarder, outbox  # noqa: E402
from lms.xapi.models import Statement  # noqa: E402
from lms.xapi.statements import Actor, ModuleRef, XapiConfig, module_launched  # noqa: E402
from tests.support.ralph import RalphServer, ensure_ralph_venv  # noqa: E402

STATEMENTS = 10_000
BATCH = 100
GOAL = 0.9
ROUNDS = 3
CONFIG = XapiConfig("https://lms.example.org/xapi")


def record_statements(app) -> float:
    """Record STATEMENTS statements through the outbox; returns the seconds it took."""
    module = ModuleRef("BENCH", {"en": "Benchmark module"}, ("C1.1",))
    started = time.perf_counter()
    with app.app_context():
        for number in range(STATEMENTS):
            statement = module_launched(
                CONFIG,
                statement_id=uuid.uuid4(),
                timestamp=datetime.now(UTC),
                actor=Actor(f"coach{number % 200}@example.org", f"Coach {number % 200}"),
                module=module,
                registration=uuid.uuid4(),
            )
            outbox.record(db.session, statement)
            if number % 1000 == 999:
                db.session.commit()
        db.session.commit()
    return time.perf_counter() - started


def forward(app, ralph: RalphServer, name: str) -> float:
    """Seconds `forward --once` takes to deliver everything to ``ralph``, a new endpoint."""
    with app.app_context():
        endpoints.save_endpoint(
            db.session,
            endpoint_id=None,
            name=name,
            url=ralph.url,
            username=ralph.username,
            password=ralph.password,
            scope="all",
            active=True,
        )
        db.session.commit()
        targets = endpoints.load_targets(db.session, app.config, name)
        engine = db.engine
    worker = forwarder.Forwarder(engine, targets, forwarder.ForwardSettings(batch_size=BATCH))
    started = time.perf_counter()
    report = worker.run_once()
    elapsed = time.perf_counter() - started
    if report.exit_code != 0 or report.sent != STATEMENTS:
        raise SystemExit(f"forwarding failed: {report.line}")
    return elapsed


def post_directly(texts: list[str], ralph: RalphServer) -> float:
    """Seconds to POST the same batches, byte for byte, with a bare httpx client."""
    started = time.perf_counter()
    with ralph.http() as client:
        for start in range(0, len(texts), BATCH):
            body = "[" + ",".join(texts[start : start + BATCH]) + "]"
            response = client.post(
                f"{ralph.url}/statements",
                content=body.encode(),
                headers={"Content-Type": "application/json"},
            )
            response.raise_for_status()
    return time.perf_counter() - started


def with_fresh_ralph(python: Path, workdir: Path, run) -> float:
    """Time ``run(server)`` against a Ralph with an empty store (its cost grows with it)."""
    server = RalphServer(python, workdir)
    server.start()
    try:
        return run(server)
    finally:
        server.stop()


def main() -> int:
    python = ensure_ralph_venv()
    with tempfile.TemporaryDirectory(prefix="bench-forwarder-") as scratch:
        root = Path(scratch)
        app = create_app(
            {
                "SQLALCHEMY_DATABASE_URI": f"sqlite:///{root / 'bench.sqlite3'}",
                "SQLALCHEMY_ENGINE_OPTIONS": {},
                "LRS_URL": "",
            }
        )
        with app.app_context():
            flask_migrate.upgrade()
        recorded = record_statements(app)
        print(f"recorded {STATEMENTS} statements in {recorded:.1f} s "
              f"({STATEMENTS / recorded:.0f}/s, one validation and insert each)")  # fmt: skip
        with app.app_context():
            texts = list(db.session.scalars(db.select(Statement.text).order_by(Statement.seq)))

        # Interleaved rounds, best of each: the machine's noise hits both sides alike.
        forwarded, direct = [], []
        for round_number in range(ROUNDS):
            forwarded.append(
                with_fresh_ralph(
                    python,
                    root / f"ralph-forwarder-{round_number}",
                    lambda server, n=round_number: forward(app, server, f"bench-{n}"),
                )
            )
            direct.append(
                with_fresh_ralph(
                    python,
                    root / f"ralph-direct-{round_number}",
                    lambda server: post_directly(texts, server),
                )
            )
            print(f"round {round_number + 1}: forwarder {forwarded[-1]:.2f} s, "
                  f"direct {direct[-1]:.2f} s")  # fmt: skip
        with app.app_context():
            db.engine.dispose()

    forwarder_rate, direct_rate = STATEMENTS / min(forwarded), STATEMENTS / min(direct)
    ratio = forwarder_rate / direct_rate
    print(f"forwarder: {forwarder_rate:.0f} statements/s (best of {ROUNDS}, batches of {BATCH})")
    print(f"direct httpx: {direct_rate:.0f} statements/s (best of {ROUNDS})")
    print(f"ratio: {ratio:.2f} (goal >= {GOAL}) {'OK' if ratio >= GOAL else 'BELOW GOAL'}")
    return 0 if ratio >= GOAL else 1


if __name__ == "__main__":
    try:
        sys.exit(main())
    except httpx.HTTPError as error:
        sys.exit(f"LRS error: {error}")
