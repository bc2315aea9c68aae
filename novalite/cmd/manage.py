"""``novalite-manage``: database and cell administration, as ``nova-manage`` does it."""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import sys
from collections.abc import Callable, Coroutine, Sequence
from pathlib import Path
from typing import Any

from novalite import conf, log
from novalite.builtin.identity import rotate_keys, setup_keys
from novalite.cmd import builtins, cells, services, startup, table, wiring
from novalite.db import migrate
from novalite.db.registry import DatabaseRegistry
from novalite.db.repositories.cell_mappings import CellMappingRepository
from novalite.errors import ConfigError

Command = Callable[[conf.Config, argparse.Namespace], Coroutine[Any, Any, int]]


async def api_db_sync(config: conf.Config, args: argparse.Namespace) -> int:
    """Create or upgrade the API database schema."""
    db = wiring.api_database(config)
    try:
        await migrate.sync(db, "api", args.version or "head")
    finally:
        await db.dispose()
    return 0


async def db_sync(config: conf.Config, args: argparse.Namespace) -> int:
    """Create or upgrade this cell's database (and cell0's unless --local_cell)."""
    api_db = wiring.api_database(config)
    try:
        if args.version:
            await migrate.sync(config.database.connection, "cell", args.version)
        else:
            await cells.sync_cell_dbs(
                api_db, config.database.connection, local_cell=args.local_cell
            )
    finally:
        await api_db.dispose()
    return 0


async def map_cell0(config: conf.Config, args: argparse.Namespace) -> int:
    """Map cell0 (its database defaults to the cell database's name + ``_cell0``)."""
    url = args.database_connection or cells.cell0_database_url(config.database.connection)
    api_db = wiring.api_database(config)
    try:
        _, created = await cells.map_cell0(api_db, url)
    finally:
        await api_db.dispose()
    if not created:
        print("Cell0 is already setup")
    return 0


async def create_cell(config: conf.Config, args: argparse.Namespace) -> int:
    """Map a new cell; exit 2 if one with the same URLs exists."""
    transport_url = args.transport_url or config.DEFAULT.transport_url
    database_connection = args.database_connection or config.database.connection
    api_db = wiring.api_database(config)
    try:
        cell = await cells.create_cell(
            api_db,
            name=args.name,
            transport_url=transport_url,
            database_connection=database_connection,
            disabled=args.disabled,
        )
    except cells.CellExists as exc:
        print(exc.message)
        return 2
    finally:
        await api_db.dispose()
    if args.verbose:
        print(cell.uuid)
    return 0


async def list_cells(config: conf.Config, args: argparse.Namespace) -> int:
    """Print every cell mapping; URLs' passwords masked unless --verbose."""
    api_db = wiring.api_database(config)
    try:
        all_cells = await CellMappingRepository(api_db).list_all()
    finally:
        await api_db.dispose()

    def shown(url: str) -> str:
        return url if args.verbose else conf.mask_url(url)

    rows = [
        (c.name, c.uuid, shown(c.transport_url), shown(c.database_connection), c.disabled)
        for c in sorted(all_cells, key=lambda c: c.name or "")
    ]
    headers = ("Name", "UUID", "Transport URL", "Database Connection", "Disabled")
    print(table.render(headers, rows))
    return 0


async def discover_hosts(config: conf.Config, args: argparse.Namespace) -> int:
    """Map unmapped compute hosts to their cells; with --strict exit 1 if none was found."""
    api_db = wiring.api_database(config)
    cell_databases = DatabaseRegistry(wiring.database_options(config.database))
    try:
        discovery = services.host_discovery(api_db, cell_databases)
        found = await discovery.discover(args.cell_uuid, by_service=args.by_service)
    finally:
        await cell_databases.dispose_all()
        await api_db.dispose()
    if args.verbose:
        for item in found:
            print(f"Found host {item.host} in cell {item.cell.name or ''} ({item.cell.uuid})")
    if args.strict and not found:
        return 1
    return 0


async def bootstrap(config: conf.Config, args: argparse.Namespace) -> int:
    """Provision the built-in identity service and write clouds.yaml (idempotent)."""
    config.state_path.mkdir(parents=True, exist_ok=True)
    credentials = builtins.load_credentials(config)
    async with contextlib.AsyncExitStack() as stack:
        _, db = await builtins.open_identity(config, stack)
        clouds = await builtins.bootstrap_identity(
            config, db, args.base_url.rstrip("/"), credentials
        )
    print(f"clouds.yaml: {clouds}")
    return 0


async def fernet_setup(config: conf.Config, args: argparse.Namespace) -> int:
    """Create the Fernet key repository of the built-in identity service if it has no keys."""
    setup_keys(Path(config.builtin_identity.key_repository))
    return 0


