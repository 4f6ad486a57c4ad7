"""`make bench`: every figure of the performance table, written to benchmarks/results.json.

The servers are gunicorn on loopback, on SQLite and on a throw-away PostgreSQL cluster; the load
comes from asyncio + httpx on the same machine, so the load average is recorded with each figure.
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


def main() -> int:
    logging.getLogger("alembic").setLevel(logging.WARNING)
    started = time.perf_counter()
    results = []
    saves, live, matrix = {}, {}, {}
    with backends() as databases:
        for backend in databases:
            name = backend.backend
            saves[name] = _timed(f"autosave ({name})", lambda b=backend: bench_autosave.measure(b))
            live[name] = _timed(f"live ({name})", lambda b=backend: bench_live.measure(b))
            matrix[name] = _timed(
                f"cohort page ({name})", lambda b=backend: bench_cohort_matrix.measure(b)
            )
    results.append(bench_autosave.figure(saves))
    results.extend(bench_live.figures(live))
    results.append(bench_cohort_matrix.figure(matrix))
    for label, module in (
        ("item analysis", bench_statistics),
        ("forwarder", bench_forwarder),
        ("cold start", bench_cold_start),
    ):
        results.append(_timed(label, module.figure))
    machine = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    for r in results:
        r["details"]["date"] = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
        r["details"]["machine"] = machine
    RESULTS.write_text(json.dumps(results, indent=2) + "\n")
    print(table(results))
    print(f"{RESULTS.name} written in {time.perf_counter() - started:.0f} s; {machine}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
