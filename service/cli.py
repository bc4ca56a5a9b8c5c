"""`python -m service <command>`: the command line behind every Makefile target."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import multiprocessing
import os
import sys
from collections.abc import Callable

from service.config import Settings, describe
from service.dev import servers
from service.dev.embedded import redis_bin
from service.dev.migrations import dbmate, migrate

Command = Callable[[argparse.Namespace, Settings], int]


def cmd_servers(args: argparse.Namespace, settings: Settings) -> int:
    """Start (or reuse) the servers in use and print how to reach them."""
    resolved = servers.resolve(settings)
    print(f"DATABASE_URL={resolved.database_url}\nREDIS_URL={resolved.redis_url}")
    return 0


def cmd_stop(args: argparse.Namespace, settings: Settings) -> int:
    """Stop the embedded servers."""
    servers.stop_embedded(settings)
    print("embedded PostgreSQL and Redis stopped", file=sys.stderr)
    return 0


def cmd_psql(args: argparse.Namespace, settings: Settings) -> int:
    """Open psql on the database in use."""
    url = servers.resolve(settings).database_url
    argv = servers.psql_command(url)
    os.execv(argv[0], argv)  # noqa: S606 - replace this process with the shell


def cmd_redis_cli(args: argparse.Namespace, settings: Settings) -> int:
    """Open redis-cli on the Redis in use."""
    url = servers.resolve(settings).redis_url
    cli = str(redis_bin("redis-cli"))
    os.execv(cli, [cli, "-u", url])  # noqa: S606 - replace this process with the shell


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    """Apply pending migrations (dumping db/schema.sql when on the embedded server)."""
    resolved = servers.resolve(settings)
    migrate(resolved.database_url, dump=resolved.embedded_database)
    return 0


def cmd_rollback(args: argparse.Namespace, settings: Settings) -> int:
    """Roll back the most recent migration."""
    resolved = servers.resolve(settings)
    dbmate("--wait", "rollback", url=resolved.database_url, dump=resolved.embedded_database)
    return 0


def cmd_migrate_status(args: argparse.Namespace, settings: Settings) -> int:
    """List applied and pending migrations; exit 1 when any are pending."""
    resolved = servers.resolve(settings, quiet=True)
    return dbmate("status", "--exit-code", url=resolved.database_url, check=False).returncode


def cmd_new_migration(args: argparse.Namespace, settings: Settings) -> int:
    """Create db/migrations/<timestamp>_<name>.sql with up and down sections."""
    dbmate("new", args.name, url="postgres://unused/")
    return 0


def cmd_seed(args: argparse.Namespace, settings: Settings) -> int:
    """Load (or with --clean remove) the demo dataset, or generate synthetic data."""
    from service.dev import seed

    resolved = servers.resolve(settings)
    if args.synthetic:
        return asyncio.run(seed.synthetic(resolved.database_url, args.synthetic))
    if args.clean:
        return asyncio.run(seed.clean(resolved.database_url))
    return asyncio.run(seed.load(resolved.database_url))


def cmd_generate(args: argparse.Namespace, settings: Settings, *, check: bool = False) -> int:
    """Regenerate service/store/queries/ from queries/*.sql against a freshly migrated database."""
    from service.dev import codegen

    resolved = servers.resolve(settings, quiet=True)
    with servers.scratch_database(resolved.database_url, "gp_codegen") as url:
        migrate(url)
        return asyncio.run(codegen.run(url, check=check))


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    """Fail when service/store/queries/ is stale, a query no longer prepares, or a type drifted."""
    return cmd_generate(args, settings, check=True)


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Start servers, migrate, seed on first run, and serve HTTP."""
    from service import runner
    from service.dev import seed
    from service.jobs import queue as jobs

    resolved = servers.resolve(settings)
    migrate(resolved.database_url, dump=False)
    marker = settings.data_path / "seeded"
    if resolved.embedded_database and not marker.exists():
        asyncio.run(seed.load(resolved.database_url))
        marker.write_text("demo seed loaded; `make seed ARGS=--clean` removes it\n")
    workers = args.workers or settings.workers
    settings = dataclasses.replace(
        settings,
        database_url=resolved.database_url,
        redis_url=resolved.redis_url,
        workers=workers,
    )
    print(
        f"serving on http://{settings.host}:{settings.port} ({workers} worker(s)) "
        "and running 1 job worker",
        file=sys.stderr,
    )
    # The job worker is a process of its own beside the web workers; Ctrl-C reaches it through
    # the process group, and it is sent SIGTERM (then killed) once serving has ended.
    job_worker = multiprocessing.get_context("spawn").Process(
        target=jobs.main, args=(settings,), name="job-worker"
    )
    job_worker.start()
    try:
        return runner.serve_workers(settings)
    finally:
        job_worker.terminate()
        job_worker.join(settings.job_stop_timeout + 5)
        if job_worker.is_alive():
            job_worker.kill()
            job_worker.join()


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    """Run a background job worker until SIGINT/SIGTERM."""
    from service.jobs import queue as jobs

    resolved = servers.resolve(settings)
    return jobs.main(dataclasses.replace(settings, database_url=resolved.database_url))


def cmd_settings(args: argparse.Namespace, settings: Settings) -> int:
    """Print every configuration variable with its default and help."""
    for name, default, help_text in describe():
        if args.markdown:
            print(f"| `{name}` | {f'`{default}`' if default else '(unset)'} | {help_text} |")
        else:
            print(f"{name + '=' + default:<32} {help_text}")
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The argument parser, one subcommand per function above."""
    parser = argparse.ArgumentParser(prog="python -m service", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)

    def add(name: str, command: Command) -> argparse.ArgumentParser:
        doc = (command.__doc__ or "").strip()
        subparser = sub.add_parser(name, help=doc, description=doc)
        subparser.set_defaults(func=command)
        return subparser

    add("servers", cmd_servers)
    add("stop", cmd_stop)
    add("psql", cmd_psql)
    add("redis-cli", cmd_redis_cli)
    add("migrate", cmd_migrate)
    add("rollback", cmd_rollback)
    add("migrate-status", cmd_migrate_status)
    add("new-migration", cmd_new_migration).add_argument(
        "name", help="verb_object, e.g. add_ghost_era"
    )
    seed_parser = add("seed", cmd_seed)
    seed_parser.add_argument("--clean", action="store_true", help="remove exactly the demo data")
    seed_parser.add_argument(
        "--synthetic",
        type=int,
        metavar="N",
        help="generate N synthetic entities (and more) via COPY",
    )
    add("generate", cmd_generate)
    add("check", cmd_check)
    add("run", cmd_run).add_argument(
        "--workers", type=int, help="worker processes (default WORKERS)"
    )
    add("worker", cmd_worker)
    add("settings", cmd_settings).add_argument(
        "--markdown", action="store_true", help="as rows of the README's table"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m service`."""
    args = build_parser().parse_args(argv)
    settings = Settings.from_env()
    result: int = args.func(args, settings)
    return result
