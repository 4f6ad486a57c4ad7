"""Backups of the whole database and their restore into an empty one.

SQLite: the online backup API (consistent while the server writes). PostgreSQL: pg_dump's custom
format, restored by pg_restore; both programs come from the PostgreSQL client package and must
be at least the server's major version."""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

from sqlalchemy.engine import URL, make_url


class BackupError(RuntimeError):
    """The backup or restore cannot be done; the message says why."""


def backend(url: str) -> str:
    return make_url(url).get_backend_name()


def sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database has nothing to back up")
    return Path(database)


def libpq_url(url: str) -> tuple[str, dict[str, str]]:
    """The URL for pg_dump/pg_restore, and the environment holding its password (kept off the
    command line, where other users of the machine could read it)."""
    parsed: URL = make_url(url)
    env = {"PGPASSWORD": parsed.password} if parsed.password else {}
    plain = parsed.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _program(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} not found: install the PostgreSQL client programs")
    return path


def _run(command: list[str], env: dict[str, str]) -> None:
    result = subprocess.run(
        command, env={**os.environ, **env}, capture_output=True, text=True, check=False
    )
    if result.returncode != 0:
        raise BackupError(f"{Path(command[0]).name} failed: {result.stderr.strip()}")


def _sqlite_copy(source_path: Path, target_path: Path) -> None:
    """Page by page through SQLite's backup API: consistent even while others write."""
    source, target = sqlite3.connect(source_path), sqlite3.connect(target_path)
    try:
        source.backup(target)
    finally:
        target.close()
        source.close()


def backup(url: str, out: Path) -> None:
    """Write a backup of the database at ``url`` to the file ``out``."""
    out.parent.mkdir(parents=True, exist_ok=True)
    if backend(url) == "sqlite":
        _sqlite_copy(sqlite_path(url), out)
    elif backend(url) == "postgresql":
        dsn, env = libpq_url(url)
        _run([_program("pg_dump"), "--format=custom", f"--file={out}", f"--dbname={dsn}"], env)
    else:
        raise BackupError(f"no backup method for {backend(url)}")


def restore(backup_file: Path, url: str, existing_tables: list[str]) -> None:
    """Load ``backup_file`` into the database at ``url``, which must have no tables yet."""
    if not backup_file.is_file():
        raise BackupError(f"{backup_file}: no such file")
    if existing_tables:
        raise BackupError(
            f"the database is not empty ({len(existing_tables)} tables): "
            "restore into a new, empty database"
        )
    if backend(url) == "sqlite":
        sqlite_path(url).parent.mkdir(parents=True, exist_ok=True)
        _sqlite_copy(backup_file, sqlite_path(url))
    elif backend(url) == "postgresql":
        dsn, env = libpq_url(url)
        command = [_program("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error"]
        _run([*command, "--single-transaction", f"--dbname={dsn}", str(backup_file)], env)
    else:
        raise BackupError(f"no restore method for {backend(url)}")
