"""The report: machine, figures against the targets, and the files in bench/results/."""

from __future__ import annotations

import json
import os
import platform
import socket
import subprocess
from datetime import UTC, datetime
from pathlib import Path

from bench.endpoints import ENDPOINTS, TARGET_NAMES, TARGETS

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
RPS_TARGET = ("request detail, 50 comments", 300.0)  # through gunicorn, 2 workers


def load_average() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def _first_line(path: str, prefix: str) -> str | None:
    try:
        for line in Path(path).read_text().splitlines():
            if line.startswith(prefix):
                return line.split(":", 1)[1].strip()
    except OSError:
        return None
    return None


def _version(command: list[str]) -> str:
    try:
        out = subprocess.run(command, capture_output=True, text=True, timeout=10)  # noqa: S603
    except (OSError, subprocess.TimeoutExpired):
        return "not found"
    return (out.stdout or out.stderr).strip().splitlines()[0] if (out.stdout or out.stderr) \
        else "unknown"


def machine(postgres_version: str | None) -> dict:
    import sqlite3

    import gunicorn

    memory = _first_line("/proc/meminfo", "MemTotal")
    return {
        "host": socket.gethostname(),
        "cpu": _first_line("/proc/cpuinfo", "model name") or platform.processor() or "unknown",
        "cores": os.cpu_count(),
        "memory": f"{int(memory.split()[0]) // 1024 // 1024} GiB" if memory else "unknown",
        "platform": platform.platform(),
        "python": platform.python_version(),
        "sqlite": sqlite3.sqlite_version,
        "postgresql": postgres_version or "not used",
        "gunicorn": gunicorn.__version__,
        "wrk": _version(["wrk", "--version"]).split(" [")[0],
    }


def _size(n: int) -> str:
    return f"{n // 1000}k" if n % 1000 == 0 else str(n)


