"""The results writer: ``results.json`` for machines, ``results.md`` for people.

Each file keeps one section per database vendor, the latest run on it: a run
on PostgreSQL replaces the PostgreSQL section and leaves the SQLite one.
"""

import json
import os
import platform
from datetime import UTC, datetime
from importlib import metadata

DATABASE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


def environment(ctx, *, seconds, load_average):
    """What the numbers depend on: database, versions, machine, its load, options, date."""
    import django
    import wagtail
    from django.db import connection

    if connection.vendor == "postgresql":
        version = connection.pg_version
        database_version = f"{version // 10000}.{version % 10000}"
    else:
        database_version = connection.Database.sqlite_version
    gunicorn, weasyprint = (_version(name) for name in ("gunicorn", "weasyprint"))
    return {
        "database": connection.vendor,
        "database_version": database_version,
        "python": platform.python_version(),
        "django": django.get_version(),
        "wagtail": wagtail.__version__,
        "gunicorn": gunicorn,
        "weasyprint": weasyprint,
        "date": datetime.now(UTC).isoformat(timespec="seconds"),
        "cores": os.cpu_count(),
        "machine": f"{platform.system()} {platform.machine()}",
        # Other work on the machine skews the numbers: the 1-minute load when the run began.
        "load_average": round(load_average, 2),
        "options": {
            "runs": ctx.runs,
            "requests_per_run": ctx.requests,
            "seconds_per_throughput_run": ctx.duration,
            "workers": ctx.workers,
            "clients": ctx.concurrency,
        },
        "seconds": round(seconds, 1),
    }


def _version(distribution):
    try:
        return metadata.version(distribution)
    except metadata.PackageNotFoundError:
        return None


def write(results, env, *, json_path, md_path):
    """Put this run's section into both files (keeping other databases' sections)."""
    try:
        data = json.loads(json_path.read_text())
        databases = data["databases"]
    except (FileNotFoundError, ValueError, KeyError):
        databases = {}
    databases[env["database"]] = {
        "environment": env,
        "results": [result.as_dict() for result in results],
    }
    ordered = dict(sorted(databases.items()))  # postgresql, then sqlite: stable diffs
    json_path.write_text(json.dumps({"databases": ordered}, indent=2, ensure_ascii=False) + "\n")
    md_path.write_text(markdown(ordered))


def markdown(databases):
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`bench/run.py`): the latest run on each database.",
        "Milliseconds are per request in the benchmark's process (Django's test client)",
        "or per call of a service (ms/transcript, ms/PDF); requests/s go through gunicorn",
        "and an HTTP client on loopback, and so do flows/s (an enrolment, then the page",
        "it leads to); µs/member is a unit report's time over its members; PDFs/s is the",
        "bulk transcript job; MB is peak resident memory (of a process, or of the largest",
        "gunicorn worker). Median and min–max of the runs; the ratio compares the median",
        "with the row named. `peer:` rows compare dj-learning with wagtail-lms, served the",
        "same way in the same run.",
    ]
    for vendor in sorted(databases, key=lambda v: v != "sqlite"):
        lines += ["", *table(databases[vendor])]
    return "\n".join(lines) + "\n"


def table(section):
    env = section["environment"]
    name = DATABASE_NAMES.get(env["database"], env["database"])
    load = env.get("load_average")
    versions = " · ".join(
        part
        for part in (
            env["date"][:10],
            f"Python {env['python']}",
            f"Django {env['django']}",
            f"Wagtail {env['wagtail']}",
            env["gunicorn"] and f"gunicorn {env['gunicorn']}",
            env.get("weasyprint") and f"WeasyPrint {env['weasyprint']}",
            f"{env['cores']} cores" + (f" (load {load:.1f} at start)" if load is not None else ""),
            f"{env['options']['runs']} runs",
            f"{env['seconds']:.0f} s in all",
        )
        if part
    )
    lines = [
        f"## {name} {env['database_version']}",
        "",
        versions,
        "",
        "| Scenario | Params | Median | Min – max | Queries | Ratio |",
        "|---|---|---:|---:|---:|---|",
    ]
    for r in section["results"]:
        lines.append(
            f"| {r['scenario']} | {_params(r['params'])} | {_num(r['median'])} {r['unit']} "
            f"| {_num(r['min'])} – {_num(r['max'])} | {_blank(r['queries'])} | {_ratio(r)} |"
        )
    return lines


def _params(params):
    return ", ".join(f"{key}={value}" for key, value in params.items())


def _num(value):
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}" if value >= 10 else f"{value:.2f}"


def _blank(value):
    return "" if value is None else str(value)


def _ratio(r):
    if r["ratio"] is None:
        return ""
    text = f"×{r['ratio']:.2f}"
    if r["queries_ratio"] is not None:
        text += f" (queries ×{r['queries_ratio']:.2f})"
    base = r["baseline"]
    if base["scenario"] == r["scenario"]:
        changed = {k: v for k, v in base["params"].items() if r["params"].get(k) != v}
        return f"{text} vs {_params(changed)}"
    return f"{text} vs {base['scenario']}"
