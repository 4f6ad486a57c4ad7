"""Forwarder throughput to a real Ralph LRS, against posting the same batches directly."""

import tempfile
import time
import uuid
from datetime import UTC, datetime
from pathlib import Path

from benchmarks.harness import migrated_app, result
from lms.extensions import db
from lms.xapi import endpoints, forwarder, outbox
from lms.xapi.models import Statement
from lms.xapi.statements import Actor, ModuleRef, XapiConfig, module_launched
from tests.support.ralph import RalphServer, ensure_ralph_venv

STATEMENTS = 10_000
BATCH = 100
GOAL, BASELINE = 0.95, 0.95
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


def figure() -> dict:
    python = ensure_ralph_venv()
    with tempfile.TemporaryDirectory(prefix="bench-forwarder-") as scratch:
        root = Path(scratch)
        app = migrated_app(f"sqlite:///{root / 'bench.sqlite3'}", with_content=False)
        recorded = record_statements(app)
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
        with app.app_context():
            db.engine.dispose()
    forwarder_rate, direct_rate = STATEMENTS / min(forwarded), STATEMENTS / min(direct)
    return result(
        "forward_ratio", forwarder_rate / direct_rate, "x", GOAL, BASELINE,
        statements=STATEMENTS, batch=BATCH,
        best_of=ROUNDS, forwarder_per_s=round(forwarder_rate), direct_per_s=round(direct_rate),
        recorded_per_s=round(STATEMENTS / recorded),
    )  # fmt: skip