def in_process_table(sizes: list[dict]) -> str:
    """One row per endpoint: p50/p95 per size, the statements, the target and the verdict."""
    labels = [_size(s["requests"]) for s in sizes]
    head = ["page or action", "who"]
    for label in labels:
        head += [f"{label} p50", f"{label} p95"]
    head += [f"{labels[-1]} max", "CPU p50 / p95", "SQL p50", "render p50", "statements",
             "p95 target", ""]
    lines = ["| " + " | ".join(head) + " |", "|---|---|" + "---:|" * (len(head) - 3) + "---|"]
    by_name = [{r["name"]: r for r in s["in_process"]} for s in sizes]
    for endpoint in ENDPOINTS:
        found = [results.get(endpoint.name) for results in by_name]
        if not all(found):
            continue
        last = found[-1]
        cells = [endpoint.name, endpoint.who]
        for r in found:
            cells += [f"{r['p50_ms']:.1f}", f"{r['p95_ms']:.1f}"]
        counts = [tuple(r["queries"]) for r in found]
        shown = " / ".join("–".join(map(str, (c[0], c[-1]) if len(c) > 1 else c)) for c in counts)
        if len(set(counts)) == 1:
            shown = "–".join(map(str, (counts[0][0], counts[0][-1]))) if len(counts[0]) > 1 \
                else str(counts[0][0])
        else:
            shown += " (differs!)"
        target = TARGETS[endpoint.target]
        cells += [f"{last['max_ms']:.1f}",
                  f"{last['cpu_p50_ms']:.1f} / {last['cpu_p95_ms']:.1f}",
                  f"{last['sql_execute_p50_ms']:.1f}",
                  f"{last['render_p50_ms']:.1f}", shown, f"{target:.0f}",
                  "met" if last["p95_ms"] < target else "**missed**"]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def served_table(sizes: list[dict]) -> str:
    lines = [
        "| requests in db | endpoint | workers × threads | connections | requests/s | p50 ms "
        "| p95 ms | p99 ms | errors | server CPU | each worker | CPU ms per request | wrk CPU |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for size in sizes:
        for s in size.get("served", []):
            lines.append(
                f"| {_size(size['requests'])} | {s['name']} | {s['workers']} × {s['threads']} "
                f"| {s['connections']} | {s['rps']:.0f} | {s['p50_ms']:.1f} | {s['p95_ms']:.1f} "
                f"| {s['p99_ms']:.1f} | {s['errors']} | {s['server_cpu']}% "
                f"| {' + '.join(f'{w}%' for w in s.get('worker_cpu', []))} "
                f"| {s['server_cpu_ms']:.1f} | {s['client_cpu']}% |"
            )
    return "\n".join(lines)


def verdicts(sizes: list[dict]) -> list[str]:
    """The targets, judged on the largest database."""
    last = sizes[-1]
    out = []
    for kind, target in TARGETS.items():
        names = {e.name for e in ENDPOINTS if e.target == kind}
        rows = [r for r in last["in_process"] if r["name"] in names]
        missed = [f"{r['name']} ({r['p95_ms']:.1f} ms)" for r in rows if r["p95_ms"] >= target]
        out.append(f"- {TARGET_NAMES[kind]} p95 under {target:.0f} ms in-process: "
                   + (f"**missed** by {', '.join(missed)}" if missed else "met"))
    counts = {}
    for size in sizes:
        for r in size["in_process"]:
            counts.setdefault(r["name"], set()).add(tuple(r["queries"]))
    growing = [name for name, seen in counts.items() if len(seen) > 1]
    out.append("- statements per request the same at every size: "
               + (f"**no**: {', '.join(growing)}" if growing else "yes"))
    name, rps = RPS_TARGET
    served = [s for s in last.get("served", []) if s["name"] == name]
    if served:
        got = served[0]["rps"]
        out.append(f"- {name} through gunicorn at least {rps:.0f} requests/s: "
                   + ("met" if got >= rps else "**missed**") + f" ({got:.0f}/s)")
    return out


def slowest_statements(size: dict) -> str:
    lines = ["| page or action | slowest statements (position in the request, p50 ms) |",
             "|---|---|"]
    for r in size["in_process"]:
        shown = "<br>".join(f"{s['p50_ms']:.2f} `{s['sql'][:80]}`" for s in r["slowest_statements"])
        lines.append(f"| {r['name']} | {shown} |")
    return "\n".join(lines)


def markdown(report: dict) -> str:
    m, sizes, s = report["machine"], report["sizes"], report["settings"]
    loads = "; ".join(
        f"{_size(z['requests'])}: {' '.join(map(str, z['load_before']))} before, "
        f"{' '.join(map(str, z['load_after']))} after" for z in sizes)
    parts = [
        f"# Rapport benchmark, {report['date']} on {m['host']} ({report['backend']})",
        "",
        f"- Machine: {m['cpu']}, {m['cores']} cores, {m['memory']}; {m['platform']}",
        f"- Python {m['python']}, SQLite {m['sqlite']}, PostgreSQL {m['postgresql']}, "
        f"gunicorn {m['gunicorn']}, {m['wrk']}",
        f"- Load average (1, 5, 15 min) {loads}",
        f"- In-process: {s['warmup']} warm-ups + {s['runs']} timed requests per row, Flask "
        "test client, production settings. Through gunicorn: "
        f"{s['workers']} gthread workers × {s['threads']} threads, wrk with 1 thread and "
        f"{s['connections']} keep-alive connections for {s['seconds']:g} s per row.",
        "",
        f"## Targets, judged at {_size(sizes[-1]['requests'])} requests on {report['backend']}",
        "",
        "The targets are set for 100,000 requests on SQLite, in-process, on a quiet "
        "machine; a run elsewhere or under load shows how far off it is.",
        "",
        *verdicts(sizes),
        "",
        "## In-process, ms",
        "",
        in_process_table(sizes),
        "",
        "CPU = this process's CPU time per request (at the largest size), which a busy "
        "machine inflates less than the wall-clock times; "
        "SQL = time inside `cursor.execute` (on SQLite most row fetching comes after it); "
        "render = Jinja; statements = SQL statements per request (BEGIN/COMMIT aside), one "
        "number when it was the same on every run and at every size.",
    ]
    if any(z.get("served") for z in sizes):
        parts += ["", "## Through gunicorn", "", served_table(sizes), "",
                  "CPU = user + system time over the run, in % of one core (200% = both "
                  "cores), for all gunicorn processes and for each worker (two workers near "
                  "100% each = both cores used); CPU ms per request = the gunicorn "
                  "processes' CPU time divided by the requests served, so 2,000 / it is what "
                  "two otherwise idle cores could serve at most."]
    parts += ["", "## The data", ""]
    for z in sizes:
        d = z["database"]
        parts.append(
            f"- {z['requests']:,} requests: {d.get('events', 0):,} timeline events, "
            f"{d.get('notifications', 0):,} notifications, {d.get('survey_answers', 0):,} "
            f"survey answers, {d.get('open_survey_links', 0):,} open survey links, "
            f"{d.get('tools', 0)} tools; stages {d.get('by_stage')}; "
            f"open SLA clocks {d.get('open_sla_states')}; built in {d.get('build_seconds')} s"
            + (" (cached)" if d.get("cached") else ""))
    parts += ["", f"## Slowest statements at {_size(sizes[-1]['requests'])}", "",
              slowest_statements(sizes[-1])]
    return "\n".join(parts) + "\n"


def write(report: dict) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    suffix = "" if report["backend"] == "sqlite" else f"-{report['backend']}"
    stem = RESULTS / f"{report['date'][:10]}-{report['machine']['host']}{suffix}"
    path = Path(f"{stem}.md")
    path.write_text(markdown(report))
    Path(f"{stem}.json").write_text(json.dumps(report, indent=2, default=str))
    return path


def today() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
