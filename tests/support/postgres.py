"""A throw-away PostgreSQL cluster for the test session, started from Debian's binaries."""

import glob
import os
import shutil
import socket
import subprocess
import tempfile
import uuid
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path

import pytest

IN_CI = os.environ.get("CI", "").lower() == "true"


def unavailable(reason: str):
    """Missing infrastructure: a failure in CI, a skip with the reason elsewhere."""
    if IN_CI:
        pytest.fail(f"CI=true but {reason}", pytrace=False)
    pytest.skip(reason)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class PostgresServer:
    socket_dir: Path
    port: int
    user: str = "lms"

    def url(self, database: str) -> str:
        return (
            f"postgresql+psycopg://{self.user}@/{database}?host={self.socket_dir}&port={self.port}"
        )

    def create_database(self, prefix: str = "lms_test") -> str:
        import psycopg

        name = f"{prefix}_{uuid.uuid4().hex[:10]}"
        with psycopg.connect(
            host=str(self.socket_dir),
            port=self.port,
            user=self.user,
            dbname="postgres",
            autocommit=True,
        ) as connection:
            connection.execute(f'CREATE DATABASE "{name}"')
        return self.url(name)


def _binaries() -> Path | None:
    found = sorted(glob.glob("/usr/lib/postgresql/*/bin/initdb"))
    return Path(found[-1]).parent if found else None


def _run(command: list[str], as_postgres: bool) -> None:
    if as_postgres:
        command = ["runuser", "-u", "postgres", "--", *command]
    subprocess.run(command, check=True, capture_output=True, text=True)


class Unavailable(RuntimeError):
    """PostgreSQL cannot run here; the message says why."""


@contextmanager
def running_cluster():
    """A throw-away cluster on a Unix socket (also used by `make bench`)."""
    bin_dir = _binaries()
    if bin_dir is None:
        raise Unavailable("PostgreSQL binaries not found in /usr/lib/postgresql/*/bin")
    # initdb refuses to run as root: run the cluster as the postgres system user.
    as_postgres = os.geteuid() == 0
    if as_postgres and shutil.which("runuser") is None:
        raise Unavailable("running as root without runuser to drop privileges for PostgreSQL")
    base = Path(tempfile.mkdtemp(prefix="lms-pg-"))
    if as_postgres:
        shutil.chown(base, "postgres", "postgres")
    data, port = base / "data", free_port()
    try:
        _run(
            [
                str(bin_dir / "initdb"),
                "-D",
                str(data),
                "-A",
                "trust",
                "-U",
                "lms",
                "--no-sync",
                "-E",
                "UTF8",
            ],
            as_postgres,
        )
        _run(
            [
                str(bin_dir / "pg_ctl"),
                "-D",
                str(data),
                "-l",
                str(base / "log"),
                "-w",
                "-o",
                f"-k {base} -p {port} -c listen_addresses='' -c fsync=off "
                "-c synchronous_commit=off -c full_page_writes=off",
                "start",
            ],
            as_postgres,
        )
    except subprocess.CalledProcessError as error:
        shutil.rmtree(base, ignore_errors=True)
        raise Unavailable(f"PostgreSQL did not start: {error.stderr.strip()[-500:]}") from error
    try:
        yield PostgresServer(socket_dir=base, port=port)
    finally:
        subprocess.run(
            (["runuser", "-u", "postgres", "--"] if as_postgres else [])
            + [str(bin_dir / "pg_ctl"), "-D", str(data), "-m", "immediate", "stop"],
            capture_output=True,
        )
        shutil.rmtree(base, ignore_errors=True)


@pytest.fixture(scope="session")
def postgres_server():
    with ExitStack() as stack:
        try:
            server = stack.enter_context(running_cluster())
        except Unavailable as error:
            unavailable(str(error))
        yield server
