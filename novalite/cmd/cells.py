"""Setting up the databases and cell mappings (shared by novalite-manage and the all-in-one)."""

from __future__ import annotations

import logging
import os

from sqlalchemy.engine import make_url

from novalite.db import migrate
from novalite.db.engine import Database
from novalite.db.repositories.cell_mappings import CellMappingRepository
from novalite.domain.cell import CELL0_UUID, CellMapping
from novalite.errors import CellMappingNotFound, Conflict

LOG = logging.getLogger(__name__)

#: cell0 has no message bus: nothing ever runs there.
CELL0_TRANSPORT_URL = "none:///"


class CellExists(Conflict):
    """A cell with the same database and transport URLs is already mapped."""

    code = "novalite.cell.exists"
    msg_fmt = (
        "The specified transport_url and/or database_connection combination already "
        "exists for another cell with uuid {uuid}."
    )


def cell0_database_url(main_url: str) -> str:
    """nova's default cell0 URL: the cell database's name with ``_cell0`` before its extension."""
    url = make_url(main_url)
    root, ext = os.path.splitext(url.database or "nova")
    return url.set(database=f"{root}_cell0{ext}").render_as_string(hide_password=False)


async def sync_api_db(api_db: Database) -> None:
    """Create or upgrade the API database schema."""
    await migrate.sync(api_db, "api")


async def sync_cell_dbs(api_db: Database, main_url: str, *, local_cell: bool = False) -> None:
    """Create or upgrade the cell database at ``main_url`` and, unless ``local_cell``, cell0's."""
    await migrate.sync(main_url, "cell")
    if local_cell:
        return
    try:
        cell0 = await CellMappingRepository(api_db).get_cell0()
    except CellMappingNotFound:
        LOG.info("cell0 is not mapped yet: only the main cell database was synced")
        return
    if cell0.database_connection != main_url:
        await migrate.sync(cell0.database_connection, "cell")


async def map_cell0(api_db: Database, database_connection: str) -> tuple[CellMapping, bool]:
    """Map cell0 (idempotent); returns the mapping and whether it was created now."""
    cells = CellMappingRepository(api_db)
    try:
        return await cells.get_cell0(), False
    except CellMappingNotFound:
        pass
    cell0 = CellMapping(
        uuid=CELL0_UUID,
        name="cell0",
        transport_url=CELL0_TRANSPORT_URL,
        database_connection=database_connection,
    )
    return await cells.create(cell0), True


async def create_cell(
    api_db: Database,
    *,
    name: str | None,
    transport_url: str,
    database_connection: str,
    disabled: bool = False,
) -> CellMapping:
    """Map a new cell; CellExists if one with the same URLs is mapped already."""
    cells = CellMappingRepository(api_db)
    existing = await find_cell(cells, transport_url, database_connection)
    if existing is not None:
        raise CellExists(uuid=existing.uuid)
    cell = CellMapping(
        name=name,
        transport_url=transport_url,
        database_connection=database_connection,
        disabled=disabled,
    )
    return await cells.create(cell)


async def ensure_cell(
    api_db: Database, *, name: str, transport_url: str, database_connection: str
) -> CellMapping:
    """The cell mapped to these URLs, created if there is none (for the all-in-one)."""
    cells = CellMappingRepository(api_db)
    existing = await find_cell(cells, transport_url, database_connection)
    if existing is not None:
        return existing
    return await cells.create(
        CellMapping(name=name, transport_url=transport_url, database_connection=database_connection)
    )


async def find_cell(
    cells: CellMappingRepository, transport_url: str, database_connection: str
) -> CellMapping | None:
    """The non-cell0 cell with exactly these transport and database URLs, if any."""
    for cell in await cells.list_all():
        if cell.is_cell0:
            continue
        if cell.transport_url == transport_url and cell.database_connection == database_connection:
            return cell
    return None
