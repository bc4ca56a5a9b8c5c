"""`python -m service <command>`: the command line behind every Makefile target."""

from __future__ import annotations

import argparse
import asyncio
import dataclasses
import errno
import multiprocessing
import os
import socket
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from service.config import ROOT, SettingError, Settings, describe
from service.dev import cachectl, migrations, servers
from service.dev.embedded import redis_bin
from service.dev.migrations import migrate
from service.store.schema_check import ServerUnusable, open_checked

Command = Callable[[argparse.Namespace, Settings], int]
# Exit codes: 0 done, 1 "no" (pending migrations, lint findings, failed checks), 2 an error
# that stopped the command (bad setting, database unreachable or too old, port in use).
EXIT_ERROR = 2


class CommandError(Exception):
    """A failure explained in one line; the CLI prints it and exits with EXIT_ERROR."""


def cmd_servers(args: argparse.Namespace, settings: Settings) -> int:
    """Start (or reuse) the servers in use and print how to reach them."""
    resolved = servers.resolve(settings)
    print(
        f"DATABASE_URL={resolved.database_url}\nREDIS_URL={resolved.redis_url}\n"
        f"REDIS_CACHE_URL={resolved.redis_cache_url}"
    )
    if args.replica:
        try:
            print(f"DATABASE_REPLICA_URL={servers.start_replica(settings)}")
        except ValueError as exc:
            raise CommandError(f"--replica: {exc}") from None
    return 0


def cmd_stop(args: argparse.Namespace, settings: Settings) -> int:
    """Stop what this checkout started: HTTP server, job workers, embedded PostgreSQL and Redis."""
    for name in servers.stop_processes(settings):
        print(f"stopped {name}", file=sys.stderr)
    servers.stop_embedded(settings)
    print("embedded PostgreSQL and Redis stopped", file=sys.stderr)
    return 0


def cmd_psql(args: argparse.Namespace, settings: Settings) -> int:
    """Open psql on the database in use."""
    url = servers.resolve(settings).database_url
    argv, env = servers.psql_command(url)
    os.execve(argv[0], argv, env)  # noqa: S606 - replace this process with the shell


def cmd_redis_cli(args: argparse.Namespace, settings: Settings) -> int:
    """Open redis-cli on the Redis in use (--cache: the cache's Redis)."""
    resolved = servers.resolve(settings)
    url = resolved.redis_cache_url if args.cache else resolved.redis_url
    cli = str(redis_bin("redis-cli"))
    os.execv(cli, [cli, "-u", url])  # noqa: S606 - replace this process with the shell


def cmd_migrate(args: argparse.Namespace, settings: Settings) -> int:
    """Apply pending migrations (dumping db/schema.sql when on the embedded server)."""
    url = servers.resolve_database(settings)
    migrate(url, dump=not settings.database_url, connect_timeout=settings.db_connect_timeout)
    cachectl.bump_after(settings, "migrate")
    return 0


def cmd_rollback(args: argparse.Namespace, settings: Settings) -> int:
    """Roll back the most recent migration."""
    url = servers.resolve_database(settings)
    migrations.rollback(
        url, dump=not settings.database_url, connect_timeout=settings.db_connect_timeout
    )
    cachectl.bump_after(settings, "rollback")
    return 0


def cmd_migrate_status(args: argparse.Namespace, settings: Settings) -> int:
    """List applied and pending migrations; exit 0 up to date, 1 pending, 2 on error."""
    url = servers.resolve_database(settings, quiet=True)
    return migrations.status(url, connect_timeout=settings.db_connect_timeout)


def cmd_new_migration(args: argparse.Namespace, settings: Settings) -> int:
    """Create db/migrations/<timestamp>_<name>.sql with up and down sections."""
    try:
        path = migrations.new_migration(args.name)
    except ValueError as exc:
        raise CommandError(str(exc)) from None
    print(path.relative_to(ROOT))
    return 0


def cmd_seed(args: argparse.Namespace, settings: Settings) -> int:
    """Load (or with --clean remove) the demo dataset, or generate synthetic data."""
    from service.dev import seed

    url = servers.resolve_database(settings)
    if args.synthetic is not None:
        if args.synthetic < 1:
            raise CommandError(f"--synthetic {args.synthetic}: expected at least 1 entity")
        result = asyncio.run(seed.synthetic(url, args.synthetic))
    elif args.clean:
        result = asyncio.run(seed.clean(url, args.clean))
    else:
        result = asyncio.run(seed.load(url))
    cachectl.bump_after(settings, "seed")
    return result


