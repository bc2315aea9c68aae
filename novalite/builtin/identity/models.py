"""The identity service's tables (its own metadata, migrated as the ``identity`` schema)."""

from __future__ import annotations

import datetime
import pathlib

from sqlalchemy import Double, ForeignKey, MetaData, String, Text, UniqueConstraint
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

from novalite.db import migrate
from novalite.db.models.base import NAMING_CONVENTION, UTCDateTime, table_args, utcnow

SCHEMA = "identity"
_ID = String(64)


class IdentityBase(DeclarativeBase):
    """Declarative base of the identity tables."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {datetime.datetime: UTCDateTime()}


class Domain(IdentityBase):
    """A keystone domain."""

    __tablename__ = "identity_domains"
    __table_args__ = table_args(UniqueConstraint("name"))
    id: Mapped[str] = mapped_column(_ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(default=True)


class Project(IdentityBase):
    """A project, owned by a domain."""

    __tablename__ = "identity_projects"
    __table_args__ = table_args(UniqueConstraint("domain_id", "name"))
    id: Mapped[str] = mapped_column(_ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    domain_id: Mapped[str] = mapped_column(_ID, ForeignKey("identity_domains.id"))
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(default=True)


class User(IdentityBase):
    """A local user with an argon2 password hash."""

    __tablename__ = "identity_users"
    __table_args__ = table_args(UniqueConstraint("domain_id", "name"))
    id: Mapped[str] = mapped_column(_ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    domain_id: Mapped[str] = mapped_column(_ID, ForeignKey("identity_domains.id"))
    enabled: Mapped[bool] = mapped_column(default=True)
    password_hash: Mapped[str | None] = mapped_column(String(255))
    default_project_id: Mapped[str | None] = mapped_column(_ID)
    description: Mapped[str] = mapped_column(Text, default="")
    email: Mapped[str | None] = mapped_column(String(255))
    created_at: Mapped[datetime.datetime] = mapped_column(default=utcnow)


class Role(IdentityBase):
    """A global role."""

    __tablename__ = "identity_roles"
    __table_args__ = table_args(UniqueConstraint("name"))
    id: Mapped[str] = mapped_column(_ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")


class ImpliedRole(IdentityBase):
    """``prior_role`` implies ``implied_role``."""

    __tablename__ = "identity_implied_roles"
    __table_args__ = table_args()
    prior_role_id: Mapped[str] = mapped_column(
        _ID, ForeignKey("identity_roles.id", ondelete="CASCADE"), primary_key=True
    )
    implied_role_id: Mapped[str] = mapped_column(
        _ID, ForeignKey("identity_roles.id", ondelete="CASCADE"), primary_key=True
    )


class Assignment(IdentityBase):
    """A user's role on a project, a domain or the system (``target_type``)."""

    __tablename__ = "identity_assignments"
    __table_args__ = table_args()
    user_id: Mapped[str] = mapped_column(_ID, primary_key=True)
    target_type: Mapped[str] = mapped_column(String(16), primary_key=True)
    target_id: Mapped[str] = mapped_column(_ID, primary_key=True)
    role_id: Mapped[str] = mapped_column(_ID, primary_key=True)


class Region(IdentityBase):
    """A catalog region."""

    __tablename__ = "identity_regions"
    __table_args__ = table_args()
    id: Mapped[str] = mapped_column(String(255), primary_key=True)
    description: Mapped[str] = mapped_column(Text, default="")
    parent_region_id: Mapped[str | None] = mapped_column(String(255))


class Service(IdentityBase):
    """A catalog service."""

    __tablename__ = "identity_services"
    __table_args__ = table_args()
    id: Mapped[str] = mapped_column(_ID, primary_key=True)
    type: Mapped[str] = mapped_column(String(255))
    name: Mapped[str] = mapped_column(String(255), default="")
    description: Mapped[str] = mapped_column(Text, default="")
    enabled: Mapped[bool] = mapped_column(default=True)


class Endpoint(IdentityBase):
    """A service's URL for one interface in one region."""

    __tablename__ = "identity_endpoints"
    __table_args__ = table_args()
    id: Mapped[str] = mapped_column(_ID, primary_key=True)
    service_id: Mapped[str] = mapped_column(
        _ID, ForeignKey("identity_services.id", ondelete="CASCADE")
    )
    interface: Mapped[str] = mapped_column(String(8))
    region_id: Mapped[str | None] = mapped_column(String(255))
    url: Mapped[str] = mapped_column(Text)
    enabled: Mapped[bool] = mapped_column(default=True)


class ApplicationCredential(IdentityBase):
    """An application credential: a secret (hashed) bound to a user, a project and roles."""

    __tablename__ = "identity_application_credentials"
    __table_args__ = table_args(UniqueConstraint("user_id", "name"))
    id: Mapped[str] = mapped_column(_ID, primary_key=True)
    name: Mapped[str] = mapped_column(String(255))
    user_id: Mapped[str] = mapped_column(_ID)
    project_id: Mapped[str] = mapped_column(_ID)
    secret_hash: Mapped[str] = mapped_column(String(255))
    description: Mapped[str] = mapped_column(Text, default="")
    expires_at: Mapped[datetime.datetime | None] = mapped_column()
    unrestricted: Mapped[bool] = mapped_column(default=False)
    #: Role ids, comma separated.
    role_ids: Mapped[str] = mapped_column(Text, default="")


class RevocationEvent(IdentityBase):
    """Tokens matching every non-null field and issued before ``issued_before`` are revoked."""

    __tablename__ = "identity_revocation_events"
    __table_args__ = table_args()
    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=True)
    audit_id: Mapped[str | None] = mapped_column(String(64), index=True)
    user_id: Mapped[str | None] = mapped_column(_ID, index=True)
    project_id: Mapped[str | None] = mapped_column(_ID)
    #: POSIX timestamp (a float keeps microseconds on every backend, MySQL included).
    issued_before: Mapped[float] = mapped_column(Double)


def register() -> None:
    """Make the ``identity`` schema known to :mod:`novalite.db.migrate`."""
    migrate.register_schema(
        SCHEMA, IdentityBase.metadata, pathlib.Path(__file__).parent / "migrations"
    )
