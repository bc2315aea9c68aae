"""Key pairs: users' public keys (ssh or x509)."""

from __future__ import annotations

import dataclasses
import datetime

from novalite.domain.base import DomainObject

KEYPAIR_TYPE_SSH = "ssh"
KEYPAIR_TYPE_X509 = "x509"


@dataclasses.dataclass(kw_only=True, eq=False)
class KeyPair(DomainObject):
    """A named public key of one user."""

    VERSION = "1.0"

    id: int | None = None
    name: str
    user_id: str
    fingerprint: str | None = None
    public_key: str | None = None
    type: str = KEYPAIR_TYPE_SSH
    created_at: datetime.datetime | None = None
    updated_at: datetime.datetime | None = None