def cmd_db_reset(args: argparse.Namespace, settings: Settings) -> int:
    """Drop the database in use, create it again, migrate and load the demo data."""
    from service.dev import seed
    from service.store.schema_check import where

    url = servers.resolve_database(settings)
    name = urlsplit(url).path.lstrip("/")
    if not args.yes:
        if not sys.stdin.isatty():
            raise CommandError(
                f"db-reset drops {where(url)} with all its data; confirm with ARGS=--yes"
            )
        answer = input(f"Drop {where(url)} with all its data and start over? Type {name}: ")
        if answer.strip() != name:
            print("not confirmed; nothing changed", file=sys.stderr)
            return 1
    servers.drop_database(url, name)
    migrate(url, dump=False, connect_timeout=settings.db_connect_timeout)
    asyncio.run(seed.load(url))
    cachectl.bump_after(settings, "db-reset")
    return 0


def cmd_cache_flush(args: argparse.Namespace, settings: Settings) -> int:
    """Delete every cache entry from the Redis in use (not rate limits or quotas)."""
    url = cachectl.redis_in_use(settings)
    if url is None:
        print("no Redis in use (REDIS_URL unset, embedded Redis not running)", file=sys.stderr)
        return 0
    try:
        deleted = asyncio.run(cachectl.flush(url))
    except cachectl.REDIS_ERRORS as exc:
        raise CommandError(f"cannot flush the cache at {_redacted(url)}: {exc}") from None
    print(f"cache flushed: {deleted} keys deleted", file=sys.stderr)
    return 0


def cmd_backup(args: argparse.Namespace, settings: Settings) -> int:
    """Write a pg_dump (custom format) of the database in use to backups/."""
    from service.dev import backup

    url = servers.resolve_database(settings, quiet=True)
    directory = Path(args.output_dir) if args.output_dir else backup.BACKUP_DIR
    path = backup.backup(url, directory=directory, timeout=settings.db_connect_timeout)
    print(path)
    return 0


def cmd_restore(args: argparse.Namespace, settings: Settings) -> int:
    """Restore a backup into the (empty) database in use, or into a new --database."""
    from service.dev import backup

    url = servers.resolve_database(settings, quiet=True)
    restored = backup.restore(
        url, Path(args.file), database=args.database, timeout=settings.db_connect_timeout
    )
    print(f"restored {args.file} into {_redacted(restored)}", file=sys.stderr)
    cachectl.bump_after(settings, "restore")
    return 0


def cmd_generate(args: argparse.Namespace, settings: Settings, *, check: bool = False) -> int:
    """Regenerate service/store/queries/ from queries/*.sql against a freshly migrated database
    (or any folder of sqlc-style query files: --queries, --out, and --schema or --database)."""
    from service.dev import codegen, seed

    check = check or bool(getattr(args, "check", False))
    queries = Path(getattr(args, "queries", None) or codegen.DEFAULT_QUERIES_DIR)
    out = Path(getattr(args, "out", None) or codegen.DEFAULT_OUT_DIR)
    schema = getattr(args, "schema", None)
    database = getattr(args, "database", None)
    if not queries.is_dir():
        raise CommandError(f"--queries {queries}: not a directory")
    if database:
        return asyncio.run(codegen.run(database, check=check, queries_dir=queries, out_dir=out))
    url = servers.resolve_database(settings, quiet=True)
    with servers.scratch_database(url, "gp_codegen") as scratch:
        if schema:
            try:
                codegen.apply_schema(scratch, Path(schema))
            except codegen.CodegenError as err:
                print(err, file=sys.stderr)
                return EXIT_ERROR
            return asyncio.run(codegen.run(scratch, check=check, queries_dir=queries, out_dir=out))
        migrate(scratch, connect_timeout=settings.db_connect_timeout)
        result = asyncio.run(codegen.run(scratch, check=check, queries_dir=queries, out_dir=out))
        if check:
            # Seeds and the synthetic loader's COPY column lists against the same schema.
            problems = asyncio.run(seed.verify(scratch))
            for problem in problems:
                print(problem, file=sys.stderr)
            if problems:
                result = result or 1
        return result


