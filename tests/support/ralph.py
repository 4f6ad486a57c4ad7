"""A real Ralph LRS for tests: its own venv, a fixed FS backend, a session-scoped fixture."""

import fcntl
import hashlib
import json
import os
import secrets
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urljoin

import httpx
import pytest

from lms.xapi import endpoints

REPO_ROOT = Path(__file__).resolve().parents[2]
VENV_DIR = REPO_ROOT / ".venv-ralph"
# Ralph 5.1.0's OIDC module imports requests, which none of the cli/lrs extras pull in.
RALPH_REQUIREMENTS = ["ralph-malph[cli,lrs]==5.1.0", "requests>=2,<3"]
RALPH_VERSION = "5.1.0"
START_TIMEOUT = 60.0
PIP_TIMEOUT = 1200
XAPI_VERSION = "1.0.3"


class RalphUnavailable(RuntimeError):
    """Ralph could not be installed or did not come up; the message says why."""


def _run(command: list[str], timeout: float, **kwargs: Any) -> subprocess.CompletedProcess:
    return subprocess.run(
        command, capture_output=True, text=True, timeout=timeout, check=False, **kwargs
    )


def _tail(text: str, lines: int = 25) -> str:
    return "\n".join(text.strip().splitlines()[-lines:])


def _venv_python(venv: Path) -> Path:
    return venv / "bin" / "python"


def _venv_is_usable(venv: Path) -> bool:
    python = _venv_python(venv)
    if not python.exists():
        return False
    probe = (
        "import importlib.metadata as m, bcrypt, uvicorn, ralph.api;"
        f"assert m.version('ralph-malph') == {RALPH_VERSION!r}"
    )
    with tempfile.TemporaryDirectory(prefix="ralph-probe-") as scratch:
        # Importing ralph.api builds the configured backend, hence the FS settings.
        env = {**_clean_env(), "RALPH_RUNSERVER_BACKEND": "fs", "RALPH_APP_DIR": scratch}
        try:
            probed = _run([str(python), "-c", probe], timeout=120, env=env, cwd=scratch)
        except subprocess.TimeoutExpired:
            return False
    return probed.returncode == 0


