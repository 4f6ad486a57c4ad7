"""The release as an operator installs it: the wheel alone, in a fresh virtual environment
outside the repository, running exactly the commands of the Dockerfile, compose.yaml, the
Procfile and the systemd units against a throw-away PostgreSQL."""

import shutil
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest

from tests.support.operator_files import (
    REPO,
    compose_command,
    dockerfile_cmd,
    on_this_machine,
    procfile_command,
    systemd_unit,
    unit_exec_start,
)
from tests.support.postgres import free_port
from tests.support.servers import Browser, Process, wait_healthy

pytestmark = [pytest.mark.postgres, pytest.mark.lrs]
PASSWORD = "a-long-enough-password"


def run(command: list[str], **kwargs) -> str:
    result = subprocess.run(command, capture_output=True, text=True, timeout=600, **kwargs)
    assert result.returncode == 0, f"{command} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout + result.stderr


UNVERSIONED = (".git", ".venv*", "build", "dist", "*.egg-info", "__pycache__", "instance", "*.mo")


def clean_copy(destination: Path) -> Path:
    """The sources without what a build or a run left behind (a stale build/ folder would
    leak files into the wheel): the files git would commit, or the tree minus those leftovers."""
    if shutil.which("git") is None or not (REPO / ".git").exists():
        shutil.copytree(REPO, destination, ignore=shutil.ignore_patterns(*UNVERSIONED))
        return destination
    listed = run(["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z"], cwd=REPO)
    for name in filter(None, listed.split("\0")):
        source = REPO / name
        if source.is_file():
            (destination / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, destination / name)
    return destination


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A virtual environment holding the built wheel and its dependencies, nothing else."""
    base = tmp_path_factory.mktemp("release")
    source = clean_copy(base / "src")
    started = time.monotonic()
    run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-w", str(base / "dist"), str(source)])
    (wheel,) = (base / "dist").glob("mobility_coach_lms-*.whl")
    venv = base / "venv"
    run([sys.executable, "-m", "venv", str(venv)])
    run([str(venv / "bin" / "pip"), "install", "--quiet", str(wheel)])
    print(f"wheel built and installed in {time.monotonic() - started:.0f} s")
    return venv


def test_the_installed_wheel_serves_french_and_runs_every_operator_command(
    installed, postgres_server, ralph, tmp_path
):
    venv, etc, home = installed, tmp_path / "etc", tmp_path / "var-lib-lms"
    etc.mkdir()
    home.mkdir()
    shutil.copy(REPO / "gunicorn.conf.py", etc / "gunicorn.conf.py")
    base_url = f"https://wheel-{uuid.uuid4().hex[:8]}.example.org"
    base_iri = f"{base_url}/xapi"
    env = {
        "PATH": f"{venv / 'bin'}:/usr/bin:/bin",
        "HOME": str(home),
        "LMS_ENV": "production",
        "LMS_SECRET_KEY": uuid.uuid4().hex * 2,
        "LMS_DATABASE_URL": postgres_server.create_database("lms_wheel"),
        "LMS_INSTANCE_PATH": str(home),
        "LMS_BASE_URL": base_url,
        "LMS_LRS_URL": ralph.url,
        "LMS_LRS_USERNAME": ralph.username,
        "LMS_LRS_PASSWORD": ralph.password,
        "WEB_CONCURRENCY": "2",
    }

    def command(cmd: list[str]) -> list[str]:
        return on_this_machine(cmd, venv, etc)

    where = run([str(venv / "bin" / "python"), "-c", "import lms; print(lms.__file__)"], cwd=home)
    assert where.strip().startswith(str(venv)), "lms must come from the wheel"

    # Set-up: compose's one-shot service, the systemd unit and the Procfile's release phase.
    first = run(command(compose_command("setup")), env=env, cwd=home)
    assert "content loaded" in first
    assert "content unchanged" in run(
        command(unit_exec_start("lms-setup.service")), env=env, cwd=home
    )
    assert "content unchanged" in run(command(procfile_command("release")), env=env, cwd=home)
    flask = [str(venv / "bin" / "flask"), "--app", "lms.wsgi"]
    run(
        [*flask, "users", "create", "--email", "camille@example.org", "--name", "Camille"]
        + ["--language", "fr", "--password", PASSWORD],
        env=env,
        cwd=home,
    )

    # The image's CMD: a French coach logs in and reads French (compiled catalogue).
    port = free_port()
    with Process(
        command(dockerfile_cmd()),
        env={**env, "PORT": str(port)},
        cwd=home,
        log=tmp_path / "web.log",
    ) as web:
        base = f"http://127.0.0.1:{port}"
        health = wait_healthy(base, web)
        assert health["revision"] == health["head"]
        browser = Browser(base)
        browser.login("camille@example.org", PASSWORD)
        home_page = browser.get("/").text
        assert "Se déconnecter" in home_page and "Log out" not in home_page
        assert browser.get("/modules/C1.1/").status_code == 200  # records `launched`
        browser.close()

    # Forwarder: compose's service (the Procfile runs the same), then the systemd unit.
    assert procfile_command("forwarder") == compose_command("forwarder")
    launched = f"{base_iri}/modules/C1.1"
    with Process(
        command(compose_command("forwarder")), env=env, cwd=home, log=tmp_path / "fwd.log"
    ) as forwarder:
        wait_for(lambda: ralph.statements(activity=launched), forwarder)
        assert forwarder.stop() == 0
    with Process(
        command(unit_exec_start("lms-forwarder.service")),
        env=env,
        cwd=home,
        log=tmp_path / "fwd-unit.log",
    ) as forwarder:
        wait_for(lambda: "forwarding to" in forwarder.output(), forwarder)
        assert forwarder.stop() == 0, forwarder.output()
        assert "sent 0, pending 0, dead 0" in forwarder.output()

    # The deadline sweep, as the timer starts it.
    timer = systemd_unit("lms-sweep.timer")["Timer"]
    assert timer["Unit"] == "lms-sweep.service" and timer["OnCalendar"]
    assert "closed 0 overdue attempt(s)" in run(
        command(unit_exec_start("lms-sweep.service")), env=env, cwd=home
    )
    # The weekly reminders and digests, as their timer starts them.
    timer = systemd_unit("lms-notify.timer")["Timer"]
    assert timer["Unit"] == "lms-notify.service" and timer["OnCalendar"]
    assert "0 digests to trainers; 0 of 0 sent." in run(
        command(unit_exec_start("lms-notify.service")), env=env, cwd=home
    )

    # The retention periods, as their daily timer applies them.
    timer = systemd_unit("lms-retention.timer")["Timer"]
    assert timer["Unit"] == "lms-retention.service" and timer["OnCalendar"]
    assert "evidence files: decisions whose file was deleted: 0" in run(
        command(unit_exec_start("lms-retention.service")), env=env, cwd=home
    )

    # The web unit and the Procfile's web process serve the same installed release.
    for name, web_command, cwd in (
        ("unit", command(unit_exec_start("lms-web.service")), home),
        ("procfile", procfile_command("web"), etc),
    ):
        port = free_port()
        with Process(
            web_command, env={**env, "PORT": str(port)}, cwd=cwd, log=tmp_path / f"{name}.log"
        ) as web:
            wait_healthy(f"http://127.0.0.1:{port}", web)


def wait_for(found, process: Process, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while not found():
        if process.popen.poll() is not None or time.monotonic() > deadline:
            raise AssertionError(
                f"{process.command}: nothing after {timeout} s:\n{process.output()}"
            )
        time.sleep(0.3)
