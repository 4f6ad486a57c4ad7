"""What every figure of `make bench` shares: databases, a gunicorn server, signed-in clients."""

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import flask_migrate
import httpx
from flask import session as flask_session
from flask_wtf.csrf import generate_csrf

from lms import create_app
from lms.auth.models import User
from lms.auth.views import sign_in
from lms.catalog.service import load_content
from lms.catalog.validation import validate_tree
from lms.config import DEFAULT_CONTENT_ROOT
from lms.extensions import db
from lms.quiz.types import QUESTION_TYPES
from tests.support.postgres import free_port, running_cluster

ROOT = Path(__file__).resolve().parents[1]
BIN = Path(sys.executable).parent
SECRET_KEY = "bench-secret-key"  # noqa: S105 - throw-away databases on loopback only
USER_AGENT = "lms-bench/1"
WORKERS = 4  # as the README's production command


def load_average() -> float:
    return os.getloadavg()[0]


def announce_load(label: str) -> float:
    """Print the load average as a measure starts (figures from a busy machine are worse)."""
    load = load_average()
    print(f"  {label}: load average {load:.2f}", flush=True)
    return round(load, 2)


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return float("nan")
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@dataclass
class Databases:
    """Hands out fresh, empty databases on one backend."""

    backend: str
    scratch: Path
    postgres: object | None = None
    made: list[str] = field(default_factory=list)

    def new(self, prefix: str) -> str:
        if self.backend == "sqlite":
            url = f"sqlite:///{self.scratch / f'{prefix}-{len(self.made)}.sqlite3'}"
        else:
            url = self.postgres.create_database(prefix)
        self.made.append(url)
        return url


@contextlib.contextmanager
def backends() -> Iterator[list[Databases]]:
    """SQLite and a throw-away PostgreSQL cluster started like the tests start theirs."""
    with tempfile.TemporaryDirectory(prefix="lms-bench-") as scratch, running_cluster() as pg:
        yield [Databases("sqlite", Path(scratch)), Databases("postgresql", Path(scratch), pg)]


def migrated_app(url: str, *, with_content: bool = True):
    """The application on ``url``, migrated and (by default) with the shipped content loaded."""
    app = create_app(
        {
            "SQLALCHEMY_DATABASE_URI": url,
            "SECRET_KEY": SECRET_KEY,
            "SQLALCHEMY_ENGINE_OPTIONS": {},
            "LRS_URL": "",
        }
    )
    with app.app_context():
        flask_migrate.upgrade()
        if with_content:
            load_content(
                db.session, validate_tree(DEFAULT_CONTENT_ROOT, question_types=QUESTION_TYPES)
            )
            db.session.commit()
    return app


def signed_in(app, user_id: int) -> tuple[str, str]:
    """(session cookie, CSRF token) of a signed-in user, as a login would have set them:
    hundreds of coaches sign in without hundreds of Argon2 hashes on the shared cores."""
    environ = {"REMOTE_ADDR": "127.0.0.1"}
    with app.test_request_context(environ_base=environ, headers={"User-Agent": USER_AGENT}):
        sign_in(db.session.get(User, user_id))
        db.session.commit()
        token = generate_csrf()
        cookie = app.session_interface.get_signing_serializer(app).dumps(dict(flask_session))
        db.session.remove()
    return cookie, token


class Server:
    """gunicorn serving the application (or ``target``) on a free loopback port."""

    def __init__(self, url: str, target: str = "lms.wsgi:app", workers: int = WORKERS):
        self.port = free_port()
        self.base_url = f"http://127.0.0.1:{self.port}"
        self.log = tempfile.NamedTemporaryFile(prefix="lms-bench-gunicorn-")  # noqa: SIM115 - closed in __exit__
        env = {
            **os.environ,
            "LMS_DATABASE_URL": url,
            "LMS_SECRET_KEY": SECRET_KEY,
            "LMS_LRS_URL": "",
            "BENCH_DATABASE_URL": url,
        }
        self.process = subprocess.Popen(
            [
                str(BIN / "gunicorn"),
                "--config",
                str(ROOT / "gunicorn.conf.py"),  # the production settings: threads, keep-alive
                "--workers",
                str(workers),
                "--bind",
                f"127.0.0.1:{self.port}",
                "--timeout",
                "120",  # the load generator shares the cores: slow is measured, not killed
                target,
            ],
            cwd=ROOT,
            env=env,
            stdout=self.log,
            stderr=subprocess.STDOUT,
        )

    def __enter__(self) -> "Server":
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                httpx.get(self.base_url + "/healthz", timeout=2)
                return self
            except httpx.TransportError:
                time.sleep(0.2)
        self.__exit__()
        raise RuntimeError(f"gunicorn did not start: {Path(self.log.name).read_text()[-2000:]}")

    def cpu_seconds(self) -> float:
        """CPU time used so far by the server's processes (workers included)."""
        pids = [self.process.pid]
        children = Path(f"/proc/{self.process.pid}/task/{self.process.pid}/children")
        if children.exists():
            pids += [int(pid) for pid in children.read_text().split()]
        ticks = 0
        for pid in pids:
            with contextlib.suppress(OSError):
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
                ticks += int(fields[11]) + int(fields[12])
        return ticks / os.sysconf("SC_CLK_TCK")

    def __exit__(self, *_exc) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()
        self.log.close()

    def client(self, transport: httpx.AsyncHTTPTransport, cookie: str, token: str):
        """An async client of one signed-in user sharing ``transport``'s connections."""
        return httpx.AsyncClient(
            base_url=self.base_url,
            transport=transport,
            cookies={"session": cookie},
            headers={"User-Agent": USER_AGENT, "X-CSRFToken": token},
            timeout=60,
        )


@dataclass
class Tally:
    """Failed requests, and connections the server had closed while idle (kept apart)."""

    errors: int = 0
    resets: int = 0


# What a request on a kept-alive connection meets when the server closed it meanwhile (its
# keep-alive timeout): the request never reached the application, so it is sent again.
RESET = (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError)


async def send(client: httpx.AsyncClient, method: str, url: str, tally: Tally, **kwargs):
    """The response, or None (counted in ``tally.errors``); a reset connection is counted in
    ``tally.resets`` and the request sent once more."""
    for last in (False, True):
        try:
            return await client.request(method, url, **kwargs)
        except RESET:
            if last:
                tally.errors += 1
                return None
            tally.resets += 1
        except httpx.HTTPError:
            tally.errors += 1
            return None
    return None


def result(name, value, unit, goal, baseline, ratio=None, **details) -> dict:
    """One line of results.json; ``ratio`` is value / goal unless given."""
    if ratio is None and goal:
        ratio = value / goal
    return {
        "name": name,
        "value": round(value, 3),
        "unit": unit,
        "goal": goal,
        "baseline": baseline,
        "ratio": None if ratio is None else round(ratio, 3),
        "details": details,
    }