def ensure_ralph_venv(venv: Path = VENV_DIR) -> Path:
    """Return the Python of Ralph's own venv, building it first if it is missing or broken."""
    if _venv_is_usable(venv):
        return _venv_python(venv)
    # One builder at a time, even with several pytest processes on the machine.
    lock_name = "ralph-venv-" + hashlib.sha256(str(venv).encode()).hexdigest()[:12] + ".lock"
    with open(Path(tempfile.gettempdir()) / lock_name, "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if _venv_is_usable(venv):
            return _venv_python(venv)
        python3 = shutil.which("python3") or sys.executable
        try:
            if not _venv_python(venv).exists():
                made = _run([python3, "-m", "venv", str(venv)], timeout=300, env=_clean_env())
                if made.returncode != 0:
                    raise RalphUnavailable(f"python3 -m venv failed:\n{_tail(made.stderr)}")
            pip = [str(_venv_python(venv)), "-m", "pip", "install", "--disable-pip-version-check"]
            installed = _run([*pip, *RALPH_REQUIREMENTS], timeout=PIP_TIMEOUT, env=_clean_env())
        except subprocess.TimeoutExpired as error:
            raise RalphUnavailable(f"building {venv.name} timed out: {error}") from error
        if installed.returncode != 0:
            output = _tail(installed.stdout + "\n" + installed.stderr)
            raise RalphUnavailable(f"pip install {' '.join(RALPH_REQUIREMENTS)} failed:\n{output}")
        if not _venv_is_usable(venv):
            raise RalphUnavailable(f"{venv.name} was built but Ralph does not import")
    return _venv_python(venv)


def _clean_env() -> dict[str, str]:
    """Our environment without what would make the venv's Python see another interpreter's
    packages or an unrelated Ralph configuration."""
    dropped = ("VIRTUAL_ENV", "PYTHONPATH", "PYTHONHOME", "PYTHONSTARTUP")
    return {
        key: value
        for key, value in os.environ.items()
        if key not in dropped and not key.startswith("RALPH_")
    }


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class RalphServer:
    """One Ralph process on a loopback port; stop() and start() keep the port and the data."""

    # By package path: on sys.path, tests/support itself would shadow Ralph with this very
    # module (ralph.py).
    app_target = "tests.support.ralph_app:app"

    def __init__(
        self, python: Path, workdir: Path, username: str = "lms", password: str | None = None
    ) -> None:
        self.python = python
        self.workdir = workdir
        self.username = username
        self.password = password or secrets.token_urlsafe(16)
        self.port = _free_port()
        self.data_dir = workdir / "lrs"
        self.app_dir = workdir / "app"
        self.auth_file = workdir / "auth.json"
        self.log_file = workdir / "ralph.log"
        self._process: subprocess.Popen | None = None
        self._log: Any = None
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.app_dir.mkdir(parents=True, exist_ok=True)
        self._write_auth_file()

    @property
    def root_url(self) -> str:
        """The server root, where the heartbeat lives."""
        return f"http://127.0.0.1:{self.port}"

    @property
    def url(self) -> str:
        """The xAPI endpoint for an LRS client; statements are at ``url/statements``."""
        return f"{self.root_url}/xAPI"

    @property
    def running(self) -> bool:
        """True while the Ralph process is alive."""
        return self._process is not None and self._process.poll() is None

    def _write_auth_file(self) -> None:
        hashed = _run(
            [
                str(self.python),
                "-c",
                "import bcrypt, sys; "
                # Four rounds: the cost only guards a throw-away test password.
                "print(bcrypt.hashpw(sys.stdin.read().encode(), bcrypt.gensalt(4)).decode())",
            ],
            timeout=60,
            input=self.password,
            env=_clean_env(),
        )
        if hashed.returncode != 0:
            raise RalphUnavailable(f"bcrypt hashing failed:\n{_tail(hashed.stderr)}")
        users = [
            {
                "username": self.username,
                "hash": hashed.stdout.strip(),
                "scopes": ["all"],
                "agent": {"mbox": f"mailto:{self.username}@example.org"},
            }
        ]
        self.auth_file.write_text(json.dumps(users), encoding="utf-8")

    def _environment(self) -> dict[str, str]:
        env = _clean_env()
        env.update(
            {
                "RALPH_RUNSERVER_BACKEND": "fs",
                "RALPH_AUTH_FILE": str(self.auth_file),
                "RALPH_APP_DIR": str(self.app_dir),
                "RALPH_BACKENDS__LRS__FS__DEFAULT_DIRECTORY_PATH": str(self.data_dir),
            }
        )
        return env

    def start(self, timeout: float = START_TIMEOUT) -> None:
        """Start Ralph (if it is not running) and wait for its heartbeat."""
        if self.running:
            return
        self._log = open(self.log_file, "a", encoding="utf-8")  # noqa: SIM115 - kept open while it runs
        command = [
            str(self.python),
            "-m",
            "uvicorn",
            self.app_target,
            "--app-dir",
            str(REPO_ROOT),
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--log-level",
            "warning",
        ]
        # cwd is the temp dir because Ralph reads ./.env from wherever it starts.
        self._process = subprocess.Popen(
            command,
            cwd=self.workdir,
            env=self._environment(),
            stdout=self._log,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
        self._wait_for_heartbeat(timeout)

    def _wait_for_heartbeat(self, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            assert self._process is not None
            code = self._process.poll()
            if code is not None:
                self.stop()
                raise RalphUnavailable(f"Ralph exited with code {code}:\n{self._log_tail()}")
            try:
                if httpx.get(f"{self.root_url}/__heartbeat__", timeout=1.0).status_code == 200:
                    return
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        self.stop()
        raise RalphUnavailable(f"no heartbeat within {timeout:.0f} s:\n{self._log_tail()}")

    def _log_tail(self) -> str:
        try:
            return _tail(self.log_file.read_text(encoding="utf-8", errors="replace"))
        except OSError:
            return "(no log)"

    def stop(self) -> None:
        """Stop Ralph: terminate, then kill if it lingers. The data directory stays."""
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait(timeout=10)
        if self._log is not None:
            self._log.close()
            self._log = None

    def http(self) -> httpx.Client:
        """An HTTP client already carrying Ralph's credentials and the xAPI version header."""
        return httpx.Client(
            auth=httpx.BasicAuth(self.username, self.password),
            headers={"X-Experience-API-Version": XAPI_VERSION},
            timeout=10.0,
        )

    def statements(self, **params: Any) -> list[dict]:
        """Every stored statement matching ``params`` (verb=, activity=, limit=…), following
        the ``more`` links page by page."""
        found: list[dict] = []
        with self.http() as client:
            response = client.get(f"{self.url}/statements", params=params)
            for _ in range(100_000):
                response.raise_for_status()
                page = response.json()
                found.extend(page.get("statements", []))
                more = page.get("more")
                if not more or not page.get("statements"):
                    return found
                response = client.get(urljoin(self.root_url + "/", more))
        raise RuntimeError("Ralph kept answering with a 'more' link")

    def statement(self, statement_id: str) -> dict | None:
        """One stored statement by id, or None."""
        with self.http() as client:
            response = client.get(f"{self.url}/statements", params={"statementId": statement_id})
        if response.status_code == 404:
            return None
        response.raise_for_status()
        payload = response.json()
        # Ralph wraps a single statement in a StatementResult; the spec returns it bare.
        if isinstance(payload, dict) and "statements" in payload:
            matches = [s for s in payload["statements"] if s.get("id") == statement_id]
            return matches[0] if matches else None
        return payload


def _unavailable(reason: str) -> NoReturn:
    message = f"Ralph LRS unavailable: {reason}"
    if os.environ.get("CI") == "true":
        pytest.fail(message, pytrace=False)
    print(message, file=sys.stderr)
    pytest.skip(message)


@pytest.fixture(scope="session")
def ralph(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RalphServer]:
    """A running Ralph LRS shared by the session: ``url``, ``username``, ``password``,
    ``statements()``, and ``stop()``/``start()`` on the same port and data."""
    try:
        python = ensure_ralph_venv()
        server = RalphServer(python, tmp_path_factory.mktemp("ralph"))
        server.start()
    except (RalphUnavailable, OSError, subprocess.SubprocessError) as error:
        _unavailable(str(error))
    try:
        yield server
    finally:
        server.stop()


def add_endpoint(
    session, url: str, ralph, name: str = "ralph", scope: str = "all", actor_identity: str = "mbox"
) -> None:
    endpoints.save_endpoint(
        session,
        endpoint_id=None,
        name=name,
        url=url,
        username=ralph.username,
        password=ralph.password,
        scope=scope,
        active=True,
        actor_identity=actor_identity,
    )
    session.commit()