def cmd_queries(args: argparse.Namespace, settings: Settings) -> int:
    """Query insight: `queries top` lists the statements PostgreSQL spent most time on
    (pg_stat_statements), each with its query name and queries/<file>.sql:<line>."""
    from service.dev import querytop

    if args.limit < 1:
        raise CommandError(f"--limit {args.limit}: expected a whole number >= 1")
    url = servers.resolve_database(settings, quiet=True)
    try:
        return asyncio.run(
            querytop.run(
                url,
                by=args.by,
                limit=args.limit,
                all_databases=args.all_databases,
                all_statements=args.all_statements,
                connect_timeout=settings.db_connect_timeout,
            )
        )
    except querytop.QueriesTopError as exc:
        raise CommandError(str(exc)) from None


def cmd_check(args: argparse.Namespace, settings: Settings) -> int:
    """Fail when service/store/queries/ is stale, a query no longer prepares, a type drifted,
    or a seed file or the synthetic loader no longer fits the schema."""
    return cmd_generate(args, settings, check=True)


def _reachable(url: str, settings: Settings) -> None:
    """ServerUnusable (one line) unless PostgreSQL answers within DB_CONNECT_TIMEOUT and is
    new enough."""

    async def probe() -> None:
        conn = await open_checked(url, timeout=settings.db_connect_timeout)
        await conn.close()

    asyncio.run(probe())


