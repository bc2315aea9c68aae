"""nova.conf-style configuration, typed and validated at start-up.

Load once at start-up and pass the result around::

    conf = novalite.conf.load(["/etc/novalite/novalite.conf"])
    conf.DEFAULT.host
    conf.database.connection
    conf.libvirt.virt_type

Options keep nova's section and option names; see docs/configuration.md.
"""

from __future__ import annotations

from novalite.conf.cli import add_cli_args, load_from_args
from novalite.conf.config import TOLERATED_SECTIONS, Config
from novalite.conf.loader import DEFAULT_CONFIG_FILES, config_file_list, load
from novalite.conf.masking import mask_url
from novalite.conf.sample import sample
from novalite.errors import ConfigError

__all__ = [
    "DEFAULT_CONFIG_FILES",
    "TOLERATED_SECTIONS",
    "Config",
    "ConfigError",
    "add_cli_args",
    "config_file_list",
    "load",
    "load_from_args",
    "mask_url",
    "sample",
]
