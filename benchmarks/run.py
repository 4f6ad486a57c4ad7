"""`make bench`: every figure of the performance table, written to benchmarks/results.json.

The servers are gunicorn on loopback, on SQLite and on a throw-away PostgreSQL cluster; the load
comes from asyncio + httpcore on the same machine, so the load average is recorded with each figure.
"""

import json
import logging
import os
import platform
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

from benchmarks import (
    bench_autosave,
    bench_cohort_matrix,
    bench_cold_start,
    bench_forwarder,
    bench_live,
    bench_statistics,
)
from benchmarks.harness import backends, load_average

RESULTS = Path(__file__).with_name("results.json")


def _timed(label: str, run):
    started, load = time.perf_counter(), load_average()
    print(f"… {label} (load average {load:.1f})", flush=True)
    value = run()
    print(f"  {time.perf_counter() - started:.0f} s", flush=True)
    (value.get("details") or value)["load_average"] = round(load, 2)
    return value


def table(results: list[dict]) -> str:
    lines = [f"{'figure':18} {'value':>10} {'unit':4} {'goal':>8} {'baseline':>9} {'ratio':>6}"]
    for r in results:
        lines.append(
            f"{r['name']:18} {r['value']:>10.3f} {r['unit']:4} {r['goal']:>8} "
            f"{r['baseline']:>9} {r['ratio'] if r['ratio'] is not None else '':>6}"
        )
    return "\n".join(lines)


PER_BACKEND = {"autosave": bench_autosave, "live": bench_live, "matrix": bench_cohort_matrix}
ONCE = {
    "statistics": bench_statistics,
    "forwarder": bench_forwarder,
    "cold_start": bench_cold_start,
}


def problems(results: list[dict]) -> list[str]:
    """What makes a run fail: any failed request, any accepted answer not stored."""
    found = []

    def walk(where: str, details: dict) -> None:
        for key, value in details.items():
            if key in ("errors", "failed") and value:
                found.append(f"{where}.{key} = {value}")
            elif key == "all_stored" and value is False:
                found.append(f"{where}: not every answer was stored")
            elif isinstance(value, dict):
                walk(f"{where}.{key}", value)

    for r in results:
        walk(r["name"], r["details"])
    return found


def _merged(results: list[dict]) -> list[dict]:
    """A partial run replaces its own lines of the last results.json and keeps the others."""
    names = {r["name"] for r in results}
    kept = json.loads(RESULTS.read_text()) if RESULTS.exists() else []
    return [r for r in kept if r["name"] not in names] + results


def main(groups: list[str]) -> int:
    """``groups``: some of PER_BACKEND and ONCE (all when none given)."""
    unknown = set(groups) - set(PER_BACKEND) - set(ONCE)
    if unknown:
        print(f"unknown: {', '.join(sorted(unknown))}; choose among {[*PER_BACKEND, *ONCE]}")
        return 2
    groups = groups or [*PER_BACKEND, *ONCE]
    logging.getLogger("alembic").setLevel(logging.WARNING)
    started = time.perf_counter()
    results = []
    measured = {group: {} for group in PER_BACKEND if group in groups}
    if measured:
        with backends() as databases:
            for backend in databases:
                for group, per_backend in measured.items():
                    per_backend[backend.backend] = _timed(
                        f"{group} ({backend.backend})",
                        lambda b=backend, m=PER_BACKEND[group]: m.measure(b),
                    )
    for group, per_backend in measured.items():
        module = PER_BACKEND[group]
        if hasattr(module, "figures"):
            results.extend(module.figures(per_backend))
        else:
            results.append(module.figure(per_backend))
    for group, module in ONCE.items():
        if group in groups:
            results.append(_timed(group, module.figure))
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    for r in results:
        r["details"]["date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        r["details"]["machine"] = machine
    failed = problems(results)
    if len(groups) < len(PER_BACKEND) + len(ONCE):
        results = _merged(results)
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"{RESULTS.name} written in {time.perf_counter() - started:.0f} s; {machine}")
    for problem in failed:
        print(f"FAILED: {problem}")
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
