"""``novalite``: run one service (or all of them in one process)."""

from __future__ import annotations

import argparse
import dataclasses
import logging
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from novalite import __version__, conf, log
from novalite.cmd import event_loop, services, startup
from novalite.cmd.all_in_one import run_all_in_one
from novalite.cmd.builtins import run_builtins

LOG = logging.getLogger(__name__)


@dataclasses.dataclass(frozen=True)
class ServiceSpec:
    """A ``novalite`` subcommand."""

    help: str
    run: Callable[[conf.Config, argparse.Namespace], Coroutine[Any, Any, None]]


SERVICES: dict[str, ServiceSpec] = {
    "all-in-one": ServiceSpec(
        "every service in one process (SQLite, in-process bus)", run_all_in_one
    ),
    "api": ServiceSpec("the Compute API on osapi_compute_listen", services.run_api),
    "conductor": ServiceSpec("the conductor", services.run_conductor),
    "scheduler": ServiceSpec("the scheduler", services.run_scheduler),
    "compute": ServiceSpec(
        "a compute host (no database access: it talks to the conductor)", services.run_compute
    ),
    "metadata": ServiceSpec("the guest metadata service on metadata_listen", services.run_metadata),
    "builtins": ServiceSpec(
        "the built-in identity and placement services, for split deployments", run_builtins
    ),
}


def build_parser() -> argparse.ArgumentParser:
    """The ``novalite`` command line: one subcommand per service."""
    parser = argparse.ArgumentParser(prog="novalite", description=__doc__)
    parser.add_argument("--version", action="version", version=f"novalite {__version__}")
    common = argparse.ArgumentParser(add_help=False)
    conf.add_cli_args(common)
    sub = parser.add_subparsers(dest="service", required=True, metavar="SERVICE")
    for name, spec in SERVICES.items():
        service = sub.add_parser(name, parents=[common], help=spec.help)
        if name == "compute":
            service.add_argument(
                "--fake-hosts",
                type=int,
                default=0,
                metavar="N",
                help="simulate N compute hosts in this process (fake.FakeDriver only), named "
                "<host>-1 ... <host>-N",
            )
    return parser


def setup_logging(config: conf.Config) -> None:
    """Configure logging from ``[DEFAULT] debug/use_json/log_file/log_dir``."""
    defaults = config.DEFAULT
    log_file: Path | None = None
    if defaults.log_file:
        log_file = Path(defaults.log_file)
        if defaults.log_dir and not log_file.is_absolute():
            log_file = Path(defaults.log_dir) / log_file
    log.setup(debug=defaults.debug, use_json=defaults.use_json, log_file=log_file)


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``novalite`` console script."""
    args = build_parser().parse_args(argv)
    prog = f"novalite {args.service}"
    try:
        config = conf.load_from_args(args)
    except conf.ConfigError as exc:
        return startup.fail(prog, exc, exit_code=2)
    setup_logging(config)
    spec = SERVICES[args.service]
    try:
        event_loop.run(spec.run(config, args))
    except KeyboardInterrupt:
        return 130
    except startup.STARTUP_ERRORS as exc:
        return startup.fail(prog, exc)
    return 0


if __name__ == "__main__":
    sys.exit(main())