async def fernet_rotate(config: conf.Config, args: argparse.Namespace) -> int:
    """Rotate the Fernet keys: the staged key becomes primary, the oldest beyond the limit go."""
    section = config.builtin_identity
    rotate_keys(Path(section.key_repository), section.max_active_keys)
    return 0


async def config_sample(config: conf.Config, args: argparse.Namespace) -> int:
    """Print a documented sample configuration file."""
    sys.stdout.write(conf.sample())
    return 0


def build_parser() -> argparse.ArgumentParser:
    """The ``novalite-manage`` command line."""
    parser = argparse.ArgumentParser(prog="novalite-manage", description=__doc__)
    conf.add_cli_args(parser)
    categories = parser.add_subparsers(dest="category", required=True, metavar="CATEGORY")

    api_db = categories.add_parser("api_db", help="API database").add_subparsers(
        dest="action", required=True
    )
    sync = api_db.add_parser("sync", help="create or upgrade the API database schema")
    sync.add_argument("version", nargs="?", help="revision to upgrade to (default: latest)")
    sync.set_defaults(func=api_db_sync)

    db = categories.add_parser("db", help="cell database").add_subparsers(
        dest="action", required=True
    )
    sync = db.add_parser("sync", help="create or upgrade the cell database (and cell0's)")
    sync.add_argument("version", nargs="?", help="revision to upgrade to (default: latest)")
    sync.add_argument("--local_cell", action="store_true", help="leave cell0 alone")
    sync.set_defaults(func=db_sync)

    cell_v2 = categories.add_parser("cell_v2", help="cells").add_subparsers(
        dest="action", required=True
    )
    cmd = cell_v2.add_parser("map_cell0", help="map cell0")
    cmd.add_argument("--database_connection", help="cell0's database URL")
    cmd.set_defaults(func=map_cell0)

    cmd = cell_v2.add_parser("create_cell", help="map a new cell")
    cmd.add_argument("--name", help="the cell's name")
    cmd.add_argument("--transport-url", dest="transport_url", help="the cell's message bus")
    cmd.add_argument("--database_connection", help="the cell's database URL")
    cmd.add_argument("--verbose", action="store_true", help="print the new cell's uuid")
    cmd.add_argument("--disabled", action="store_true", help="create it disabled")
    cmd.set_defaults(func=create_cell)

    cmd = cell_v2.add_parser("list_cells", help="list the cells")
    cmd.add_argument("--verbose", action="store_true", help="show passwords in URLs")
    cmd.set_defaults(func=list_cells)

    cmd = cell_v2.add_parser("discover_hosts", help="map new compute hosts to their cells")
    cmd.add_argument("--cell_uuid", help="only this cell")
    cmd.add_argument("--verbose", action="store_true", help="print each host mapped")
    cmd.add_argument("--strict", action="store_true", help="exit 1 when no host was found")
    cmd.add_argument(
        "--by-service",
        dest="by_service",
        action="store_true",
        help="find hosts by their nova-compute service records instead of compute nodes",
    )
    cmd.set_defaults(func=discover_hosts)

    cmd = categories.add_parser(
        "bootstrap",
        help="provision the built-in identity service: domain, roles, users, projects, catalog",
    )
    cmd.add_argument(
        "--base-url",
        required=True,
        help="URL the HTTP services are reached at (the catalog is built under it)",
    )
    cmd.set_defaults(func=bootstrap, action="")

    identity = categories.add_parser(
        "identity", help="the built-in identity service's token keys"
    ).add_subparsers(dest="action", required=True)
    identity.add_parser("fernet_setup", help="create the token keys").set_defaults(
        func=fernet_setup
    )
    identity.add_parser("fernet_rotate", help="rotate the token keys").set_defaults(
        func=fernet_rotate
    )

    config = categories.add_parser("config", help="configuration").add_subparsers(
        dest="action", required=True
    )
    config.add_parser("sample", help="print a documented sample file").set_defaults(
        func=config_sample
    )
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``novalite-manage`` console script."""
    args = build_parser().parse_args(argv)
    prog = " ".join(filter(None, ("novalite-manage", args.category, args.action)))
    try:
        config = conf.load_from_args(args)
    except ConfigError as exc:
        return startup.fail(prog, exc, exit_code=2)
    log.setup(debug=config.DEFAULT.debug, use_json=config.DEFAULT.use_json)
    command: Command = args.func
    try:
        return asyncio.run(command(config, args))
    except startup.STARTUP_ERRORS as exc:
        return startup.fail(prog, exc)


if __name__ == "__main__":
    sys.exit(main())
