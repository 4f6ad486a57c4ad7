"""What every figure of `make bench` shares: databases, a gunicorn server, signed-in clients."""

import contextlib
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import flask_migrate
import httpcore
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
START_SECONDS = 300


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
        # Four workers importing the application take minutes on a machine loaded 20 times over.
        deadline = time.monotonic() + START_SECONDS
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                break
            try:
                httpx.get(self.base_url + "/healthz", timeout=5)
                return self
            except httpx.TransportError:
                time.sleep(0.5)
        log = Path(self.log.name).read_text()[-2000:]  # read before __exit__ deletes it
        self.__exit__()
        raise RuntimeError(f"gunicorn did not start in {START_SECONDS} s: {log}")

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

    def client(self, pool: httpcore.AsyncConnectionPool, cookie: str, token: str) -> "Client":
        """A signed-in user's client sharing ``pool``'s connections."""
        return Client(pool, self.base_url, cookie, token)


# The load generator shares the two cores with the server: its requests go through httpcore,
# the connection layer under httpx, without httpx's client layer (URL objects, a cookie jar and
# header merging on every request), which costs about 35 % less CPU per request here.
TIMEOUTS = {"timeout": {"connect": 60.0, "read": 60.0, "write": 60.0, "pool": 60.0}}


def connections(limit: int = 10) -> httpcore.AsyncConnectionPool:
    """Kept-alive loopback connections shared by the clients of one measure."""
    return httpcore.AsyncConnectionPool(max_connections=limit)


@dataclass
class Reply:
    status_code: int
    content: bytes
    headers: dict[str, str]


class Client:
    """One signed-in user: the session cookie and CSRF token in headers built once."""

    def __init__(self, pool: httpcore.AsyncConnectionPool, base_url: str, cookie: str, token: str):
        self.pool, self.base_url = pool, base_url
        self.headers = [
            (b"Host", urlsplit(base_url).netloc.encode()),
            (b"User-Agent", USER_AGENT.encode()),
            (b"Cookie", f"session={cookie}".encode()),
            (b"X-CSRFToken", token.encode()),
        ]

    def _prepared(self, url: str, params, data, headers) -> tuple[str, list, bytes]:
        target = self.base_url + url + (f"?{urlencode(params)}" if params else "")
        head = self.headers + [(k.encode(), str(v).encode()) for k, v in (headers or {}).items()]
        body = b""
        if data is not None:
            body = urlencode(data).encode()
            head += [(b"Content-Type", b"application/x-www-form-urlencoded")]
            head += [(b"Content-Length", str(len(body)).encode())]
        return target, head, body

    async def request(
        self, method: str, url: str, *, params=None, data=None, headers=None,
        follow_redirects: bool = False,
    ) -> Reply:  # fmt: skip
        target, head, body = self._prepared(url, params, data, headers)
        response = await self.pool.request(
            method, target, headers=head, content=body, extensions=TIMEOUTS
        )
        reply = Reply(
            response.status,
            response.content,
            {key.decode().lower(): value.decode() for key, value in response.headers},
        )
        if (
            follow_redirects
            and reply.status_code in (301, 302, 303)
            and "location" in reply.headers
        ):
            location = urlsplit(reply.headers["location"])
            path = location.path + (f"?{location.query}" if location.query else "")
            return await self.request("GET", path)
        return reply

    @contextlib.asynccontextmanager
    async def stream(self, method: str, url: str, *, headers=None) -> AsyncIterator["Stream"]:
        target, head, _ = self._prepared(url, None, None, headers)
        async with self.pool.stream(method, target, headers=head, extensions=TIMEOUTS) as response:
            yield Stream(response)


class Stream:
    """A response read as it arrives (server-sent events), line by line."""

    def __init__(self, response: httpcore.Response):
        self.status_code = response.status
        self._response = response

    async def aiter_lines(self) -> AsyncIterator[str]:
        pending = b""
        async for chunk in self._response.aiter_stream():
            pending += chunk
            *lines, pending = pending.split(b"\n")
            for line in lines:
                yield line.rstrip(b"\r").decode()
        if pending:
            yield pending.rstrip(b"\r").decode()


@dataclass
class Tally:
    """Failed requests (and what failed: status or exception), and connections the server
    had closed while idle (kept apart)."""

    errors: int = 0
    resets: int = 0
    failures: Counter = field(default_factory=Counter)

    def failed(self, what: str) -> None:
        self.errors += 1
        self.failures[what] += 1

    def expect(self, what: str, reply: "Reply | None", status: int = 200) -> bool:
        """Whether ``reply`` has ``status``; any other status is a failure (a missing reply
        was counted by ``send``)."""
        if reply is not None and reply.status_code != status:
            self.failed(f"{what} {reply.status_code}")
        return reply is not None and reply.status_code == status


# What a request on a kept-alive connection meets when the server closed it meanwhile (its
# keep-alive timeout): the request never reached the application, so it is sent again.
RESET = (httpcore.RemoteProtocolError, httpcore.ReadError, httpcore.WriteError)
# Any other failure of a request: counted as an error.
FAILED = (httpcore.NetworkError, httpcore.ProtocolError, httpcore.TimeoutException)


async def send(client: Client, method: str, url: str, tally: Tally, **kwargs) -> Reply | None:
    """The response, or None (counted in ``tally.errors``); a reset connection is counted in
    ``tally.resets`` and the request sent once more."""
    for last in (False, True):
        try:
            return await client.request(method, url, **kwargs)
        except RESET as error:
            if last:
                tally.failed(f"{method} {type(error).__name__}")
                return None
            tally.resets += 1
        except FAILED as error:
            tally.failed(f"{method} {type(error).__name__}")
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
