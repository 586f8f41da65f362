"""The `mistral-lite` command."""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
from typing import Sequence

from mistral_lite import __version__, logs
from mistral_lite.config import ENV_PREFIX, Config, ConfigError, load, option_fields


def _add_serve(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "serve",
        help="run a node: REST API, engine and scheduler",
        description=(
            "Run a mistral-lite node. Options come from, in increasing precedence: built-in defaults, "
            f"the YAML file given by --config (or {ENV_PREFIX}CONFIG), environment variables "
            f"{ENV_PREFIX}<OPTION> (e.g. {ENV_PREFIX}PORT=9000), and these flags."
        ),
    )
    parser.add_argument("--config", metavar="FILE", help="YAML file of options (see conf/)")
    for f in option_fields():
        flag = "--" + f.name.replace("_", "-")
        env = ENV_PREFIX + f.name.upper()
        parser.add_argument(
            flag,
            dest=f.name,
            default=None,
            type=int if f.type in ("int", int) else str,
            metavar=f.name.upper(),
            help=f"{f.metadata.get('help', '')} (default: {f.default}; env {env})",
        )


def _add_run(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "run",
        help="run one workflow file in-process on a temporary database",
        description="Run a workflow from a file without a server: progress on stderr, output JSON on stdout. "
        "Exit code 0 on SUCCESS, 1 on ERROR or CANCELLED, 2 on bad input, 3 on timeout.",
    )
    parser.add_argument("file", help="a workflow document (version: '2.0' and one or more workflows)")
    parser.add_argument("--workflow", help="which workflow of the file to run (default: the first)")
    parser.add_argument("--input", help='workflow input as a JSON object, e.g. \'{"name": "Ann"}\'')
    parser.add_argument("--actions", metavar="FILE", help="an ad-hoc action document the workflow uses")
    parser.add_argument("--timeout", type=float, help="give up after this many seconds")


def _add_lint(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser(
        "lint",
        help="check workflow, workbook and action files; print warnings and errors",
        description="Parse each file as upload does and print one line per finding, FILE:LINE: warning|error: "
        "message. Warnings are what Mistral accepts but is probably a mistake (an unknown key, a typo of a "
        "known one). Exit code 0 when every file is clean, 1 when there is any warning or error, 2 when a "
        "file cannot be read.",
    )
    parser.add_argument("files", nargs="+", metavar="FILE", help="documents to check (kind found from the content)")


def _add_db(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("db", help="offline tools on a node's database")
    tools = parser.add_subparsers(dest="db_command", required=True)
    checksum = tools.add_parser(
        "checksum",
        help="print each table's row count and checksum, to compare nodes",
        description="Print one line per table: its name, row count and a SHA-256 of its rows in primary-key "
        "order. Reads on a read-only connection, so it works whether or not a node runs on the directory. "
        "Nodes of a cluster that have applied the same entries print the same lines.",
    )
    checksum.add_argument("--data-dir", default=Config.data_dir, help="the node's data directory (default: %(default)s)")


def _add_cluster(subparsers: argparse._SubParsersAction) -> None:
    parser = subparsers.add_parser("cluster", help="look at a running cluster")
    tools = parser.add_subparsers(dest="cluster_command", required=True)
    status = tools.add_parser(
        "status",
        help="ask each node's /health and print a table",
        description="Ask every node's GET /health at once (2 s timeout each) and print node id, url, role, "
        "term, leader, commit and applied index, peers reachable and database. Exit code 0 when a node says "
        "it is the leader, 1 otherwise.",
    )
    status.add_argument("--nodes", required=True, metavar="URL[,URL...]",
                        help="the nodes' API URLs, comma-separated, e.g. http://127.0.0.1:8991,http://127.0.0.1:8992")
    status.add_argument("--json", action="store_true", help="print the raw list of answers as JSON")


def _db_checksum(data_dir: str) -> int:
    from mistral_lite.store.checksum import ChecksumError, database_checksums

    try:
        checksums = database_checksums(Config(data_dir=data_dir).database_path)
    except ChecksumError as e:
        print(f"mistral-lite: {e}", file=sys.stderr)
        return 1
    for checksum in checksums:
        print(checksum.line())
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mistral-lite", description="A Mistral-compatible workflow service.")
    parser.add_argument("--version", action="version", version=f"mistral-lite {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    _add_serve(subparsers)
    _add_run(subparsers)
    _add_lint(subparsers)
    _add_db(subparsers)
    _add_cluster(subparsers)
    return parser


def _serve(args: argparse.Namespace) -> int:
    from mistral_lite.errors import NodeFailed, StartRefused
    from mistral_lite.server import serve
    from mistral_lite.store.migrations import MigrationError

    flags = {f.name: getattr(args, f.name) for f in option_fields()}
    try:
        config = load(args.config, os.environ, flags)
    except ConfigError as e:
        print(f"mistral-lite: {e}", file=sys.stderr)
        return 2
    logs.configure(config.log_level, config.log_format)
    try:
        asyncio.run(serve(config))
    except (OSError, StartRefused, MigrationError) as e:
        # One line, no traceback: the message says what is wrong and what to do.
        logs.get("mistral_lite.server").error("cannot start", error=str(e))
        return 1
    except NodeFailed as e:
        logs.get("mistral_lite.server").critical("node stopped", error=str(e))
        return 1
    except sqlite3.DatabaseError as e:  # damage the start check did not see (or --integrity-check off)
        logs.get("mistral_lite.server").error(
            "cannot start",
            error=f"database error: {e}; see docs/operations.md, 'Integrity check and restoring from a backup'",
        )
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    if args.command == "run":
        from mistral_lite import local_run

        logs.configure("warning", "console")
        return local_run.main(args.file, args.workflow, args.input, args.timeout, args.actions)
    if args.command == "lint":
        from mistral_lite.lang import lint

        return lint.main(args.files)
    if args.command == "db":
        return _db_checksum(args.data_dir)
    if args.command == "cluster":
        from mistral_lite import cluster_status

        return cluster_status.main([url for url in args.nodes.split(",") if url.strip()], args.json)
    return 2


if __name__ == "__main__":
    sys.exit(main())
