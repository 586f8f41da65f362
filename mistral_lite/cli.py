"""The `mistral-lite` command."""

from __future__ import annotations

import argparse
import asyncio
import os
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


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="mistral-lite", description="A Mistral-compatible workflow service.")
    parser.add_argument("--version", action="version", version=f"mistral-lite {__version__}")
    subparsers = parser.add_subparsers(dest="command", required=True)
    _add_serve(subparsers)
    return parser


def _serve(args: argparse.Namespace) -> int:
    from mistral_lite.server import serve

    flags = {f.name: getattr(args, f.name) for f in option_fields()}
    try:
        config = load(args.config, os.environ, flags)
    except ConfigError as e:
        print(f"mistral-lite: {e}", file=sys.stderr)
        return 2
    logs.configure(config.log_level, config.log_format)
    try:
        asyncio.run(serve(config))
    except OSError as e:
        logs.get("mistral_lite.server").error("cannot start", error=str(e))
        return 1
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    if args.command == "serve":
        return _serve(args)
    return 2


if __name__ == "__main__":
    sys.exit(main())