def _check_port_free(host: str, port: int, setting: str = "PORT") -> None:
    """CommandError when something already listens on host:port (before "serving on")."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as exc:
            reason = "in use" if exc.errno == errno.EADDRINUSE else exc.strerror
            raise CommandError(
                f"{setting}={port}: cannot listen on {host}:{port} ({reason}); stop what is "
                f"listening there (`make stop`) or set {setting}"
            ) from None


def _check_ports_free(settings: Settings, workers: int) -> None:
    """The public port, and the internal one of each worker (INTERNAL_PORT+n) unless off."""
    _check_port_free(settings.host, settings.port)
    if settings.internal_port:
        for n in range(workers):
            port = settings.internal_port + n
            _check_port_free(settings.internal_host, port, "INTERNAL_PORT")


def cmd_run(args: argparse.Namespace, settings: Settings) -> int:
    """Start servers, migrate, seed on first run, and serve HTTP."""
    from service import runner
    from service.dev import seed
    from service.jobs import queue as jobs

    workers = args.workers or settings.workers
    if workers < 1:
        raise CommandError(f"--workers={workers}: expected a whole number >= 1")
    _check_ports_free(settings, workers)
    resolved = servers.resolve(settings)
    migrate(resolved.database_url, dump=False, connect_timeout=settings.db_connect_timeout)
    marker = settings.data_path / "seeded"
    if resolved.embedded_database and not marker.exists():
        asyncio.run(seed.load(resolved.database_url))
        marker.write_text("demo seed loaded; `make seed ARGS=--clean` removes it\n")
        # The demo rows' embeddings: made by the job worker started below, while the service
        # already answers (keyword-only for a row until its embedding is in).
        queued = asyncio.run(_queue_embeddings(resolved.database_url, settings))
        print(f"queued {queued} embed jobs for the demo data", file=sys.stderr)
    settings = dataclasses.replace(
        settings,
        database_url=resolved.database_url,
        redis_url=resolved.redis_url,
        redis_cache_url=resolved.redis_cache_url,
        workers=workers,
    )
    settings.validate()  # --workers may make INTERNAL_PORT+n reach PORT
    _check_ports_free(settings, workers)
    # The job worker is a process of its own beside the web workers; Ctrl-C reaches it through
    # the process group, and it is sent SIGTERM (then killed) once serving has ended. Both are
    # recorded under DATA_DIR/run for `make stop`.
    job_worker = multiprocessing.get_context("spawn").Process(
        target=jobs.main, args=(settings,), name="job-worker"
    )
    with servers.recorded(settings, "http"):
        job_worker.start()
        try:
            with servers.recorded(settings, "jobs", job_worker.pid):
                print(
                    f"serving on http://{settings.host}:{settings.port} ({workers} worker(s)) "
                    "and running 1 job worker",
                    file=sys.stderr,
                )
                if settings.internal_port:
                    last = settings.internal_port + workers - 1
                    ports = f"{settings.internal_port}" + (f"-{last}" if workers > 1 else "")
                    print(
                        f"internal: /metrics and /health on http://{settings.internal_host}:"
                        f"{ports} (one port per worker)",
                        file=sys.stderr,
                    )
                return runner.serve_workers(settings)
        finally:
            job_worker.terminate()
            job_worker.join(settings.job_stop_timeout + 5)
            if job_worker.is_alive():
                job_worker.kill()
                job_worker.join()


def _backfill(url: str, settings: Settings, *, everything: bool) -> int:
    """Embed the rows that have none yet (all rows with `everything`), printing progress."""
    from service.domain import embeddings
    from service.store.db import init_connection

    async def run() -> int:
        embedder = embeddings.Embedder(settings.embedding_model_dir)
        if not await embedder.load():
            raise CommandError(f"cannot embed: the model did not load ({embedder.error})")
        conn = await open_checked(url, timeout=settings.db_connect_timeout)
        try:
            await init_connection(conn)
            return await embeddings.backfill(conn, embedder, everything=everything, out=sys.stderr)
        finally:
            await conn.close()
            embedder.close()

    return asyncio.run(run())


async def _queue_embeddings(url: str, settings: Settings) -> int:
    """Queue an embed job for every row that has no embedding."""
    from service.domain import embeddings
    from service.store.db import init_connection

    conn = await open_checked(url, timeout=settings.db_connect_timeout)
    try:
        await init_connection(conn)
        return await embeddings.enqueue_missing(conn)
    finally:
        await conn.close()


def cmd_embed(args: argparse.Namespace, settings: Settings) -> int:
    """Compute embeddings in this process: --backfill the rows that have none (--all: every
    row, skipping those whose text is unchanged). Writes queue their own embed jobs."""
    if not args.backfill:
        raise CommandError("nothing to do: give --backfill")
    url = servers.resolve_database(settings)
    _backfill(url, settings, everything=args.all)
    return 0


def cmd_worker(args: argparse.Namespace, settings: Settings) -> int:
    """Run a background job worker until SIGINT/SIGTERM."""
    from service.jobs import queue as jobs

    url = servers.resolve_database(settings)
    _reachable(url, settings)
    with servers.recorded(settings, "worker"):
        return jobs.main(dataclasses.replace(settings, database_url=url))


def _redacted(value: str) -> str:
    """A URL without its password."""
    parts = urlsplit(value)
    if parts.password is None:
        return value
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@", 1)
    return urlunsplit(parts._replace(netloc=netloc))


ENV_EXAMPLE_HEADER = """\
# Ghostypedia settings. Copy to .env (gitignored) and uncomment what you change.
# Variables set in the environment win over .env; `make settings` shows the values in
# effect and where each came from (env, .env or default). Every setting is listed here
# (regenerate: .venv/bin/python -m service settings --env-example > .env.example).
"""


def cmd_settings(args: argparse.Namespace, settings: Settings) -> int:
    """Print every configuration variable: the value in effect and where it came from."""
    if args.markdown:
        for name, default, help_text in describe():
            print(f"| `{name}` | {f'`{default}`' if default else '(unset)'} | {help_text} |")
        return 0
    if args.env_example:
        print(ENV_EXAMPLE_HEADER)
        for name, default, help_text in describe():
            print("\n".join(f"# {line}" for line in textwrap.wrap(help_text, 96)))
            print(f"# {name}={default}\n")
        return 0
    _, sources = Settings.load()
    for f in dataclasses.fields(settings):
        value = getattr(settings, f.name)
        shown = str(value).lower() if isinstance(value, bool) else _redacted(str(value))
        print(f"{f.name.upper() + '=' + shown:<44} ({sources[f.name]})  {f.metadata['help']}")
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

    add("servers", cmd_servers).add_argument(
        "--replica",
        action="store_true",
        help="also start a streaming replica of the embedded PostgreSQL (pg_basebackup)",
    )
    add("stop", cmd_stop)
    add("psql", cmd_psql)
    add("redis-cli", cmd_redis_cli).add_argument(
        "--cache",
        action="store_true",
        help="the cache's Redis (REDIS_CACHE_URL) rather than the main one (REDIS_URL)",
    )
    add("migrate", cmd_migrate)
    add("rollback", cmd_rollback)
    add("migrate-status", cmd_migrate_status)
    add("new-migration", cmd_new_migration).add_argument(
        "name", help="snake_case verb_object, e.g. add_ghost_era"
    )
    seed_parser = add("seed", cmd_seed)
    seed_parser.add_argument(
        "--clean",
        nargs="?",
        const="demo",
        choices=["demo", "synthetic", "all"],
        help="remove exactly the demo data (default), the synthetic rows, or both",
    )
    seed_parser.add_argument(
        "--synthetic",
        type=int,
        metavar="N",
        help="generate N synthetic entities (and more) via COPY",
    )
    add("db-reset", cmd_db_reset).add_argument(
        "--yes", action="store_true", help="do not ask for confirmation"
    )
    add("cache-flush", cmd_cache_flush)
    add("backup", cmd_backup).add_argument(
        "--output-dir", help="directory for the dump (default backups/)"
    )
    restore_parser = add("restore", cmd_restore)
    restore_parser.add_argument("file", help="a .dump file written by `make backup`")
    restore_parser.add_argument(
        "--database", default="", help="create this database on the same server and restore there"
    )
    generate_parser = add("generate", cmd_generate)
    generate_parser.add_argument("--queries", help="folder of query files (default queries/)")
    generate_parser.add_argument(
        "--out", help="folder of generated modules (default service/store/queries/)"
    )
    source = generate_parser.add_mutually_exclusive_group()
    source.add_argument(
        "--schema", help="SQL file applied to a throw-away database (instead of the migrations)"
    )
    source.add_argument("--database", help="URL of a database that already has the schema")
    generate_parser.add_argument(
        "--check", action="store_true", help="write nothing; fail when the output is stale"
    )
    add("check", cmd_check)
    queries_parser = add("queries", cmd_queries)
    queries_parser.add_argument("report", choices=["top"], help="the report to print")
    queries_parser.add_argument(
        "--by",
        choices=["total", "mean", "calls"],
        default="total",
        help="order by total time (default), mean time per call, or calls",
    )
    queries_parser.add_argument(
        "--limit", type=int, default=20, help="how many statements to list (default 20)"
    )
    queries_parser.add_argument(
        "--all-databases",
        action="store_true",
        help="statements of every database on the server, not only the one in use",
    )
    queries_parser.add_argument(
        "--all-statements",
        action="store_true",
        help="also statements the generated layer did not send (migrations, seeding, psql)",
    )
    add("run", cmd_run).add_argument(
        "--workers", type=int, help="worker processes (default WORKERS)"
    )
    add("worker", cmd_worker)
    embed_parser = add("embed", cmd_embed)
    embed_parser.add_argument(
        "--backfill", action="store_true", help="embed entities and stories that have no embedding"
    )
    embed_parser.add_argument(
        "--all", action="store_true", help="with --backfill: every row (unchanged text is skipped)"
    )
    settings_parser = add("settings", cmd_settings)
    settings_parser.add_argument(
        "--markdown", action="store_true", help="as rows of the README's table"
    )
    settings_parser.add_argument(
        "--env-example", action="store_true", help="as .env.example (every setting, commented)"
    )
    return parser


def main(argv: list[str] | None = None) -> int:
    """Entry point of `python -m service`: one line and exit code 2 for any expected failure."""
    args = build_parser().parse_args(argv)
    try:
        settings = Settings.from_env()
        result: int = args.func(args, settings)
    except (SettingError, ServerUnusable, CommandError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return EXIT_ERROR
    except subprocess.CalledProcessError as exc:
        # dbmate, pg_dump and friends have printed their own message.
        tool = os.path.basename(str(exc.cmd[0])) if exc.cmd else "a tool"
        print(f"error: {tool} failed with exit code {exc.returncode}", file=sys.stderr)
        return EXIT_ERROR
    except KeyboardInterrupt:
        return 130
    return result
