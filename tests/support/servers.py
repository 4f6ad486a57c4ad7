"""Application servers started as real processes, and a browser-like HTTP client for them."""

import contextlib
import re
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx

CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')


class Process:
    """A long-running command whose output goes to a log file (no pipe to fill up)."""

    def __init__(self, command: list[str], *, env: dict, cwd: Path, log: Path) -> None:
        self.command, self.log = command, log
        with log.open("wb") as output:
            self.popen = subprocess.Popen(
                command, env=env, cwd=cwd, stdout=output, stderr=subprocess.STDOUT
            )

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")

    def stop(self, timeout: float = 30) -> int:
        """SIGTERM, as systemd and docker stop do; the exit code."""
        if self.popen.poll() is None:
            self.popen.terminate()
        try:
            return self.popen.wait(timeout)
        except subprocess.TimeoutExpired:
            self.popen.kill()
            self.popen.wait()
            raise AssertionError(f"{self.command} ignored SIGTERM:\n{self.output()}") from None

    def __enter__(self) -> "Process":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()


def wait_healthy(base_url: str, process: Process, timeout: float = 90) -> dict:
    """Poll /healthz until it answers 200; fail early with the log when the process dies."""
    deadline = time.monotonic() + timeout
    last = "no answer"
    while time.monotonic() < deadline:
        if process.popen.poll() is not None:
            raise AssertionError(f"{process.command} exited:\n{process.output()}")
        try:
            response = httpx.get(f"{base_url}/healthz", timeout=5)
            if response.status_code == 200:
                return response.json()
            last = f"{response.status_code} {response.text[:300]}"
        except httpx.TransportError as error:
            last = str(error)
        time.sleep(0.2)
    raise AssertionError(f"{base_url}/healthz never became healthy ({last}):\n{process.output()}")


class Browser:
    """Cookies kept by hand: production cookies are Secure, and an HTTP client rightly keeps
    Secure cookies off plain http, where these test servers listen."""

    def __init__(self, base_url: str) -> None:
        self.base_url = base_url
        self.cookies: dict[str, str] = {}
        self.http = httpx.Client(base_url=base_url, timeout=30)

    def _headers(self, given: dict) -> dict:
        self.http.cookies.clear()
        headers = {**given, "Accept-Language": "en"}
        if self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        return headers

    def request(self, method: str, path: str, **kwargs) -> httpx.Response:
        headers = self._headers(kwargs.pop("headers", {}))
        response = self.http.request(method, path, headers=headers, **kwargs)
        self.cookies.update(response.cookies)
        return response

    @contextlib.contextmanager
    def events(self, path: str) -> Iterator[Iterator[str]]:
        """A server-sent event stream, as the text of one event after another."""
        with self.http.stream("GET", path, headers=self._headers({})) as response:
            assert response.status_code == 200, f"{path}: {response.status_code}"
            yield (block for block in _event_blocks(response.iter_lines()))

    def get(self, path: str, **kwargs) -> httpx.Response:
        return self.request("GET", path, **kwargs)

    def post_form(self, path: str, data: dict, form_page: str = "/") -> httpx.Response:
        """POST a form with the CSRF token of the page at ``form_page``."""
        page = self.get(form_page, follow_redirects=True).text
        match = CSRF.search(page)
        assert match, f"no CSRF token on {form_page}"
        return self.request("POST", path, data={**data, "csrf_token": match.group(1)})

    def login(self, email: str, password: str) -> None:
        response = self.post_form("/login", {"email": email, "password": password}, "/login")
        assert response.status_code == 302, f"login of {email} failed: {response.status_code}"

    def close(self) -> None:
        self.http.close()


def _event_blocks(lines: Iterator[str]) -> Iterator[str]:
    block: list[str] = []
    for line in lines:
        if line:
            block.append(line)
        elif block:
            yield "\n".join(block)
            block = []
