"""The `mistral-lite` command."""

from __future__ import annotations

import argparse
import asyncio
import os
import sqlite3
import sys
from typing import Sequence

from mistral_lite import __version__, logs
from mistral_lite.config import ENV_PREFIX, ConfigError, load, option_fields


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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mistral-lite", description="A Mistral-compatible workflow service.")
    parser.add_argument("--version", action="version", version=f"mistral-lite {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    _add_serve(subparsers)
    _add_run(subparsers)
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
    return 2


if __name__ == "__main__":
    sys.exit(main())
