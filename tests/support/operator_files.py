"""The commands the operator files run, read from the files themselves (never copied into a
test), and mapped from the image's and the units' paths onto a test's own folders."""

import configparser
import json
import shlex
from pathlib import Path

import yaml

REPO = Path(__file__).resolve().parents[2]
# Where the Dockerfile and the systemd units put the virtual environment and gunicorn.conf.py.
SERVER_VENV, SERVER_ETC = "/opt/lms/venv", "/etc/lms"


def dockerfile_cmd() -> list[str]:
    lines = (REPO / "Dockerfile").read_text(encoding="utf-8").splitlines()
    (cmd,) = [line for line in lines if line.startswith("CMD ")]
    return json.loads(cmd.removeprefix("CMD "))


def compose_command(service: str) -> list[str]:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text(encoding="utf-8"))
    return compose["services"][service]["command"]


def systemd_unit(name: str) -> configparser.ConfigParser:
    unit = configparser.ConfigParser(interpolation=None)
    unit.optionxform = str
    unit.read(REPO / "deploy" / "systemd" / name, encoding="utf-8")
    return unit


def unit_exec_start(name: str) -> list[str]:
    return shlex.split(systemd_unit(name)["Service"]["ExecStart"])


def procfile_command(process: str) -> list[str]:
    for line in (REPO / "Procfile").read_text(encoding="utf-8").splitlines():
        name, _, command = line.partition(":")
        if name.strip() == process:
            return shlex.split(command)
    raise KeyError(process)


def on_this_machine(command: list[str], venv: Path, etc: Path) -> list[str]:
    """The same command with the server's venv and configuration folders replaced by these."""
    return [arg.replace(SERVER_VENV, str(venv)).replace(SERVER_ETC, str(etc)) for arg in command]
