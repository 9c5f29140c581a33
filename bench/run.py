"""`python -m bench` (or `make bench`): build, measure, compare with the targets, report.

    python -m bench                          # SQLite, 10k and 100k requests
    python -m bench --postgres               # the same on PostgreSQL (bench_10k, bench_100k)
    python -m bench --sizes 10000 --only board --no-serve
    python -m bench --profile "request detail" --sizes 100000

See bench/README.md.
"""

from __future__ import annotations

import argparse
import gc
import sys

from sqlalchemy import create_engine, text

from bench import plans, report, seed, serve
from bench.endpoints import ENDPOINTS, PERSONAS, Endpoint, Scene
from bench.measure import Probe, Session, measure
from bench.settings import make_app
from tracker.extensions import db

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/bench"


def parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__.split("\n")[0])
    parser.add_argument("--sizes", default="10000,100000",
                        help="requests per database, comma-separated (default 10000,100000)")
    parser.add_argument("--postgres", nargs="?", const=DEFAULT_POSTGRES, metavar="URL",
                        help="measure on PostgreSQL; databases <name>_10k… are dropped and "
                             f"rebuilt (default {DEFAULT_POSTGRES})")
    parser.add_argument("--rebuild", action="store_true", help="rebuild cached SQLite files")
    parser.add_argument("--seed", type=int, default=2026, help="data generator seed")
    parser.add_argument("--runs", type=int, default=50, help="timed requests per row")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests first")
    parser.add_argument("--only", help="only rows whose name contains this text")
    parser.add_argument("--no-serve", action="store_true", help="skip gunicorn + wrk")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers")
    parser.add_argument("--threads", type=int, default=4, help="threads per gthread worker")
    parser.add_argument("--connections", type=int, default=8, help="wrk keep-alive connections")
    parser.add_argument("--seconds", type=float, default=10, help="wrk run per row")
    parser.add_argument("--profile", metavar="NAME",
                        help="profile the first row whose name contains NAME with "
                             "pyinstrument (largest size only) instead of reporting")
    parser.add_argument("--explain", metavar="NAME",
                        help="print every statement of one request of the first row whose "
                             "name contains NAME, with its query plan (largest size only)")
    parser.add_argument("--no-write", action="store_true", help="print, don't write results")
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    sizes = [int(n) for n in args.sizes.split(",")]
    endpoints = [e for e in ENDPOINTS if not args.only or args.only.lower() in e.name.lower()]
    if not endpoints:
        sys.exit(f"no row matches {args.only!r}")
    if not args.no_serve and not args.profile and (missing := serve.wrk_missing()):
        sys.exit(missing + "; or pass --no-serve to measure in-process only")
    if args.profile or args.explain:
        return profile(args, sizes[-1], args.profile or args.explain)
    started = report.today()
    results = [measure_size(args, n, endpoints) for n in sizes]
    full = {
        "date": started,
        "backend": "postgresql" if args.postgres else "sqlite",
        "machine": report.machine(postgres_version(args.postgres or DEFAULT_POSTGRES)),
        "settings": {k: getattr(args, k) for k in
                     ("runs", "warmup", "workers", "threads", "connections", "seconds", "seed")},
        "sizes": results,
    }
    print(report.markdown(full))
    if not args.no_write:
        seed.progress(f"wrote {report.write(full)} and .json")
    return 0


def database(args, n: int) -> tuple[str, dict]:
    if args.postgres:
        return seed.postgres_database(args.postgres, n, args.seed)
    return seed.sqlite_database(n, args.seed, args.rebuild)


def measure_size(args, n: int, endpoints: list[Endpoint]) -> dict:
    url, info = database(args, n)
    load_before = report.load_average()
    app = make_app(url)
    sessions = {who: Session(app, email) for who, email in PERSONAS.items()}
    # As wsgi.py does after start-up: long-lived objects out of the full GC passes.
    gc.collect()
    gc.freeze()
    scene = Scene.discover(app, args.warmup + args.runs)
    probe = Probe(app)
    in_process = []
    for endpoint in endpoints:
        seed.progress(f"{n:,}: {endpoint.name}")
        call = caller(endpoint, sessions[endpoint.who], scene)
        result = measure(endpoint.name, endpoint.shown_path, call, endpoint.status, probe,
                         args.warmup, args.runs)
        in_process.append(result.as_dict())
    with app.app_context():
        db.engine.dispose()
    gc.unfreeze()
    served = []
    if not args.no_serve:
        with serve.Server(url, args.workers, args.threads) as server:
            for endpoint in (e for e in endpoints if e.served):
                seed.progress(f"{n:,}: {endpoint.name} through gunicorn")
                served.append(serve.load(server, endpoint, scene, seconds=args.seconds,
                                         connections=args.connections).as_dict())
    return {"requests": n, "database": info, "load_before": load_before,
            "load_after": report.load_average(), "in_process": in_process, "served": served}


def caller(endpoint: Endpoint, session: Session, scene: Scene):
    """One request of this endpoint, run number i."""
    headers = {"HX-Request": "true", "X-CSRFToken": session.csrf} if endpoint.htmx else {}
    client = session.client

    def call(i: int):
        url = endpoint.url(scene, i)
        if endpoint.method == "GET":
            return client.get(url, headers=headers)
        form = {**endpoint.form(scene, i), "csrf_token": session.csrf}
        return client.post(url, data=form, headers=headers)

    return call


def profile(args, n: int, name: str) -> int:
    """pyinstrument over the timed runs of one row (or, with --explain, its query plans)."""
    from pyinstrument import Profiler

    endpoint = next((e for e in ENDPOINTS if name.lower() in e.name.lower()), None)
    if endpoint is None:
        sys.exit(f"no row matches {name!r}")
    url, _info = database(args, n)
    app = make_app(url)
    session = Session(app, PERSONAS[endpoint.who])
    scene = Scene.discover(app, args.warmup + args.runs)
    call = caller(endpoint, session, scene)
    for i in range(args.warmup):
        call(i)
    if args.explain:
        print(plans.explain(app, plans.capture(app, lambda: call(args.warmup))))
        return 0
    profiler = Profiler(interval=0.0005)
    with profiler:
        for i in range(args.warmup, args.warmup + args.runs):
            call(i)
    print(profiler.output_text(unicode=True, color=False, show_all=False))
    return 0


def postgres_version(url: str) -> str | None:
    engine = create_engine(url.rsplit("/", 1)[0] + "/postgres", connect_args={"connect_timeout": 3})
    try:
        with engine.connect() as conn:
            return conn.scalar(text("SHOW server_version"))
    except Exception:  # noqa: BLE001 - no server is fine: the report says "not reachable"
        return "not reachable"
    finally:
        engine.dispose()
