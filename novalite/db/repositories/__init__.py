"""Repositories: one module per noun, each taking a ``Database`` and returning domain objects."""

from novalite.db.repositories.cell_mappings import CellMappingRepository, CellUsage
from novalite.db.repositories.compute_nodes import ComputeNodeRepository
from novalite.db.repositories.host_mappings import HostMappingRepository
from novalite.db.repositories.services import ServiceRepository

__all__ = [
    "CellMappingRepository",
    "CellUsage",
    "ComputeNodeRepository",
    "HostMappingRepository",
    "ServiceRepository",
]
