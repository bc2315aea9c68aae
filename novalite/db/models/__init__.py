"""SQLAlchemy models of the two schemas: :mod:`.api` (API database) and :mod:`.cell` (cells).

Importing this package defines every table of both metadata.
"""

from novalite.db.models import api, cell
from novalite.db.models.base import ApiBase, CellBase

__all__ = ["ApiBase", "CellBase", "api", "cell"]
