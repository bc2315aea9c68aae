"""Command-line options that choose the configuration files, as nova's services have them."""

from __future__ import annotations

import argparse

from novalite.conf.config import Config
from novalite.conf.loader import DEFAULT_CONFIG_FILES, load


def add_cli_args(parser: argparse.ArgumentParser) -> None:
    """Add the repeatable ``--config-file`` and ``--config-dir`` options to ``parser``."""
    default = ", ".join(str(path) for path in DEFAULT_CONFIG_FILES)
    parser.add_argument(
        "--config-file",
        action="append",
        default=[],
        metavar="PATH",
        help=(
            "configuration file to read; repeat for more, later files winning "
            f"(default: {default} if it exists)"
        ),
    )
    parser.add_argument(
        "--config-dir",
        action="append",
        default=[],
        metavar="DIR",
        help="directory whose *.conf files are read, in name order, after the --config-file files",
    )


def load_from_args(namespace: argparse.Namespace) -> Config:
    """Load the configuration chosen by the options :func:`add_cli_args` added."""
    return load(
        getattr(namespace, "config_file", None) or (),
        getattr(namespace, "config_dir", None) or (),
    )
