"""Seconds from `make run` in a fresh clone to the first HTTP 200, then for a second run."""

import os
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path

import httpx

from benchmarks.harness import ROOT, free_port, result

GOAL_SECONDS, SECOND_RUN_GOAL_SECONDS, BASELINE_SECONDS = 180, 10, 23.8
LIMIT_SECONDS = 300


def _time_to_first_200(clone: Path) -> float:
    port = free_port()
    env = {k: v for k, v in os.environ.items() if k not in ("VIRTUAL_ENV", "PYTHONPATH")}
    env["PATH"] = os.pathsep.join(
        p for p in env.get("PATH", "").split(os.pathsep) if not p.startswith(str(ROOT))
    )
    started = time.perf_counter()
    process = subprocess.Popen(
        ["make", "run", f"PORT={port}"],
        cwd=clone,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
    )
    try:
        while time.perf_counter() - started < LIMIT_SECONDS:
            if process.poll() is not None:
                raise RuntimeError(f"make run stopped with status {process.returncode}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/login", timeout=5).status_code == 200:
                    return time.perf_counter() - started
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError(f"no HTTP 200 within {LIMIT_SECONDS} s")
    finally:
        os.killpg(process.pid, signal.SIGTERM)
        process.wait(timeout=30)


def figure() -> dict:
    """A `git clone` of this repository beside a link to ``../shared``, as the README asks;
    pip may reuse its cache, nothing else is shared with this checkout."""
    with tempfile.TemporaryDirectory(prefix="lms-clone-") as scratch:
        clone = Path(scratch) / ROOT.name
        subprocess.run(["git", "clone", "--quiet", str(ROOT), str(clone)], check=True)
        shared = ROOT.parent / "shared"
        if shared.is_dir():
            (Path(scratch) / "shared").symlink_to(shared)
        first = _time_to_first_200(clone)
        second = _time_to_first_200(clone)
        shutil.rmtree(clone, ignore_errors=True)
    return result(
        "cold_start", first, "s", GOAL_SECONDS, BASELINE_SECONDS,
        second_run_s=round(second, 1), second_run_goal_s=SECOND_RUN_GOAL_SECONDS,
    )  # fmt: skip
