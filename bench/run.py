"""Run the benchmark scenarios; write bench/results.json and bench/results.md.

    python bench/run.py [--runs 5] [--only course_page,my_study] [--out DIR]

SQLite by default (a fresh file under bench/results/); PostgreSQL when
``DATABASE_URL`` names a server (the bench creates and drops its own database
there). Each group builds its data in that database with the project's
factories, then measures. Nothing is asserted: the tests pin query counts.
"""

import argparse
import os
import sys
import time
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
# Run as a script, Python puts bench/ first on the path; the project root is wanted.
sys.path[0] = str(BENCH_DIR.parent)

from bench import database, report, scenarios  # noqa: E402
from bench.measure import Context  # noqa: E402


def parse_args(argv):
    GROUPS = scenarios.GROUPS

    cores = os.cpu_count() or 1
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs per scenario (default 5)")
    parser.add_argument(
        "--requests", type=int, default=20, help="in-process requests per run (default 20)"
    )
    parser.add_argument(
        "--duration", type=float, default=3.0, help="seconds per throughput run (default 3)"
    )
    parser.add_argument(
        "--workers", type=int, default=cores, help=f"gunicorn workers (default {cores}, the cores)"
    )
    parser.add_argument(
        "--concurrency", type=int, help="HTTP client connections (default twice the workers)"
    )
    parser.add_argument(
        "--only",
        default=",".join(GROUPS),
        help=f"comma-separated scenario groups (default all: {','.join(GROUPS)})",
    )
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="check that every scenario runs: 1 run, tiny sizes, short loads (results in "
        "bench/results/; the numbers mean nothing)",
    )
    parser.add_argument(
        "--out",
        type=Path,
        help="where results.json/.md go (default bench/; bench/results/ with --only)",
    )
    args = parser.parse_args(argv)
    args.only = [name.strip() for name in args.only.split(",") if name.strip()]
    unknown = sorted(set(args.only) - set(GROUPS))
    if unknown:
        parser.error(f"unknown scenario group(s): {', '.join(unknown)}")
    if args.smoke:
        args.runs, args.requests, args.duration = 1, 2, 0.3
    if args.out is None:  # a partial or smoke run does not replace the committed results
        args.out = BENCH_DIR if args.only == GROUPS and not args.smoke else BENCH_DIR / "results"
    if args.runs < 1:
        parser.error("--runs must be at least 1")
    return args


def setup_django(database_url):
    os.environ["DATABASE_URL"] = database_url
    os.environ["DJANGO_SETTINGS_MODULE"] = "bench.settings"
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)


def show(result):
    line = f"   {result.scenario} {result.params}: median {result.median:.2f} {result.unit}"
    line += f" (min {result.min:.2f}, max {result.max:.2f})"
    if result.queries is not None:
        line += f", {result.queries} queries"
    if result.ratio is not None:
        line += f", ratio {result.ratio:.2f}"
    print(line, flush=True)


def main(argv=None):
    args = parse_args(argv)
    ctx = Context(
        runs=args.runs,
        requests=args.requests,
        duration=args.duration,
        workers=args.workers,
        concurrency=args.concurrency or 2 * args.workers,
        smoke=args.smoke,
    )
    started, load_average = time.perf_counter(), os.getloadavg()[0]
    server_url = os.environ.get("DATABASE_URL", "")
    with database.bench_database(server_url) as url:
        print(f"== bench database: {url.rsplit('@', 1)[-1]}", flush=True)
        setup_django(url)
        from django.db import connections

        results = []
        try:
            for name in args.only:
                group = scenarios.group(name)
                print(f"== {group.TITLE}", flush=True)
                for result in group.run(ctx):
                    show(result)
                    results.append(result)
            env = report.environment(
                ctx, seconds=time.perf_counter() - started, load_average=load_average
            )
        finally:
            connections.close_all()
    args.out.mkdir(parents=True, exist_ok=True)
    json_path, md_path = args.out / "results.json", args.out / "results.md"
    report.write(results, env, json_path=json_path, md_path=md_path)
    print(f"== wrote {json_path} and {md_path} in {env['seconds']:.0f} s", flush=True)


if __name__ == "__main__":
    main()
